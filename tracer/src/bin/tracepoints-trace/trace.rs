//! Tracing a binary's processes: attaching, following new processes,
//! printing, writing or publishing each event, and the closing line.

use crate::args::{Format, Trace};
use crate::fleet::Fleet;
use crate::read::read;
use crate::{STOP, stop, write_out};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use tracepoints_codegen::abi::TracepointAbi;
use tracepoints_codegen::model::Provider;
use tracepoints_trace::attach::{self, Ended, Options, Tracer};
use tracepoints_trace::{decode, records, source};

/// Says that the tracer is attached (what scripts and tests wait for).
pub(crate) fn attached(tracer: &Tracer, pid: Option<i32>) {
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
pub(crate) fn next_pid(file: &std::path::Path, after: Option<i32>) -> Option<i32> {
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
pub(crate) fn next_process(binary: &std::path::Path, after: Option<i32>) -> Option<i32> {
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

pub(crate) fn trace(args: Trace) -> Result<(), String> {
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
pub(crate) fn start(
    args: &Trace,
    binary: &std::path::Path,
) -> Result<(Tracer, Option<i32>), String> {
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
pub(crate) fn finish(
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
pub(crate) fn selection(
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
pub(crate) fn record_writer(
    args: &Trace,
    tracer: &Tracer,
) -> Result<Option<records::Writer>, String> {
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
pub(crate) fn same_abi(
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
pub(crate) fn write_event(
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
pub(crate) fn lost_line(lost: &[(String, u64)]) -> String {
    format!("{{{}}}", counts_members("lost", lost))
}

/// `"KEY":N,"KEY_by_tracepoint":{"p:t":n,...}`: counts per tracepoint and
/// their total, as members of the closing line.
pub(crate) fn counts_members(key: &str, counts: &[(String, u64)]) -> String {
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
