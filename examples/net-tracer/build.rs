//! Compiles the generated libbpf programs of `examples/core-tracepoints`
//! with clang into `OUT_DIR` (the flags their headers document, and the
//! headers of the libbpf libbpf-rs links), for `main.rs` to embed. A plain clang call, not libbpf-cargo's skeletons:
//! the event types are generated already (`*_events.rs`), and the loader
//! needs only the object, its program names and two map names, which the
//! generated types give.

use std::path::PathBuf;
use std::process::Command;

const PROVIDERS: [&str; 5] = [
    "net",
    "validation",
    "utxocache",
    "coin_selection",
    "mempool",
];

fn main() {
    let tracing = PathBuf::from("../core-tracepoints/tracing");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    // The headers of the libbpf that libbpf-rs links (built by libbpf-sys):
    // `usdt.bpf.h` must match the user-space half that fills the USDT
    // argument specs, so the system's older headers must not be used.
    let libbpf_include = std::env::var("DEP_BPF_INCLUDE").expect("libbpf-sys's include directory");
    for provider in PROVIDERS {
        let source = tracing.join(format!("{provider}.bpf.c"));
        println!("cargo::rerun-if-changed={}", source.display());
        println!(
            "cargo::rerun-if-changed={}",
            tracing.join(format!("{provider}.bpf.h")).display()
        );
        let object = out.join(format!("{provider}.bpf.o"));
        let status = Command::new("clang")
            .args(["-O2", "-g", "-target", "bpf", "-D__TARGET_ARCH_x86"])
            .arg(format!("-I{libbpf_include}"))
            .arg("-I/usr/include/x86_64-linux-gnu")
            .arg("-c")
            .arg(&source)
            .arg("-o")
            .arg(&object)
            .status()
            .unwrap_or_else(|e| {
                panic!("cannot run clang (scripts/setup-tracers.sh installs it): {e}")
            });
        assert!(status.success(), "clang failed on {}", source.display());
    }
}
