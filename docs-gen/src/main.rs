//! The `tracepoints-gen` binary: see the library's docs.

use clap::Parser;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = tracepoints_gen::Cli::parse();
    // Paths relative to the current directory, shown as given.
    match tracepoints_gen::run(Path::new(""), &cli) {
        Ok(message) => {
            eprintln!("tracepoints-gen: {message}");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for error in errors {
                eprintln!("error: {error}");
            }
            ExitCode::FAILURE
        }
    }
}
