//! The matrix's program:
//!
//! - `mx-app run N`: fires `mx:fired` N times from this crate and N times
//!   from `mx-other`; prints `enabled E of 2N`;
//! - `mx-app wait N`: waits (60 s at most) until a tracer is attached,
//!   prints `attached`, reads a line, runs as `run`, then reads another line
//!   (sent once the tracer is gone) and prints `after detach: enabled=B`;
//! - `mx-app dlopen LIB N`: loads the cdylib LIB and fires N times through
//!   it; prints `enabled E of N`.

use std::io::BufRead;
use std::time::{Duration, Instant};

fn run(count: u64) {
    let mut enabled = 0;
    for n in 0..count {
        enabled += u64::from(mx_probes::mx::fired::is_enabled());
        tracepoints::fire!(mx_probes::mx::fired(n));
    }
    enabled += mx_other::fire(count);
    println!("enabled {enabled} of {}", 2 * count);
}

fn line() {
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
}

unsafe extern "C" {
    fn dlopen(filename: *const std::ffi::c_char, flags: i32) -> *mut std::ffi::c_void;
    fn dlsym(
        handle: *mut std::ffi::c_void,
        symbol: *const std::ffi::c_char,
    ) -> *mut std::ffi::c_void;
}

fn dlopen_fire(lib: &str, count: u64) {
    let path = std::ffi::CString::new(lib).expect("a path without NUL");
    // SAFETY: dlopen/dlsym with NUL-terminated strings; the symbol is the
    // cdylib's `extern "C" fn mx_fire(u64) -> u64`.
    let enabled = unsafe {
        let handle = dlopen(path.as_ptr(), 2 /* RTLD_NOW */);
        assert!(!handle.is_null(), "dlopen {lib} failed");
        let symbol = dlsym(handle, c"mx_fire".as_ptr());
        assert!(!symbol.is_null(), "no mx_fire in {lib}");
        let fire: extern "C" fn(u64) -> u64 = std::mem::transmute(symbol);
        fire(count)
    };
    println!("enabled {enabled} of {count}");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = |i: usize| -> u64 { args.get(i).and_then(|n| n.parse().ok()).unwrap_or(1) };
    match args.first().map(String::as_str) {
        Some("run") => run(count(1)),
        Some("wait") => {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !mx_probes::mx::fired::is_enabled() {
                if Instant::now() > deadline {
                    eprintln!("mx-app: no tracer attached within 60 s");
                    std::process::exit(1);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            println!("attached");
            line();
            run(count(1));
            line();
            println!(
                "after detach: enabled={}",
                mx_probes::mx::fired::is_enabled()
            );
        }
        Some("dlopen") => dlopen_fire(args.get(1).expect("LIB"), count(2)),
        _ => {
            eprintln!("usage: mx-app run N | mx-app wait N | mx-app dlopen LIB N");
            std::process::exit(2);
        }
    }
}
