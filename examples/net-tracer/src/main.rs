//! `net-tracer BINARY [--pid PID] [--provider NAME] [--write FILE] [--ring-size SIZE]`:
//! attaches the generated libbpf program of a provider (`net` by default)
//! to the tracepoints of BINARY (of process PID only, with `--pid`), and
//! prints one JSON object per event, `{"tracepoint":"net:...","args":{...}}`
//! (the fired log's format), then `{"lost":N,"lost_by_tracepoint":{...}}`
//! on exit: the events the full ring buffer dropped, in all and per
//! tracepoint. Stops on Ctrl-C or SIGTERM, or when PID exits.
//!
//! The program wakes the tracer only each time another sixteenth of the
//! ring buffer has been submitted (a wakeup per event would cost the traced
//! thread an interrupt each); the tracer also reads the ring every
//! [`POLL`], so an event is printed within about that long. `--ring-size 64M` sizes the ring buffer
//! (bytes, or K, M or G of them; rounded up to a power of two) before the
//! program is loaded; the default is the generated program's.
//!
//! With `--write FILE` it decodes nothing while tracing: it appends every
//! ring-buffer record to FILE as it came (see [`records`]), and prints only
//! `{"lost":N}`. `net-tracer --read FILE` later prints the JSON lines the
//! live tracer would have printed. Printing a payload as hex JSON costs
//! more than the event itself (a 32 KB block is 64 KB of text): a capture
//! keeps up with message rates that printing does not.
//!
//! Loading, attaching and polling are libbpf-rs; decoding is the generated
//! `<provider>_events.rs`; the program is the generated `<provider>.bpf.c`,
//! compiled by `build.rs`.

use libbpf_rs::{MapCore, MapFlags, ObjectBuilder, RingBufferBuilder};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod records;

/// What the tracer needs of one provider: its compiled program and what
/// its generated event types say about it.
struct Provider {
    object: &'static [u8],
    tracepoints: &'static [(&'static str, &'static str, &'static str)],
    ring_buffer: &'static str,
    lost_counter: &'static str,
    /// Appends a record's JSON line to the string; false when the record
    /// is not one of the provider's events.
    write_json: fn(&[u8], &mut String) -> bool,
    /// The exit line, from the lost count of each tracepoint.
    lost_json: fn(&[u64]) -> String,
}

/// How long the tracer sleeps waiting for a wakeup before it reads the
/// ring buffer anyway: the bound on the delay from a fire to its line.
const POLL: Duration = Duration::from_millis(100);

macro_rules! providers {
    ($($name:ident: $event:ident),* $(,)?) => {
        $(
            #[allow(dead_code)]
            mod $name {
                include!(concat!("../../core-tracepoints/tracing/", stringify!($name), "_events.rs"));
            }
        )*

        fn provider(name: &str) -> Option<Provider> {
            match name {
                $(stringify!($name) => Some(Provider {
                    object: include_bytes!(concat!(env!("OUT_DIR"), "/", stringify!($name), ".bpf.o")),
                    tracepoints: $name::TRACEPOINTS,
                    ring_buffer: $name::RING_BUFFER,
                    lost_counter: $name::LOST_COUNTER,
                    write_json: |record, out| match $name::$event::decode(record) {
                        Some(event) => {
                            event.write_json(out);
                            true
                        }
                        None => false,
                    },
                    lost_json: $name::lost_json,
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
    let (mut binary, mut pid, mut provider_name) = (None, -1, "net".to_string());
    let (mut write, mut read, mut ring_size) = (None, None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pid" => pid = args.next().and_then(|p| p.parse().ok()).ok_or(USAGE)?,
            "--provider" => provider_name = args.next().ok_or(USAGE)?,
            "--write" => write = Some(args.next().ok_or(USAGE)?),
            "--read" => read = Some(args.next().ok_or(USAGE)?),
            "--ring-size" => {
                let size = args.next().ok_or(USAGE)?;
                ring_size = Some(ring_bytes(&size).ok_or_else(|| {
                    format!("--ring-size `{size}`: give bytes, or K, M or G of them, up to 2G")
                })?);
            }
            _ if binary.is_none() && !arg.starts_with('-') => binary = Some(arg),
            _ => return Err(USAGE.into()),
        }
    }
    if let Some(path) = read {
        if binary.is_some() || write.is_some() {
            return Err(USAGE.into());
        }
        return read_records(&path);
    }
    let binary = binary.ok_or(USAGE)?;
    let events = provider(&provider_name)
        .ok_or_else(|| format!("unknown provider `{provider_name}`\n{USAGE}"))?;
    let mut capture = match &write {
        Some(path) => Some(records::Writer::create(path, &provider_name)?),
        None => None,
    };

    // libbpf's own warnings are kept and printed with an error they explain,
    // not as they come: a clash with another tracer is one line.
    libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Warn, keep_libbpf_message)));
    let mut open = ObjectBuilder::default()
        .open_memory(events.object)
        .map_err(|e| format!("open: {e}"))?;
    if let Some(bytes) = ring_size {
        let mut map = open
            .maps_mut()
            .find(|m| m.name() == events.ring_buffer)
            .ok_or_else(|| format!("no map {}", events.ring_buffer))?;
        map.set_max_entries(bytes)
            .map_err(|e| format!("--ring-size: {e}"))?;
        eprintln!("Ring buffer: {} KiB", bytes >> 10);
    }
    let object = open
        .load()
        .map_err(|e| format!("{}load: {e}", libbpf_messages()))?;
    let mut links = Vec::new();
    for (provider, tracepoint, program) in events.tracepoints {
        let program = object
            .progs_mut()
            .find(|p| p.name() == *program)
            .ok_or_else(|| format!("no program {program}"))?;
        let link = program
            .attach_usdt(pid, &binary, provider, tracepoint)
            .map_err(|e| attach_failure(&format!("{provider}:{tracepoint}"), &binary, &e))?;
        links.push(link);
    }
    let map = |name: &str| {
        object
            .maps()
            .find(|m| m.name() == name)
            .ok_or_else(|| format!("no map {name}"))
    };

    // The lines decoded so far (or with --write, the records): written out
    // after each poll, and during one once they reach 1 MiB.
    let lines = std::cell::RefCell::new(String::new());
    let capture = std::cell::RefCell::new(capture.as_mut());
    let ring_buffer = map(events.ring_buffer)?;
    let mut builder = RingBufferBuilder::new();
    builder
        .add(&ring_buffer, |record: &[u8]| {
            if let Some(capture) = capture.borrow_mut().as_mut() {
                if capture.record(record).is_err() {
                    STOP.store(true, Ordering::Relaxed);
                }
                return 0;
            }
            let mut lines = lines.borrow_mut();
            push_json(&events, record, &mut lines);
            // A poll drains the whole ring buffer: write as it goes, so
            // the text neither grows without bound nor stalls the reader
            // copying it as it grows.
            if lines.len() >= 1 << 20 {
                write_out(&mut lines);
            }
            0
        })
        .map_err(|e| format!("ring buffer: {e}"))?;
    let ring = builder.build().map_err(|e| format!("ring buffer: {e}"))?;
    let flush = || -> Result<(), String> {
        write_out(&mut lines.borrow_mut());
        match capture.borrow_mut().as_mut() {
            Some(capture) => capture.flush(),
            None => Ok(()),
        }
    };

    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { libc::signal(signal, stop as *const () as libc::sighandler_t) };
    }
    eprintln!("Attached {} probes to {binary}", links.len());
    while !STOP.load(Ordering::Relaxed) {
        // EINTR (a signal) is not an error here: the loop condition says why.
        // Most records come without a wakeup: read the ring after each
        // poll, woken or not.
        let _ = ring.poll(POLL);
        let _ = ring.consume();
        flush()?;
        // SAFETY: signal 0 only checks that the process exists.
        if pid > 0 && unsafe { libc::kill(pid, 0) } != 0 {
            let _ = ring.consume();
            flush()?;
            break;
        }
    }
    drop(ring);
    drop(links);

    // Key K of the lost counter counts the events of kind K (from 1).
    let counter = map(events.lost_counter)?;
    let mut lost_by_kind = Vec::new();
    for kind in 1..=events.tracepoints.len() as u32 {
        let lost: u64 = counter
            .lookup_percpu(&kind.to_ne_bytes(), MapFlags::ANY)
            .map_err(|e| format!("read {}: {e}", events.lost_counter))?
            .unwrap_or_default()
            .iter()
            .map(|cpu| u64::from_ne_bytes(cpu[..8].try_into().expect("a u64 per CPU")))
            .sum();
        lost_by_kind.push(lost);
    }
    if let Some(capture) = capture.into_inner() {
        capture.finish(&lost_by_kind)?;
    }
    println!("{}", (events.lost_json)(&lost_by_kind));
    let lost: u64 = lost_by_kind.iter().sum();
    if lost > 0 {
        eprintln!("Lost {lost} events: the ring buffer was full");
    }
    Ok(())
}

/// libbpf's messages since the last [`libbpf_messages`].
static LIBBPF_MESSAGES: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

fn keep_libbpf_message(_level: libbpf_rs::PrintLevel, message: String) {
    if let Ok(mut messages) = LIBBPF_MESSAGES.lock() {
        messages.push_str("libbpf: ");
        messages.push_str(&message);
    }
}

/// Takes the libbpf messages kept so far.
fn libbpf_messages() -> String {
    LIBBPF_MESSAGES
        .lock()
        .map(|mut m| std::mem::take(&mut *m))
        .unwrap_or_default()
}

/// Why attaching `probe` failed, for a person. The kernel refuses (EINVAL)
/// a uprobe that another tracer registered with another semaphore offset:
/// every BCC registers its own (not the semaphore's) and libbpf the
/// semaphore's, so a BCC tracer on the same binary is the usual cause, and
/// that is one line. Anything else keeps libbpf's own messages.
fn attach_failure(probe: &str, binary: &str, error: &libbpf_rs::Error) -> String {
    let messages = libbpf_messages();
    if error.kind() == libbpf_rs::ErrorKind::InvalidInput {
        format!(
            "cannot attach {probe} in {binary}: the kernel refused the uprobe (EINVAL): another tracer, most likely a BCC one (which registers the probe with its own semaphore offset), holds it; stop the other tracer, or trace with it alone (dmesg: `ref_ctr_offset mismatch`)"
        )
    } else {
        format!("{messages}attach {probe} in {binary}: {error}")
    }
}

/// Appends the JSON line of one record to `lines`.
fn push_json(events: &Provider, record: &[u8], lines: &mut String) {
    if !(events.write_json)(record, lines) {
        lines.push_str(&format!("{{\"undecodable\":{}}}", record.len()));
    }
    lines.push('\n');
}

/// `--read FILE`: the JSON lines of a capture's records, then its
/// `{"lost":N}`, as the live tracer prints them.
fn read_records(path: &str) -> Result<(), String> {
    let mut lines = String::new();
    let read = records::read(path, |provider_name, record| {
        let events = provider(provider_name)
            .ok_or_else(|| format!("{path}: unknown provider `{provider_name}`"))?;
        push_json(&events, record, &mut lines);
        if lines.len() >= 1 << 20 {
            write_out(&mut lines);
        }
        Ok(())
    });
    // The events read, also when the file ends early.
    write_out(&mut lines);
    let (provider_name, lost) = read?;
    let events = provider(&provider_name)
        .ok_or_else(|| format!("{path}: unknown provider `{provider_name}`"))?;
    match lost.by_kind {
        Some(by_kind) => println!("{}", (events.lost_json)(&by_kind)),
        None => println!("{{\"lost\":{}}}", lost.total),
    }
    Ok(())
}

/// The ring buffer's size in bytes for a `--ring-size` such as `64M`
/// (bytes, or K, M or G of them), rounded up to a power of two of at
/// least a page, as the kernel requires; `None` when it is not a size.
fn ring_bytes(size: &str) -> Option<u32> {
    let digits = size.trim_end_matches(['K', 'M', 'G']);
    let unit: u64 = match &size[digits.len()..] {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    let bytes = digits.parse::<u64>().ok()?.checked_mul(unit)?;
    if bytes == 0 {
        return None;
    }
    u32::try_from(bytes.max(4096).next_power_of_two()).ok()
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
