//! The ABI file of a provider (`net.abi.json`): what a tracer depends on,
//! in a small JSON document that `tracepoints-gen` compares across
//! versions (`abi-diff`) and against built binaries (`verify`).
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
//! most `value` bytes); `display` how a buffer is shown (`hex` or `hash`). `abi_version` starts at 1 and grows by one each time a breaking
//! change is accepted.

use super::Origin;
use super::out::Out;
use tracepoints_codegen::model::{Arg, ArgType, BytesLen, Provider};

/// The version of the file format this generator writes.
pub const FORMAT: u32 = 1;

/// The ABI file of `provider` at `abi_version`.
pub fn file(provider: &Provider, origin: &Origin, abi_version: u32) -> String {
    let mut out = Out::new();
    writeln!(out, "{{");
    writeln!(out, "  \"format\": {FORMAT},");
    writeln!(
        out,
        "  \"generated_by\": {},",
        json_string(&format!(
            "tracepoints-gen from {}; do not edit",
            origin.source
        ))
    );
    writeln!(out, "  \"regenerate\": {},", json_string(&origin.command));
    writeln!(out, "  \"provider\": {},", json_string(&provider.name));
    writeln!(out, "  \"abi_version\": {abi_version},");
    writeln!(out, "  \"tracepoints\": [");
    for (i, tracepoint) in provider.tracepoints.iter().enumerate() {
        writeln!(out, "    {{");
        writeln!(out, "      \"name\": {},", json_string(&tracepoint.name));
        writeln!(out, "      \"doc\": {},", json_string(&tracepoint.doc));
        if tracepoint.args.is_empty() {
            writeln!(out, "      \"args\": []");
        } else {
            writeln!(out, "      \"args\": [");
            for (j, arg) in tracepoint.args.iter().enumerate() {
                let comma = if j + 1 < tracepoint.args.len() {
                    ","
                } else {
                    ""
                };
                writeln!(out, "        {}{comma}", arg_object(arg, &tracepoint.args));
            }
            writeln!(out, "      ]");
        }
        let comma = if i + 1 < provider.tracepoints.len() {
            ","
        } else {
            ""
        };
        writeln!(out, "    }}{comma}");
    }
    writeln!(out, "  ]");
    writeln!(out, "}}");
    out.finish()
}

/// One argument, on one line.
fn arg_object(arg: &Arg, args: &[Arg]) -> String {
    let length = match arg.ty {
        ArgType::Str { max_len } | ArgType::CStr { max_len } => {
            format!(", \"length\": {{\"kind\": \"max_len\", \"value\": {max_len}}}")
        }
        ArgType::Bytes { len, display } => {
            let length = match len {
                BytesLen::Fixed(len) => format!("{{\"kind\": \"len\", \"value\": {len}}}"),
                BytesLen::Arg { index, max_len } => format!(
                    "{{\"kind\": \"len_arg\", \"arg\": {}, \"value\": {max_len}}}",
                    json_string(&args[index].name)
                ),
            };
            format!(
                ", \"length\": {length}, \"display\": \"{}\"",
                display.name()
            )
        }
        _ => String::new(),
    };
    format!(
        "{{\"name\": {}, \"type\": {}, \"sdt_size\": {}{length}, \"doc\": {}}}",
        json_string(&arg.name),
        json_string(arg.ty.rust()),
        arg.ty.sdt_size(),
        json_string(&arg.doc)
    )
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
