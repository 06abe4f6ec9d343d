//! `tracepoints-gen`: reads tracepoint declarations from Rust source files
//! with the same parser as the `#[tracepoints::provider]` macro and writes
//! every generated artifact (docs, bpftrace, BCC, libbpf, Rust event
//! structs), or checks that committed ones are up to date.

mod write;

use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tracepoints_codegen::emit::{Origin, all_outputs};
use tracepoints_codegen::model::Provider;

/// Generate tracing.md and tracer scripts from tracepoint declarations.
#[derive(Parser)]
#[command(name = "tracepoints-gen", version)]
struct Cli {
    /// Directory to write the artifacts to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Write nothing; exit non-zero listing each artifact in DIR that is
    /// missing or differs from what would be generated.
    #[arg(long)]
    check: bool,
    /// File name of the bpftrace logging script built from `#[log]` lines.
    #[arg(long, value_name = "NAME", default_value = "log_tracepoints.bt")]
    log_script: String,
    /// Rust source files holding `#[tracepoints::provider]` modules.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Reads and parses every file; errors name `file:line:column`.
fn read_providers(files: &[PathBuf]) -> Result<Vec<Provider>, Vec<String>> {
    let mut providers: Vec<Provider> = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let source = match std::fs::read_to_string(file) {
            Ok(source) => source,
            Err(e) => {
                errors.push(format!("{}: cannot read: {e}", file.display()));
                continue;
            }
        };
        match tracepoints_codegen::parse::parse_file(&source) {
            Ok(found) if found.is_empty() => errors.push(format!(
                "{}: no `#[tracepoints::provider]` module found (declare one: `#[tracepoints::provider] mod net {{ ... }}`)",
                file.display()
            )),
            Ok(found) => {
                for provider in found {
                    if providers.iter().any(|p| p.name == provider.name) {
                        errors.push(format!("{}: provider `{}` is declared twice", file.display(), provider.name));
                    } else {
                        providers.push(provider);
                    }
                }
            }
            Err(error) => errors.extend(error.into_iter().map(|e| located(file, &e))),
        }
    }
    if errors.is_empty() {
        Ok(providers)
    } else {
        Err(errors)
    }
}

fn located(file: &Path, error: &syn::Error) -> String {
    let start = error.span().start();
    format!(
        "{}:{}:{}: {}",
        file.display(),
        start.line,
        start.column + 1,
        error
    )
}

/// The command line that regenerates the artifacts, for their headers.
fn command(cli: &Cli) -> String {
    let mut command = format!(
        "cargo run -p tracepoints-docs-gen -- --out {}",
        cli.out.display()
    );
    if cli.log_script != "log_tracepoints.bt" {
        command.push_str(&format!(" --log-script {}", cli.log_script));
    }
    for file in &cli.files {
        command.push_str(&format!(" {}", file.display()));
    }
    command
}

fn run(cli: &Cli) -> Result<String, Vec<String>> {
    if cli.log_script.contains('/') || !cli.log_script.ends_with(".bt") {
        return Err(vec![format!(
            "--log-script: `{}` must be a file name ending in .bt",
            cli.log_script
        )]);
    }
    let providers = read_providers(&cli.files)?;
    let source = cli
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let origin = Origin {
        source,
        command: command(cli),
    };
    let outputs = all_outputs(&providers, &origin, &cli.log_script);
    if cli.check {
        let stale = write::stale(&cli.out, &outputs);
        if stale.is_empty() {
            Ok(format!(
                "{} artifacts in {} are up to date",
                outputs.len(),
                cli.out.display()
            ))
        } else {
            let mut errors: Vec<String> = stale;
            errors.push(format!("regenerate with: {}", origin.command));
            Err(errors)
        }
    } else {
        write::write_all(&cli.out, &outputs).map_err(|e| vec![e])?;
        Ok(format!(
            "wrote {} artifacts to {}",
            outputs.len(),
            cli.out.display()
        ))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
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
