//! Inputs made to break `tracepoints-gen`, each of which once hung it,
//! crashed it or made it lie: FIFOs and devices where files go, ABI
//! versions past the largest it records, ELF files with headers or notes
//! that do not fit together. Each run ends within a bound, non-zero, with
//! one message naming the file and the problem, and leaves what was there
//! as it was.

mod common;

use common::{temp_dir, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a refusal may take: a hang is a failure, not a wait.
const BOUND: Duration = Duration::from_secs(20);

/// Runs `tracepoints-gen ARGS` in `dir`; panics when it has not ended
/// within [`BOUND`] (killing it).
fn bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracepoints-gen"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tracepoints-gen {args:?} did not end within {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Asserts that `output` failed with `message` on stderr.
fn refused(output: &Output, message: &str) {
    assert!(
        !output.status.success(),
        "not refused: {}",
        text(&output.stderr)
    );
    assert!(
        text(&output.stderr).contains(message),
        "expected {message:?} in:\n{}",
        text(&output.stderr)
    );
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success());
}

/// A directory with `decl.rs` (the ABI tests' base declaration) and its
/// generated `out/`.
fn generated(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/abi/base.rs");
    std::fs::copy(base, dir.join("decl.rs")).unwrap();
    let output = bounded(&dir, &["--out", "out", "decl.rs"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    dir
}

#[test]
fn fifos_and_devices_are_refused_not_read() {
    let dir = generated("fifo");
    mkfifo(&dir.join("fifo"));
    refused(
        &bounded(&dir, &["verify", "--binary", "fifo"]),
        "fifo: cannot read: not a regular file",
    );
    refused(
        &bounded(&dir, &["verify", "--binary", "/dev/zero"]),
        "/dev/zero: cannot read: not a regular file",
    );
    refused(
        &bounded(&dir, &["abi-diff", "fifo", "out/net.abi.json"]),
        "fifo: cannot read: not a regular file",
    );
    // A FIFO where a generated file is: checking and generating name it.
    std::fs::remove_file(dir.join("out/net.bt")).unwrap();
    mkfifo(&dir.join("out/net.bt"));
    refused(
        &bounded(&dir, &["--check", "--out", "out", "decl.rs"]),
        "out/net.bt: cannot read: not a regular file",
    );
    std::fs::remove_file(dir.join("out/net.abi.json")).unwrap();
    mkfifo(&dir.join("out/net.abi.json"));
    refused(
        &bounded(&dir, &["--out", "out", "decl.rs"]),
        "out/net.abi.json: cannot read: not a regular file",
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `out/net.abi.json` of `dir` with its `abi_version` set to `version`.
fn set_abi_version(dir: &Path, version: &str) -> String {
    let path = dir.join("out/net.abi.json");
    let abi = std::fs::read_to_string(&path).unwrap();
    let set = abi.replace(
        "\"abi_version\": 1,",
        &format!("\"abi_version\": {version},"),
    );
    assert_ne!(abi, set);
    std::fs::write(&path, &set).unwrap();
    set
}

#[test]
fn an_abi_version_past_the_largest_is_refused_not_rewritten() {
    let dir = generated("abi-version-big");
    let before = set_abi_version(&dir, "5000000000");
    refused(
        &bounded(&dir, &["--out", "out", "decl.rs"]),
        "out/net.abi.json: abi_version 5000000000 is larger than 4294967295",
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out/net.abi.json")).unwrap(),
        before
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_last_abi_version_takes_no_breaking_change() {
    let dir = generated("abi-version-last");
    let before = set_abi_version(&dir, "4294967295");
    let removed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/abi/argument_removed.rs");
    std::fs::copy(removed, dir.join("decl.rs")).unwrap();
    refused(
        &bounded(&dir, &["--out", "out", "--accept-breaking", "decl.rs"]),
        "out/net.abi.json: abi_version 4294967295 is the last this tool records",
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out/net.abi.json")).unwrap(),
        before
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Two probes, `p:one` and `p:two`, each with a stapsdt note written out
/// as `<sys/sdt.h>` writes one (as `verify/cprobe.c` does), built by gcc
/// into `dir/two`.
fn two_probes(dir: &Path) -> PathBuf {
    let source = dir.join("two.c");
    std::fs::write(
        &source,
        r#"#define PROBE(name)                                                    \
	__asm__ volatile("990: nop\n"                                          \
			 ".pushsection .note.stapsdt, \"\", \"note\"\n"          \
			 ".balign 4\n"                                         \
			 ".4byte 992f-991f, 994f-993f, 3\n"                    \
			 "991: .asciz \"stapsdt\"\n"                           \
			 "992: .balign 4\n"                                    \
			 "993: .8byte 990b\n.8byte 0\n.8byte 0\n"              \
			 ".asciz \"p\"\n.asciz \"" name "\"\n.asciz \"\"\n"      \
			 "994: .balign 4\n"                                    \
			 ".popsection\n")
int main(void)
{
	PROBE("one");
	PROBE("two");
	return 0;
}
"#,
    )
    .unwrap();
    let binary = dir.join("two");
    let output = Command::new("gcc")
        .args(["-O1", "-no-pie", "-o"])
        .arg(&binary)
        .arg(&source)
        .output()
        .expect("run gcc");
    assert!(output.status.success(), "gcc: {}", text(&output.stderr));
    binary
}

fn u16_at(bytes: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap()))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

/// A copy of `binary` at `dir/name` whose first PT_LOAD program header
/// has `field` (its byte offset within the header) set to `value`.
fn with_load_field(binary: &Path, dir: &Path, name: &str, field: usize, value: u64) -> PathBuf {
    let mut bytes = std::fs::read(binary).unwrap();
    let (phoff, size, count) = (
        u64_at(&bytes, 32) as usize,
        u16_at(&bytes, 54),
        u16_at(&bytes, 56),
    );
    let load = (0..count)
        .map(|i| phoff + i * size)
        .find(|&at| bytes[at..at + 4] == 1u32.to_le_bytes())
        .expect("a PT_LOAD");
    bytes[load + field..load + field + 8].copy_from_slice(&value.to_le_bytes());
    let copy = dir.join(name);
    std::fs::write(&copy, bytes).unwrap();
    copy
}

#[test]
fn elf_headers_that_do_not_fit_the_file_are_named() {
    let dir = temp_dir("elf-headers");
    let binary = two_probes(&dir);
    // p_filesz (offset 32 in an ELF64 program header), then p_offset (8).
    for (name, field, value) in [("filesz", 32, u64::MAX), ("offset", 8, 1 << 62)] {
        let copy = with_load_field(&binary, &dir, name, field, value);
        refused(
            &bounded(&dir, &["verify", "--binary", name]),
            "malformed ELF file: program header",
        );
        refused(
            &bounded(&dir, &["verify", "--binary", name]),
            "reaches past the end of the file",
        );
        let _ = copy;
    }
    // A big-endian ELF64 header (x86-64, no sections): named, not misread.
    let mut header = vec![0u8; 64];
    header[..7].copy_from_slice(b"\x7fELF\x02\x02\x01");
    header[16..18].copy_from_slice(&2u16.to_be_bytes());
    header[18..20].copy_from_slice(&62u16.to_be_bytes());
    header[20..24].copy_from_slice(&1u32.to_be_bytes());
    header[52..54].copy_from_slice(&64u16.to_be_bytes());
    std::fs::write(dir.join("big-endian"), header).unwrap();
    refused(
        &bounded(&dir, &["verify", "--binary", "big-endian"]),
        "big-endian: a big-endian ELF file",
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_note_whose_size_was_damaged_is_named_not_skipped() {
    let dir = temp_dir("elf-note");
    let binary = two_probes(&dir);
    let mut bytes = std::fs::read(&binary).unwrap();
    // The first stapsdt note: its owner name follows its 12-byte header.
    let owner = bytes
        .windows(8)
        .position(|w| w == b"stapsdt\0")
        .expect("a stapsdt note");
    let descsz = owner - 8;
    let size = u32::from_le_bytes(bytes[descsz..descsz + 4].try_into().unwrap());
    bytes[descsz..descsz + 4].copy_from_slice(&(size + 4).to_le_bytes());
    std::fs::write(dir.join("damaged"), bytes).unwrap();
    refused(
        &bounded(&dir, &["verify", "--binary", "damaged"]),
        "damaged: malformed ELF file",
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn names_from_an_abi_file_cannot_forge_a_line() {
    let dir = generated("abi-forged");
    let abi = std::fs::read_to_string(dir.join("out/net.abi.json")).unwrap();
    let forged = abi.replacen(
        "\"name\": \"inbound_connection\"",
        "\"name\": \"inbound_connection\\u001b[2K\\nbreaking: forged\"",
        1,
    );
    assert_ne!(abi, forged);
    std::fs::write(dir.join("forged.json"), forged).unwrap();
    let output = bounded(&dir, &["abi-diff", "out/net.abi.json", "forged.json"]);
    refused(
        &output,
        "forged.json: net:inbound_connection\\u{1b}[2K\\nbreaking: forged: the name is not an identifier",
    );
    let printed = text(&output.stdout) + &text(&output.stderr);
    assert!(!printed.contains('\u{1b}'), "{printed}");
    assert!(
        !printed.lines().any(|l| l.starts_with("breaking: forged")),
        "{printed}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn valid_json_that_is_no_abi_file_is_named_so() {
    let dir = generated("abi-shape");
    std::fs::write(dir.join("list.json"), "[1, 2]").unwrap();
    std::fs::write(dir.join("text.json"), r#"{"format": "one"}"#).unwrap();
    refused(
        &bounded(&dir, &["abi-diff", "list.json", "out/net.abi.json"]),
        "list.json: not an ABI file: JSON, but not an object",
    );
    refused(
        &bounded(&dir, &["abi-diff", "text.json", "out/net.abi.json"]),
        "text.json: not an ABI file: its `format` is not a number",
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Every file in `dir` with its contents.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_killed_runs_temporary_files_are_removed_by_the_next() {
    let dir = generated("stale-temps");
    std::fs::write(dir.join("out/.net.bt.tmp-99999"), "half").unwrap();
    std::fs::write(dir.join("out/.tracing.md.tmp-4"), "half").unwrap();
    std::fs::write(dir.join("out/.mine"), "not ours").unwrap();
    let output = bounded(&dir, &["--out", "out", "decl.rs"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let names: Vec<String> = snapshot(&dir.join("out"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
    assert!(names.contains(&".mine".to_string()), "{names:?}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Whether process `pid` waits for a lock (`/proc/locks` lists its
/// blocked request with `->`).
fn waits_for_a_lock(pid: u32) -> bool {
    std::fs::read_to_string("/proc/locks")
        .unwrap_or_default()
        .lines()
        .any(|l| l.contains("->") && l.split_whitespace().any(|f| f == pid.to_string()))
}

#[test]
fn sigint_before_the_renames_keeps_the_old_artifacts() {
    let dir = generated("sigint");
    let before = snapshot(&dir.join("out"));
    // A changed declaration: the run would replace every artifact.
    let declaration = std::fs::read_to_string(dir.join("decl.rs")).unwrap();
    std::fs::write(
        dir.join("decl.rs"),
        declaration.replace("Connection ID", "The connection's ID"),
    )
    .unwrap();
    // Holding the directory's lock, so that the run waits where the test
    // can see it: then it is interrupted.
    let lock = std::fs::File::open(dir.join("out")).unwrap();
    lock.lock().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_tracepoints-gen"))
        .args(["--out", "out", "decl.rs"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !waits_for_a_lock(child.id()) {
        assert!(start.elapsed() < BOUND, "the run never waited for the lock");
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    drop(lock);
    let output = child.wait_with_output().unwrap();
    refused(
        &output,
        "out: stopped (SIGINT or SIGTERM) before any artifact was replaced: nothing written",
    );
    assert_eq!(snapshot(&dir.join("out")), before);
    let _ = std::fs::remove_dir_all(dir);
}

/// What a run killed (SIGKILL) among its renames leaves, for every point
/// it can be killed at: some artifacts new, the rest old, each old one
/// beside its temporary file. `--check` names exactly the old ones, and
/// the next run removes the temporary files and completes the new set.
#[test]
fn after_a_kill_among_the_renames_check_names_exactly_the_stale() {
    let dir = generated("killed-renames");
    let out = dir.join("out");
    let old = snapshot(&out);
    let declaration = std::fs::read_to_string(dir.join("decl.rs")).unwrap();
    std::fs::write(
        dir.join("decl.rs"),
        declaration.replace("Connection ID", "The connection's ID"),
    )
    .unwrap();
    let output = bounded(&dir, &["--out", "out", "decl.rs"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let new = snapshot(&out);
    let changed: Vec<&(String, Vec<u8>)> = new.iter().filter(|file| !old.contains(file)).collect();
    assert!(changed.len() > 1, "the change reaches several artifacts");
    for killed_at in 0..=changed.len() {
        // The state a kill after `killed_at` renames leaves.
        for (i, (name, contents)) in changed.iter().enumerate() {
            if i < killed_at {
                continue;
            }
            let (_, before) = old.iter().find(|(n, _)| n == name).unwrap();
            std::fs::write(out.join(name), before).unwrap();
            std::fs::write(out.join(format!(".{name}.tmp-4242")), contents).unwrap();
        }
        let check = bounded(&dir, &["--out", "out", "--check", "decl.rs"]);
        let mut named: Vec<String> = text(&check.stderr)
            .lines()
            .filter(|line| line.contains("stale") || line.contains(".tmp-"))
            .map(String::from)
            .collect();
        named.sort();
        let expected: Vec<String> = changed[killed_at..]
            .iter()
            .map(|(name, _)| format!("error: out/{name}: stale (differs from the declaration)"))
            .collect();
        assert_eq!(named, expected, "killed after {killed_at} renames");
        assert_eq!(check.status.success(), killed_at == changed.len());
        let output = bounded(&dir, &["--out", "out", "decl.rs"]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert_eq!(snapshot(&out), new, "killed after {killed_at} renames");
    }
    let _ = std::fs::remove_dir_all(dir);
}
