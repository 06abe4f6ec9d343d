//! Probe fixtures for the end-to-end tests of the native backend:
//!
//! - `fixture twelve N [--wait]`: fires `fixture:twelve` (12 arguments of
//!   every type) N times with known values; with `--wait`, first waits for
//!   a tracer and then for a line on stdin (as `p2p-node --wait-for-tracer`);
//! - `fixture bytes N [--wait]`: fires `fixture:bytes` (a 32-byte hash
//!   0x00..0x1f, a count, the 3-byte head "abc") N times;
//! - `fixture neighbour N [--wait]`: fires `neighbour:fired` N times when its
//!   semaphore is raised; that semaphore is a plain `u16` at the start of
//!   `.data`, which lld puts in the file page that also holds the end of
//!   RELRO (the layout the native backend's page-aligned semaphores avoid);
//!   prints how many fires happened;
//! - `fixture flood`: waits for a tracer and a line on stdin, then fires
//!   `fixture:bytes` as fast as it can until the next line (or the end of
//!   stdin); prints how many times it fired and whether the tracepoint is
//!   still enabled (`after: enabled=...`);
//! - `fixture stress`: 4 threads fire `fixture:bytes` whenever it is
//!   enabled, counting those fires, until stdin says `stop` (then it prints
//!   `enabled fires N`); `check` on stdin prints `enabled=...`; `fires N`
//!   waits until the threads have fired N more times and prints
//!   `fires #K done` (K counts these commands);
//! - `fixture redzone N`: runs N times a leaf function that keeps data in
//!   the x86-64 red zone across a probe site, with and without the native
//!   backend's `rsp` shift, and prints how many runs saw it corrupted.

// Twelve arguments need the native backend (the `usdt` crate takes six).
#[cfg(not(feature = "usdt"))]
#[tracepoints::provider]
mod fixture {
    /// Twelve arguments, the most a tracepoint takes: every type.
    fn twelve(
        /// i8
        a0: i8,
        /// i16
        a1: i16,
        /// i32
        a2: i32,
        /// i64
        a3: i64,
        /// u8
        a4: u8,
        /// u16
        a5: u16,
        /// u32
        a6: u32,
        /// u64
        a7: u64,
        /// bool
        a8: bool,
        /// a string
        #[max_len(16)]
        a9: &str,
        /// i64
        a10: i64,
        /// a string
        #[max_len(32)]
        a11: &str,
    );

    /// Byte buffers: a 32-byte hash, a count, and a zero-padded head.
    fn bytes(
        /// A 32-byte hash
        #[len(32)]
        hash: &[u8],
        /// A count
        n: u64,
        /// The first 16 bytes of a payload
        #[len(16)]
        head: &[u8],
    );
}

// The edge-case declaration's probes (`tests/fixtures/edge_cases.rs`, every
// argument form), so that its generated bpftrace scripts can be loaded
// against a real binary; never fired here.
#[allow(dead_code)]
mod edge_cases {
    include!("../../fixtures/edge_cases.rs");
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod redzone {
    // Two leaf functions that write 16 canaries to the red zone (the 128
    // bytes below rsp that the System V ABI lets a leaf function use without
    // moving rsp), run a stapsdt probe site, and return how many canaries
    // changed. `protected` wraps the 5-byte nop in the native backend's
    // `lea -128(%rsp), %rsp` / `lea 128(%rsp), %rsp`; `unprotected` does not.
    // On kernels that optimize nop5 uprobes into a `call`, the call's return
    // address lands in the unprotected red zone.
    macro_rules! redzone_fn {
        ($name:literal, $probe:literal, $before:literal, $after:literal) => {
            concat!(
                // In the page-aligned section of the native probe sites:
                // these probes are counterexamples for the red zone only.
                ".pushsection .text.tracepoints, \"ax\", %progbits\n",
                ".p2align 4\n",
                ".globl ",
                $name,
                "\n",
                ".type ",
                $name,
                ", @function\n",
                $name,
                ":\n",
                "  mov $0x5a5a5a5a5a5a5a5a, %rax\n",
                "  mov $-128, %rcx\n",
                "1: mov %rax, (%rsp,%rcx,1)\n",
                "  add $8, %rcx\n",
                "  jnz 1b\n",
                "  ",
                $before,
                "\n",
                "990: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n",
                "  ",
                $after,
                "\n",
                "  xor %edx, %edx\n",
                "  mov $-128, %rcx\n",
                "2: cmp %rax, (%rsp,%rcx,1)\n",
                "  je 3f\n",
                "  inc %edx\n",
                "3: add $8, %rcx\n",
                "  jnz 2b\n",
                "  mov %edx, %eax\n",
                "  ret\n",
                ".size ",
                $name,
                ", .-",
                $name,
                "\n",
                // The note of a probe without a semaphore.
                tracepoints::__private::stapsdt_note!(
                    pc = "990b",
                    base = "0",
                    semaphore = "0",
                    provider = "redzone",
                    name = $probe,
                    args = "",
                ),
                ".popsection\n",
            )
        };
    }

    core::arch::global_asm!(
        ".pushsection .text.tracepoints, \"ax\", %progbits",
        ".p2align 12",
        ".popsection",
    );

    core::arch::global_asm!(
        redzone_fn!(
            "tracepoints_redzone_protected",
            "protected",
            "lea -128(%rsp), %rsp",
            "lea 128(%rsp), %rsp"
        ),
        options(att_syntax)
    );
    core::arch::global_asm!(
        redzone_fn!("tracepoints_redzone_unprotected", "unprotected", "", ""),
        options(att_syntax)
    );

    unsafe extern "C" {
        fn tracepoints_redzone_protected() -> u32;
        fn tracepoints_redzone_unprotected() -> u32;
    }

    /// Runs each variant `n` times; returns how many runs saw a corrupted
    /// canary, (protected, unprotected).
    pub fn run(n: u64) -> (u64, u64) {
        let (mut protected, mut unprotected) = (0, 0);
        for _ in 0..n {
            protected += u64::from(unsafe { tracepoints_redzone_protected() } != 0);
            unprotected += u64::from(unsafe { tracepoints_redzone_unprotected() } != 0);
        }
        (protected, unprotected)
    }
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod neighbour {
    /// A semaphore placed the way an unaligned one can land: in `.data`,
    /// first in link order, so in the file page shared with RELRO's end.
    #[unsafe(no_mangle)]
    #[unsafe(link_section = ".data")]
    #[used]
    static mut tracepoints_fixture_neighbour_semaphore: u16 = 0;

    /// Whether the semaphore is raised.
    pub fn raised() -> bool {
        // SAFETY: a u16 the kernel raises; read with a volatile load.
        unsafe { (&raw const tracepoints_fixture_neighbour_semaphore).read_volatile() != 0 }
    }

    /// Fires `neighbour:fired` when the semaphore is raised; returns whether
    /// it fired. In the probe sites' page-aligned section, so its semaphore
    /// is its only fault.
    #[inline(never)]
    #[unsafe(link_section = ".text.tracepoints")]
    pub fn fire() -> bool {
        let raised = raised();
        if raised {
            // SAFETY: a nop and a note.
            unsafe {
                core::arch::asm!(
                    "990: nop",
                    tracepoints::__private::stapsdt_note!(
                        pc = "990b",
                        base = "0",
                        semaphore = "{sema}",
                        provider = "neighbour",
                        name = "fired",
                        args = "",
                    ),
                    sema = sym tracepoints_fixture_neighbour_semaphore,
                    options(att_syntax, nomem, preserves_flags)
                );
            }
        }
        raised
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = |i: usize| args.get(i).and_then(|n| n.parse::<u64>().ok()).unwrap_or(1);
    match args.first().map(String::as_str) {
        #[cfg(not(feature = "usdt"))]
        Some("twelve") => twelve(count(1), args.iter().any(|a| a == "--wait")),
        #[cfg(not(feature = "usdt"))]
        Some("bytes") => {
            if args.iter().any(|a| a == "--wait") {
                wait_for_tracer(fixture::bytes::is_enabled);
            }
            let hash: Vec<u8> = (0..32).collect();
            for n in 0..count(1) {
                tracepoints::fire!(fixture::bytes(&hash, n, b"abc"));
            }
        }
        #[cfg(not(feature = "usdt"))]
        Some("flood") => flood(),
        #[cfg(not(feature = "usdt"))]
        Some("stress") => stress(),
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        Some("neighbour") => {
            if args.iter().any(|a| a == "--wait") {
                wait_for_tracer(neighbour::raised);
            }
            let fired = (0..count(1)).filter(|_| neighbour::fire()).count();
            println!("neighbour fired {fired} of {} times", count(1));
        }
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        Some("redzone") => {
            let (protected, unprotected) = redzone::run(count(1));
            println!("corrupted runs: protected={protected} unprotected={unprotected}");
        }
        _ => {
            eprintln!(
                "usage: fixture twelve N [--wait] | fixture bytes N [--wait] | fixture flood | fixture neighbour N | fixture redzone N"
            );
            std::process::exit(2);
        }
    }
}

/// `fixture twelve N [--wait]`: fires the twelve-argument probe `count`
/// times (after a tracer raised its semaphore, with `wait`) and says how
/// many fires a tracer was attached to.
#[cfg(not(feature = "usdt"))]
fn twelve(count: u64, wait: bool) {
    if wait {
        wait_for_tracer(fixture::twelve::is_enabled);
    }
    let (s9, s11) = (String::from("nine"), String::from("a string of eleven"));
    let mut enabled = 0;
    for i in 0..count {
        enabled += u64::from(fixture::twelve::is_enabled());
        tracepoints::fire!(fixture::twelve(
            -8,
            -16,
            -32,
            -64 - i as i64,
            8,
            16,
            32,
            u64::MAX - i,
            true,
            &s9,
            i as i64,
            &s11
        ));
    }
    println!("twelve fired {enabled} of {} times", count);
}

/// `fixture flood`: fires `fixture:bytes` as fast as it can, once a tracer
/// is attached, until a line arrives on stdin; then reports whether the
/// semaphore is down again.
#[cfg(not(feature = "usdt"))]
fn flood() {
    use std::sync::atomic::{AtomicBool, Ordering};
    wait_for_tracer(fixture::bytes::is_enabled);
    static STOP: AtomicBool = AtomicBool::new(false);
    std::thread::spawn(|| {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        STOP.store(true, Ordering::Relaxed);
    });
    let hash: Vec<u8> = (0..32).collect();
    let mut fired = 0u64;
    while !STOP.load(Ordering::Relaxed) {
        if fixture::bytes::is_enabled() {
            fired += 1;
        }
        tracepoints::fire!(fixture::bytes(&hash, fired, b"abc"));
    }
    println!("flood fired {fired} times");
    println!("after: enabled={}", fixture::bytes::is_enabled());
}

/// `fixture stress`: see the module docs.
#[cfg(not(feature = "usdt"))]
fn stress() {
    use std::io::BufRead;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    static STOP: AtomicBool = AtomicBool::new(false);
    static ENABLED_FIRES: AtomicU64 = AtomicU64::new(0);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                let hash: Vec<u8> = (0..32).collect();
                let mut n = 0;
                while !STOP.load(Ordering::Relaxed) {
                    // The probe site itself, right after the check, so that
                    // every counted fire reaches the probe exactly once.
                    if fixture::bytes::is_enabled() {
                        ENABLED_FIRES.fetch_add(1, Ordering::Relaxed);
                        fixture::bytes::__fire(&hash, n, b"abc");
                        n += 1;
                    }
                }
            })
        })
        .collect();
    println!("started");
    let mut fires_commands = 0;
    for line in std::io::stdin().lock().lines() {
        match line.as_deref().map(str::trim) {
            Ok("check") => println!("enabled={}", fixture::bytes::is_enabled()),
            Ok("stop") | Err(_) => break,
            Ok(command) => {
                if let Some(more) = command.strip_prefix("fires ") {
                    let more: u64 = more.parse().expect("fires N");
                    let until = ENABLED_FIRES.load(Ordering::Relaxed) + more;
                    while ENABLED_FIRES.load(Ordering::Relaxed) < until {
                        std::thread::yield_now();
                    }
                    fires_commands += 1;
                    println!("fires #{fires_commands} done");
                }
            }
        }
    }
    STOP.store(true, Ordering::Relaxed);
    for thread in threads {
        thread.join().expect("a firing thread");
    }
    println!("enabled fires {}", ENABLED_FIRES.load(Ordering::Relaxed));
}

/// Waits up to 60 s for `enabled()`, then for one line on stdin.
#[allow(dead_code)]
fn wait_for_tracer(enabled: fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !enabled() {
        if std::time::Instant::now() > deadline {
            eprintln!("fixture: no tracer attached within 60s");
            std::process::exit(1);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}
