//! `tracing.md` in the format of Bitcoin Core's `doc/tracing.md`.

use super::Origin;
use super::out::Out;
use crate::model::Provider;

/// The tracepoint documentation of every provider.
pub fn tracing_md(providers: &[Provider], origin: &Origin) -> String {
    let mut out = Out::new();
    for line in origin.header_lines() {
        writeln!(out, "<!-- {line} -->");
    }
    writeln!(
        out,
        "
# Tracepoints

The tracepoints below are Linux USDT probes (SystemTap v3 notes with a
semaphore): bpftrace, BCC, libbpf and gdb attach to them by
`provider:name`. Their arguments are evaluated only while a tracer is
attached. Strings are passed as pointers to NUL-terminated C strings;
readers keep at most the stated number of bytes (a character outside ASCII
takes more than one).

## Tracepoint documentation"
    );
    for provider in providers {
        writeln!(out);
        writeln!(out, "### Context `{}`", provider.name);
        if !provider.doc.is_empty() {
            writeln!(out);
            writeln!(out, "{}", provider.doc);
        }
        for tracepoint in &provider.tracepoints {
            writeln!(out);
            writeln!(out, "#### Tracepoint `{}`", tracepoint.probe_name(provider));
            writeln!(out);
            writeln!(out, "{}", tracepoint.doc);
            writeln!(out);
            if tracepoint.args.is_empty() {
                writeln!(out, "No arguments are passed.");
                continue;
            }
            writeln!(out, "Arguments passed:");
            for (i, arg) in tracepoint.args.iter().enumerate() {
                let doc = arg.doc.lines().map(str::trim).collect::<Vec<_>>().join(" ");
                write!(out, "{}. {} as `{}`", i + 1, doc, arg.ty.doc_name());
                if let Some(clause) = super::length_clause(arg, &tracepoint.args) {
                    write!(out, " ({clause})");
                }
                writeln!(out);
            }
        }
    }
    out.finish()
}
