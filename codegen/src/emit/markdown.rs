//! `tracing.md` in the format of Bitcoin Core's `doc/tracing.md`.

use super::Origin;
use crate::model::{ArgType, Provider};
use std::fmt::Write;

/// The tracepoint documentation of every provider.
pub fn tracing_md(providers: &[Provider], origin: &Origin) -> String {
    let [generated, regenerate] = origin.header_lines();
    let mut out = format!("<!-- {generated} -->\n<!-- {regenerate} -->\n\n");
    out.push_str("# Tracepoints\n\n");
    out.push_str(
        "The tracepoints below are Linux USDT probes (SystemTap v3 notes with a\n\
         semaphore): bpftrace, BCC, libbpf and gdb attach to them by\n\
         `provider:name`. Their arguments are evaluated only while a tracer is\n\
         attached. Strings are passed as pointers to NUL-terminated C strings;\n\
         readers keep at most the stated number of characters.\n\n",
    );
    out.push_str("## Tracepoint documentation\n");
    for provider in providers {
        let _ = write!(out, "\n### Context `{}`\n", provider.name);
        if !provider.doc.is_empty() {
            let _ = write!(out, "\n{}\n", provider.doc);
        }
        for tracepoint in &provider.tracepoints {
            let _ = write!(
                out,
                "\n#### Tracepoint `{}`\n\n{}\n\n",
                tracepoint.probe_name(provider),
                tracepoint.doc
            );
            if tracepoint.args.is_empty() {
                out.push_str("No arguments are passed.\n");
                continue;
            }
            out.push_str("Arguments passed:\n");
            for (i, arg) in tracepoint.args.iter().enumerate() {
                let doc = arg.doc.lines().map(str::trim).collect::<Vec<_>>().join(" ");
                let _ = write!(out, "{}. {} as `{}`", i + 1, doc, arg.ty.doc_name());
                match arg.ty {
                    ArgType::Str { max_len } => {
                        let _ = write!(out, " (max. length {max_len} characters)");
                    }
                    ArgType::Bytes { len } => {
                        let _ = write!(out, " ({len} bytes; shorter values are zero-padded)");
                    }
                    _ => {}
                }
                out.push('\n');
            }
        }
    }
    out
}
