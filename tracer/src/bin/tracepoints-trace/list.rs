//! `tracepoints-trace list`: a binary's tracepoints, the metrics
//! `--metrics` serves for it, or the JSON Schema of its events.

use crate::write_out;
use std::path::PathBuf;
use tracepoints_codegen::model::{ArgType, BytesDisplay, BytesLen, Provider, Tracepoint};
use tracepoints_trace::{metrics, source};

pub(crate) fn list(
    binary: &std::path::Path,
    abi: &[PathBuf],
    metrics: bool,
    schema: bool,
) -> Result<(), String> {
    let providers = source::providers(binary, abi)?;
    if schema {
        let comment = format!(
            "The events of {}, from `tracepoints-trace list --schema`.",
            binary.display()
        );
        let schema = tracepoints_gen::emit::schema::schema(&providers, &comment);
        let text = serde_json::to_string_pretty(&schema).expect("a JSON value");
        write_out(&mut format!("{text}\n").into_bytes());
        return Ok(());
    }
    if metrics {
        let metrics = metrics::Metrics::new(&providers.iter().collect::<Vec<_>>());
        write_out(&mut metrics.describe().into_bytes());
        return Ok(());
    }
    let mut out = String::new();
    for provider in &providers {
        for tracepoint in &provider.tracepoints {
            describe(provider, tracepoint, &mut out);
        }
    }
    write_out(&mut out.into_bytes());
    Ok(())
}

/// A tracepoint as `list` shows it: its name and doc, then an argument a
/// line, with its type, length, unit, named values and doc.
pub(crate) fn describe(provider: &Provider, tracepoint: &Tracepoint, out: &mut String) {
    use std::fmt::Write as _;
    let _ = writeln!(out, "{}", tracepoint.probe_name(provider));
    for line in tracepoint.doc.plain("").lines() {
        let _ = writeln!(out, "    {line}");
    }
    for arg in &tracepoint.args {
        let mut kind = arg.ty.rust().to_string();
        match arg.ty {
            ArgType::Str { max_len } | ArgType::CStr { max_len } => {
                let _ = write!(kind, ", at most {max_len} bytes");
            }
            ArgType::Bytes {
                len: BytesLen::Fixed(len),
                ..
            } => {
                let _ = write!(kind, ", {len} bytes");
            }
            ArgType::Bytes {
                len: BytesLen::Arg { index, max_len },
                ..
            } => {
                let _ = write!(
                    kind,
                    ", as many bytes as `{}` (at most {max_len} kept)",
                    tracepoint.args[index].name
                );
            }
            _ => {}
        }
        if let ArgType::Bytes {
            display: BytesDisplay::Hash,
            ..
        } = arg.ty
        {
            kind.push_str(", a hash (shown reversed)");
        }
        if let Some(meaning) = arg.meaning() {
            let _ = write!(kind, "; {meaning}");
        }
        let doc = arg
            .doc
            .plain(&format!("`{}`", arg.ty.doc_name()))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(out, "  {}: {kind}", arg.name);
        if !doc.is_empty() {
            let _ = writeln!(out, "      {doc}");
        }
    }
    if let Some(log) = &tracepoint.log {
        let _ = writeln!(out, "  log: {}", log.source(&tracepoint.args));
    }
}
