//! The ABI of a provider: what a tracer depends on, as one typed value
//! ([`Abi`]) built from the model. `tracepoints-gen` writes it as the
//! provider's ABI file (`net.abi.json`), compares versions of it
//! (`abi-diff`) and checks built binaries against it (`verify`); the
//! provider macro embeds it in the binary ([`note`]), and [`Abi::provider`]
//! turns one read back into the model again.
//!
//! Format 1:
//!
//! ```json
//! {
//!   "format": 1,
//!   "generated_by": "tracepoints-gen from src/probes.rs; do not edit",
//!   "regenerate": "cargo run -p tracepoints-gen -- --out tracing src/probes.rs",
//!   "provider": "net",
//!   "abi_version": 1,
//!   "tracepoints": [
//!     {
//!       "name": "misbehaving_connection",
//!       "doc": "Fired when a peer misbehaves.",
//!       "args": [
//!         {"name": "id", "type": "i64", "sdt_size": -8, "doc": "Connection ID"},
//!         {"name": "message", "type": "&str", "sdt_size": 8, "length": {"kind": "max_len", "value": 128}, "doc": "Reason"}
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! `sdt_size` is the stapsdt argument size, negative for a signed value;
//! `length` says how a string's or buffer's length is given (`max_len`: at
//! most that many bytes are kept; `len`: exactly that many bytes are
//! copied; `len_arg`: the argument `arg` holds the length, readers keep at
//! most `value` bytes); `display` how a buffer is shown (`hex` or `hash`);
//! `unit` an integer's unit (`ns`, `us`, `ms`, `s`, `unix_s`, `bytes`,
//! `vbytes`, `wu`, `sat`) and `values` the names of some of its values
//! (`[{"value": 1, "name": "ipv4"}, ...]`), each left out when not declared.
//! `log` is a tracepoint's log line as declared (`{arg}` for a value,
//! `{arg:name}` for a value by its name, `{{` and `}}` for braces), left
//! out when it has none.
//! `abi_version` starts at 1 and grows by one each time a breaking change
//! is accepted. The file is the typed [`Abi`] value, serialized.

pub mod note;
mod to_model;

use crate::model::{Arg, ArgType, BytesLen, Provider, Tracepoint};
use serde::{Deserialize, Serialize};
use std::io;

/// The version of the ABI format written and read here.
pub const FORMAT: u32 = 1;

/// A provider's ABI file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Abi {
    /// The file format's version, [`FORMAT`].
    pub format: u32,
    /// Which declaration it was generated from.
    pub generated_by: String,
    /// The command that regenerates it.
    pub regenerate: String,
    /// The provider's name.
    pub provider: String,
    /// Grows by one each time a breaking change is accepted.
    pub abi_version: u64,
    /// The tracepoints in declaration order.
    pub tracepoints: Vec<TracepointAbi>,
}

/// One tracepoint of an [`Abi`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TracepointAbi {
    /// The tracepoint's name.
    pub name: String,
    /// Its doc comment.
    pub doc: String,
    /// Its arguments in probe order.
    pub args: Vec<ArgAbi>,
    /// Its log line (`#[log("...")]`) as declared, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

/// One argument of a [`TracepointAbi`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgAbi {
    /// The argument's name.
    pub name: String,
    /// Its declared type (`i64`, `&str`, ...).
    #[serde(rename = "type")]
    pub ty: String,
    /// Its stapsdt size, negative when signed.
    pub sdt_size: i64,
    /// How a string's or buffer's length is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<Length>,
    /// How readers show a buffer (`hex` or `hash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// An integer's unit (`ns`, `us`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Names of some of an integer's values, in declaration order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueAbi>,
    /// Its doc comment.
    pub doc: String,
}

/// One named value of an [`ArgAbi`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueAbi {
    /// The value.
    pub value: i128,
    /// Its name.
    pub name: String,
}

/// How the length of a string or buffer is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Length {
    /// `max_len` (at most `value` bytes are kept), `len` (exactly `value`
    /// bytes are copied) or `len_arg` (argument `arg` holds the length,
    /// readers keep at most `value` bytes).
    pub kind: String,
    /// The argument holding the length (`len_arg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
    /// The number of bytes.
    pub value: u64,
}

impl Abi {
    /// Reads an ABI file's text; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Abi, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let Some(object) = value.as_object() else {
            return Err("not an ABI file: JSON, but not an object".into());
        };
        match object.get("format").map(serde_json::Value::as_u64) {
            Some(Some(n)) if n == u64::from(FORMAT) => {}
            Some(Some(n)) => {
                return Err(format!(
                    "format {n}, but this tracepoints-gen reads format {FORMAT}"
                ));
            }
            Some(None) => return Err("not an ABI file: its `format` is not a number".into()),
            None => return Err("not an ABI file: no `format` number".into()),
        }
        serde_json::from_str(text).map_err(|e| format!("not an ABI file: {e}"))
    }

    /// The file's text: the file, its tracepoints and their lists of
    /// arguments one field a line, each argument on one line.
    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, Layout::default());
        self.serialize(&mut serializer)
            .expect("an ABI serializes to memory");
        let mut text = String::from_utf8(out).expect("JSON is UTF-8");
        text.push('\n');
        text
    }
}

impl Abi {
    /// The ABI of `provider` at `abi_version`, saying which declaration it
    /// was generated from and the command that regenerates it.
    pub fn of(
        provider: &Provider,
        generated_by: String,
        regenerate: String,
        abi_version: u64,
    ) -> Abi {
        Abi {
            format: FORMAT,
            generated_by,
            regenerate,
            provider: provider.name.clone(),
            abi_version,
            tracepoints: provider.tracepoints.iter().map(TracepointAbi::of).collect(),
        }
    }
}

impl TracepointAbi {
    /// The ABI of one tracepoint.
    pub fn of(tracepoint: &Tracepoint) -> TracepointAbi {
        TracepointAbi {
            name: tracepoint.name.clone(),
            doc: tracepoint.doc.text().to_string(),
            args: tracepoint
                .args
                .iter()
                .map(|arg| arg_abi(arg, &tracepoint.args))
                .collect(),
            log: tracepoint
                .log
                .as_ref()
                .map(|log| log.source(&tracepoint.args)),
        }
    }

    /// The same without its docs and its arguments' (what a binary embeds
    /// when its declaration leaves them out).
    pub fn without_docs(mut self) -> TracepointAbi {
        self.doc.clear();
        for arg in &mut self.args {
            arg.doc.clear();
        }
        self
    }
}

fn arg_abi(arg: &Arg, args: &[Arg]) -> ArgAbi {
    let length = |kind: &str, value: u32, arg: Option<&Arg>| Length {
        kind: kind.to_string(),
        arg: arg.map(|a| a.name.clone()),
        value: u64::from(value),
    };
    let (length, display) = match arg.ty {
        ArgType::Str { max_len } | ArgType::CStr { max_len } => {
            (Some(length("max_len", max_len, None)), None)
        }
        ArgType::Bytes { len, display } => {
            let length = match len {
                BytesLen::Fixed(len) => length("len", len, None),
                BytesLen::Arg { index, max_len } => length("len_arg", max_len, Some(&args[index])),
            };
            (Some(length), Some(display.name().to_string()))
        }
        _ => (None, None),
    };
    ArgAbi {
        name: arg.name.clone(),
        ty: arg.ty.rust().to_string(),
        sdt_size: i64::from(arg.ty.sdt_size()),
        length,
        display,
        unit: arg.unit.map(|u| u.symbol().to_string()),
        values: arg
            .values
            .iter()
            .map(|v| ValueAbi {
                value: v.value,
                name: v.name.clone(),
            })
            .collect(),
        doc: arg.doc.text().to_string(),
    }
}

/// The layout of [`Abi::to_text`]: indented by two spaces down to the
/// lists of arguments; below that (an argument and its length), on one
/// line with `", "` and `": "` between fields.
#[derive(Default)]
struct Layout {
    depth: usize,
    has_value: bool,
}

impl Layout {
    /// The depth below which values share a line.
    const LINES: usize = 4;

    fn one_line(&self) -> bool {
        self.depth > Self::LINES
    }

    fn indent<W: ?Sized + io::Write>(&self, writer: &mut W) -> io::Result<()> {
        for _ in 0..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn begin(&mut self, writer: &mut (impl ?Sized + io::Write), open: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(open)
    }

    fn end(&mut self, writer: &mut (impl ?Sized + io::Write), close: &[u8]) -> io::Result<()> {
        let one_line = self.one_line();
        self.depth -= 1;
        if self.has_value && !one_line {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(close)
    }

    fn item(&mut self, writer: &mut (impl ?Sized + io::Write), first: bool) -> io::Result<()> {
        if self.one_line() {
            return writer.write_all(if first { b"" } else { b", " });
        }
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

impl serde_json::ser::Formatter for Layout {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.begin(writer, b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"]")
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.begin(writer, b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"}")
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}
