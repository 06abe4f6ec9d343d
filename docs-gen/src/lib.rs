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
pub mod emit;
mod generate;
pub mod read;
pub mod verify;
mod write;

use abi::Abi;
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use tracepoints_codegen::model::Provider;
use tracepoints_codegen::names::files::DEFAULT_LOG_SCRIPT;

/// Generate tracing.md, ABI files and tracer scripts from tracepoint
/// declarations; compare ABI files; verify built binaries.
#[derive(Parser, Debug)]
#[command(
    name = "tracepoints-gen",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    /// `abi-diff` or `verify`; without one, generate.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// What to generate.
    #[command(flatten)]
    pub generate: GenerateArgs,
}

/// Writing (or checking) the generated artifacts.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Directory to write the artifacts to (created if missing).
    #[arg(long, value_name = "DIR", required = true)]
    pub out: Option<PathBuf>,
    /// Write nothing; exit non-zero listing each artifact in DIR that is
    /// missing or differs from what would be generated.
    #[arg(long)]
    pub check: bool,
    /// File name of the bpftrace logging script built from `#[log]` lines.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_LOG_SCRIPT)]
    pub log_script: String,
    /// Accept breaking changes to a provider's committed ABI file: its
    /// `abi_version` grows by one.
    #[arg(long)]
    pub accept_breaking: bool,
    /// Rust source files holding `#[tracepoints::provider]` modules.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Classify every change from OLD to NEW (two versions of one
    /// provider's ABI file); fail on a breaking change unless NEW's
    /// `abi_version` is higher than OLD's.
    AbiDiff {
        /// The ABI file before the change.
        old: PathBuf,
        /// The ABI file after the change.
        new: PathBuf,
    },
    /// Check the probes of a built binary (executable or shared library)
    /// against the declarations: every tracepoint present, argument sizes
    /// and signedness as declared, semaphores usable.
    Verify {
        /// The ELF64 binary to check.
        #[arg(long, value_name = "BIN", required_unless_present = "notes")]
        binary: Option<PathBuf>,
        /// Instead of a binary, the output of `readelf -n BIN` (its
        /// `.note.stapsdt` part is enough): every check but those of the
        /// file's layout (segments, pages, `.stapsdt.base`).
        #[arg(long, value_name = "FILE", conflicts_with = "binary")]
        notes: Option<PathBuf>,
        /// Rust source files holding `#[tracepoints::provider]` modules;
        /// without any, the ABI the binary carries (`.note.tracepoints`)
        /// is the declaration.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// What a run found: lines for standard output, problems (each a line for
/// standard error; any makes the run fail) and a summary line.
#[derive(Debug, Default)]
pub struct Report {
    /// The report proper (changes, probes), for standard output.
    pub lines: Vec<String>,
    /// Each problem, naming its file (and line and column for declaration
    /// errors).
    pub errors: Vec<String>,
    /// One line saying what was done.
    pub summary: String,
}

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

/// `text` with every control character shown escaped (`\n`, `\u{1b}`):
/// a message that quotes a file or a binary (a name read from it) must
/// stay one line and must not drive the terminal. The CLI prints every
/// line of a [`Report`] through it.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

impl Report {
    /// A failed run with these problems.
    pub fn failed(errors: Vec<String>) -> Report {
        Report {
            errors,
            ..Report::default()
        }
    }

    /// Whether the run succeeded.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
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
        Some(Command::AbiDiff { old, new }) => abi_diff(dir, old, new),
        Some(Command::Verify {
            binary,
            notes,
            files,
        }) => match (binary, notes) {
            (_, Some(notes)) => verify(dir, Target::Notes(notes), files),
            (Some(binary), None) => verify(dir, Target::Binary(binary), files),
            (None, None) => {
                Report::failed(vec!["verify: give --binary BIN or --notes FILE".into()])
            }
        },
    }
}

fn abi_diff(dir: &Path, old: &Path, new: &Path) -> Report {
    let read = |path: &Path| {
        read::text(&dir.join(path), read::MAX_TEXT_BYTES)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|text| abi::Abi::parse(&text).map_err(|e| format!("{}: {e}", path.display())))
            // Every name and value as a declaration allows: the report
            // prints them, so none may carry a line or an escape of its own.
            .and_then(|abi| match abi.provider() {
                Ok(_) => Ok(abi),
                Err(e) => Err(format!("{}: {e}", path.display())),
            })
    };
    let (old_abi, new_abi) = match (read(old), read(new)) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => return Report::failed(o.err().into_iter().chain(n.err()).collect()),
    };
    if old_abi.provider != new_abi.provider {
        return Report::failed(vec![format!(
            "{} describes provider `{}`, {} provider `{}`: compare two versions of one provider's ABI file",
            old.display(),
            old_abi.provider,
            new.display(),
            new_abi.provider
        )]);
    }
    let changes = abi::diff(&old_abi, &new_abi);
    let breaking = changes
        .iter()
        .filter(|c| c.class == abi::Class::Breaking)
        .count();
    let mut report = Report {
        lines: changes.iter().map(ToString::to_string).collect(),
        ..Report::default()
    };
    let versions = format!(
        "abi_version {} -> {}",
        old_abi.abi_version, new_abi.abi_version
    );
    if breaking > 0 && new_abi.abi_version <= old_abi.abi_version {
        report.errors.push(format!(
            "{breaking} breaking change(s) to `{}` not acknowledged ({versions}): keep the old ABI, or regenerate with `--accept-breaking`, which raises abi_version",
            new_abi.provider
        ));
    } else {
        report.summary = format!(
            "{} change(s) to `{}`, {breaking} breaking{} ({versions})",
            changes.len(),
            new_abi.provider,
            if breaking > 0 { ", acknowledged" } else { "" }
        );
    }
    report
}

/// What `verify` reads the probes from.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// An ELF file.
    Binary(&'a Path),
    /// `readelf -n` output.
    Notes(&'a Path),
}

fn verify(dir: &Path, target: Target, files: &[PathBuf]) -> Report {
    let (binary_path, read) = match target {
        Target::Binary(path) => (path, verify::Binary::read(&dir.join(path))),
        Target::Notes(path) => (
            path,
            read_source_file(&dir.join(path)).and_then(|text| verify::Binary::from_readelf(&text)),
        ),
    };
    let binary = match read {
        Ok(binary) => binary,
        Err(e) => return Report::failed(vec![format!("{}: {e}", binary_path.display())]),
    };
    let in_binary = |e: String| vec![format!("{}: {e}", binary_path.display())];
    let embedded = match &binary.embedded {
        Ok(embedded) => embedded,
        Err(e) => return Report::failed(in_binary(format!("its tracepoint ABI: {e}"))),
    };
    let (providers, embedded_problems) = if files.is_empty() {
        if embedded.is_empty() {
            return Report::failed(in_binary(
                "carries no tracepoint ABI (no `.note.tracepoints`: built without the tracepoints crate, with `readelf -n` output, or the section removed): give the declaration's files".into(),
            ));
        }
        match embedded.iter().map(Abi::provider).collect() {
            Ok(providers) => (providers, Vec::new()),
            Err(e) => return Report::failed(in_binary(format!("its tracepoint ABI: {e}"))),
        }
    } else {
        match read_providers(dir, files) {
            Ok(providers) => {
                let problems = embedded_differences(embedded, &providers);
                (providers, problems)
            }
            Err(errors) => return Report::failed(errors),
        }
    };
    let (mut problems, others) = verify::check(&binary, &providers);
    // A difference the probes already show is said once, by the probes.
    let shown: Vec<String> = problems.clone();
    problems.extend(
        embedded_problems
            .into_iter()
            .filter(|(probe, _)| !shown.iter().any(|p| p.starts_with(&format!("{probe}:"))))
            .map(|(_, problem)| problem),
    );
    let declared: usize = providers.iter().map(|p| p.tracepoints.len()).sum();
    let mut report = Report {
        lines: others
            .iter()
            .map(|probe| format!("{probe}: in the binary, of a provider not declared here"))
            .collect(),
        errors: problems
            .into_iter()
            .map(|p| format!("{}: {p}", binary_path.display()))
            .collect(),
        ..Report::default()
    };
    if report.ok() {
        report.summary = format!(
            "{}: all {declared} declared tracepoints present, with the declared argument sizes and usable semaphores{}",
            binary_path.display(),
            match (target, files.is_empty()) {
                (Target::Binary(_), true) => " (declared by the ABI the binary carries)",
                (Target::Binary(_), false) => "",
                (Target::Notes(_), _) => " (from its notes: the file's layout is not checked)",
            }
        );
    }
    report
}

/// Where the ABI a binary carries breaks a tracer written for the
/// declaration (the binary was built from another version of it), each
/// with its probe (`provider:tracepoint`). Providers the binary carries no
/// ABI for are not compared.
fn embedded_differences(embedded: &[Abi], providers: &[Provider]) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for provider in providers {
        let Some(carried) = embedded.iter().find(|a| a.provider == provider.name) else {
            continue;
        };
        let declared = Abi::of(provider, String::new(), String::new(), 0);
        for change in abi::diff(&declared, carried) {
            if change.class == abi::Class::Breaking {
                let probe = change
                    .place
                    .splitn(3, ':')
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(":");
                problems.push((
                    probe,
                    format!(
                        "the ABI the binary carries differs from the declaration: {}: {}",
                        change.place, change.what
                    ),
                ));
            }
        }
    }
    problems
}

/// Reads, parses and checks every file; errors name `file:line:column`.
fn read_providers(dir: &Path, files: &[PathBuf]) -> Result<Vec<Provider>, Vec<String>> {
    let mut providers: Vec<Provider> = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let source = match read_source_file(&dir.join(file)) {
            Ok(source) => source,
            Err(e) => {
                errors.push(format!("{}: {e}", file.display()));
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

/// The largest declaration file read, in bytes: a real one is a few KiB.
pub const MAX_SOURCE_BYTES: u64 = 4 << 20;

/// Reads a declaration file (or `readelf -n` output): a regular file of
/// at most [`MAX_SOURCE_BYTES`], as UTF-8.
fn read_source_file(path: &Path) -> Result<String, String> {
    read::text(path, MAX_SOURCE_BYTES).map_err(|e| match e {
        read::ReadError::TooLarge(_) => {
            format!("{e}, which no declaration or notes file needs")
        }
        e => e.to_string(),
    })
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
