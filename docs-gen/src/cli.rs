//! The command line, as clap parses it.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
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
