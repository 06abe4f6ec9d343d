//! Where the tracer learns a binary's tracepoints: the ABI the binary
//! carries (`.note.tracepoints`), or ABI files (`<provider>.abi.json`) for
//! a binary built without the tracepoints crate; either way checked
//! against the binary's stapsdt notes before anything is attached (what a
//! tracer needs: every probe, its arguments' count, sizes and operands;
//! not how the binary was built, which `verify` checks).

use std::path::{Path, PathBuf};
use tracepoints_codegen::abi::Abi;
use tracepoints_codegen::model::Provider;
use tracepoints_gen::binary::Binary;
use tracepoints_gen::verify;

/// The providers of `binary`: from `abi_files` when any are given, else
/// from the ABI the binary carries. Every error names the file.
pub fn providers(binary: &Path, abi_files: &[PathBuf]) -> Result<Vec<Provider>, String> {
    let read = Binary::read(binary).map_err(|e| format!("{}: {e}", binary.display()))?;
    let providers = if abi_files.is_empty() {
        let embedded = read
            .embedded
            .as_ref()
            .map_err(|e| format!("{}: its tracepoint ABI: {e}", binary.display()))?;
        if embedded.is_empty() {
            return Err(format!(
                "{}: carries no tracepoint ABI (no `.note.tracepoints`: built without the tracepoints crate, or stripped of it): give its ABI files with --abi FILE (e.g. tracing/net.abi.json)",
                binary.display()
            ));
        }
        embedded
            .iter()
            .map(Abi::provider)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{}: its tracepoint ABI: {e}", binary.display()))?
    } else {
        self::abi_files(abi_files)?
    };
    let problems = verify::check_readable(&read, &providers);
    if let Some(first) = problems.first() {
        let more = match problems.len() {
            1 => String::new(),
            n => format!(" (and {} more problems)", n - 1),
        };
        return Err(format!(
            "{}: the ABI does not match the binary's probes: {first}{more}",
            binary.display()
        ));
    }
    Ok(providers)
}

/// The providers ABI files describe, with no binary to check them against
/// (to decode a record file). Every error names the file.
pub fn abi_files(files: &[PathBuf]) -> Result<Vec<Provider>, String> {
    files
        .iter()
        .map(|file| {
            // A regular file, bounded: a FIFO would block, a device never end.
            let text = tracepoints_gen::read::text(file, tracepoints_gen::read::MAX_TEXT_BYTES)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            Abi::parse(&text)
                .and_then(|abi| abi.provider())
                .map_err(|e| format!("{}: {e}", file.display()))
        })
        .collect()
}
