//! The `tracepoints-gen` binary: see the library's docs.

use clap::Parser;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = tracepoints_gen::Cli::parse();
    // Paths relative to the current directory, shown as given.
    let report = tracepoints_gen::run(Path::new(""), &cli);
    for line in &report.lines {
        println!("{line}");
    }
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    if report.ok() {
        eprintln!("tracepoints-gen: {}", report.summary);
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
