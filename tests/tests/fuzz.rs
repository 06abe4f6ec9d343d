//! Every reader of untrusted bytes, fed thousands of damaged inputs made
//! from real ones by a seeded generator (the same inputs on every run): an
//! ELF file (`verify`), an ABI file, a declaration, a record file. None may
//! panic, hang or overflow its stack; each input is read or refused with
//! an error. The record files are read by `tracepoints-trace`,
//! `net-tracer` (the generated Rust types) and the generated Python
//! reader, which must print the same events and agree on success.
//!
//! A failure names the seed and the iteration: `mutated(seed, i, ...)`
//! rebuilds the input.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::Command;
use tracepoints_tests::random_declarations::Rng;
use tracepoints_tests::{p2p_node, workspace_root};

const SEED: u64 = 20_261_205;

/// `input` damaged by a few seeded edits, aimed at the bytes in `targets`
/// (ranges worth hitting: headers, notes) when there are any: a byte
/// flipped or set to an extreme, a range deleted or repeated, the input
/// cut short.
fn mutated(rng: &mut Rng, input: &[u8], targets: &[std::ops::Range<usize>]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = match targets {
            [] => rng.below(bytes.len()),
            _ => {
                let range = rng.pick(targets).clone();
                (range.start + rng.below(range.len().max(1))).min(bytes.len() - 1)
            }
        };
        match rng.below(6) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = *rng.pick(&[0, 0x7f, 0x80, 0xff, b'\n', b'"', b'\\']),
            2 => {
                let end = (at + 1 + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + 1 + rng.below(64)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let times = 1 + rng.below(8);
                for _ in 0..times {
                    bytes.splice(at..at, copy.iter().copied());
                }
            }
            4 => bytes.truncate(at),
            _ => {
                // A 64-bit field set to an extreme, where one may lie.
                let end = (at + 8).min(bytes.len());
                let value = rng.pick(&[u64::MAX, 1 << 63, 0xffff_ffff, 0]).to_le_bytes();
                bytes[at..end].copy_from_slice(&value[..end - at]);
            }
        }
    }
    bytes
}

/// Runs `read` on `count` mutations of `input` and returns how many it
/// read (`read` says); panics, naming the iteration, if one panicked.
fn survives(
    what: &str,
    count: usize,
    input: &[u8],
    targets: &[std::ops::Range<usize>],
    read: impl Fn(&[u8]) -> bool,
) -> usize {
    let mut rng = Rng::new(SEED);
    let mut read_ok = 0;
    for i in 0..count {
        let bytes = mutated(&mut rng, input, targets);
        match catch_unwind(AssertUnwindSafe(|| read(&bytes))) {
            Ok(ok) => read_ok += usize::from(ok),
            Err(_) => panic!("{what}: mutation {i} (seed {SEED}) panicked"),
        }
    }
    read_ok
}

/// The byte ranges of `binary`'s ELF header, program and section headers
/// and notes.
fn elf_targets(binary: &[u8]) -> Vec<std::ops::Range<usize>> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(binary).unwrap();
    let u64_at = |at: usize| u64::from_le_bytes(binary[at..at + 8].try_into().unwrap()) as usize;
    let u16_at = |at: usize| u16::from_le_bytes(binary[at..at + 2].try_into().unwrap()) as usize;
    let (phoff, shoff) = (u64_at(32), u64_at(40));
    let mut targets = vec![
        0..64,
        phoff..phoff + u16_at(54) * u16_at(56),
        shoff..shoff + u16_at(58) * u16_at(60),
    ];
    for section in file.sections() {
        let name = section.name().unwrap_or_default();
        if name.starts_with(".note") {
            if let Some((offset, size)) = section.file_range() {
                targets.push(offset as usize..(offset + size) as usize);
            }
        }
    }
    targets
}

#[test]
fn damaged_elf_files_are_refused_or_read() {
    let binary = std::fs::read(p2p_node()).unwrap();
    let targets = elf_targets(&binary);
    let read = survives("verify", 3000, &binary, &targets, |bytes| {
        tracepoints_gen::binary::Binary::from_bytes(bytes).is_ok()
    });
    eprintln!("ELF: 3000 mutations, {read} read without a panic");
}

#[test]
fn damaged_abi_files_are_refused_or_read() {
    let abi =
        std::fs::read(workspace_root().join("examples/core-tracepoints/tracing/net.abi.json"))
            .unwrap();
    let read = survives("ABI file", 5000, &abi, &[], |bytes| {
        let text = String::from_utf8_lossy(bytes);
        tracepoints_codegen::abi::Abi::parse(&text)
            .and_then(|abi| abi.provider())
            .is_ok()
    });
    eprintln!("ABI files: 5000 mutations, {read} read without a panic");
}

#[test]
fn damaged_declarations_are_refused_or_read() {
    let source = std::fs::read(workspace_root().join("tests/fixtures/edge_cases.rs")).unwrap();
    // On a stack as large as the command's (the parser's depth is bounded
    // by the limits, not by this stack).
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            let read = survives("declaration", 600, &source, &[], |bytes| {
                let text = String::from_utf8_lossy(bytes);
                tracepoints_codegen::read_source(&text).is_ok()
            });
            eprintln!("declarations: 600 mutations, {read} read without a panic");
        })
        .unwrap()
        .join()
        .unwrap();
}

/// The stdout of `command` as JSON lines and whether it succeeded (run
/// bounded: a reader that hangs fails the test).
fn run(command: &mut Command, tag: &str) -> Read {
    let output = tracepoints_tests::bounded(tag, command);
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{tag}: {l:?}: {e}")))
        .collect();
    (lines, output.status.success())
}

/// What a reader printed (its lines as JSON) and whether it succeeded.
type Read = (Vec<serde_json::Value>, bool);

/// Panics, showing the first line they differ in, unless two readers read
/// mutation `i` alike.
fn same(i: usize, (a_name, a): (&str, &Read), (b_name, b): (&str, &Read)) {
    if a == b {
        return;
    }
    let first = (0..a.0.len().max(b.0.len())).find(|&l| a.0.get(l) != b.0.get(l));
    let shown = |read: &Read| {
        let line = first.and_then(|l| read.0.get(l));
        let text = line.map_or("(none)".to_string(), |v| v.to_string());
        text.chars().take(300).collect::<String>()
    };
    panic!(
        "mutation {i} (seed {SEED}) read differently: succeeded {} / {}; first different line {first:?}:\n  {a_name}: {}\n  {b_name}: {}",
        a.1,
        b.1,
        shown(a),
        shown(b)
    );
}

#[test]
fn damaged_record_files_read_alike() {
    if let Some(reason) =
        tracepoints_tests::e2e::missing_tools(&["clang", "pkg-config", "/usr/bin/python3"])
    {
        tracepoints_tests::skip(&reason);
        return;
    }
    let valid = std::fs::read(workspace_root().join("tests/fixtures/net.records")).unwrap();
    let abi = workspace_root().join("examples/core-tracepoints/tracing/net.abi.json");
    let python = workspace_root().join("examples/core-tracepoints/tracing/net_bcc.py");
    let file = std::env::temp_dir().join(format!("fuzz-{}.records", std::process::id()));
    let mut rng = Rng::new(SEED);
    for i in 0..300 {
        std::fs::write(&file, mutated(&mut rng, &valid, &[])).unwrap();
        let trace = run(
            Command::new(tracepoints_tests::tracepoints_trace())
                .arg("--read")
                .arg(&file)
                .arg("--abi")
                .arg(&abi),
            "trace",
        );
        let module = run(
            Command::new("/usr/bin/python3")
                .arg(&python)
                .arg("--read")
                .arg(&file),
            "python",
        );
        let typed = run(
            Command::new(tracepoints_tests::net_tracer())
                .arg("--read")
                .arg(&file),
            "net-tracer",
        );
        same(i, ("tracepoints-trace", &trace), ("net_bcc.py", &module));
        same(i, ("tracepoints-trace", &trace), ("net-tracer", &typed));
    }
    let _ = std::fs::remove_file(Path::new(&file));
}
