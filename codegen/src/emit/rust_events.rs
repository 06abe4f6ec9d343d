//! Rust `#[repr(C)]` twins of the C event structs, for a libbpf-rs (or any
//! Rust) loader of the libbpf program: `decode` a ring-buffer record into an
//! `NetEvent`-like enum.

use super::c::{kind_const, length_define, struct_name};
use super::{Origin, bcc::class_name, line_comment};
use crate::model::{ArgType, Provider, Tracepoint};
use std::fmt::Write;

fn rust_field_type(ty: ArgType) -> String {
    match ty {
        ArgType::Bool => "u8".into(),
        ArgType::Str { max_len } => format!("[u8; {} + 1]", max_len),
        ArgType::Bytes { len } => format!("[u8; {len}]"),
        ty => ty.rust().into(),
    }
}

/// The Rust module text for `provider`'s events.
pub fn module(provider: &Provider, origin: &Origin) -> String {
    let mut out = String::new();
    for line in origin.header_lines() {
        out.push_str(&line_comment(&line, "//"));
    }
    let _ = write!(
        out,
        "//\n// Events of the `{p}` tracepoints as the libbpf program `{p}.bpf.c` writes\n\
         // them to its `{p}_events` ring buffer: `#[repr(C)]` twins of `{p}.bpf.h`.\n\
         // Include it in a loader with `include!(\"{p}_events.rs\");` or as a module.\n\n",
        p = provider.name
    );
    for tracepoint in &provider.tracepoints {
        let _ = writeln!(
            out,
            "/// `kind` of a `{}` event.\npub const {}: u32 = {};",
            tracepoint.probe_name(provider),
            kind_const(provider, tracepoint),
            super::c::kind_value(provider, tracepoint)
        );
        for arg in &tracepoint.args {
            let what = match arg.ty {
                ArgType::Str { max_len } => Some(("Longest", max_len)),
                ArgType::Bytes { len } => Some(("Length of", len)),
                _ => None,
            };
            if let Some((what, n)) = what {
                let _ = writeln!(
                    out,
                    "/// {what} `{}` kept, in bytes.\npub const {}: usize = {n};",
                    arg.name,
                    length_define(provider, tracepoint, arg),
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n/// Every tracepoint as (provider, tracepoint, BPF program name): attach\n/// each program with `bpf_program__attach_usdt` / libbpf-rs `attach_usdt`.\npub const TRACEPOINTS: &[(&str, &str, &str)] = &["
    );
    for tracepoint in &provider.tracepoints {
        let _ = writeln!(
            out,
            "    (\"{}\", \"{}\", \"{}\"),",
            provider.name,
            tracepoint.name,
            struct_name(provider, tracepoint)
        );
    }
    out.push_str("];\n");
    for tracepoint in &provider.tracepoints {
        let _ = write!(
            out,
            "\n/// `{}` (`struct {}`):\n{}#[repr(C)]\n#[derive(Clone, Copy, Debug)]\npub struct {} {{\n    /// Always [`{}`].\n    pub kind: u32,\n",
            tracepoint.probe_name(provider),
            struct_name(provider, tracepoint),
            line_comment(&tracepoint.doc, "///"),
            class_name(provider, tracepoint),
            kind_const(provider, tracepoint)
        );
        for arg in &tracepoint.args {
            let doc = line_comment(&arg.doc, "    ///");
            let _ = writeln!(
                out,
                "{doc}    pub {}: {},",
                arg.name,
                rust_field_type(arg.ty)
            );
        }
        out.push_str("}\n");
    }
    let _ = write!(
        out,
        "\n/// One decoded event of the `{p}` tracepoints.\n#[derive(Clone, Copy, Debug)]\n#[allow(clippy::enum_variant_names)]\npub enum {e} {{\n",
        p = provider.name,
        e = enum_name(provider)
    );
    for tracepoint in &provider.tracepoints {
        let class = class_name(provider, tracepoint);
        let _ = writeln!(
            out,
            "    /// `{}`\n    {}({class}),",
            tracepoint.probe_name(provider),
            variant_name(tracepoint)
        );
    }
    let _ = write!(
        out,
        "}}\n\nimpl {e} {{\n\
         \x20   /// Decodes one ring-buffer record; `None` for an unknown kind or a short record.\n\
         \x20   pub fn decode(record: &[u8]) -> Option<{e}> {{\n\
         \x20       fn read<T: Copy>(record: &[u8]) -> Option<T> {{\n\
         \x20           if record.len() < ::core::mem::size_of::<T>() {{\n\
         \x20               return None;\n\
         \x20           }}\n\
         \x20           // SAFETY: the record holds at least size_of::<T>() bytes and T is a\n\
         \x20           // repr(C) struct of integers and byte arrays, valid for any bytes.\n\
         \x20           Some(unsafe {{ ::core::ptr::read_unaligned(record.as_ptr().cast::<T>()) }})\n\
         \x20       }}\n\
         \x20       match read::<u32>(record)? {{\n",
        e = enum_name(provider)
    );
    for tracepoint in &provider.tracepoints {
        let _ = writeln!(
            out,
            "            {} => read(record).map({}::{}),",
            kind_const(provider, tracepoint),
            enum_name(provider),
            variant_name(tracepoint)
        );
    }
    out.push_str("            _ => None,\n        }\n    }\n\n    /// The tracepoint's full name, `provider:name`.\n    pub fn tracepoint(&self) -> &'static str {\n        match self {\n");
    for tracepoint in &provider.tracepoints {
        let _ = writeln!(
            out,
            "            {}::{}(_) => \"{}\",",
            enum_name(provider),
            variant_name(tracepoint),
            tracepoint.probe_name(provider)
        );
    }
    out.push_str(
        "        }\n    }\n\n    /// The event as one JSON object, `{\"tracepoint\": ..., \"args\": {...}}`;\n    /// strings up to their NUL, decoded as UTF-8 (lossy).\n    #[allow(clippy::useless_format)]\n    pub fn to_json(self) -> String {\n        match self {\n",
    );
    for tracepoint in &provider.tracepoints {
        let mut fields = Vec::new();
        for arg in &tracepoint.args {
            let value = match arg.ty {
                ArgType::Str { .. } => format!("json_string(&e.{})", arg.name),
                ArgType::Bytes { .. } => format!("json_hex(&e.{})", arg.name),
                _ => format!("e.{}", arg.name),
            };
            fields.push((arg.name.clone(), value));
        }
        let json_args: Vec<String> = fields
            .iter()
            .map(|(n, _)| format!("\\\"{n}\\\":{{}}"))
            .collect();
        let values: String = fields.iter().map(|(_, v)| format!(", {v}")).collect();
        let binding = if fields.is_empty() { "_" } else { "e" };
        let prefix = format!(
            "{{{{\\\"tracepoint\\\":\\\"{}\\\",\\\"args\\\":{{{{",
            tracepoint.probe_name(provider)
        );
        let _ = writeln!(
            out,
            "            {}::{}({binding}) => format!(\"{prefix}{}}}}}}}}}\"{values}),",
            enum_name(provider),
            variant_name(tracepoint),
            json_args.join(","),
        );
    }
    out.push_str("        }\n    }\n}\n");
    out.push_str(JSON_STRING);
    out
}

/// `NetEvent`: the enum of a provider's events.
pub fn enum_name(provider: &Provider) -> String {
    format!("{}Event", camel(&provider.name))
}

/// `NetEvent::InboundConnection`: the variant of a tracepoint's event.
fn variant_name(tracepoint: &Tracepoint) -> String {
    camel(&tracepoint.name)
}

fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

const JSON_STRING: &str = r#"
/// `bytes` as a JSON string of lowercase hex digits.
#[allow(dead_code)]
fn json_hex(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out.push('"');
    out
}

/// `bytes` up to the first NUL, as a JSON string literal.
#[allow(dead_code)]
fn json_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let mut out = String::from("\"");
    for c in String::from_utf8_lossy(&bytes[..end]).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
"#;
