//! `tracepoints-gen verify` on binaries that are not Rust: a C probe
//! (`verify/cprobe.c`) built by gcc as a non-PIE executable and as a shared
//! library verifies; built with a misaligned semaphore or a note naming a
//! missing `.stapsdt.base`, it fails with the line that says so. (The Rust
//! binaries, the example node and the test fixture, are verified in
//! `tests/tests/verify.rs`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/verify")
}

/// `cprobe.c` built with `gcc FLAGS` into a temporary file.
fn build(name: &str, flags: &[&str]) -> PathBuf {
    let out =
        std::env::temp_dir().join(format!("tracepoints-verify-{name}-{}", std::process::id()));
    let output = Command::new("gcc")
        .args(["-O1", "-o"])
        .arg(&out)
        .args(flags)
        .arg(here().join("cprobe.c"))
        .output()
        .expect("run gcc");
    assert!(
        output.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

fn verify(binary: &Path) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_tracepoints-gen"))
        .arg("verify")
        .arg("--binary")
        .arg(binary)
        .arg(here().join("cprobe.rs"))
        .output()
        .unwrap();
    let _ = std::fs::remove_file(binary);
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn non_pie_executable_verifies() {
    let output = verify(&build("nopie", &["-no-pie"]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("all 1 declared tracepoints present"));
}

#[test]
fn shared_library_verifies() {
    let output = verify(&build("lib", &["-shared", "-fPIC", "-DLIBRARY"]));
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn misaligned_semaphore_fails() {
    let output = verify(&build("odd", &["-DODD_SEMAPHORE"]));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains(": cprobe:fired: semaphore at 0x")
            && stderr(&output).contains(" is not 2-byte aligned\n"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn note_without_stapsdt_base_fails() {
    let output = verify(&build("nobase", &["-DNO_BASE"]));
    assert!(!output.status.success());
    assert!(
        stderr(&output)
            .contains(": the notes name a .stapsdt.base, but the binary has no such section\n"),
        "{}",
        stderr(&output)
    );
}
