//! The `tracepoints-gen` binary: see the library's docs.

use clap::Parser;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// The stack the command runs on.
const STACK: usize = 512 << 20;

fn main() -> ExitCode {
    let cli = tracepoints_gen::Cli::parse();
    let writes = cli.command.is_none() && !cli.generate.check;
    if writes {
        // A generation writes: Ctrl-C must not leave half of it. The
        // signals go to the generating thread (blocked here, unblocked
        // there): its own handler marks the stop before it goes on.
        tracepoints_gen::catch_stop_signals();
        tracepoints_gen::mask_stop_signals(true);
    }
    // Paths relative to the current directory, shown as given. On a stack
    // of its own: a file may chain up to `MAX_CHAIN_IN_FILE` tokens, which
    // the parser (recursing once for each) and a debug build (large frames)
    // need about 120 MiB of stack for; only the pages used are mapped.
    let report = std::thread::Builder::new()
        .name("tracepoints-gen".into())
        .stack_size(STACK)
        .spawn(move || {
            if writes {
                tracepoints_gen::mask_stop_signals(false);
            }
            tracepoints_gen::run(Path::new(""), &cli)
        })
        .and_then(|run| {
            run.join()
                .map_err(|_| std::io::Error::other("the generation panicked"))
        });
    let report = match report {
        Ok(report) => report,
        Err(e) => tracepoints_gen::Report::failed(vec![e.to_string()]),
    };
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
