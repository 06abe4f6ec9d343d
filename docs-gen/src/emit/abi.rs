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
//! most `value` bytes); `display` how a buffer is shown (`hex` or `hash`);
//! `unit` an integer's unit (`ns`, `us`, `ms`, `s`, `unix_s`, `bytes`,
//! `vbytes`, `wu`, `sat`) and `values` the names of some of its values
//! (`[{"value": 1, "name": "ipv4"}, ...]`), each left out when not declared.
//! `abi_version` starts at 1 and grows by one each time a breaking change
//! is accepted. The file is the typed [`Abi`] value, serialized.

use super::Origin;
use crate::abi::{Abi, ArgAbi, FORMAT, Length, TracepointAbi, ValueAbi};
use tracepoints_codegen::model::{Arg, ArgType, BytesLen, Provider};

/// The ABI of `provider` at `abi_version`.
pub fn abi(provider: &Provider, origin: &Origin, abi_version: u64) -> Abi {
    Abi {
        format: FORMAT,
        generated_by: format!("tracepoints-gen from {}; do not edit", origin.source),
        regenerate: origin.command.clone(),
        provider: provider.name.clone(),
        abi_version,
        tracepoints: provider
            .tracepoints
            .iter()
            .map(|tracepoint| TracepointAbi {
                name: tracepoint.name.clone(),
                doc: tracepoint.doc.text().to_string(),
                args: tracepoint
                    .args
                    .iter()
                    .map(|arg| arg_abi(arg, &tracepoint.args))
                    .collect(),
            })
            .collect(),
    }
}

/// The ABI file of `provider` at `abi_version`, as text.
pub fn file(provider: &Provider, origin: &Origin, abi_version: u32) -> String {
    abi(provider, origin, u64::from(abi_version)).to_text()
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
