//! An [`Abi`] read back (from a file or a binary's notes) as the model, so
//! that everything built on the model (record layouts, decoders, `verify`)
//! serves a provider known only by its ABI. The ABI may come from a file
//! or a binary nobody checked: every field is checked here, and the error
//! names the tracepoint and argument.

use super::{Abi, ArgAbi, TracepointAbi};
use crate::check;
use crate::model::doc::Doc;
use crate::model::{
    Arg, ArgType, BytesDisplay, BytesLen, Limits, MAX_BUFFER_CAP, MAX_NAME_LEN, MAX_STR_LEN,
    NamedValue, Provider, Tracepoint, Unit,
};
use proc_macro2::Span;

impl Abi {
    /// The provider this ABI describes, as the model; the error says which
    /// tracepoint or argument does not fit the rules of a declaration.
    pub fn provider(&self) -> Result<Provider, String> {
        // Names are shown escaped: one read from a file may hold anything,
        // a newline or a terminal's escape sequence included.
        if !is_name(&self.provider) {
            return Err(format!(
                "provider name `{}` is not an identifier",
                self.provider.escape_debug()
            ));
        }
        let tracepoints = self
            .tracepoints
            .iter()
            .enumerate()
            .map(|(index, t)| {
                tracepoint(index, t)
                    .map_err(|e| format!("{}:{}: {e}", self.provider, t.name.escape_debug()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, t) in tracepoints.iter().enumerate() {
            if tracepoints[..i].iter().any(|other| other.name == t.name) {
                return Err(format!("{}:{}: declared twice", self.provider, t.name));
            }
        }
        Ok(Provider {
            name: self.provider.clone(),
            doc: Doc::default(),
            tracepoints,
            embed_docs: true,
        })
    }
}

fn tracepoint(index: usize, abi: &TracepointAbi) -> Result<Tracepoint, String> {
    if !is_name(&abi.name) {
        return Err("the name is not an identifier".into());
    }
    let max = Limits::NATIVE.max_args;
    if abi.args.len() > max {
        return Err(format!("{} arguments, at most {max}", abi.args.len()));
    }
    let mut args = Vec::with_capacity(abi.args.len());
    for (i, a) in abi.args.iter().enumerate() {
        let arg = arg(a, &abi.args)
            .map_err(|e| format!("argument {} `{}`: {e}", i + 1, a.name.escape_debug()))?;
        if args.iter().any(|other: &Arg| other.name == arg.name) {
            return Err(format!("argument `{}` appears twice", arg.name));
        }
        args.push(arg);
    }
    let log = match &abi.log {
        Some(text) => Some(check::log_line(text, &args).map_err(|e| format!("log line: {e}"))?),
        None => None,
    };
    Ok(Tracepoint {
        index,
        name: abi.name.clone(),
        doc: Doc::parse(abi.doc.clone()),
        args,
        doc_after: Doc::default(),
        log,
        span: Span::call_site(),
    })
}

fn arg(abi: &ArgAbi, args: &[ArgAbi]) -> Result<Arg, String> {
    if !is_name(&abi.name) {
        return Err("the name is not an identifier".into());
    }
    let ty = arg_type(abi, args)?;
    within_limits(ty)?;
    if i64::from(ty.sdt_size()) != abi.sdt_size {
        return Err(format!(
            "size {} for a `{}`, which passes {}",
            abi.sdt_size,
            abi.ty,
            ty.sdt_size()
        ));
    }
    let (unit, values) = meaning(abi, ty)?;
    Ok(Arg {
        name: abi.name.clone(),
        doc: Doc::parse(abi.doc.clone()),
        ty,
        length_doc: None,
        values,
        unit,
        span: Span::call_site(),
    })
}

/// The argument's type, from its spelling, length and display.
fn arg_type(abi: &ArgAbi, args: &[ArgAbi]) -> Result<ArgType, String> {
    let length = |kind: &str| match &abi.length {
        Some(length) if length.kind == kind => u32::try_from(length.value)
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("length {} is not a positive 32-bit number", length.value)),
        Some(length) => Err(format!("length kind `{}` for a `{}`", length.kind, abi.ty)),
        None => Err(format!("a `{}` needs a length", abi.ty)),
    };
    Ok(match abi.ty.as_str() {
        "&str" => ArgType::Str {
            max_len: length("max_len")?,
        },
        "&CStr" => ArgType::CStr {
            max_len: length("max_len")?,
        },
        "&[u8]" => {
            let display = match abi.display.as_deref() {
                None | Some("hex") => BytesDisplay::Hex,
                Some("hash") => BytesDisplay::Hash,
                Some(other) => return Err(format!("display `{other}`: `hex` or `hash`")),
            };
            let len = match abi.length.as_ref().map(|l| l.kind.as_str()) {
                Some("len_arg") => BytesLen::Arg {
                    index: length_arg(abi, args)?,
                    max_len: length("len_arg")?,
                },
                _ => BytesLen::Fixed(length("len")?),
            };
            ArgType::Bytes { len, display }
        }
        scalar => ArgType::from_rust_scalar(scalar).ok_or_else(|| {
            format!("type `{scalar}`: an integer, `bool`, `&str`, `&CStr` or `&[u8]`")
        })?,
    })
}

/// The position of the integer argument that holds a buffer's length.
fn length_arg(abi: &ArgAbi, args: &[ArgAbi]) -> Result<usize, String> {
    let name = abi.length.as_ref().and_then(|l| l.arg.as_deref());
    let index = args
        .iter()
        .position(|a| Some(a.name.as_str()) == name)
        .ok_or_else(|| format!("its length argument {name:?} is not an argument"))?;
    let integer = ArgType::from_rust_scalar(&args[index].ty).and_then(ArgType::integer_range);
    if integer.is_none() {
        return Err(format!(
            "its length argument `{}` is not an integer",
            args[index].name
        ));
    }
    Ok(index)
}

/// The length limits of a declaration: a string or fixed buffer at most
/// [`MAX_STR_LEN`] bytes, a variable buffer's cap at most
/// [`MAX_BUFFER_CAP`].
fn within_limits(ty: ArgType) -> Result<(), String> {
    let (len, most) = match ty {
        ArgType::Str { max_len } | ArgType::CStr { max_len } => (max_len, MAX_STR_LEN),
        ArgType::Bytes {
            len: BytesLen::Fixed(len),
            ..
        } => (len, MAX_STR_LEN),
        ArgType::Bytes {
            len: BytesLen::Arg { max_len, .. },
            ..
        } => (max_len, MAX_BUFFER_CAP),
        _ => return Ok(()),
    };
    if len > most {
        return Err(format!("length {len}: at most {most}"));
    }
    Ok(())
}

/// An integer's unit and named values, each checked against its type.
fn meaning(abi: &ArgAbi, ty: ArgType) -> Result<(Option<Unit>, Vec<NamedValue>), String> {
    let unit = match &abi.unit {
        Some(symbol) => {
            Some(Unit::from_symbol(symbol).ok_or_else(|| format!("unknown unit `{symbol}`"))?)
        }
        None => None,
    };
    let range = ty.integer_range();
    if (unit.is_some() || !abi.values.is_empty()) && range.is_none() {
        return Err("a unit or named values on a value that is not an integer".into());
    }
    let values = abi
        .values
        .iter()
        .map(|v| {
            let (low, high) = range.expect("checked above");
            if v.value < low || v.value > high || !is_name(&v.name) {
                return Err(format!(
                    "named value {} = `{}` does not fit",
                    v.value, v.name
                ));
            }
            Ok(NamedValue {
                value: v.value,
                name: v.name.clone(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((unit, values))
}

/// Whether `name` is an ASCII identifier that tracers can print as is.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= MAX_NAME_LEN
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error of the provider whose one tracepoint has `args` (JSON).
    fn error(args: &str) -> String {
        let text = format!(
            r#"{{"format": 1, "generated_by": "", "regenerate": "", "provider": "p", "abi_version": 1,
                "tracepoints": [{{"name": "t", "doc": "d", "args": [{args}]}}]}}"#
        );
        Abi::parse(&text).unwrap().provider().unwrap_err()
    }

    #[test]
    fn every_field_a_declaration_could_not_hold_is_refused() {
        let cases = [
            (
                r#"{"name": "a", "type": "f64", "sdt_size": 8, "doc": ""}"#,
                "p:t: argument 1 `a`: type `f64`: an integer, `bool`, `&str`, `&CStr` or `&[u8]`",
            ),
            (
                r#"{"name": "a", "type": "i32", "sdt_size": 8, "doc": ""}"#,
                "p:t: argument 1 `a`: size 8 for a `i32`, which passes -4",
            ),
            (
                r#"{"name": "a", "type": "&str", "sdt_size": 8, "doc": ""}"#,
                "p:t: argument 1 `a`: a `&str` needs a length",
            ),
            (
                r#"{"name": "a", "type": "&str", "sdt_size": 8, "length": {"kind": "max_len", "value": 0}, "doc": ""}"#,
                "p:t: argument 1 `a`: length 0 is not a positive 32-bit number",
            ),
            (
                r#"{"name": "a", "type": "&str", "sdt_size": 8, "length": {"kind": "max_len", "value": 99999}, "doc": ""}"#,
                "p:t: argument 1 `a`: length 99999: at most 4096",
            ),
            (
                r#"{"name": "a", "type": "&[u8]", "sdt_size": 8, "length": {"kind": "len_arg", "arg": "n", "value": 8}, "doc": ""}"#,
                "p:t: argument 1 `a`: its length argument Some(\"n\") is not an argument",
            ),
            (
                r#"{"name": "n", "type": "&str", "sdt_size": 8, "length": {"kind": "max_len", "value": 8}, "doc": ""},
                   {"name": "a", "type": "&[u8]", "sdt_size": 8, "length": {"kind": "len_arg", "arg": "n", "value": 8}, "doc": ""}"#,
                "p:t: argument 2 `a`: its length argument `n` is not an integer",
            ),
            (
                r#"{"name": "a", "type": "u8", "sdt_size": 1, "unit": "parsecs", "doc": ""}"#,
                "p:t: argument 1 `a`: unknown unit `parsecs`",
            ),
            (
                r#"{"name": "a", "type": "u8", "sdt_size": 1, "values": [{"value": 256, "name": "big"}], "doc": ""}"#,
                "p:t: argument 1 `a`: named value 256 = `big` does not fit",
            ),
            (
                r#"{"name": "a b", "type": "u8", "sdt_size": 1, "doc": ""}"#,
                "p:t: argument 1 `a b`: the name is not an identifier",
            ),
            (
                r#"{"name": "a", "type": "u8", "sdt_size": 1, "doc": ""},
                   {"name": "a", "type": "u8", "sdt_size": 1, "doc": ""}"#,
                "p:t: argument `a` appears twice",
            ),
        ];
        for (args, expected) in cases {
            assert_eq!(error(args), expected, "{args}");
        }
        let thirteen = vec![r#"{"name": "a", "type": "u8", "sdt_size": 1, "doc": ""}"#; 13];
        assert_eq!(error(&thirteen.join(",")), "p:t: 13 arguments, at most 12");
    }
}
