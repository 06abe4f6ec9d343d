//! The probe-site benchmark. `scripts/bench/probe-cost.sh` drives it:
//!
//! - `tracepoints-bench count VARIANT N` calls VARIANT's step function N
//!   times (for `valgrind --tool=callgrind`: instructions per call);
//! - `tracepoints-bench traced N` waits until a tracer has raised every
//!   probe's semaphore, then times N fires of each variant (five
//!   interleaved rounds, median) and counts heap allocations per fire.
//!
//! Variants: `none` (the same call with no probe), `rust` (the
//! `bench:inbound_connection` tracepoint through the backend this build
//! uses: native, or `usdt` with `--features usdt`) and `c` (the same five
//! arguments through `<sys/sdt.h>`). Every step is called through a
//! function pointer so that none can be optimized away.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{CString, c_char, c_int};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[tracepoints::provider]
mod bench {
    /// `net:inbound_connection`'s arguments, for the benchmark.
    fn inbound_connection(
        /// Connection ID
        id: i64,
        /// Connection address
        #[max_len(68)]
        addr: &str,
        /// Connection type
        #[max_len(20)]
        conn_type: &str,
        /// Network
        network: u32,
        /// Existing connections
        existing: u64,
    );
}

unsafe extern "C" {
    fn cbench_step(
        id: i64,
        addr: *const c_char,
        conn_type: *const c_char,
        network: u32,
        existing: u64,
    );
    fn cbench_enabled() -> c_int;
}

struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

/// The inputs every step receives.
struct Input {
    addr: String,
    c_addr: CString,
    c_type: CString,
}

type Step = fn(&Input, u64);

#[inline(never)]
fn step_none(_input: &Input, _i: u64) {}

#[inline(never)]
fn step_rust(input: &Input, i: u64) {
    tracepoints::fire!(bench::inbound_connection(
        i as i64,
        &input.addr,
        "inbound",
        0,
        i
    ));
}

#[inline(never)]
fn step_c(input: &Input, i: u64) {
    unsafe { cbench_step(i as i64, input.c_addr.as_ptr(), input.c_type.as_ptr(), 0, i) };
}

const BACKEND: &str = if cfg!(feature = "usdt") {
    "usdt"
} else {
    "native"
};

fn variant(name: &str) -> Step {
    match name {
        "none" => step_none,
        "rust" => step_rust,
        "c" => step_c,
        other => {
            eprintln!("unknown variant {other}: none, rust or c");
            std::process::exit(2)
        }
    }
}

fn run(step: Step, input: &Input, n: u64) {
    let step: Step = black_box(step);
    for i in 0..n {
        step(input, i);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize| {
        args.get(i)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(1_000_000)
    };
    let input = Input {
        addr: "127.0.0.1:8333".to_string(),
        c_addr: CString::new("127.0.0.1:8333").unwrap(),
        c_type: CString::new("inbound").unwrap(),
    };
    match args.first().map(String::as_str) {
        Some("count") => run(
            variant(args.get(1).map_or("none", String::as_str)),
            &input,
            n(2),
        ),
        Some("traced") => traced(&input, n(1)),
        _ => {
            eprintln!("usage: tracepoints-bench count none|rust|c N | tracepoints-bench traced N");
            std::process::exit(2);
        }
    }
}

fn traced(input: &Input, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    eprintln!(
        "tracepoints-bench: waiting for a tracer on bench:inbound_connection and cbench:inbound_connection"
    );
    while !(bench::inbound_connection::is_enabled() && unsafe { cbench_enabled() } != 0) {
        if Instant::now() > deadline {
            eprintln!("tracepoints-bench: no tracer attached within 60s");
            std::process::exit(1);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let names = ["none", "rust", "c"];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut allocations = vec![0u64; names.len()];
    for _round in 0..5 {
        for (i, name) in names.iter().enumerate() {
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let start = Instant::now();
            run(variant(name), input, n);
            times[i].push(start.elapsed().as_nanos() as f64 / n as f64);
            allocations[i] += ALLOCATIONS.load(Ordering::Relaxed) - before;
        }
    }
    for (i, name) in names.iter().enumerate() {
        times[i].sort_by(f64::total_cmp);
        let label = if *name == "rust" { BACKEND } else { name };
        println!(
            "traced {label} ns_per_fire={:.1} allocations_per_fire={:.2}",
            times[i][2],
            allocations[i] as f64 / (5 * n) as f64
        );
    }
}
