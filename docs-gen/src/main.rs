//! The `tracepoints-gen` binary: see the library's docs.

use clap::Parser;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = tracepoints_gen::Cli::parse();
    if cli.command.is_none() && !cli.generate.check {
        // A generation writes: Ctrl-C must not leave half of it.
        tracepoints_gen::catch_stop_signals();
    }
    // Paths relative to the current directory, shown as given.
    let report = tracepoints_gen::run(Path::new(""), &cli);
    // Output that cannot be written (a closed pipe, a full disk) is not a
    // reason to panic: the exit status still says how the run went.
    let mut stdout = std::io::stdout().lock();
    let mut printed = report
        .lines
        .iter()
        .all(|line| writeln!(stdout, "{}", tracepoints_gen::printable(line)).is_ok());
    printed &= stdout.flush().is_ok();
    let mut stderr = std::io::stderr().lock();
    for error in &report.errors {
        let _ = writeln!(stderr, "error: {}", tracepoints_gen::printable(error));
    }
    if report.ok() {
        let _ = writeln!(
            stderr,
            "tracepoints-gen: {}",
            tracepoints_gen::printable(&report.summary)
        );
    }
    if report.ok() && printed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
