//! The `tracepoints-trace` command (see `--help`), over the
//! `tracepoints_trace` library: `args` (the command line), `list` (the
//! `list` command), `trace` (tracing a binary's processes), `read`
//! (`--read FILE`), `fleet` (what `--nats` and `--metrics` add).

mod args;
mod fleet;
mod list;
mod read;
mod trace;

use crate::args::{Cli, Command};
use crate::list::list;
use crate::trace::trace;
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) static STOP: AtomicBool = AtomicBool::new(false);

pub(crate) extern "C" fn stop(_signal: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::List {
            binary,
            abi,
            metrics,
            schema,
        }) => list(&binary, &abi, metrics, schema),
        None => trace(cli.trace),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tracepoints-trace: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What `--read` stops with once standard output is closed: not an error.
pub(crate) const CLOSED: &str = "standard output closed";

/// Writes and clears the lines so far; a closed stdout stops the tracer
/// like Ctrl-C, quietly (what `| head` does to a reader is no error).
pub(crate) fn write_out(lines: &mut Vec<u8>) {
    if !lines.is_empty() {
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(lines)
            .and_then(|()| stdout.flush())
            .is_err()
        {
            STOP.store(true, Ordering::Relaxed);
        }
        lines.clear();
    }
}
