//! The generative test: seeded random declarations (see
//! `tracepoints_tests::random_declarations`) go through the check; the check must
//! never panic, and every declaration it accepts must yield readers the
//! real consumers accept: each libbpf program (with its header) compiled
//! by clang with `-Wall -Werror`, each BCC module compiled by Python, the
//! Rust event types compiled by rustc with warnings denied, the bpftrace
//! scripts parsed and analysed by bpftrace (`-d`), each ABI file read back
//! as what was declared. A failure names the seeds: replay one with
//! `tracepoints_tests::random_declarations::declaration(SEED)`.
//!
//! `TRACEPOINTS_GENERATIVE=N` sets how many declarations (default 2000),
//! `TRACEPOINTS_GENERATIVE_FIRST=S` the first seed (default 0). The
//! readers do not depend on the probe backend: it runs in the default
//! pass only.
#![cfg(not(feature = "usdt"))]

use std::path::{Path, PathBuf};
use std::process::Command;
use tracepoints_codegen::model::Provider;
use tracepoints_gen::emit::bpftrace::Floor;
use tracepoints_gen::emit::{Origin, all_outputs};
use tracepoints_tests::e2e::missing_tools;
use tracepoints_tests::random_declarations::declaration;
use tracepoints_tests::skip;
use tracepoints_tests::tracer_generations::{GENERATIONS, Generation};

/// An accepted declaration and where its outputs are.
struct Accepted {
    seed: u64,
    providers: Vec<Provider>,
    dir: PathBuf,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|n| {
            n.parse()
                .unwrap_or_else(|_| panic!("{name}={n}: not a number"))
        })
        .unwrap_or(default)
}

/// The seed of the declaration whose outputs a path lies in
/// (`.../d123/...`).
fn seed_of(path: &str) -> Option<u64> {
    path.split('/')
        .find_map(|part| part.strip_prefix('d').and_then(|n| n.parse().ok()))
}

/// The seeds named in a tool's error output.
fn seeds_in(text: &str) -> Vec<u64> {
    let mut seeds: Vec<u64> = text
        .split(|c: char| c.is_whitespace() || c == ':' || c == '"')
        .filter(|word| word.contains("/d"))
        .filter_map(seed_of)
        .collect();
    seeds.sort();
    seeds.dedup();
    seeds
}

fn failure(what: &str, output: &std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let shown: String = text.chars().take(6000).collect();
    format!(
        "{what} failed for the declarations of seeds {:?}:\n{shown}",
        seeds_in(&text)
    )
}

#[test]
fn every_accepted_declaration_yields_readers_that_build() {
    let count = env_number("TRACEPOINTS_GENERATIVE", 2000);
    let first = env_number("TRACEPOINTS_GENERATIVE_FIRST", 0);
    let root = std::env::temp_dir().join(format!("tracepoints-generative-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut accepted = Vec::new();
    let mut panicked = Vec::new();
    for seed in first..first + count {
        let source = declaration(seed);
        match std::panic::catch_unwind(|| tracepoints_codegen::read_source(&source)) {
            Ok(Ok(providers)) => {
                let dir = root.join(format!("d{seed}"));
                write_outputs(&providers, &dir, seed);
                accepted.push(Accepted {
                    seed,
                    providers,
                    dir,
                });
            }
            Ok(Err(_)) => {}
            Err(_) => panicked.push(seed),
        }
    }
    assert!(
        panicked.is_empty(),
        "the check panicked on seeds {panicked:?}"
    );
    let providers: usize = accepted.iter().map(|a| a.providers.len()).sum();
    eprintln!(
        "generative: {count} declarations (seeds {first}..{}), {} accepted ({providers} providers), {} refused",
        first + count,
        accepted.len(),
        count as usize - accepted.len()
    );
    assert!(
        accepted.len() as u64 * 4 >= count,
        "fewer than a quarter accepted: the generator draws too many invalid names"
    );
    abi_files_read_back(&accepted);
    rust_event_types_compile(&root, &accepted);
    python_modules_compile(&accepted);
    libbpf_programs_compile(&accepted);
    bpftrace_scripts_parse(&root, &accepted);
    let _ = std::fs::remove_dir_all(&root);
}

fn write_outputs(providers: &[Provider], dir: &Path, seed: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let origin = Origin {
        source: format!("seed {seed}"),
        command: "generative test".into(),
    };
    for output in all_outputs(providers, &origin, "log.bt", |_| 1) {
        std::fs::write(dir.join(&output.name), output.contents).unwrap();
    }
}

/// The files of every accepted declaration whose name ends with `suffix`.
fn files(accepted: &[Accepted], suffix: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for a in accepted {
        for entry in std::fs::read_dir(&a.dir).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().ends_with(suffix) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Each ABI file reads back as the value it was written from.
fn abi_files_read_back(accepted: &[Accepted]) {
    for a in accepted {
        let origin = Origin {
            source: format!("seed {}", a.seed),
            command: "generative test".into(),
        };
        for provider in &a.providers {
            let path = a.dir.join(format!("{}.abi.json", provider.name));
            let text = std::fs::read_to_string(&path).unwrap();
            let read = tracepoints_gen::abi::Abi::parse(&text)
                .unwrap_or_else(|e| panic!("seed {}: {}: {e}", a.seed, path.display()));
            let written = tracepoints_gen::emit::abi::abi(provider, &origin, 1);
            assert_eq!(read, written, "seed {}: {}", a.seed, path.display());
        }
    }
}

/// One library crate holding every provider's event types, one module
/// each, compiled once (type-checked: `--emit metadata`).
fn rust_event_types_compile(root: &Path, accepted: &[Accepted]) {
    let mut lib = String::from("#![deny(warnings)]\n");
    for a in accepted {
        for provider in &a.providers {
            let path = a.dir.join(format!("{}_events.rs", provider.name));
            lib.push_str(&format!(
                "pub mod d{}_{} {{ include!({:?}); }}\n",
                a.seed,
                provider.name,
                path.display().to_string()
            ));
        }
    }
    let lib_path = root.join("events_lib.rs");
    std::fs::write(&lib_path, lib).unwrap();
    let output = Command::new("rustc")
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "lib",
            "--emit",
            "metadata",
        ])
        .arg("--crate-name")
        .arg("generated_events")
        .arg("--out-dir")
        .arg(root)
        .arg(&lib_path)
        .output()
        .expect("run rustc");
    assert!(
        output.status.success(),
        "{}",
        failure("rustc of the Rust event types", &output)
    );
}

fn python_modules_compile(accepted: &[Accepted]) {
    if let Some(reason) = missing_tools(&["/usr/bin/python3"]) {
        return skip(&reason);
    }
    let modules = files(accepted, "_bcc.py");
    let output = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg("import py_compile, sys\nfor f in sys.argv[1:]:\n    py_compile.compile(f, doraise=True)")
        .args(&modules)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{}",
        failure("py_compile of the BCC modules", &output)
    );
}

fn libbpf_programs_compile(accepted: &[Accepted]) {
    if let Some(reason) = missing_tools(&["clang", "/usr/include/bpf/usdt.bpf.h"]) {
        return skip(&reason);
    }
    // One clang for many translation units: its start-up dominates.
    for chunk in files(accepted, ".bpf.c").chunks(500) {
        let output = Command::new("clang")
            .args([
                "-O2",
                "-target",
                "bpf",
                "-D__TARGET_ARCH_x86",
                "-I/usr/include/x86_64-linux-gnu",
                "-Wall",
                "-Werror",
                "-fsyntax-only",
            ])
            .args(chunk)
            .output()
            .expect("run clang");
        assert!(
            output.status.success(),
            "{}",
            failure("clang -Wall -Werror of the libbpf programs", &output)
        );
    }
}

/// bpftrace parses and analyses each script (`-d`: it stops before
/// loading, where it needs the traced binary's probes): readers and log
/// scripts of many declarations in one file, `#!` lines dropped. The 0.17
/// scripts with the host's bpftrace, the 0.23 ones with Debian 13's (their
/// `config` lines made one, with the largest `max_strlen`). (bpftrace 0.24
/// and later look up the probes before the analysis: the 0.24 scripts are
/// read end to end in `random_declarations_traced.rs`.)
fn bpftrace_scripts_parse(root: &Path, accepted: &[Accepted]) {
    if let Some(reason) = missing_tools(&["bpftrace"]) {
        return skip(&reason);
    }
    bpftrace_scripts_parse_with(root, accepted, GENERATIONS[0], Floor::V0_17);
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        return skip("bpftrace 0.23 runs in a root that needs chroot (run as root)");
    }
    if GENERATIONS[1].ready() {
        bpftrace_scripts_parse_with(root, accepted, GENERATIONS[1], Floor::V0_23);
    }
}

/// The files of `floor` among the `.bt` files.
fn floor_files(accepted: &[Accepted], floor: Floor) -> Vec<PathBuf> {
    files(accepted, ".bt")
        .into_iter()
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            Floor::ALL
                .into_iter()
                .rev()
                .find(|f| *f == Floor::V0_17 || name.ends_with(&f.file_name(".bt")))
                == Some(floor)
        })
        .collect()
}

fn bpftrace_scripts_parse_with(
    root: &Path,
    accepted: &[Accepted],
    generation: Generation,
    floor: Floor,
) {
    for (n, chunk) in floor_files(accepted, floor).chunks(200).enumerate() {
        let mut script = String::new();
        let mut max_strlen = 0u32;
        for (i, file) in chunk.iter().enumerate() {
            script.push_str(&format!("// {}\n", file.display()));
            for line in std::fs::read_to_string(file).unwrap().lines() {
                if let Some(config) = line.strip_prefix("config = { max_strlen = ") {
                    let value: String = config.chars().take_while(char::is_ascii_digit).collect();
                    max_strlen = max_strlen.max(value.parse().unwrap());
                    continue;
                }
                // One BEGIN per script: the others' bodies are analysed
                // alike as an interval probe's.
                let line = match line {
                    "BEGIN" if i > 0 => "interval:s:1",
                    line => line,
                };
                if !line.starts_with("#!") {
                    script.push_str(line);
                    script.push('\n');
                }
            }
        }
        if max_strlen > 0 {
            script = format!("config = {{ max_strlen = {max_strlen} }}\n{script}");
        }
        let path = root.join(format!("batch{n}-{}.bt", floor.version()));
        std::fs::write(&path, script).unwrap();
        let mut command = generation.command("bpftrace");
        match floor {
            Floor::V0_17 => command.arg("-d").env("BPFTRACE_STRLEN", "200"),
            _ => command.args(["-d", "all"]),
        };
        let output = command
            .arg(&path)
            .arg("/bin/true")
            .output()
            .expect("run bpftrace");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(
            text.contains("AST after: ResourceAnalyser"),
            "{} bpftrace -d {} (the scripts of seeds {:?}) did not get through its analysis:\n{}",
            generation.name,
            path.display(),
            seeds_in(&text),
            text.lines()
                .filter(|l| l.contains("ERROR") || l.contains("error"))
                .take(20)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
