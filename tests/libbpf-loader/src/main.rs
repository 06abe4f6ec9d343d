//! `libbpf-loader PROVIDER OBJECT BINARY PID`: opens and loads the compiled
//! libbpf program of PROVIDER (e.g. `net.bpf.o`), attaches each of its USDT
//! programs to BINARY in process PID with `bpf_program__attach_usdt`, and
//! prints one JSON object per ring-buffer event, decoded with the generated
//! `<provider>_events.rs` types of `examples/core-tracepoints/tracing`. Prints "Attached N probes" on stderr when ready; exits when PID
//! exits, printing `{"lost": N}`, the events the full ring buffer dropped.
//!
//! A minimal hand-written FFI to the system libbpf keeps the dependency tree
//! empty (libbpf-rs would build libbpf from source).

/// The generated event types of each provider, and what the loader needs
/// of them.
macro_rules! providers {
    ($($name:ident => $file:literal, $event:ident;)*) => {
        $(
            #[allow(dead_code)]
            mod $name {
                include!(concat!("../../../examples/core-tracepoints/tracing/", $file));
            }
        )*

        /// One provider's tables and decoder.
        struct Provider {
            tracepoints: &'static [(&'static str, &'static str, &'static str)],
            ring_buffer: &'static str,
            lost_counter: &'static str,
            decode: fn(&[u8]) -> Option<String>,
            lost_json: fn(u64) -> String,
        }

        fn provider(name: &str) -> Option<Provider> {
            match name {
                $(stringify!($name) => Some(Provider {
                    tracepoints: $name::TRACEPOINTS,
                    ring_buffer: $name::RING_BUFFER,
                    lost_counter: $name::LOST_COUNTER,
                    decode: |record| $name::$event::decode(record).map(|e| e.to_json()),
                    lost_json: $name::lost_json,
                }),)*
                _ => None,
            }
        }
    };
}

providers! {
    net => "net_events.rs", NetEvent;
    validation => "validation_events.rs", ValidationEvent;
    utxocache => "utxocache_events.rs", UtxocacheEvent;
    coin_selection => "coin_selection_events.rs", CoinSelectionEvent;
    mempool => "mempool_events.rs", MempoolEvent;
}

/// The provider whose events the ring buffer callback decodes.
static DECODE: std::sync::OnceLock<fn(&[u8]) -> Option<String>> = std::sync::OnceLock::new();

use std::ffi::{CString, c_char, c_int, c_long, c_void};
use std::io::Write;

#[repr(C)]
struct Opaque {
    _private: [u8; 0],
}

type SampleFn = extern "C" fn(ctx: *mut c_void, data: *mut c_void, size: usize) -> c_int;

unsafe extern "C" {
    fn bpf_object__open_file(path: *const c_char, opts: *const c_void) -> *mut Opaque;
    fn bpf_object__load(obj: *mut Opaque) -> c_int;
    fn bpf_object__find_program_by_name(obj: *mut Opaque, name: *const c_char) -> *mut Opaque;
    fn bpf_object__find_map_fd_by_name(obj: *mut Opaque, name: *const c_char) -> c_int;
    fn bpf_program__attach_usdt(
        prog: *mut Opaque,
        pid: c_int,
        binary_path: *const c_char,
        usdt_provider: *const c_char,
        usdt_name: *const c_char,
        opts: *const c_void,
    ) -> *mut Opaque;
    fn ring_buffer__new(
        map_fd: c_int,
        sample_cb: SampleFn,
        ctx: *mut c_void,
        opts: *const c_void,
    ) -> *mut Opaque;
    fn ring_buffer__poll(rb: *mut Opaque, timeout_ms: c_int) -> c_int;
    fn ring_buffer__consume(rb: *mut Opaque) -> c_int;
    fn bpf_map_lookup_elem(fd: c_int, key: *const c_void, value: *mut c_void) -> c_int;
    fn libbpf_num_possible_cpus() -> c_int;
    fn kill(pid: c_int, sig: c_int) -> c_int;
}

extern "C" fn on_event(_ctx: *mut c_void, data: *mut c_void, size: usize) -> c_int {
    // SAFETY: libbpf passes a record of `size` bytes.
    let record = unsafe { std::slice::from_raw_parts(data as *const u8, size) };
    let decode = DECODE.get().expect("set before polling");
    let line = decode(record).unwrap_or_else(|| format!("{{\"undecodable\":{size}}}"));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    0
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: libbpf-loader PROVIDER OBJECT BINARY PID");
        std::process::exit(2);
    }
    let events = provider(&args[1]).unwrap_or_else(|| panic!("unknown provider {}", args[1]));
    let _ = DECODE.set(events.decode);
    let args = &args[1..];
    let pid: c_int = args[3].parse().expect("PID");
    unsafe {
        let obj = bpf_object__open_file(cstr(&args[1]).as_ptr(), std::ptr::null());
        if obj.is_null() {
            panic!(
                "cannot open {}: {}",
                args[1],
                std::io::Error::last_os_error()
            );
        }
        if bpf_object__load(obj) != 0 {
            panic!(
                "cannot load {}: {}",
                args[1],
                std::io::Error::last_os_error()
            );
        }
        let binary = cstr(&args[2]);
        let mut links: Vec<*mut Opaque> = Vec::new();
        for (provider, name, program) in events.tracepoints {
            let prog = bpf_object__find_program_by_name(obj, cstr(program).as_ptr());
            assert!(!prog.is_null(), "no program {program} in {}", args[1]);
            let link = bpf_program__attach_usdt(
                prog,
                pid,
                binary.as_ptr(),
                cstr(provider).as_ptr(),
                cstr(name).as_ptr(),
                std::ptr::null(),
            );
            if link.is_null() || (link as c_long) < 0 && (link as c_long) > -4096 {
                panic!(
                    "cannot attach {provider}:{name}: {}",
                    std::io::Error::last_os_error()
                );
            }
            links.push(link);
        }
        let map_fd = bpf_object__find_map_fd_by_name(obj, cstr(events.ring_buffer).as_ptr());
        assert!(map_fd >= 0, "no map {}", events.ring_buffer);
        let lost_fd = bpf_object__find_map_fd_by_name(obj, cstr(events.lost_counter).as_ptr());
        assert!(lost_fd >= 0, "no map {}", events.lost_counter);
        let rb = ring_buffer__new(map_fd, on_event, std::ptr::null_mut(), std::ptr::null());
        assert!(
            !rb.is_null(),
            "ring_buffer__new: {}",
            std::io::Error::last_os_error()
        );
        eprintln!("Attached {} probes to pid {pid}", links.len());
        loop {
            ring_buffer__poll(rb, 100);
            if kill(pid, 0) != 0 {
                ring_buffer__consume(rb);
                break;
            }
        }
        // The per-CPU loss counters, summed.
        let mut per_cpu = vec![0u64; libbpf_num_possible_cpus().max(1) as usize];
        let key: u32 = 0;
        let found = bpf_map_lookup_elem(
            lost_fd,
            (&raw const key).cast(),
            per_cpu.as_mut_ptr().cast(),
        );
        assert_eq!(found, 0, "reading {}", events.lost_counter);
        let lost: u64 = per_cpu.iter().sum();
        println!("{}", (events.lost_json)(lost));
        if lost > 0 {
            eprintln!("Lost {lost} events: the ring buffer was full");
        }
    }
}
