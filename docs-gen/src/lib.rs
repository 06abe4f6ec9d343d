//! `tracepoints-gen`: reads tracepoint declarations from Rust source files
//! with the same passes as the `#[tracepoints::provider]` macro and
//!
//! - writes every generated artifact (docs, ABI file, bpftrace, BCC,
//!   libbpf, Rust event types), or checks that committed ones are up to
//!   date, refusing a breaking ABI change unless it is accepted;
//! - `abi-diff OLD NEW`: classifies the changes between two ABI files;
//! - `verify --binary BIN FILE...`: checks a built binary's probes against
//!   the declaration; `verify --binary BIN` alone, against the ABI the
//!   binary carries; `verify --notes FILE FILE...` checks the probes as
//!   `readelf -n` printed them (a binary that is on another machine).
//!
//! The binary is a thin wrapper around [`run`]; tests call [`run_args`] in
//! process.

#![warn(missing_docs)]

pub mod abi;
mod abi_diff;
pub mod binary;
mod cli;
mod declarations;
pub mod emit;
mod generate;
pub mod read;
mod report;
pub mod verify;
mod write;

pub use cli::{Cli, Command, GenerateArgs};
pub use declarations::MAX_SOURCE_BYTES;
pub use report::{Report, printable};

use clap::Parser;
use std::path::Path;
use verify::Target;

/// Makes SIGINT and SIGTERM stop a generation cleanly instead of killing
/// it mid-write: before any artifact is replaced, the run ends with the
/// old artifacts in place and its temporary files removed; during the
/// renames, it finishes them. The `tracepoints-gen` command calls it
/// first; a program that runs generations itself may.
pub fn catch_stop_signals() {
    write::catch_stops();
}

/// Blocks (`true`) or unblocks SIGINT and SIGTERM in the calling thread.
/// A program that generates in a thread of its own blocks them in its
/// other threads, so that [`catch_stop_signals`]'s handler runs in the
/// generating thread, before that thread can replace anything.
pub fn mask_stop_signals(block: bool) {
    write::mask_stops(block);
}

/// Parses `args` (the command line without the program name) and runs it
/// in `dir`, as [`run`] does.
pub fn run_args<'a>(dir: &Path, args: impl IntoIterator<Item = &'a str>) -> Report {
    match Cli::try_parse_from(std::iter::once("tracepoints-gen").chain(args)) {
        Ok(cli) => run(dir, &cli),
        Err(e) => Report::failed(vec![e.to_string()]),
    }
}

/// Runs the command with relative paths taken from `dir` (the binary passes
/// the current directory); paths in messages are shown as given.
pub fn run(dir: &Path, cli: &Cli) -> Report {
    match &cli.command {
        None => generate::run(dir, &cli.generate),
        Some(Command::AbiDiff { old, new }) => abi_diff::run(dir, old, new),
        Some(Command::Verify {
            binary,
            notes,
            files,
        }) => match (binary, notes) {
            (_, Some(notes)) => verify::run(dir, Target::Notes(notes), files),
            (Some(binary), None) => verify::run(dir, Target::Binary(binary), files),
            (None, None) => {
                Report::failed(vec!["verify: give --binary BIN or --notes FILE".into()])
            }
        },
    }
}
