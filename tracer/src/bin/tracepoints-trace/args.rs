//! The command line, as clap parses it.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use tracepoints_trace::attach;

/// Traces the USDT tracepoints of a binary built with the tracepoints
/// crate, typed, from the ABI the binary carries: one JSON object per
/// event (`{"tracepoint":"net:inbound_connection","args":{...}}`), then
/// `{"lost":N,"lost_by_tracepoint":{...}}` when it stops (Ctrl-C,
/// SIGTERM, or the traced process exiting). A binary built without the
/// crate (Bitcoin Core's `bitcoind`) is traced with its ABI files
/// (`--abi net.abi.json`).
#[derive(Parser)]
#[command(
    name = "tracepoints-trace",
    version,
    args_conflicts_with_subcommands = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    #[command(flatten)]
    pub(crate) trace: Trace,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Lists the binary's providers and tracepoints, with every
    /// argument's type, length, unit, named values and doc.
    List {
        /// The binary (executable or shared library).
        binary: PathBuf,
        /// ABI files to read instead of the ABI the binary carries.
        #[arg(long = "abi", value_name = "FILE")]
        abi: Vec<PathBuf>,
        /// List the metrics `--metrics` serves for the binary instead: a
        /// line per metric, with its labels, type and help.
        #[arg(long, conflicts_with = "schema")]
        metrics: bool,
        /// Print the JSON Schema of the binary's events instead (as
        /// printed and as published with `--nats`), for subscribers.
        #[arg(long)]
        schema: bool,
    },
}

#[derive(clap::Args)]
pub(crate) struct Trace {
    /// The binary (executable or shared library) whose tracepoints to
    /// trace, in every process that runs it.
    #[arg(value_name = "BINARY", required_unless_present = "read")]
    pub(crate) binary: Option<PathBuf>,
    /// Only the process PID; the tracer stops when it exits (unless
    /// `--follow`).
    #[arg(long, value_name = "PID", conflicts_with = "pid_file")]
    pub(crate) pid: Option<i32>,
    /// With `--pid`: when the process exits, wait for the next process
    /// that runs the binary and follow it.
    #[arg(long, requires = "pid")]
    pub(crate) follow: bool,
    /// Only the process whose pid FILE holds (a daemon's pid file); when
    /// it exits, the tracer waits for the file to name its successor and
    /// follows it.
    #[arg(long, value_name = "FILE")]
    pub(crate) pid_file: Option<PathBuf>,
    /// ABI files (`<provider>.abi.json`) to read instead of the ABI the
    /// binary carries.
    #[arg(long = "abi", value_name = "FILE")]
    pub(crate) abi: Vec<PathBuf>,
    /// Only the tracepoints of this provider; repeat for more.
    #[arg(long = "provider", value_name = "NAME")]
    pub(crate) providers: Vec<String>,
    /// Only this tracepoint (`provider:name`); repeat for more.
    #[arg(long = "tracepoint", value_name = "PROVIDER:NAME")]
    pub(crate) tracepoints: Vec<String>,
    /// `json`: one JSON object per event; `log`: the declared log line of
    /// each tracepoint that has one (only those are traced); `records`:
    /// each ring-buffer record as it came, a JSON string of hex (for
    /// decoders of your own: the generated ones read these records);
    /// `none`: no event, only the closing line (for `--nats` and
    /// `--metrics`).
    #[arg(long, value_enum, default_value = "json")]
    pub(crate) format: Format,
    /// Decode nothing while tracing: keep one provider's records in FILE
    /// as they come (a record file), for `--read` to print later.
    #[arg(long, value_name = "FILE", conflicts_with = "format")]
    pub(crate) write: Option<PathBuf>,
    /// Print the events of a record file (as the tracer that wrote it would
    /// have), decoded by the ABI BINARY carries or by `--abi` files.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["write", "pid", "pid_file", "ring_size"])]
    pub(crate) read: Option<PathBuf>,
    /// The size of each provider's ring buffer: bytes, or K, M or G of
    /// them, rounded up to a power of two (default 8M).
    #[arg(long, value_name = "SIZE", value_parser = ring_bytes)]
    pub(crate) ring_size: Option<u32>,
    /// Publish every event to the NATS server at URL (`nats://HOST:PORT`)
    /// on the subject `PREFIX.<provider>.<tracepoint>`: the JSON object
    /// `--format json` prints, with `node` and `time_unix_ns` (when the
    /// tracer read it) first. Tracing goes on while the server is away;
    /// what could not be published is counted per tracepoint.
    #[arg(long, value_name = "URL", conflicts_with_all = ["write", "read"])]
    pub(crate) nats: Option<String>,
    /// The subjects' first tokens, with `--nats`.
    #[arg(long = "subject", value_name = "PREFIX", default_value = "tracepoints")]
    pub(crate) subject: String,
    /// The most bytes of events waiting for the NATS server (while it is
    /// slow or away), as `--ring-size` takes them (default 64M); an event
    /// that does not fit is counted as unpublished.
    #[arg(long, value_name = "SIZE", value_parser = ring_bytes, requires = "nats")]
    pub(crate) nats_queue: Option<u32>,
    /// The node's name in each published event, with `--nats` (default:
    /// the host's name).
    #[arg(long, value_name = "NAME", requires = "nats")]
    pub(crate) node: Option<String>,
    /// Serve metrics for Prometheus at `http://ADDR/metrics` (e.g.
    /// `127.0.0.1:9435`): events, losses and unpublished events per
    /// tracepoint, a counter per named value and a histogram per argument
    /// with a unit.
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["write", "read"])]
    pub(crate) metrics: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Json,
    Log,
    Records,
    None,
}

/// `--ring-size`'s parser: see [`attach::ring_bytes`].
fn ring_bytes(size: &str) -> Result<u32, String> {
    attach::ring_bytes(size)
        .ok_or_else(|| format!("`{size}`: give bytes, or K, M or G of them, up to 2G"))
}
