//! `net-tracer BINARY [--pid PID] [--provider NAME] [--write FILE] [--ring-size SIZE]`,
//! `net-tracer --read FILE`: a typed tracer of Bitcoin Core's tracepoints
//! in a page of Rust. The `tracepoints-trace` library attaches its one BPF
//! program to a provider's tracepoints (`net` by default) in BINARY (of
//! process PID only, with `--pid`) and reads the ring buffer; the generated
//! `<provider>_events.rs` types decode each record, and it prints one JSON
//! object per event, then `{"lost":N,"lost_by_tracepoint":{...}}` when it
//! stops (Ctrl-C, SIGTERM, or PID exiting).
//!
//! `--write FILE` decodes nothing while tracing and keeps the records in a
//! record file; `--read FILE` prints what the live tracer would have.
//! `--ring-size 64M` sizes the ring buffer.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use tracepoints_trace::attach::{self, Options, Tracer};
use tracepoints_trace::{records, source};

/// What the tracer needs of one provider's generated types.
struct Events {
    /// Appends a record's JSON line; false when it is none of the
    /// provider's events.
    write_json: fn(&[u8], &mut String) -> bool,
    /// The exit line, from the lost count of each tracepoint.
    lost_json: fn(&[u64]) -> String,
    /// The size of the provider's largest record.
    max_record: usize,
    /// How many tracepoints the provider has.
    kinds: usize,
}

macro_rules! providers {
    ($($name:ident: $event:ident),* $(,)?) => {
        $(
            #[allow(dead_code)]
            mod $name {
                include!(concat!("../../core-tracepoints/tracing/", stringify!($name), "_events.rs"));
            }
        )*

        fn events(name: &str) -> Option<Events> {
            match name {
                $(stringify!($name) => Some(Events {
                    write_json: |record, out| match $name::$event::decode(record) {
                        Some(event) => {
                            event.write_json(out);
                            true
                        }
                        None => false,
                    },
                    lost_json: $name::lost_json,
                    max_record: $name::MAX_RECORD,
                    kinds: $name::TRACEPOINTS.len(),
                }),)*
                _ => None,
            }
        }
    };
}

providers! {
    net: NetEvent,
    validation: ValidationEvent,
    utxocache: UtxocacheEvent,
    coin_selection: CoinSelectionEvent,
    mempool: MempoolEvent,
}

const USAGE: &str = "usage: net-tracer BINARY [--pid PID] [--provider net|validation|utxocache|coin_selection|mempool] [--write FILE] [--ring-size SIZE]
       net-tracer --read FILE";

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn stop(_signal: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("net-tracer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let (mut binary, mut pid, mut name) = (None, None, "net".to_string());
    let (mut write, mut read, mut ring_size) = (None, None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(USAGE);
        match arg.as_str() {
            "--pid" => pid = Some(value()?.parse().map_err(|_| USAGE)?),
            "--provider" => name = value()?,
            "--write" => write = Some(value()?),
            "--read" => read = Some(value()?),
            "--ring-size" => ring_size = Some(value()?),
            _ if binary.is_none() && !arg.starts_with('-') => binary = Some(arg),
            _ => return Err(USAGE.into()),
        }
    }
    if let Some(path) = read {
        return read_records(&path);
    }
    let binary = binary.ok_or(USAGE)?;
    let events = events(&name).ok_or_else(|| format!("unknown provider `{name}`\n{USAGE}"))?;
    // The provider as the binary declares it, checked against its probes.
    let provider = source::providers(Path::new(&binary), &[])?
        .into_iter()
        .find(|p| p.name == name)
        .ok_or_else(|| format!("{binary} has no provider `{name}`"))?;
    let ring_size = match ring_size {
        Some(size) => Some(attach::ring_bytes(&size).ok_or_else(|| {
            format!("--ring-size `{size}`: give bytes, or K, M or G of them, up to 2G")
        })?),
        None => None,
    };
    let options = Options {
        pid,
        ring_size,
        tracepoints: Vec::new(),
    };
    let tracer = Tracer::attach(Path::new(&binary), vec![provider], &options)?;
    let mut writer = match &write {
        Some(path) => Some(records::Writer::create(path, &name)?),
        None => None,
    };
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { libc::signal(signal, stop as *const () as libc::sighandler_t) };
    }
    if let Some(bytes) = ring_size {
        eprintln!("Ring buffer: {} KiB", bytes >> 10);
    }
    eprintln!("Attached {} probes to {binary}", tracer.probes());
    let mut lines = String::new();
    let lines = std::cell::RefCell::new(&mut lines);
    tracer.run(
        &STOP,
        pid,
        None,
        |_, record| match writer.as_mut() {
            Some(writer) => {
                if writer.record(record).is_err() {
                    STOP.store(true, Ordering::Relaxed);
                }
            }
            None => push_json(&events, record, &mut lines.borrow_mut()),
        },
        || {
            write_out(&mut lines.borrow_mut());
            Ok(())
        },
    )?;
    let lost = tracer.lost_by_kind(0)?;
    if let Some(writer) = writer.as_mut() {
        writer.finish(&lost)?;
    }
    write_out(&mut format!("{}\n", (events.lost_json)(&lost)));
    Ok(())
}

/// Appends the JSON line of one record to `lines`, writing out what is
/// there once it reaches 1 MiB.
fn push_json(events: &Events, record: &[u8], lines: &mut String) {
    if !(events.write_json)(record, lines) {
        lines.push_str(&format!("{{\"undecodable\":{}}}", record.len()));
    }
    lines.push('\n');
    if lines.len() >= 1 << 20 {
        write_out(lines);
    }
}

/// What `--read` stops with once standard output is closed: not an error.
const CLOSED: &str = "standard output closed";

/// `--read FILE`: the JSON lines of a record file, then its lost counts.
fn read_records(path: &str) -> Result<(), String> {
    let mut lines = String::new();
    let limits = |name: &str| {
        let events = events(name).ok_or_else(|| format!("{path}: unknown provider `{name}`"))?;
        Ok(records::Limits {
            largest: u32::try_from(events.max_record).unwrap_or(u32::MAX),
            kinds: events.kinds,
        })
    };
    let read = records::read(path, limits, |name, record| {
        if STOP.load(Ordering::Relaxed) {
            // Standard output closed: nothing more to print.
            return Err(CLOSED.into());
        }
        let events = events(name).ok_or_else(|| format!("{path}: unknown provider `{name}`"))?;
        push_json(&events, record, &mut lines);
        Ok(())
    });
    // The events read, also when the file ends early.
    write_out(&mut lines);
    let (name, lost) = match read {
        Err(e) if e == CLOSED => return Ok(()),
        read => read?,
    };
    let events = events(&name).ok_or_else(|| format!("{path}: unknown provider `{name}`"))?;
    match lost.by_kind {
        Some(by_kind) => write_out(&mut format!("{}\n", (events.lost_json)(&by_kind))),
        None => write_out(&mut format!("{{\"lost\":{}}}\n", lost.total)),
    }
    Ok(())
}

/// Writes and clears the lines decoded so far; a closed stdout stops the
/// tracer like Ctrl-C.
fn write_out(lines: &mut String) {
    if !lines.is_empty() {
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(lines.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            STOP.store(true, Ordering::Relaxed);
        }
        lines.clear();
    }
}
