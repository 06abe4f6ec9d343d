//! C naming and the event structs shared by the BCC and libbpf readers:
//! one struct per tracepoint, `kind` first, then every argument (strings as
//! `char[max_len + 1]`, so `max_len` characters and the NUL fit).

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

/// `NET_INBOUND_CONNECTION_ADDR_MAX_LEN`: a string argument's max length.
pub fn max_len_define(provider: &Provider, tracepoint: &Tracepoint, arg: &Arg) -> String {
    format!(
        "{}_{}_MAX_LEN",
        kind_const(provider, tracepoint),
        arg.name.to_uppercase()
    )
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
    }
}

/// The `#define`s, the kind enum and the event structs of `provider`.
pub fn event_types(provider: &Provider) -> String {
    let mut out = String::new();
    for tracepoint in &provider.tracepoints {
        for arg in &tracepoint.args {
            if let ArgType::Str { max_len } = arg.ty {
                let _ = writeln!(
                    out,
                    "#define {} {}",
                    max_len_define(provider, tracepoint, arg),
                    max_len
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
                        "\tchar {}[{} + 1]; /* {} */",
                        arg.name,
                        max_len_define(provider, tracepoint, arg),
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
