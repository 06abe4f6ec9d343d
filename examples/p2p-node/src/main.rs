//! `p2p-node`: a small P2P node on loopback TCP that fires the five `net`
//! tracepoints (see `tracing.rs` and the generated `../tracing/`).

mod demo;
mod fired;
mod node;
mod wire;

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: p2p-node demo [--fired-log FILE] [--wait-for-tracer SECONDS] [--port PORT]

Runs a deterministic scenario of real TCP connections on loopback and fires the
five `net` tracepoints (inbound, outbound, closed, evicted, misbehaving).

  --fired-log FILE          write one JSON object per fired tracepoint to FILE
  --wait-for-tracer SECONDS before the scenario, wait until a tracer is attached
                            to all five tracepoints, then for one line on stdin
                            (the tracer harness's go-ahead)
  --port PORT               listen on 127.0.0.1:PORT (default: any free port)";

struct Options {
    fired_log: Option<PathBuf>,
    wait_for_tracer: Option<Duration>,
    port: u16,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    match args.first().map(String::as_str) {
        Some("demo") => {}
        Some("-h" | "--help") => return Err(String::new()),
        Some(other) => return Err(format!("unknown command `{other}`")),
        None => return Err("missing command".to_string()),
    }
    let mut options = Options {
        fired_log: None,
        wait_for_tracer: None,
        port: 0,
    };
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let mut value = || rest.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--fired-log" => options.fired_log = Some(PathBuf::from(value()?)),
            "--wait-for-tracer" => {
                let v = value()?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| {
                        format!("`--wait-for-tracer` takes a number of seconds, not `{v}`")
                    })?;
                options.wait_for_tracer = Some(Duration::from_secs_f64(secs));
            }
            "--port" => {
                let v = value()?;
                options.port = v
                    .parse()
                    .map_err(|_| format!("`--port` takes a port number (0-65535), not `{v}`"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(options)
}

/// Waits until every `net` tracepoint has a tracer, then for a line on stdin.
fn wait_for_tracer(timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    eprintln!("p2p-node: waiting up to {timeout:?} for a tracer on all five net tracepoints");
    while !fired::all_enabled() {
        if Instant::now() >= deadline {
            return Err(format!(
                "no tracer attached to all five net tracepoints within {timeout:?} (attach one, e.g. `bpftrace examples/core-tracepoints/tracing/log_p2p_connections.bt`)"
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!("p2p-node: tracer attached; waiting for the go-ahead line on stdin");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        let _ = tx.send(read);
    });
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(n)) if n > 0 => Ok(()),
        Ok(Ok(_)) => Err("standard input closed before the go-ahead line".to_string()),
        Ok(Err(e)) => Err(format!(
            "cannot read the go-ahead line from standard input: {e}"
        )),
        Err(_) => Err(format!(
            "no go-ahead line on standard input within {timeout:?}"
        )),
    }
}

fn run(options: Options) -> Result<(), String> {
    let fired = fired::Fired::open(options.fired_log.as_deref())?;
    let mut node = node::Node::bind(options.port, demo::MAX_INBOUND, fired)?;
    if let Some(timeout) = options.wait_for_tracer {
        wait_for_tracer(timeout)?;
    }
    demo::run(&mut node)?;
    node.shutdown()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("p2p-node: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("p2p-node: {message}");
            ExitCode::FAILURE
        }
    }
}
