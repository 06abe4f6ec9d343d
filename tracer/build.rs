//! Compiles the tracer's one BPF program (`src/bpf/trace.bpf.c`) with clang
//! into `OUT_DIR`, against the headers of the libbpf that libbpf-rs links:
//! `usdt.bpf.h` must match the user-space half that fills the USDT argument
//! specs, so the system's own (older) headers must not be used.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let source = PathBuf::from("src/bpf/trace.bpf.c");
    println!("cargo::rerun-if-changed={}", source.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let libbpf_include = std::env::var("DEP_BPF_INCLUDE").expect("libbpf-sys's include directory");
    let arch = match std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("aarch64") => "arm64",
        _ => "x86",
    };
    let multiarch = match arch {
        "arm64" => "/usr/include/aarch64-linux-gnu",
        _ => "/usr/include/x86_64-linux-gnu",
    };
    let object = out.join("trace.bpf.o");
    let status = Command::new("clang")
        .args(["-O2", "-g", "-target", "bpf"])
        .arg(format!("-D__TARGET_ARCH_{arch}"))
        .arg(format!("-I{libbpf_include}"))
        .arg(format!("-I{multiarch}"))
        .arg("-c")
        .arg(&source)
        .arg("-o")
        .arg(&object)
        .status()
        .unwrap_or_else(|e| {
            panic!("cannot run clang (scripts/ci/setup-tracers.sh installs it): {e}")
        });
    assert!(status.success(), "clang failed on {}", source.display());
}
