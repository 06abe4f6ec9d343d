//! `--read FILE`: a record file printed as the live tracer prints.

use crate::args::{Format, Trace};
use crate::trace::{lost_line, write_event};
use crate::{CLOSED, STOP, write_out};
use std::sync::atomic::Ordering;
use tracepoints_trace::{decode, records, source};

/// `--read FILE`: the events of a record file in `--format`, then the
/// lost counts its trailer keeps, as the tracer that wrote it printed
/// them.
pub(crate) fn read(file: &std::path::Path, args: &Trace) -> Result<(), String> {
    let providers = match &args.binary {
        Some(binary) => source::providers(binary, &args.abi)?,
        None if !args.abi.is_empty() => source::abi_files(&args.abi)?,
        None => {
            return Err("--read FILE: give the BINARY or its --abi files to decode it by".into());
        }
    };
    let path = file.to_string_lossy().into_owned();
    let mut decoder: Option<decode::Decoder> = None;
    let mut lines = Vec::new();
    let limits = |name: &str| {
        providers
            .iter()
            .find(|p| p.name == name)
            .map(|p| records::Limits {
                largest: tracepoints_codegen::record::largest(p),
                kinds: p.tracepoints.len(),
            })
            .ok_or_else(|| {
                format!("{path}: records of provider `{name}`, which the ABI does not declare")
            })
    };
    let read = records::read(&path, limits, |name, record| {
        if STOP.load(Ordering::Relaxed) {
            // Standard output closed: nothing more to print.
            return Err(CLOSED.into());
        }
        if decoder.as_ref().is_none_or(|d| d.provider().name != name) {
            let provider = providers.iter().find(|p| p.name == name).ok_or_else(|| {
                format!("{path}: records of provider `{name}`, which the ABI does not declare")
            })?;
            decoder = Some(decode::Decoder::new(provider.clone()));
        }
        let decoder = decoder.as_ref().expect("set above");
        if !write_event(
            args.format,
            decoder,
            record,
            decoder.decode(record).as_ref(),
            &mut lines,
        ) {
            return Ok(());
        }
        lines.push(b'\n');
        if lines.len() >= 1 << 20 {
            write_out(&mut lines);
        }
        Ok(())
    });
    // The events read, also when the file ends early.
    write_out(&mut lines);
    let (name, lost) = match read {
        Err(e) if e == CLOSED => return Ok(()),
        read => read?,
    };
    if args.format == Format::Log {
        return Ok(());
    }
    let provider = providers.iter().find(|p| p.name == name);
    match (provider, lost.by_kind) {
        (Some(provider), Some(by_kind)) => {
            let lost: Vec<(String, u64)> = provider
                .tracepoints
                .iter()
                .map(|t| t.probe_name(provider))
                .zip(by_kind.iter().copied().chain(std::iter::repeat(0)))
                .collect();
            write_out(&mut format!("{}\n", lost_line(&lost)).into_bytes());
        }
        _ => write_out(&mut format!("{{\"lost\":{}}}\n", lost.total).into_bytes()),
    }
    Ok(())
}
