//! `net-tracer BINARY [--pid PID] [--provider NAME]`: attaches the
//! generated libbpf program of a provider (`net` by default) to the
//! tracepoints of BINARY (of process PID only, with `--pid`), and prints one
//! JSON object per event, `{"tracepoint":"net:...","args":{...}}` (the
//! fired log's format), then `{"lost":N}` on exit: the events the full ring
//! buffer dropped. Stops on Ctrl-C or SIGTERM, or when PID exits.
//!
//! Loading, attaching and polling are libbpf-rs; decoding is the generated
//! `<provider>_events.rs`; the program is the generated `<provider>.bpf.c`,
//! compiled by `build.rs`.

use libbpf_rs::{MapCore, MapFlags, ObjectBuilder, RingBufferBuilder};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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
    lost_json: fn(u64) -> String,
}

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

const USAGE: &str = "usage: net-tracer BINARY [--pid PID] [--provider net|validation|utxocache|coin_selection|mempool]";

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
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pid" => pid = args.next().and_then(|p| p.parse().ok()).ok_or(USAGE)?,
            "--provider" => provider_name = args.next().ok_or(USAGE)?,
            _ if binary.is_none() && !arg.starts_with('-') => binary = Some(arg),
            _ => return Err(USAGE.into()),
        }
    }
    let binary = binary.ok_or(USAGE)?;
    let events = provider(&provider_name)
        .ok_or_else(|| format!("unknown provider `{provider_name}`\n{USAGE}"))?;

    let open = ObjectBuilder::default()
        .open_memory(events.object)
        .map_err(|e| format!("open: {e}"))?;
    let object = open.load().map_err(|e| format!("load: {e}"))?;
    let mut links = Vec::new();
    for (provider, tracepoint, program) in events.tracepoints {
        let program = object
            .progs_mut()
            .find(|p| p.name() == *program)
            .ok_or_else(|| format!("no program {program}"))?;
        let link = program
            .attach_usdt(pid, &binary, provider, tracepoint)
            .map_err(|e| format!("attach {provider}:{tracepoint} in {binary}: {e}"))?;
        links.push(link);
    }
    let map = |name: &str| {
        object
            .maps()
            .find(|m| m.name() == name)
            .ok_or_else(|| format!("no map {name}"))
    };

    // The lines decoded so far: written out after each poll, and during one
    // once they reach 1 MiB.
    let lines = std::cell::RefCell::new(String::new());
    let ring_buffer = map(events.ring_buffer)?;
    let mut builder = RingBufferBuilder::new();
    builder
        .add(&ring_buffer, |record: &[u8]| {
            let mut lines = lines.borrow_mut();
            if !(events.write_json)(record, &mut lines) {
                lines.push_str(&format!("{{\"undecodable\":{}}}", record.len()));
            }
            lines.push('\n');
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

    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { libc::signal(signal, stop as *const () as libc::sighandler_t) };
    }
    eprintln!("Attached {} probes to {binary}", links.len());
    while !STOP.load(Ordering::Relaxed) {
        // EINTR (a signal) is not an error here: the loop condition says why.
        let _ = ring.poll(Duration::from_millis(100));
        write_out(&mut lines.borrow_mut());
        // SAFETY: signal 0 only checks that the process exists.
        if pid > 0 && unsafe { libc::kill(pid, 0) } != 0 {
            let _ = ring.consume();
            write_out(&mut lines.borrow_mut());
            break;
        }
    }
    drop(ring);
    drop(links);

    let lost: u64 = map(events.lost_counter)?
        .lookup_percpu(&0u32.to_ne_bytes(), MapFlags::ANY)
        .map_err(|e| format!("read {}: {e}", events.lost_counter))?
        .unwrap_or_default()
        .iter()
        .map(|cpu| u64::from_ne_bytes(cpu[..8].try_into().expect("a u64 per CPU")))
        .sum();
    println!("{}", (events.lost_json)(lost));
    if lost > 0 {
        eprintln!("Lost {lost} events: the ring buffer was full");
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
