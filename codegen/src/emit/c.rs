//! C naming and the event structs shared by the BCC and libbpf readers:
//! one struct per tracepoint, `kind` first, then every argument (strings as
//! `char[max_len + 1]`, so `max_len` characters and the NUL fit; byte
//! buffers as `__u8[len]`).

use super::c_comment_text;
use crate::model::{Arg, ArgType, Provider, Tracepoint};
use std::fmt::Write;

/// `net_inbound_connection`: the struct, BPF program and C prefix name.
pub fn struct_name(provider: &Provider, tracepoint: &Tracepoint) -> String {
    format!("{}_{}", provider.name, tracepoint.name)
}

/// `NET_INBOUND_CONNECTION`: the event kind constant.
pub fn kind_const(provider: &Provider, tracepoint: &Tracepoint) -> String {
    struct_name(provider, tracepoint).to_uppercase()
}

/// The event kind value: the tracepoint's position in the declaration, from 1.
pub fn kind_value(provider: &Provider, tracepoint: &Tracepoint) -> u32 {
    provider
        .tracepoints
        .iter()
        .position(|t| t.name == tracepoint.name)
        .map_or(0, |i| i as u32 + 1)
}

/// `NET_INBOUND_CONNECTION_ADDR_MAX_LEN` (a string's max length) or
/// `..._LEN` (a byte buffer's length).
pub fn length_define(provider: &Provider, tracepoint: &Tracepoint, arg: &Arg) -> String {
    let suffix = if matches!(arg.ty, ArgType::Bytes { .. }) {
        "LEN"
    } else {
        "MAX_LEN"
    };
    format!(
        "{}_{}_{suffix}",
        kind_const(provider, tracepoint),
        arg.name.to_uppercase()
    )
}

/// The field length of a string (`DEFINE + 1`, for the NUL) or byte buffer
/// (`DEFINE`) argument in an event struct.
pub fn field_len(provider: &Provider, tracepoint: &Tracepoint, arg: &Arg) -> String {
    match arg.ty {
        ArgType::Str { .. } => format!("{} + 1", length_define(provider, tracepoint, arg)),
        _ => length_define(provider, tracepoint, arg),
    }
}

/// `net_events`: the ring buffer every event of a provider goes through.
pub fn ring_buffer(provider: &Provider) -> String {
    format!("{}_events", provider.name)
}

/// The kernel UAPI type of a scalar argument (`__s64`, `__u32`, ...), from
/// `<linux/types.h>`, usable by BCC, libbpf and user-space C alike.
pub fn c_type(ty: ArgType) -> &'static str {
    match ty {
        ArgType::I8 => "__s8",
        ArgType::I16 => "__s16",
        ArgType::I32 => "__s32",
        ArgType::I64 => "__s64",
        ArgType::U8 | ArgType::Bool => "__u8",
        ArgType::U16 => "__u16",
        ArgType::U32 => "__u32",
        ArgType::U64 => "__u64",
        ArgType::Str { .. } => "const char *",
        ArgType::Bytes { .. } => "const void *",
    }
}

/// The `#define`s, the kind enum and the event structs of `provider`.
pub fn event_types(provider: &Provider) -> String {
    let mut out = String::new();
    for tracepoint in &provider.tracepoints {
        for arg in &tracepoint.args {
            if let ArgType::Str { max_len: n } | ArgType::Bytes { len: n } = arg.ty {
                let _ = writeln!(
                    out,
                    "#define {} {}",
                    length_define(provider, tracepoint, arg),
                    n
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n/* The `kind` of each event: which tracepoint fired. */\nenum {}_event_kind {{",
        provider.name
    );
    for tracepoint in &provider.tracepoints {
        let _ = writeln!(
            out,
            "\t{} = {},",
            kind_const(provider, tracepoint),
            kind_value(provider, tracepoint)
        );
    }
    out.push_str("};\n");
    for tracepoint in &provider.tracepoints {
        let _ = write!(
            out,
            "\n/* {}: {} */\nstruct {} {{\n\t__u32 kind; /* {} */\n",
            tracepoint.probe_name(provider),
            c_comment_text(&tracepoint.doc),
            struct_name(provider, tracepoint),
            kind_const(provider, tracepoint)
        );
        for arg in &tracepoint.args {
            let doc = c_comment_text(&arg.doc);
            match arg.ty {
                ArgType::Str { .. } => {
                    let _ = writeln!(
                        out,
                        "\tchar {}[{}]; /* {} */",
                        arg.name,
                        field_len(provider, tracepoint, arg),
                        doc
                    );
                }
                ArgType::Bytes { .. } => {
                    let _ = writeln!(
                        out,
                        "\t__u8 {}[{}]; /* {} */",
                        arg.name,
                        field_len(provider, tracepoint, arg),
                        doc
                    );
                }
                ty => {
                    let _ = writeln!(out, "\t{} {}; /* {} */", c_type(ty), arg.name, doc);
                }
            }
        }
        out.push_str("};\n");
    }
    out
}

/// A C block comment holding the generated-file header and `purpose`.
pub fn file_comment(origin: &super::Origin, purpose: &str) -> String {
    let [generated, regenerate] = origin.header_lines();
    format!(
        "/* {} */\n/* {} */\n/* {} */\n",
        c_comment_text(&generated),
        c_comment_text(&regenerate),
        c_comment_text(purpose)
    )
}
