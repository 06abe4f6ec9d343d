//! The `tracepoints-trace` command. See `--help`.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tracepoints_codegen::abi::TracepointAbi;
use tracepoints_codegen::model::{ArgType, BytesDisplay, BytesLen, Provider, Tracepoint};
use tracepoints_trace::attach::{self, Ended, Options, Tracer};
use tracepoints_trace::{decode, metrics, publish, records, source};

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
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    trace: Trace,
}

#[derive(Subcommand)]
enum Command {
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
struct Trace {
    /// The binary (executable or shared library) whose tracepoints to
    /// trace, in every process that runs it.
    #[arg(value_name = "BINARY", required_unless_present = "read")]
    binary: Option<PathBuf>,
    /// Only the process PID; the tracer stops when it exits (unless
    /// `--follow`).
    #[arg(long, value_name = "PID", conflicts_with = "pid_file")]
    pid: Option<i32>,
    /// With `--pid`: when the process exits, wait for the next process
    /// that runs the binary and follow it.
    #[arg(long, requires = "pid")]
    follow: bool,
    /// Only the process whose pid FILE holds (a daemon's pid file); when
    /// it exits, the tracer waits for the file to name its successor and
    /// follows it.
    #[arg(long, value_name = "FILE")]
    pid_file: Option<PathBuf>,
    /// ABI files (`<provider>.abi.json`) to read instead of the ABI the
    /// binary carries.
    #[arg(long = "abi", value_name = "FILE")]
    abi: Vec<PathBuf>,
    /// Only the tracepoints of this provider; repeat for more.
    #[arg(long = "provider", value_name = "NAME")]
    providers: Vec<String>,
    /// Only this tracepoint (`provider:name`); repeat for more.
    #[arg(long = "tracepoint", value_name = "PROVIDER:NAME")]
    tracepoints: Vec<String>,
    /// `json`: one JSON object per event; `log`: the declared log line of
    /// each tracepoint that has one (only those are traced); `records`:
    /// each ring-buffer record as it came, a JSON string of hex (for
    /// decoders of your own: the generated ones read these records);
    /// `none`: no event, only the closing line (for `--nats` and
    /// `--metrics`).
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Decode nothing while tracing: keep one provider's records in FILE
    /// as they come (a record file), for `--read` to print later.
    #[arg(long, value_name = "FILE", conflicts_with = "format")]
    write: Option<PathBuf>,
    /// Print the events of a record file (as the tracer that wrote it would
    /// have), decoded by the ABI BINARY carries or by `--abi` files.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["write", "pid", "pid_file", "ring_size"])]
    read: Option<PathBuf>,
    /// The size of each provider's ring buffer: bytes, or K, M or G of
    /// them, rounded up to a power of two (default 8M).
    #[arg(long, value_name = "SIZE", value_parser = ring_bytes)]
    ring_size: Option<u32>,
    /// Publish every event to the NATS server at URL (`nats://HOST:PORT`)
    /// on the subject `PREFIX.<provider>.<tracepoint>`: the JSON object
    /// `--format json` prints, with `node` and `time_unix_ns` (when the
    /// tracer read it) first. Tracing goes on while the server is away;
    /// what could not be published is counted per tracepoint.
    #[arg(long, value_name = "URL", conflicts_with_all = ["write", "read"])]
    nats: Option<String>,
    /// The subjects' first tokens, with `--nats`.
    #[arg(long = "subject", value_name = "PREFIX", default_value = "tracepoints")]
    subject: String,
    /// The most bytes of events waiting for the NATS server (while it is
    /// slow or away), as `--ring-size` takes them (default 64M); an event
    /// that does not fit is counted as unpublished.
    #[arg(long, value_name = "SIZE", value_parser = ring_bytes, requires = "nats")]
    nats_queue: Option<u32>,
    /// The node's name in each published event, with `--nats` (default:
    /// the host's name).
    #[arg(long, value_name = "NAME", requires = "nats")]
    node: Option<String>,
    /// Serve metrics for Prometheus at `http://ADDR/metrics` (e.g.
    /// `127.0.0.1:9435`): events, losses and unpublished events per
    /// tracepoint, a counter per named value and a histogram per argument
    /// with a unit.
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["write", "read"])]
    metrics: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Json,
    Log,
    Records,
    None,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn stop(_signal: libc::c_int) {
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

fn list(
    binary: &std::path::Path,
    abi: &[PathBuf],
    metrics: bool,
    schema: bool,
) -> Result<(), String> {
    let providers = source::providers(binary, abi)?;
    if schema {
        let comment = format!(
            "The events of {}, from `tracepoints-trace list --schema`.",
            binary.display()
        );
        let schema = tracepoints_gen::emit::schema::schema(&providers, &comment);
        let text = serde_json::to_string_pretty(&schema).expect("a JSON value");
        write_out(&mut format!("{text}\n").into_bytes());
        return Ok(());
    }
    if metrics {
        let metrics = metrics::Metrics::new(&providers.iter().collect::<Vec<_>>());
        write_out(&mut metrics.describe().into_bytes());
        return Ok(());
    }
    let mut out = String::new();
    for provider in &providers {
        for tracepoint in &provider.tracepoints {
            describe(provider, tracepoint, &mut out);
        }
    }
    write_out(&mut out.into_bytes());
    Ok(())
}

/// A tracepoint as `list` shows it: its name and doc, then an argument a
/// line, with its type, length, unit, named values and doc.
fn describe(provider: &Provider, tracepoint: &Tracepoint, out: &mut String) {
    use std::fmt::Write as _;
    let _ = writeln!(out, "{}", tracepoint.probe_name(provider));
    for line in tracepoint.doc.plain("").lines() {
        let _ = writeln!(out, "    {line}");
    }
    for arg in &tracepoint.args {
        let mut kind = arg.ty.rust().to_string();
        match arg.ty {
            ArgType::Str { max_len } | ArgType::CStr { max_len } => {
                let _ = write!(kind, ", at most {max_len} bytes");
            }
            ArgType::Bytes {
                len: BytesLen::Fixed(len),
                ..
            } => {
                let _ = write!(kind, ", {len} bytes");
            }
            ArgType::Bytes {
                len: BytesLen::Arg { index, max_len },
                ..
            } => {
                let _ = write!(
                    kind,
                    ", as many bytes as `{}` (at most {max_len} kept)",
                    tracepoint.args[index].name
                );
            }
            _ => {}
        }
        if let ArgType::Bytes {
            display: BytesDisplay::Hash,
            ..
        } = arg.ty
        {
            kind.push_str(", a hash (shown reversed)");
        }
        if let Some(meaning) = arg.meaning() {
            let _ = write!(kind, "; {meaning}");
        }
        let doc = arg
            .doc
            .plain(&format!("`{}`", arg.ty.doc_name()))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(out, "  {}: {kind}", arg.name);
        if !doc.is_empty() {
            let _ = writeln!(out, "      {doc}");
        }
    }
    if let Some(log) = &tracepoint.log {
        let _ = writeln!(out, "  log: {}", log.source(&tracepoint.args));
    }
}

/// Says that the tracer is attached (what scripts and tests wait for).
fn attached(tracer: &Tracer, pid: Option<i32>) {
    match pid {
        Some(pid) => eprintln!(
            "Attached {} probes to {} (pid {pid})",
            tracer.probes(),
            tracer.binary().display()
        ),
        None => eprintln!(
            "Attached {} probes to {}",
            tracer.probes(),
            tracer.binary().display()
        ),
    }
}

/// The pid `file` holds once it names a running process other than
/// `after`, checked every poll; `None` when the tracer is stopped first.
fn next_pid(file: &std::path::Path, after: Option<i32>) -> Option<i32> {
    let mut said = false;
    while !STOP.load(Ordering::Relaxed) {
        let pid = std::fs::read_to_string(file)
            .ok()
            .and_then(|text| text.trim().parse::<i32>().ok())
            .filter(|&pid| pid > 0 && Some(pid) != after)
            // SAFETY: signal 0 only checks that the process exists.
            .filter(|&pid| unsafe { libc::kill(pid, 0) } == 0);
        if pid.is_some() {
            return pid;
        }
        if !said {
            eprintln!("Waiting for {} to name a running process", file.display());
            said = true;
        }
        std::thread::sleep(attach::POLL);
    }
    None
}

/// The newest running process other than `after` whose executable is the
/// file now at `binary`, checked every poll; `None` when the tracer is
/// stopped first.
fn next_process(binary: &std::path::Path, after: Option<i32>) -> Option<i32> {
    let mut said = false;
    while !STOP.load(Ordering::Relaxed) {
        let identity = attach::file_identity(binary);
        let newest = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
            .filter(|&pid| Some(pid) != after)
            .filter(|&pid| {
                identity.is_some()
                    && attach::file_identity(std::path::Path::new(&format!("/proc/{pid}/exe")))
                        == identity
            })
            .max_by_key(|&pid| {
                std::fs::metadata(format!("/proc/{pid}"))
                    .and_then(|m| m.modified())
                    .ok()
            });
        if newest.is_some() {
            return newest;
        }
        if !said {
            eprintln!("Waiting for a process of {}", binary.display());
            said = true;
        }
        std::thread::sleep(attach::POLL);
    }
    None
}

fn trace(args: Trace) -> Result<(), String> {
    if let Some(file) = &args.read {
        return read(file, &args);
    }
    let binary = args.binary.clone().expect("clap requires it");
    let (tracer, mut pid) = start(&args, &binary)?;
    let mut writer = record_writer(&args, &tracer)?;
    let fleet = Fleet::start(&args, &tracer)?;
    attached(&tracer, pid);
    let decoders = tracer.decoders();
    let lines = std::cell::RefCell::new(Vec::<u8>::new());
    let mut on_record = |provider: usize, record: &[u8]| {
        if let Some(writer) = writer.as_mut() {
            if let Err(e) = writer.record(record) {
                eprintln!("tracepoints-trace: {e}");
                STOP.store(true, Ordering::Relaxed);
            }
            return;
        }
        let decoder = decoders[provider];
        let event = decoder.decode(record);
        if let Some(event) = &event {
            fleet.event(provider, decoder, event);
        }
        let mut lines = lines.borrow_mut();
        if !write_event(args.format, decoder, record, event.as_ref(), &mut lines) {
            return;
        }
        lines.push(b'\n');
        // A poll drains whole rings: write out as it goes.
        if lines.len() >= 1 << 20 {
            write_out(&mut lines);
        }
    };
    // Tracing every process of the binary: watch its file, which a new
    // build or an upgrade replaces.
    let mut identity = pid
        .is_none()
        .then(|| attach::file_identity(&binary))
        .flatten();
    loop {
        let ended = tracer.run(&STOP, pid, identity, &mut on_record, || {
            write_out(&mut lines.borrow_mut());
            fleet.sync(&tracer, false)
        })?;
        match ended {
            Ended::Stopped => break,
            Ended::ProcessExited => {
                let next = match &args.pid_file {
                    Some(file) => next_pid(file, pid),
                    None if args.follow => next_process(&binary, pid),
                    None => None,
                };
                let Some(next) = next else { break };
                pid = Some(next);
                tracer.reattach(pid)?;
                attached(&tracer, pid);
            }
            Ended::BinaryReplaced => {
                same_abi(&decoders, &binary, &args.abi)?;
                identity = attach::file_identity(&binary);
                tracer.reattach(None)?;
                attached(&tracer, None);
            }
        }
    }
    finish(&tracer, writer, fleet, args.format)
}

/// The tracer attached to the selected tracepoints of `binary` (in the
/// process `--pid` or `--pid-file` names, once there is one), with
/// Ctrl-C and SIGTERM stopping it; and that process.
fn start(args: &Trace, binary: &std::path::Path) -> Result<(Tracer, Option<i32>), String> {
    let (providers, tracepoints) = selection(args, binary)?;
    let mut pid = args.pid;
    if let Some(file) = &args.pid_file {
        pid = Some(next_pid(file, None).ok_or("stopped before a process appeared")?);
    }
    let options = Options {
        pid,
        ring_size: args.ring_size,
        tracepoints,
    };
    let tracer = Tracer::attach(binary, providers, &options)?;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { libc::signal(signal, stop as *const () as libc::sighandler_t) };
    }
    if let Some(bytes) = args.ring_size {
        eprintln!("Ring buffer: {} KiB per provider", bytes >> 10);
    }
    Ok((tracer, pid))
}

/// What a trace ends with: the record file's trailer, the lost line (but
/// for log lines) and a warning when anything was lost.
fn finish(
    tracer: &Tracer,
    writer: Option<records::Writer>,
    fleet: Fleet,
    format: Format,
) -> Result<(), String> {
    let lost = tracer.lost()?;
    if let Some(mut writer) = writer {
        writer.finish(&tracer.lost_by_kind(0)?)?;
    }
    let total: u64 = lost.iter().map(|(_, n)| n).sum();
    let mut members = counts_members("lost", &lost);
    if let Some(report) = fleet.finish(tracer)? {
        let published: u64 = report.published.iter().map(|(_, n)| n).sum();
        let unpublished = counts_members("unpublished", &report.unpublished);
        members.push_str(&format!(",\"published\":{published},{unpublished}"));
        let total: u64 = report.unpublished.iter().map(|(_, n)| n).sum();
        if total > 0 {
            eprintln!("Could not publish {total} events to NATS");
        }
    }
    let line = format!("{{{members}}}");
    if format != Format::Log {
        write_out(&mut format!("{line}\n").into_bytes());
    }
    if total > 0 {
        eprintln!("Lost {total} events: a ring buffer was full (--ring-size sets its size)");
    }
    Ok(())
}

/// The providers (`--provider`) and tracepoints (`--tracepoint`, or with
/// `--format log` those with a log line) to trace in `binary`; every error
/// names what is not there.
fn selection(
    args: &Trace,
    binary: &std::path::Path,
) -> Result<(Vec<Provider>, Vec<String>), String> {
    let mut providers = source::providers(binary, &args.abi)?;
    for name in &args.providers {
        if !providers.iter().any(|p| &p.name == name) {
            let known: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "--provider {name}: {} has no such provider (it has {})",
                binary.display(),
                known.join(", ")
            ));
        }
    }
    if !args.providers.is_empty() {
        providers.retain(|p| args.providers.contains(&p.name));
    }
    let mut tracepoints = args.tracepoints.clone();
    if args.format == Format::Log {
        let logged: Vec<String> = providers
            .iter()
            .flat_map(|p| {
                p.tracepoints
                    .iter()
                    .filter(|t| t.log.is_some())
                    .map(|t| t.probe_name(p))
            })
            .filter(|name| tracepoints.is_empty() || tracepoints.contains(name))
            .collect();
        if logged.is_empty() {
            return Err(format!(
                "--format log: no traced tracepoint of {} declares a log line",
                binary.display()
            ));
        }
        tracepoints = logged;
    }
    Ok((providers, tracepoints))
}

/// The record file of `--write`, which keeps one provider's records.
fn record_writer(args: &Trace, tracer: &Tracer) -> Result<Option<records::Writer>, String> {
    let Some(file) = &args.write else {
        return Ok(None);
    };
    let [decoder] = tracer.decoders()[..] else {
        return Err(format!(
            "--write {}: a record file keeps one provider's records: add --provider NAME",
            file.display()
        ));
    };
    let path = file.to_string_lossy().into_owned();
    records::Writer::create(&path, &decoder.provider().name).map(Some)
}

/// Whether the file now at `binary` declares the traced providers as the
/// traced ones were: else re-attaching would decode its records wrong.
fn same_abi(
    traced: &[&decode::Decoder],
    binary: &std::path::Path,
    abi_files: &[PathBuf],
) -> Result<(), String> {
    let now = source::providers(binary, abi_files)?;
    let abi = |provider: &Provider| -> Vec<TracepointAbi> {
        provider.tracepoints.iter().map(TracepointAbi::of).collect()
    };
    let same = traced.iter().all(|d| {
        let provider = d.provider();
        now.iter()
            .find(|p| p.name == provider.name)
            .is_some_and(|p| abi(p) == abi(provider))
    });
    if same {
        Ok(())
    } else {
        Err(format!(
            "{} was replaced by a build with another tracepoint ABI: start the tracer again to trace it",
            binary.display()
        ))
    }
}

/// Appends `record` (of `decoder`'s provider) to `lines` in `format`,
/// without its newline; false when the format prints nothing for it (an
/// event without a log line).
fn write_event(
    format: Format,
    decoder: &decode::Decoder,
    record: &[u8],
    event: Option<&decode::Event>,
    lines: &mut Vec<u8>,
) -> bool {
    match (format, event) {
        (Format::None, _) => return false,
        (Format::Records, _) => {
            lines.push(b'"');
            decode::write_hex(lines, record, false);
            lines.push(b'"');
        }
        (Format::Json, Some(event)) => decoder.write_json(event, lines),
        (Format::Log, Some(event)) => match decoder.log_line(event) {
            Some(line) => lines.extend(line),
            None => return false,
        },
        (_, None) => {
            lines.extend_from_slice(format!("{{\"undecodable\":{}}}", record.len()).as_bytes())
        }
    }
    true
}

/// `{"lost":N,"lost_by_tracepoint":{"p:t":n,...}}`, the line readers print
/// when they stop.
fn lost_line(lost: &[(String, u64)]) -> String {
    format!("{{{}}}", counts_members("lost", lost))
}

/// `"KEY":N,"KEY_by_tracepoint":{"p:t":n,...}`: counts per tracepoint and
/// their total, as members of the closing line.
fn counts_members(key: &str, counts: &[(String, u64)]) -> String {
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let by_tracepoint: Vec<String> = counts
        .iter()
        .map(|(name, n)| format!("\"{name}\":{n}"))
        .collect();
    format!(
        "\"{key}\":{total},\"{key}_by_tracepoint\":{{{}}}",
        by_tracepoint.join(",")
    )
}

/// What `--read` stops with once standard output is closed: not an error.
const CLOSED: &str = "standard output closed";

/// `--read FILE`: the events of a record file in `--format`, then the
/// lost counts its trailer keeps, as the tracer that wrote it printed
/// them.
fn read(file: &std::path::Path, args: &Trace) -> Result<(), String> {
    let providers = match &args.binary {
        Some(binary) => source::providers(binary, &args.abi)?,
        None if !args.abi.is_empty() => source::abi_files(&args.abi)?,
        None => {
            return Err("--read FILE: give the BINARY or its --abi files to decode it by".into());
        }
    };
    let path = file.to_string_lossy().into_owned();
    let mut decoder: Option<decode::Decoder> = None;
    let mut lines = Vec::new();
    let limits = |name: &str| {
        providers
            .iter()
            .find(|p| p.name == name)
            .map(|p| records::Limits {
                largest: tracepoints_codegen::record::largest(p),
                kinds: p.tracepoints.len(),
            })
            .ok_or_else(|| {
                format!("{path}: records of provider `{name}`, which the ABI does not declare")
            })
    };
    let read = records::read(&path, limits, |name, record| {
        if STOP.load(Ordering::Relaxed) {
            // Standard output closed: nothing more to print.
            return Err(CLOSED.into());
        }
        if decoder.as_ref().is_none_or(|d| d.provider().name != name) {
            let provider = providers.iter().find(|p| p.name == name).ok_or_else(|| {
                format!("{path}: records of provider `{name}`, which the ABI does not declare")
            })?;
            decoder = Some(decode::Decoder::new(provider.clone()));
        }
        let decoder = decoder.as_ref().expect("set above");
        if !write_event(
            args.format,
            decoder,
            record,
            decoder.decode(record).as_ref(),
            &mut lines,
        ) {
            return Ok(());
        }
        lines.push(b'\n');
        if lines.len() >= 1 << 20 {
            write_out(&mut lines);
        }
        Ok(())
    });
    // The events read, also when the file ends early.
    write_out(&mut lines);
    let (name, lost) = match read {
        Err(e) if e == CLOSED => return Ok(()),
        read => read?,
    };
    if args.format == Format::Log {
        return Ok(());
    }
    let provider = providers.iter().find(|p| p.name == name);
    match (provider, lost.by_kind) {
        (Some(provider), Some(by_kind)) => {
            let lost: Vec<(String, u64)> = provider
                .tracepoints
                .iter()
                .map(|t| t.probe_name(provider))
                .zip(by_kind.iter().copied().chain(std::iter::repeat(0)))
                .collect();
            write_out(&mut format!("{}\n", lost_line(&lost)).into_bytes());
        }
        _ => write_out(&mut format!("{{\"lost\":{}}}\n", lost.total).into_bytes()),
    }
    Ok(())
}

/// Writes and clears the lines so far; a closed stdout stops the tracer
/// like Ctrl-C, quietly (what `| head` does to a reader is no error).
fn write_out(lines: &mut Vec<u8>) {
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

/// `--ring-size`'s parser: see [`attach::ring_bytes`].
fn ring_bytes(size: &str) -> Result<u32, String> {
    attach::ring_bytes(size)
        .ok_or_else(|| format!("`{size}`: give bytes, or K, M or G of them, up to 2G"))
}

/// Where events go beside the output: NATS (`--nats`) and the metrics
/// (`--metrics`).
struct Fleet {
    publisher: Option<publish::Publisher>,
    metrics: Option<Arc<metrics::Metrics>>,
    /// `"node":"NAME",`: the first member of each published event.
    node: Vec<u8>,
    /// When the metrics last took the lost and unpublished counts.
    synced: std::cell::Cell<Instant>,
}

/// How often the metrics take the counts kept by the BPF program and the
/// publisher.
const SYNC: Duration = Duration::from_secs(1);

impl Fleet {
    /// Connects to NATS and serves the metrics, as `args` asks.
    fn start(args: &Trace, tracer: &Tracer) -> Result<Fleet, String> {
        let providers: Vec<Provider> = tracer
            .decoders()
            .iter()
            .map(|d| d.provider().clone())
            .collect();
        let publisher = match &args.nats {
            Some(url) => {
                let publisher = publish::Publisher::start(
                    url,
                    &args.subject,
                    &providers,
                    args.nats_queue.map_or(publish::QUEUE_BYTES, |b| b as usize),
                )?;
                eprintln!(
                    "Publishing to {url} on {}.<provider>.<tracepoint>",
                    args.subject
                );
                Some(publisher)
            }
            None => None,
        };
        let metrics = match &args.metrics {
            Some(addr) => {
                let metrics =
                    Arc::new(metrics::Metrics::new(&providers.iter().collect::<Vec<_>>()));
                let bound = metrics.serve(addr)?;
                eprintln!("Serving metrics at http://{bound}/metrics");
                Some(metrics)
            }
            None => None,
        };
        let name = args.node.clone().unwrap_or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_default()
        });
        let mut node = b"\"node\":".to_vec();
        decode::write_json_string(&mut node, &name);
        node.push(b',');
        Ok(Fleet {
            publisher,
            metrics,
            node,
            synced: std::cell::Cell::new(Instant::now()),
        })
    }

    /// Counts and publishes one event of provider `provider`.
    fn event(&self, provider: usize, decoder: &decode::Decoder, event: &decode::Event) {
        if let Some(metrics) = &self.metrics {
            metrics.event(provider, event);
        }
        if let Some(publisher) = &self.publisher {
            let mut members = self.node.clone();
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            members.extend_from_slice(format!("\"time_unix_ns\":{now},").as_bytes());
            let mut payload = Vec::with_capacity(256);
            decoder.write_json_after(event, &members, &mut payload);
            publisher.publish(provider, event.tracepoint, payload);
        }
    }

    /// Gives the metrics the lost and unpublished counts, once a
    /// [`SYNC`] (or now, when `now`).
    fn sync(&self, tracer: &Tracer, now: bool) -> Result<(), String> {
        let Some(metrics) = &self.metrics else {
            return Ok(());
        };
        if !now && self.synced.get().elapsed() < SYNC {
            return Ok(());
        }
        self.synced.set(Instant::now());
        for (i, decoder) in tracer.decoders().iter().enumerate() {
            let lost = tracer.lost_by_kind(i)?;
            for (t, lost) in lost
                .iter()
                .enumerate()
                .take(decoder.provider().tracepoints.len())
            {
                let unpublished = self.publisher.as_ref().map_or(0, |p| p.unpublished(i, t));
                metrics.set_totals(i, t, *lost, unpublished);
            }
        }
        Ok(())
    }

    /// Publishes what is queued and returns what publishing did (`None`
    /// without `--nats`).
    fn finish(self, tracer: &Tracer) -> Result<Option<publish::Report>, String> {
        self.sync(tracer, true)?;
        Ok(self.publisher.map(publish::Publisher::finish))
    }
}
