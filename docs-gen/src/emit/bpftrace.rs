//! bpftrace: a reader script per provider and a logging script built from
//! the declared log lines. Both take the traced binary as their first
//! argument (`$1`).
//!
//! bpftrace 0.17 keeps every `str()` and `buf()` value on the 512-byte BPF
//! stack, `BPFTRACE_STRLEN` bytes each (one size for the whole script, at
//! most 200), and a `printf` copies its values there once more. So the
//! scripts budget each `printf`: a line whose values do not fit one is
//! printed by several consecutive `printf` calls (measured here: two
//! 160-byte strings, or three of 120, fit one `printf`; two of 180 do not;
//! consecutive calls reuse the stack). Byte buffers of fixed length are read
//! byte by byte as hex (`%02x`), hashes from their last byte to their first.

use super::Origin;
use super::out::{Comment, Out};
use tracepoints_codegen::model::{
    ArgType, BPFTRACE_MAX_ARGS, BPFTRACE_STRLEN_MAX, BytesDisplay, BytesLen, LogPiece, Provider,
    Tracepoint,
};
use tracepoints_codegen::names::files;

/// The stack a `printf`'s values may take, in bytes: the 512-byte BPF
/// stack less a margin for bpftrace's own locals.
const PRINTF_BUDGET: u32 = 480;

/// The most values one `printf` takes.
const PRINTF_MAX_VALUES: usize = 32;

/// The `BPFTRACE_STRLEN` the scripts of `providers` set: enough for the
/// longest string (and its NUL) or variable buffer they print, at least
/// bpftrace's default 64 and at most the 200 bpftrace 0.17 allows.
pub fn strlen<'a>(providers: impl IntoIterator<Item = &'a Provider>) -> u32 {
    providers
        .into_iter()
        .flat_map(|p| &p.tracepoints)
        .flat_map(|t| &t.args[..t.args.len().min(BPFTRACE_MAX_ARGS)])
        .filter_map(|a| match a.ty {
            ArgType::Bytes {
                len: BytesLen::Fixed(_),
                ..
            } => None,
            ty => ty.buffer_len(),
        })
        .max()
        .map_or(64, |n| n.clamp(64, BPFTRACE_STRLEN_MAX))
}

/// How many bytes of an argument a script with `BPFTRACE_STRLEN` `strlen`
/// prints: all of a fixed buffer, up to `strlen - 1` bytes of a string, up
/// to `strlen` bytes of a variable buffer; `None` for a scalar.
pub fn kept(ty: ArgType, strlen: u32) -> Option<u32> {
    match ty {
        ArgType::Str { max_len } | ArgType::CStr { max_len } => Some(max_len.min(strlen - 1)),
        ArgType::Bytes {
            len: BytesLen::Fixed(len),
            ..
        } => Some(len),
        ArgType::Bytes {
            len: BytesLen::Arg { max_len, .. },
            ..
        } => Some(max_len.min(strlen)),
        _ => None,
    }
}

/// `(cast, printf specifier)` of a scalar argument.
fn scalar(ty: ArgType) -> (&'static str, &'static str) {
    match ty {
        ArgType::I8 => ("int8", "%d"),
        ArgType::I16 => ("int16", "%d"),
        ArgType::I32 => ("int32", "%d"),
        ArgType::I64 => ("int64", "%ld"),
        ArgType::U8 | ArgType::Bool => ("uint8", "%u"),
        ArgType::U16 => ("uint16", "%u"),
        ArgType::U32 => ("uint32", "%u"),
        _ => ("uint64", "%lu"),
    }
}

/// One piece of a printed line.
enum Piece {
    /// Text printed as is (already a format-string literal).
    Text(String),
    /// A value: its printf specifier, its expression, and whether it is a
    /// `str()`/`buf()` (which takes `BPFTRACE_STRLEN` bytes of stack).
    Value {
        spec: &'static str,
        expr: String,
        buffer: bool,
    },
}

/// Whether argument `index` of `tracepoint` can be read by bpftrace, and
/// for a variable buffer, its length argument too.
fn readable(tracepoint: &Tracepoint, index: usize) -> bool {
    index < BPFTRACE_MAX_ARGS
        && tracepoint.args[index]
            .ty
            .length_arg()
            .is_none_or(|length| length < BPFTRACE_MAX_ARGS)
}

/// The pieces that print argument `index` of `tracepoint` (its value
/// variable is `$name`; a variable buffer's kept length is `$_name_len`,
/// which no argument's variable can be: argument names start with a letter).
fn value_pieces(tracepoint: &Tracepoint, index: usize, strlen: u32) -> Vec<Piece> {
    let arg = &tracepoint.args[index];
    let name = &arg.name;
    match arg.ty {
        ArgType::Str { .. } | ArgType::CStr { .. } => vec![Piece::Value {
            spec: "%s",
            expr: format!("str(arg{index}, {})", kept(arg.ty, strlen).unwrap_or(0)),
            buffer: true,
        }],
        ArgType::Bytes {
            len: BytesLen::Fixed(len),
            display,
        } => {
            let bytes: Box<dyn Iterator<Item = u32>> = match display {
                BytesDisplay::Hex => Box::new(0..len),
                BytesDisplay::Hash => Box::new((0..len).rev()),
            };
            bytes
                .map(|i| Piece::Value {
                    spec: "%02x",
                    expr: format!("*(uint8 *)(${name} + {i})"),
                    buffer: false,
                })
                .collect()
        }
        ArgType::Bytes { .. } => vec![Piece::Value {
            spec: "%rx",
            expr: format!("buf(${name}, $_{name}_len)"),
            buffer: true,
        }],
        _ => vec![Piece::Value {
            spec: scalar(arg.ty).1,
            expr: format!("${name}"),
            buffer: false,
        }],
    }
}

/// The statements that read the arguments the pieces use into variables:
/// scalars cast to their type, pointers as they are, a variable buffer's
/// length cut to what the script keeps.
fn read_args(out: &mut Out, tracepoint: &Tracepoint, strlen: u32, docs: bool) {
    for (i, arg) in tracepoint.args.iter().enumerate() {
        if i >= BPFTRACE_MAX_ARGS {
            writeln!(
                out,
                "  // arg{i} `{}`: bpftrace reads only arg0..arg{} on x86-64; use the BCC or libbpf reader.",
                arg.name,
                BPFTRACE_MAX_ARGS - 1
            );
            continue;
        }
        if docs {
            out.comment("  //", &arg.plain_doc());
        }
        let name = &arg.name;
        match arg.ty {
            ArgType::Str { .. } | ArgType::CStr { .. } => {}
            ArgType::Bytes { .. } => writeln!(out, "  ${name} = arg{i};"),
            ty => writeln!(out, "  ${name} = ({}) arg{i};", scalar(ty).0),
        }
    }
    for (i, arg) in tracepoint.args.iter().enumerate() {
        let (Some(length), Some(cap)) = (arg.ty.length_arg(), kept(arg.ty, strlen)) else {
            continue;
        };
        if !readable(tracepoint, i) {
            continue;
        }
        let name = &arg.name;
        writeln!(out, "  $_{name}_len = (uint64) arg{length};");
        writeln!(
            out,
            "  if ($_{name}_len > {cap}) {{ $_{name}_len = {cap}; }}"
        );
    }
}

/// Prints `pieces` as one line with as few `printf` calls as the stack
/// budget allows (see the module docs), each indented by two spaces.
fn print_line(out: &mut Out, pieces: Vec<Piece>, strlen: u32) {
    let mut format = String::new();
    let mut values: Vec<String> = Vec::new();
    let mut buffers = 0u32;
    let cost = |buffers: u32, values: usize| {
        let buffer_stack = if buffers > 0 {
            (buffers + 1) * strlen
        } else {
            0
        };
        buffer_stack + 8 * (values as u32 + 1)
    };
    let flush = |out: &mut Out, format: &mut String, values: &mut Vec<String>| {
        if format.is_empty() && values.is_empty() {
            return;
        }
        if values.is_empty() {
            writeln!(out, "  printf(\"{format}\");");
        } else {
            writeln!(out, "  printf(\"{format}\", {});", values.join(", "));
        }
        format.clear();
        values.clear();
    };
    for piece in pieces {
        match piece {
            Piece::Text(text) => format.push_str(&text),
            Piece::Value { spec, expr, buffer } => {
                let more = u32::from(buffer);
                if !values.is_empty()
                    && (values.len() == PRINTF_MAX_VALUES
                        || cost(buffers + more, values.len() + 1) > PRINTF_BUDGET)
                {
                    flush(out, &mut format, &mut values);
                    buffers = 0;
                }
                format.push_str(spec);
                values.push(expr);
                buffers += more;
            }
        }
    }
    format.push_str("\\n");
    flush(out, &mut format, &mut values);
}

/// `text` as the inside of a bpftrace printf format string.
fn format_literal(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '%' => out.push_str("%%"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// What the scripts of `providers` (the tracepoints in `printed`) cut or
/// cannot read, one sentence per argument.
fn shortened(printed: &[(&Provider, &Tracepoint)], strlen: u32) -> Vec<String> {
    let mut notes = Vec::new();
    for (provider, tracepoint) in printed {
        let probe = tracepoint.probe_name(provider);
        for (i, arg) in tracepoint.args.iter().enumerate() {
            let name = &arg.name;
            if !readable(tracepoint, i) {
                notes.push(format!(
                    "{probe} `{name}`: not read (bpftrace reads arg0..arg{} only).",
                    BPFTRACE_MAX_ARGS - 1
                ));
                continue;
            }
            let (Some(length), Some(kept)) = (arg.ty.length(), kept(arg.ty, strlen)) else {
                continue;
            };
            if matches!(
                arg.ty,
                ArgType::Bytes {
                    len: BytesLen::Arg { .. },
                    ..
                }
            ) {
                notes.push(format!(
                    "{probe} `{name}`: the first {kept} bytes (of up to {length}), as \\xNN escapes (%rx)."
                ));
            } else if kept < length {
                notes.push(format!("{probe} `{name}`: {kept} of up to {length} bytes."));
            }
        }
    }
    notes
}

/// The `#!` line and the comment every script starts with.
fn header(
    out: &mut Out,
    origin: &Origin,
    printed: &[(&Provider, &Tracepoint)],
    strlen: u32,
    purpose: &str,
    file: &str,
) {
    writeln!(
        out,
        "#!/usr/bin/env -S BPFTRACE_STRLEN={strlen} BPFTRACE_MAX_STRLEN={strlen} bpftrace"
    );
    out.header(origin, Comment::Slashes, &[]);
    writeln!(out, "//");
    out.comment("//", purpose);
    out.comment(
        "//",
        &include_str!("templates/bpftrace_usage.txt")
            .replace("@STRLEN@", &strlen.to_string())
            .replace("@FILE@", file),
    );
    let notes = shortened(printed, strlen);
    if notes.is_empty() {
        writeln!(out, "// Every value is printed whole.");
    } else {
        writeln!(
            out,
            "// Printed shorter than declared (the BCC and libbpf readers keep more):"
        );
        for note in notes {
            writeln!(out, "//   {note}");
        }
    }
    out.comment("//", include_str!("templates/bpftrace_caveats.txt"));
}

/// A reader for every tracepoint of `provider`: each probe block reads every
/// argument into a typed variable and prints them on one line,
/// `provider:name arg=value ...`.
pub fn reader(provider: &Provider, origin: &Origin) -> String {
    let mut out = Out::new();
    let strlen = strlen([provider]);
    let printed: Vec<_> = provider.tracepoints.iter().map(|t| (provider, t)).collect();
    header(
        &mut out,
        origin,
        &printed,
        strlen,
        &format!(
            "Reads every argument of the `{}` tracepoints into a variable and prints one\n\
             line per event, `{}:name arg=value ...`. A starting point for your own scripts.",
            provider.name, provider.name
        ),
        &files::bpftrace_reader(provider),
    );
    writeln!(out);
    writeln!(out, "BEGIN");
    writeln!(out, "{{");
    writeln!(
        out,
        "  printf(\"Reading {} {} tracepoints\\n\");",
        provider.tracepoints.len(),
        provider.name
    );
    writeln!(out, "}}");
    for tracepoint in &provider.tracepoints {
        writeln!(out);
        out.comment("//", &tracepoint.doc);
        writeln!(out, "usdt:$1:{}", tracepoint.probe_name(provider));
        writeln!(out, "{{");
        read_args(&mut out, tracepoint, strlen, true);
        let mut pieces = vec![Piece::Text(tracepoint.probe_name(provider))];
        for (i, arg) in tracepoint.args.iter().enumerate() {
            if readable(tracepoint, i) {
                pieces.push(Piece::Text(format!(" {}=", arg.name)));
                pieces.extend(value_pieces(tracepoint, i, strlen));
            }
        }
        print_line(&mut out, pieces, strlen);
        writeln!(out, "}}");
    }
    out.finish()
}

/// The logging script: one line per event in each tracepoint's declared
/// `#[log(...)]` format, for every tracepoint that declares one.
pub fn log_script(providers: &[Provider], origin: &Origin, file: &str) -> String {
    let logged: Vec<(&Provider, &Tracepoint)> = providers
        .iter()
        .flat_map(|p| p.tracepoints.iter().map(move |t| (p, t)))
        .filter(|(_, t)| t.log.is_some())
        .collect();
    let strlen = strlen(providers);
    let mut out = Out::new();
    header(
        &mut out,
        origin,
        &logged,
        strlen,
        "Logs every event of the tracepoints below in their declared log-line format.",
        file,
    );
    let names: Vec<String> = logged.iter().map(|(p, t)| t.probe_name(p)).collect();
    writeln!(out);
    writeln!(out, "BEGIN");
    writeln!(out, "{{");
    writeln!(
        out,
        "  printf(\"Logging {}\\n\");",
        format_literal(&names.join(", "))
    );
    writeln!(out, "}}");
    for (provider, tracepoint) in logged {
        let Some(log) = &tracepoint.log else { continue };
        writeln!(out);
        writeln!(out, "usdt:$1:{}", tracepoint.probe_name(provider));
        writeln!(out, "{{");
        read_args(&mut out, tracepoint, strlen, false);
        let pieces = log
            .pieces
            .iter()
            .flat_map(|piece| match piece {
                LogPiece::Text(text) => vec![Piece::Text(format_literal(text))],
                LogPiece::Arg(index) => value_pieces(tracepoint, *index, strlen),
            })
            .collect();
        print_line(&mut out, pieces, strlen);
        writeln!(out, "}}");
    }
    out.finish()
}
