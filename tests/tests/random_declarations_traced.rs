//! The end-to-end half of the generative test: a few accepted random
//! declarations (fixed seeds, see `tracepoints_tests::random_declarations`) built
//! into one program that fires every tracepoint with random values; the
//! generated bpftrace reader, BCC module and libbpf program of each
//! provider, attached to it, read back exactly what it fired (bpftrace up
//! to its documented caps: the host's 0.17 reader, and the reader of each
//! newer tracer generation's own floor, under that generation's bpftrace). The libbpf program is
//! compiled by clang, loaded by a generic loader on the system's libbpf
//! (`tests/src/libbpf_loader.c`) and its records decoded with the
//! generated `ctypes` classes (the same C structs). `tracepoints-trace`
//! reads the program from the ABI it carries, and its one generic BPF
//! program writes the libbpf program's records: of the same lengths, and
//! equal wherever a decoder reads. A failure names the seeds.
//!
//! Needs root and the tracers; with `TRACEPOINTS_E2E=require` (CI) a skip
//! fails. Native backend only (declarations take up to twelve arguments).
#![cfg(not(feature = "usdt"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tracepoints_codegen::model::{LogPiece, Provider};
use tracepoints_gen::emit::bpftrace::{Floor, Script};
use tracepoints_gen::emit::{Origin, all_outputs};
use tracepoints_tests::e2e::*;
use tracepoints_tests::random_declarations::{declaration, firing_program};
use tracepoints_tests::tracer_generations::{GENERATIONS, Generation};
use tracepoints_tests::workspace_root;

/// How often each tracepoint fires.
const FIRES: usize = 3;

/// The forms of arguments a tracepoint may have, for coverage: every
/// type, each display of a buffer, named values (on a signed and on an
/// unsigned integer), a unit, and more arguments than bpftrace reads.
fn forms(provider: &Provider) -> Vec<String> {
    use tracepoints_codegen::model::{ArgType, BytesLen};
    let mut forms = Vec::new();
    for tracepoint in &provider.tracepoints {
        if tracepoint.args.len() > 6 {
            forms.push("more than 6 arguments".to_string());
        }
        let by_name = |piece: &LogPiece| matches!(piece, LogPiece::Name(_));
        if tracepoint
            .log
            .as_ref()
            .is_some_and(|log| log.pieces.iter().any(by_name))
        {
            forms.push("log line naming a value".to_string());
        }
        for arg in &tracepoint.args {
            if !arg.values.is_empty() {
                forms.push(if arg.ty.is_signed() {
                    "signed named values".to_string()
                } else {
                    "unsigned named values".to_string()
                });
            }
            if arg.unit.is_some() {
                forms.push("unit".to_string());
            }
            forms.push(match arg.ty {
                ArgType::Str { .. } => "&str".into(),
                ArgType::CStr { .. } => "&CStr".into(),
                ArgType::Bytes {
                    len: BytesLen::Arg { .. },
                    ..
                } => "variable &[u8]".into(),
                ArgType::Bytes { display, .. } => format!("&[u8] as {}", display.name()),
                ty => ty.rust().to_string(),
            });
        }
    }
    forms
}

/// Every form [`forms`] knows.
const ALL_FORMS: &[&str] = &[
    "i8",
    "i16",
    "i32",
    "i64",
    "u8",
    "u16",
    "u32",
    "u64",
    "bool",
    "&str",
    "&CStr",
    "&[u8] as hex",
    "&[u8] as hash",
    "variable &[u8]",
    "more than 6 arguments",
    "signed named values",
    "unsigned named values",
    "unit",
    "log line naming a value",
];

/// Accepted declarations from seed 0 on, each taken when it brings a form
/// not yet covered (and provider names not yet taken), until every form
/// is.
fn chosen() -> (Vec<(u64, String)>, Vec<Provider>) {
    let mut declarations = Vec::new();
    let mut providers: Vec<Provider> = Vec::new();
    let mut covered: Vec<String> = Vec::new();
    for seed in 0..10_000 {
        if ALL_FORMS.iter().all(|f| covered.iter().any(|c| c == f)) {
            break;
        }
        let source = declaration(seed);
        let Ok(found) = tracepoints_codegen::read_source(&source) else {
            continue;
        };
        let clash = found
            .iter()
            .any(|p| providers.iter().any(|q| q.name == p.name));
        let new: Vec<String> = found
            .iter()
            .flat_map(forms)
            .filter(|f| !covered.contains(f))
            .collect();
        if clash || new.is_empty() {
            continue;
        }
        covered.extend(new);
        providers.extend(found);
        declarations.push((seed, source));
    }
    let missing: Vec<&&str> = ALL_FORMS
        .iter()
        .filter(|f| !covered.iter().any(|c| c == *f))
        .collect();
    assert!(missing.is_empty(), "no seed covers {missing:?}");
    (declarations, providers)
}

/// Builds the firing program (release, in the workspace's target
/// directory) and writes the readers of `providers` beside it.
fn build(declarations: &[(u64, String)], main: &str, providers: &[Provider]) -> (PathBuf, PathBuf) {
    let dir = workspace_root().join("target/generative-e2e");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"generative-e2e\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\ntracepoints = {{ path = {:?} }}\n\n[workspace]\n",
            workspace_root().join("runtime").display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = workspace_root().join("target");
    let output = Command::new(cargo)
        .args(["build", "--quiet", "--release", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .output()
        .expect("run cargo build");
    let seeds: Vec<u64> = declarations.iter().map(|(s, _)| *s).collect();
    assert!(
        output.status.success(),
        "the program of seeds {seeds:?} does not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let readers = dir.join("readers");
    std::fs::create_dir_all(&readers).unwrap();
    let origin = Origin {
        source: format!("seeds {seeds:?}"),
        command: "generative end-to-end test".into(),
    };
    for output in all_outputs(providers, &origin, "log.bt", |_| 1) {
        std::fs::write(readers.join(&output.name), output.contents).unwrap();
    }
    (target.join("release/generative-e2e"), readers)
}

/// The program, started, waiting for its go-ahead line.
fn start(binary: &std::path::Path) -> Process {
    warm_page_cache(binary);
    Process::spawn(
        Command::new("taskset")
            .args(["-c", "0"])
            .arg(binary)
            .stdin(Stdio::piped()),
    )
}

/// Waits for the program to end and checks it fired every event of one
/// provider (its reader's semaphores are the only ones raised).
fn finished(program: &mut Process, expected: usize, seeds: &[u64]) {
    assert!(
        program.exits_within(std::time::Duration::from_secs(60)),
        "seeds {seeds:?}: {}",
        program.seen()
    );
    let out = String::from_utf8_lossy(&program.stdout()).into_owned();
    assert!(
        out.starts_with(&format!("enabled {expected} of ")),
        "seeds {seeds:?}: {out}"
    );
}

/// Starts the program, attaches the reader `command` makes for its pid,
/// gives the go-ahead once the reader has attached every probe of
/// `provider`, and returns the reader once both have ended.
fn read_by_pid(
    binary: &std::path::Path,
    provider: &Provider,
    expected: usize,
    seeds: &[u64],
    command: impl FnOnce(u32) -> Command,
) -> Process {
    let mut program = start(binary);
    let mut tracer = Process::spawn(&mut command(program.id()));
    tracer.wait_for(
        &format!("Attached {} probes", provider.tracepoints.len()),
        ATTACH_TIMEOUT,
    );
    program.write_line("go");
    finished(&mut program, expected, seeds);
    tracer.finish(READER_EXIT_TIMEOUT);
    tracer
}

#[test]
fn real_readers_read_back_random_declarations() {
    let Some(_guard) = tracer_test(&[
        "bpftrace",
        "/usr/bin/python3",
        "tplist-bpfcc",
        "taskset",
        "clang",
        "cc",
        "/usr/include/bpf/libbpf.h",
    ]) else {
        return;
    };
    let generations: Vec<Generation> = GENERATIONS.into_iter().filter(|g| g.ready()).collect();
    let (declarations, providers) = chosen();
    let seeds: Vec<u64> = declarations.iter().map(|(s, _)| *s).collect();
    let (main, fired) = firing_program(&declarations, &providers, FIRES);
    let (binary, readers) = build(&declarations, &main, &providers);
    let run = Run {
        binary: &binary,
        readers: &readers,
        seeds: &seeds,
        generations: &generations,
        loader: GENERATIONS[0].libbpf_loader(),
    };
    for provider in &providers {
        let events = events_of(&provider.name, &fired);
        let what = format!("seeds {seeds:?}, provider `{}`", provider.name);
        run.bpftrace_reads_back(provider, &events, &what);
        run.bcc_reads_back(provider, &events, &what);
        let libbpf_records = run.libbpf_reads_back(provider, &events, &what);
        run.trace_reads_back(provider, &events, &libbpf_records, &what);
        eprintln!(
            "generative end to end, {what}: {} events read back by bpftrace, BCC, libbpf and tracepoints-trace (its records the libbpf program's)",
            events.len()
        );
    }
    read_back_logs(&binary, &readers, &providers, &fired, &generations, &seeds);
}

/// The firing program and its generated readers, and what reads them.
struct Run<'a> {
    binary: &'a Path,
    readers: &'a Path,
    seeds: &'a [u64],
    /// The tracer generations that can run here.
    generations: &'a [Generation],
    /// The host's generic libbpf loader.
    loader: PathBuf,
}

impl Run<'_> {
    /// bpftrace, attached by path before the program starts: the host's
    /// with the 0.17 reader, each newer generation's with the reader of its
    /// own floor, prints `events` as the reader's lines say.
    fn bpftrace_reads_back(&self, provider: &Provider, events: &[serde_json::Value], what: &str) {
        let one = std::slice::from_ref(provider);
        let banner = format!(
            "Reading {} {} tracepoints",
            provider.tracepoints.len(),
            provider.name
        );
        for generation in self.generations {
            let floor = generation.floor();
            let script = Script::new(floor, one);
            let mut command = generation.command("bpftrace");
            if floor == Floor::V0_17 {
                command.env("BPFTRACE_STRLEN", script.strlen.to_string());
            }
            let file = floor.file_name(&format!("{}.bt", provider.name));
            let mut tracer = Process::spawn(command.arg(self.readers.join(&file)).arg(self.binary));
            tracer.wait_for_banner(&banner, ATTACH_TIMEOUT);
            let mut program = start(self.binary);
            program.write_line("go");
            finished(&mut program, events.len(), self.seeds);
            let expected = expected_reader_lines(one, events, script, floor);
            let printed = stop_after_output(&mut tracer, &banner, expected.len());
            assert_same_output(
                &printed,
                &expected,
                &format!("{} bpftrace {file}, {what}", generation.name),
            );
        }
    }

    /// The BCC module, attached by pid, reads every event.
    fn bcc_reads_back(&self, provider: &Provider, events: &[serde_json::Value], what: &str) {
        let module = self.readers.join(format!("{}_bcc.py", provider.name));
        let tracer = read_by_pid(self.binary, provider, events.len(), self.seeds, |pid| {
            let mut command = Command::new("/usr/bin/python3");
            command.arg(&module).arg(pid.to_string());
            command
        });
        assert_eq!(tracer.lost(), 0, "BCC, {what}: lost events");
        let one = std::slice::from_ref(provider);
        assert_same_events(one, events, &tracer.json_lines(), &format!("BCC, {what}"));
    }

    /// The libbpf program, compiled by clang and attached by pid, reads
    /// every event; returns its records.
    fn libbpf_reads_back(
        &self,
        provider: &Provider,
        events: &[serde_json::Value],
        what: &str,
    ) -> Vec<serde_json::Value> {
        let host = GENERATIONS[0];
        let object = self.readers.join(format!("{}.bpf.o", provider.name));
        let compiled = tracepoints_tests::compile_bpf(
            &self.readers.join(format!("{}.bpf.c", provider.name)),
            &object,
        );
        assert!(
            compiled.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&compiled.stderr)
        );
        let tracer = read_by_pid(self.binary, provider, events.len(), self.seeds, |pid| {
            host.libbpf_command(&self.loader, &object, provider, Some(pid), self.binary)
        });
        assert_eq!(tracer.lost(), 0, "libbpf, {what}: lost events");
        let libbpf_records = tracer.json_lines();
        let read = host.decoded(self.readers, provider, &libbpf_records);
        let one = std::slice::from_ref(provider);
        assert_same_events(one, events, &read, &format!("libbpf, {what}"));
        libbpf_records
    }

    /// `tracepoints-trace`, from the ABI the program carries, by pid: every
    /// value, and records the generated libbpf program's own.
    fn trace_reads_back(
        &self,
        provider: &Provider,
        events: &[serde_json::Value],
        libbpf_records: &[serde_json::Value],
        what: &str,
    ) {
        let trace = |format: &str| {
            read_by_pid(self.binary, provider, events.len(), self.seeds, |pid| {
                let mut command = Command::new(tracepoints_tests::tracepoints_trace());
                command
                    .arg(self.binary)
                    .args(["--pid", &pid.to_string(), "--provider", &provider.name])
                    .args(["--format", format]);
                command
            })
        };
        let tracer = trace("json");
        assert_eq!(tracer.lost(), 0, "tracepoints-trace, {what}: lost events");
        assert_same_events(
            std::slice::from_ref(provider),
            events,
            &tracer.json_lines(),
            &format!("tracepoints-trace, {what}"),
        );
        let tracer = trace("records");
        assert_eq!(
            tracer.lost(),
            0,
            "tracepoints-trace records, {what}: lost events"
        );
        assert_same_records(provider, libbpf_records, &tracer.json_lines(), what);
    }
}

/// The logging script of all the providers (`{arg}` as a number,
/// `{arg:name}` as the name), attached by path before the program starts,
/// on each generation's own floor: every line as the fired events say.
fn read_back_logs(
    binary: &std::path::Path,
    readers: &std::path::Path,
    providers: &[Provider],
    fired: &[serde_json::Value],
    generations: &[Generation],
    seeds: &[u64],
) {
    let logged = fired
        .iter()
        .filter(|event| declared(providers, event).1.log.is_some())
        .count();
    for generation in generations {
        let floor = generation.floor();
        let script = Script::new(floor, providers);
        let mut command = generation.command("bpftrace");
        if floor == Floor::V0_17 {
            command.env("BPFTRACE_STRLEN", script.strlen.to_string());
        }
        let file = floor.file_name("log.bt");
        let mut tracer = Process::spawn(command.arg(readers.join(&file)).arg(binary));
        tracer.wait_for_banner("Logging ", ATTACH_TIMEOUT);
        let mut program = start(binary);
        program.write_line("go");
        finished(&mut program, logged, seeds);
        let expected = expected_log_lines(providers, fired, script, floor);
        let printed = stop_after_output(&mut tracer, "Logging ", expected.len());
        assert_same_output(
            &printed,
            &expected,
            &format!("{} bpftrace {file}, seeds {seeds:?}", generation.name),
        );
        eprintln!(
            "generative end to end, seeds {seeds:?}: {logged} events logged by {} bpftrace {file}",
            generation.name
        );
    }
}

/// The byte ranges of a record of `provider` that a decoder reads: the
/// kind; every integer and fixed buffer whole; a string up to its NUL
/// (included); a variable buffer as far as its length argument says. Not
/// the padding, nor what follows a string's NUL or a buffer's length.
fn decoded_ranges(provider: &Provider, record: &[u8]) -> Vec<std::ops::Range<usize>> {
    use tracepoints_codegen::model::{ArgType, BytesLen};
    use tracepoints_codegen::record::Record;
    let kind = u32::from_ne_bytes(record[..4].try_into().unwrap()) as usize;
    let tracepoint = &provider.tracepoints[kind - 1];
    let offsets = Record::of(tracepoint).offsets(tracepoint);
    let field = |i: usize| {
        let start = (offsets.args[i] as usize).min(record.len());
        start..(start + offsets.sizes[i] as usize).min(record.len())
    };
    let mut ranges = Vec::new();
    // The kind.
    ranges.push(0..4);
    for (i, arg) in tracepoint.args.iter().enumerate() {
        let whole = field(i);
        ranges.push(match arg.ty {
            ArgType::Str { .. } | ArgType::CStr { .. } => {
                let nul = record[whole.clone()].iter().position(|&b| b == 0);
                whole.start..nul.map_or(whole.end, |n| whole.start + n + 1)
            }
            ArgType::Bytes {
                len: BytesLen::Arg { index, .. },
                ..
            } => {
                let length = field(index);
                let mut raw = [0u8; 8];
                raw[..length.len()].copy_from_slice(&record[length]);
                let len = u64::from_ne_bytes(raw).min(whole.len() as u64) as usize;
                whole.start..whole.start + len
            }
            _ => whole,
        });
    }
    ranges
}

/// Both programs wrote the same records for the same fires: one for one,
/// of the same length, equal in every byte a decoder reads.
fn assert_same_records(
    provider: &Provider,
    libbpf: &[serde_json::Value],
    trace: &[serde_json::Value],
    what: &str,
) {
    let bytes = |records: &[serde_json::Value]| -> Vec<Vec<u8>> {
        records
            .iter()
            .map(|r| {
                let hex = r.as_str().expect("a record as a hex string");
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect()
            })
            .collect()
    };
    let (libbpf, trace) = (bytes(libbpf), bytes(trace));
    assert_eq!(libbpf.len(), trace.len(), "{what}: records");
    assert!(!libbpf.is_empty(), "{what}: no records");
    for (i, (a, b)) in libbpf.iter().zip(&trace).enumerate() {
        assert_eq!(a.len(), b.len(), "{what}: record {i}: lengths");
        for range in decoded_ranges(provider, a)
            .into_iter()
            .chain(decoded_ranges(provider, b))
        {
            assert_eq!(
                a[range.clone()],
                b[range.clone()],
                "{what}: record {i}: bytes {range:?}"
            );
        }
    }
}
