//! `tracepoints-gen`: reads tracepoint declarations from Rust source files
//! with the same passes as the `#[tracepoints::provider]` macro and writes
//! every generated artifact (docs, bpftrace, BCC, libbpf, Rust event
//! types), or checks that committed ones are up to date.
//!
//! The binary is a thin wrapper around [`run`]; tests call [`run`] in
//! process.

#![warn(missing_docs)]

mod write;

use clap::Parser;
use std::path::{Path, PathBuf};
use tracepoints_codegen::emit::names::files::DEFAULT_LOG_SCRIPT;
use tracepoints_codegen::emit::{Origin, all_outputs};
use tracepoints_codegen::model::Provider;

/// Generate tracing.md and tracer scripts from tracepoint declarations.
#[derive(Parser, Debug)]
#[command(name = "tracepoints-gen", version)]
pub struct Cli {
    /// Directory to write the artifacts to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write nothing; exit non-zero listing each artifact in DIR that is
    /// missing or differs from what would be generated.
    #[arg(long)]
    pub check: bool,
    /// File name of the bpftrace logging script built from `#[log]` lines.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_LOG_SCRIPT)]
    pub log_script: String,
    /// Rust source files holding `#[tracepoints::provider]` modules.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Parses `args` (the command line without the program name) and runs it
/// in `dir`, as [`run`] does.
pub fn run_args<'a>(
    dir: &Path,
    args: impl IntoIterator<Item = &'a str>,
) -> Result<String, Vec<String>> {
    let cli = Cli::try_parse_from(std::iter::once("tracepoints-gen").chain(args))
        .map_err(|e| vec![e.to_string()])?;
    run(dir, &cli)
}

/// Runs the command with relative paths taken from `dir` (the binary passes
/// the current directory). `Ok` holds the summary line; `Err` one message
/// per problem, each naming its file (and line and column for declaration
/// errors).
pub fn run(dir: &Path, cli: &Cli) -> Result<String, Vec<String>> {
    if cli.log_script.contains('/') || !cli.log_script.ends_with(".bt") {
        return Err(vec![format!(
            "--log-script: `{}` must be a file name ending in .bt",
            cli.log_script
        )]);
    }
    let providers = read_providers(dir, &cli.files)?;
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
    let out = dir.join(&cli.out);
    if cli.check {
        let stale = write::stale(&out, &cli.out, &outputs);
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
        write::write_all(&out, &cli.out, &outputs).map_err(|e| vec![e])?;
        Ok(format!(
            "wrote {} artifacts to {}",
            outputs.len(),
            cli.out.display()
        ))
    }
}

/// Reads, parses and checks every file; errors name `file:line:column`.
fn read_providers(dir: &Path, files: &[PathBuf]) -> Result<Vec<Provider>, Vec<String>> {
    let mut providers: Vec<Provider> = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let source = match std::fs::read_to_string(dir.join(file)) {
            Ok(source) => source,
            Err(e) => {
                errors.push(format!("{}: cannot read: {e}", file.display()));
                continue;
            }
        };
        match tracepoints_codegen::read_source(&source) {
            Ok(found) if found.is_empty() => errors.push(format!(
                "{}: no `#[tracepoints::provider]` module found (declare one: `#[tracepoints::provider] mod net {{ ... }}`)",
                file.display()
            )),
            Ok(found) => {
                for provider in found {
                    if providers.iter().any(|p| p.name == provider.name) {
                        errors.push(format!(
                            "{}: provider `{}` is declared twice",
                            file.display(),
                            provider.name
                        ));
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
        "cargo run -p tracepoints-gen -- --out {}",
        cli.out.display()
    );
    if cli.log_script != DEFAULT_LOG_SCRIPT {
        command.push_str(&format!(" --log-script {}", cli.log_script));
    }
    for file in &cli.files {
        command.push_str(&format!(" {}", file.display()));
    }
    command
}
