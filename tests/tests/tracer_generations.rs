//! Every generated reader under every tracer generation
//! (`tracepoints_tests::tracer_generations`: the host's Debian 12 tracers, Debian
//! 13's and Debian unstable's from their roots), on both example binaries
//! (`p2p-node demo`, `core-replay`):
//!
//! - each bpftrace script that the generation's bpftrace serves, attached by
//!   path before the program starts and to the running program, prints
//!   exactly what was fired, up to its documented caps, and no warning;
//! - each script refuses to load on a bpftrace older than its floor, with
//!   its message;
//! - each BCC module with its decoder, and each libbpf program compiled
//!   against the generation's `usdt.bpf.h` and loaded by a loader linked to
//!   its libbpf, attached by pid to the started program before it fires
//!   (the libbpf program also to every process of the binary before it
//!   starts; BCC enables semaphore-gated probes by pid only), read every
//!   value, losing nothing.
//!
//! `TRACEPOINTS_GENERATIONS=trixie,sid` runs some only. Native backend
//! only (the `usdt` backend is read by the host's tracers in `e2e.rs`).
//! Needs root, the tracers and the roots (`scripts/ci/setup-tracers.sh`);
//! with `TRACEPOINTS_E2E=require` (CI) a skip fails.
#![cfg(not(feature = "usdt"))]

use std::path::{Path, PathBuf};
use std::process::Command;
use tracepoints_codegen::model::Provider;
use tracepoints_gen::emit::bpftrace::{Floor, Script};
use tracepoints_tests::e2e::*;
use tracepoints_tests::tracer_generations::{Generation, script_warnings};
use tracepoints_tests::{core_replay, p2p_node, workspace_root};

/// The tests' tools on the host, and the generations to run (each ready).
fn generations() -> Option<(std::sync::MutexGuard<'static, ()>, Vec<Generation>)> {
    let guard = tracer_test(&["bpftrace", "taskset", "chroot"])?;
    let generations: Vec<Generation> = Generation::selected()
        .into_iter()
        .filter(|g| g.ready())
        .collect();
    Some((guard, generations))
}

/// One bpftrace script of the examples and what it prints.
struct BtCase {
    /// The 0.17 floor's file name (`net.bt`); each floor's is derived.
    base: String,
    /// The line its `BEGIN` prints.
    banner: String,
    /// The binary it traces.
    binary: &'static Path,
    /// The provider it reads, or `None` for the log script (every provider).
    provider: Option<Provider>,
}

impl BtCase {
    fn script(&self, floor: Floor) -> Script {
        match &self.provider {
            Some(provider) => Script::new(floor, [provider]),
            None => Script::new(floor, &core_providers()),
        }
    }

    /// What it must print for `fired`, run on a bpftrace of `runs_on`.
    fn expected(&self, floor: Floor, runs_on: Floor, fired: &[serde_json::Value]) -> Vec<u8> {
        let script = self.script(floor);
        match &self.provider {
            Some(provider) => {
                let fired = events_of(&provider.name, fired);
                expected_reader_lines(std::slice::from_ref(provider), &fired, script, runs_on)
            }
            None => expected_log_lines(&core_providers(), fired, script, runs_on),
        }
    }

    /// The program it traces, started (`p2p-node` waits for its tracer,
    /// `core-replay` for the go-ahead).
    fn start(&self, tag: &str, wait: bool) -> Node {
        if self.binary == p2p_node() {
            Node::start(tag, wait)
        } else {
            Node::replay(tag)
        }
    }
}

/// Every bpftrace script of the examples.
fn bt_cases() -> Vec<BtCase> {
    let providers = core_providers();
    let net = providers.iter().find(|p| p.name == "net").unwrap();
    let mut cases = vec![
        BtCase {
            base: "log_p2p_connections.bt".into(),
            banner: "Logging net:".into(),
            binary: p2p_node(),
            provider: None,
        },
        BtCase {
            base: "net.bt".into(),
            banner: "Reading 7 net tracepoints".into(),
            binary: p2p_node(),
            provider: Some(net.clone()),
        },
    ];
    for provider in &providers {
        cases.push(BtCase {
            base: format!("{}.bt", provider.name),
            banner: format!(
                "Reading {} {} tracepoints",
                provider.tracepoints.len(),
                provider.name
            ),
            binary: core_replay(),
            provider: Some(provider.clone()),
        });
    }
    cases
}

/// `bpftrace SCRIPT BINARY` of `generation`, with the string length a 0.17
/// script's header says to set: `BPFTRACE_STRLEN`, as its `#!` line does
/// (`bpftrace FILE` does not read that line), or on 0.23 and later, which
/// warn that this name is deprecated, `BPFTRACE_MAX_STRLEN`.
fn bpftrace(generation: Generation, path: &Path, script: Script, binary: &Path) -> Command {
    let mut command = generation.command("bpftrace");
    if script.floor == Floor::V0_17 {
        let strlen = script.strlen.to_string();
        command.env("BPFTRACE_MAX_STRLEN", &strlen);
        if generation.floor() == Floor::V0_17 {
            command.env("BPFTRACE_STRLEN", &strlen);
        }
    }
    command.arg(path).arg(binary);
    command
}

/// Runs `case`'s script of `floor` under `generation`, attached before the
/// program starts or to the started program, and checks what it printed.
fn run_bt(generation: Generation, runs_on: Floor, case: &BtCase, floor: Floor, before_start: bool) {
    let file = floor.file_name(&case.base);
    let path = workspace_root().join(TRACING).join(&file);
    let script = case.script(floor);
    let when = if before_start {
        "before start"
    } else {
        "running"
    };
    let what = format!("{} bpftrace {file} ({when})", generation.name);
    let tag = format!("gen-{}-{file}", generation.name);
    let started = std::time::Instant::now();
    let (fired, mut tracer) = if before_start {
        let mut tracer = Process::spawn(&mut bpftrace(generation, &path, script, case.binary));
        tracer.wait_for_banner(&case.banner, ATTACH_TIMEOUT);
        let mut node = case.start(&tag, false);
        if case.binary == core_replay() {
            node.go();
        }
        (node.wait(), tracer)
    } else {
        let mut node = case.start(&tag, true);
        let mut tracer = Process::spawn(&mut bpftrace(generation, &path, script, case.binary));
        tracer.wait_for_banner(&case.banner, ATTACH_TIMEOUT);
        node.go();
        (node.wait(), tracer)
    };
    let expected = case.expected(floor, runs_on, &fired);
    assert!(!expected.is_empty(), "{what}: nothing to print");
    let printed = stop_after_output(&mut tracer, &case.banner, expected.len());
    assert_same_output(&printed, &expected, &what);
    let stderr = tracer.stderr();
    let warnings = script_warnings(&stderr);
    assert!(warnings.is_empty(), "{what} warns:\n{stderr}");
    eprintln!(
        "{what}: {} lines, {} bytes, as fired ({:.0?})",
        printed.iter().filter(|&&b| b == b'\n').count(),
        printed.len(),
        started.elapsed()
    );
}

/// The script floors a bpftrace of floor `newest` serves, or, where
/// `TRACEPOINTS_BPFTRACE_FLOORS=newest` (the aarch64 machine, where each
/// bpftrace run takes 15 to 40 s under emulation), that floor alone.
fn served_floors(newest: Floor) -> Vec<Floor> {
    match std::env::var("TRACEPOINTS_BPFTRACE_FLOORS").as_deref() {
        Ok("newest") => vec![newest],
        Ok(other) => panic!("TRACEPOINTS_BPFTRACE_FLOORS is `newest` or unset, not `{other}`"),
        Err(_) => Floor::ALL.into_iter().filter(|f| *f <= newest).collect(),
    }
}

#[test]
fn every_bpftrace_script_reads_both_binaries_under_every_generation() {
    let Some((_guard, generations)) = generations() else {
        return;
    };
    let cases = bt_cases();
    for generation in generations {
        let newest = generation.floor();
        eprintln!(
            "{}: bpftrace {} (scripts up to the {} floor)",
            generation.name,
            generation.bpftrace_version(),
            newest.version()
        );
        for floor in served_floors(newest) {
            for case in &cases {
                // The generation's own floor both ways; older floors'
                // scripts (which newer versions still serve) while running.
                if floor == newest {
                    run_bt(generation, newest, case, floor, true);
                }
                run_bt(generation, newest, case, floor, false);
            }
        }
    }
}

#[test]
fn scripts_refuse_a_bpftrace_older_than_their_floor() {
    let Some((_guard, generations)) = generations() else {
        return;
    };
    let mut refused = 0;
    for generation in generations {
        let newest = generation.floor();
        for floor in Floor::ALL.into_iter().filter(|f| *f > newest) {
            for case in bt_cases() {
                let file = floor.file_name(&case.base);
                let path = workspace_root().join(TRACING).join(&file);
                let mut tracer = Process::spawn(&mut bpftrace(
                    generation,
                    &path,
                    case.script(floor),
                    case.binary,
                ));
                assert!(
                    tracer.exits_within(ATTACH_TIMEOUT),
                    "{} loaded {file}, which needs {}",
                    generation.name,
                    floor.version()
                );
                let status = tracer.exit_status().unwrap();
                let stderr = tracer.stderr();
                let message = format!("needs bpftrace {} or later", floor.version());
                assert!(
                    !status.success() && stderr.contains(&message),
                    "{} on {file}: {status}, no `{message}` in:\n{stderr}",
                    generation.name
                );
                refused += 1;
            }
        }
        eprintln!(
            "{}: every script above the {} floor refuses to load",
            generation.name,
            newest.version()
        );
    }
    eprintln!("{refused} refusals checked");
}

#[test]
fn every_floor_loads_the_scripts_of_every_argument_form() {
    let Some((_guard, generations)) = generations() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("tracepoints-gen-edge-{}", std::process::id()));
    let providers = tracepoints_tests::write_edge_outputs(&dir);
    for generation in generations {
        for floor in Floor::ALL.into_iter().filter(|f| *f <= generation.floor()) {
            let script = Script::new(floor, &providers);
            for (base, banner) in [
                ("edge.bt", "Reading 6 edge tracepoints"),
                ("log.bt", "Logging edge:"),
            ] {
                let file = floor.file_name(base);
                let mut tracer = Process::spawn(&mut bpftrace(
                    generation,
                    &dir.join(&file),
                    script,
                    tracepoints_tests::fixture(),
                ));
                tracer.wait_for_banner(banner, ATTACH_TIMEOUT);
                let status = tracer.stop();
                assert!(status.success(), "{}: {}", generation.name, tracer.seen());
                let stderr = tracer.stderr();
                assert!(
                    script_warnings(&stderr).is_empty(),
                    "{} {file} warns:\n{stderr}",
                    generation.name
                );
                eprintln!("{} {file}: loaded and attached", generation.name);
            }
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The providers each binary fires and its programs, for BCC and libbpf.
fn pid_cases() -> Vec<(&'static Path, Provider)> {
    let mut cases = vec![(p2p_node() as &Path, example_provider())];
    cases.extend(
        core_providers()
            .into_iter()
            .map(|p| (core_replay() as &Path, p)),
    );
    cases
}

/// Starts `binary` (waiting before it fires), attaches the reader
/// `command` makes for its pid, gives the go-ahead once the reader has
/// attached every probe of `provider`; returns the fired events of
/// `provider` and the reader, once both have ended.
fn read_by_pid(
    binary: &Path,
    provider: &Provider,
    tag: &str,
    command: impl FnOnce(u32) -> Command,
) -> (Vec<serde_json::Value>, Process) {
    let mut node = if binary == p2p_node() {
        Node::start(tag, true)
    } else {
        Node::replay(tag)
    };
    let mut tracer = Process::spawn(&mut command(node.pid()));
    tracer.wait_for(
        &format!("Attached {} probes", provider.tracepoints.len()),
        ATTACH_TIMEOUT,
    );
    node.go();
    let fired = events_of(&provider.name, &node.wait());
    tracer.finish(READER_EXIT_TIMEOUT);
    (fired, tracer)
}

#[test]
fn bcc_modules_read_both_binaries_under_every_generation() {
    let Some((_guard, generations)) = generations() else {
        return;
    };
    for generation in generations {
        let bcc = generation.package_version("python3-bpfcc");
        for (binary, provider) in pid_cases() {
            let module = workspace_root()
                .join(TRACING)
                .join(format!("{}_bcc.py", provider.name));
            let tag = format!("gen-{}-bcc-{}", generation.name, provider.name);
            let (fired, tracer) = read_by_pid(binary, &provider, &tag, |pid| {
                let mut command = generation.command("/usr/bin/python3");
                command.arg(&module).arg(pid.to_string());
                command
            });
            let what = format!("{} BCC {bcc} {}", generation.name, provider.name);
            assert_eq!(tracer.lost(), 0, "{what}: lost events");
            assert_same_events(
                std::slice::from_ref(&provider),
                &fired,
                &tracer.json_lines(),
                &what,
            );
            eprintln!("{what}: {} events, none lost", fired.len());
        }
    }
}

#[test]
fn libbpf_programs_read_both_binaries_under_every_generation() {
    let Some((_guard, generations)) = generations() else {
        return;
    };
    let readers = workspace_root().join(TRACING);
    for generation in generations {
        let libbpf = generation.package_version("libbpf-dev");
        let loader = generation.libbpf_loader();
        for (binary, provider) in pid_cases() {
            let what = format!("{} libbpf {libbpf} {}", generation.name, provider.name);
            let object: PathBuf = workspace_root()
                .join("target/generations")
                .join(generation.name)
                .join(format!("{}.bpf.o", provider.name));
            let compiled =
                generation.compile_bpf(&readers.join(format!("{}.bpf.c", provider.name)), &object);
            assert!(
                compiled.status.success(),
                "{what}: {}",
                String::from_utf8_lossy(&compiled.stderr)
            );
            let tag = format!("gen-{}-libbpf-{}", generation.name, provider.name);
            let (fired, tracer) = read_by_pid(binary, &provider, &tag, |pid| {
                generation.libbpf_command(&loader, &object, &provider, Some(pid), binary)
            });
            assert_eq!(tracer.lost(), 0, "{what}: lost events");
            let read = generation.decoded(&readers, &provider, &tracer.json_lines());
            assert_same_events(std::slice::from_ref(&provider), &fired, &read, &what);
            eprintln!("{what} (by pid): {} events, none lost", fired.len());

            // Attached to every process of the binary before one starts:
            // the kernel raises the semaphores while the binary is mapped.
            let mut tracer = Process::spawn(
                &mut generation.libbpf_command(&loader, &object, &provider, None, binary),
            );
            tracer.wait_for(
                &format!("Attached {} probes", provider.tracepoints.len()),
                ATTACH_TIMEOUT,
            );
            let node = if binary == p2p_node() {
                Node::start(&format!("{tag}-before"), false)
            } else {
                let mut node = Node::replay(&format!("{tag}-before"));
                node.go();
                node
            };
            let fired = events_of(&provider.name, &node.wait());
            // Every event is in the ring buffer once the program is gone;
            // the loader drains it when stopped.
            tracer.stop();
            assert_eq!(tracer.lost(), 0, "{what} before start: lost events");
            let read = generation.decoded(&readers, &provider, &tracer.json_lines());
            assert_same_events(
                std::slice::from_ref(&provider),
                &fired,
                &read,
                &format!("{what} before start"),
            );
            eprintln!("{what} (before start): {} events, none lost", fired.len());
        }
    }
}

/// `fixture twelve 3 --wait` under every generation whose bpftrace reads
/// past `arg5` (0.24 and later: Debian unstable's, and the aarch64
/// machine's, where `scripts/ci/aarch64-vm-tests.sh` runs this too): all
/// twelve arguments, one of each type, signed ones negative, read as fired.
#[test]
fn twelve_arguments_of_every_type_reach_bpftrace() {
    let Some((_guard, generations)) = generations() else {
        return;
    };
    let banner = "Reading fixture:twelve";
    let program = format!(
        "BEGIN {{ printf(\"{banner}\\n\"); }}
usdt:$1:fixture:twelve {{
  printf(\"%ld %ld %ld %ld %lu %lu %lu %lu %lu \", arg0, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8);
  printf(\"%s %ld %s\\n\", str(arg9), arg10, str(arg11));
}}"
    );
    let expected: String = (0..3u64)
        .map(|i| {
            format!(
                "-8 -16 -32 {} 8 16 32 {} 1 nine {i} a string of eleven\n",
                -64 - i as i64,
                u64::MAX - i
            )
        })
        .collect();
    for generation in generations.iter().filter(|g| g.floor() >= Floor::V0_24) {
        let what = format!("{} bpftrace, fixture:twelve", generation.name);
        let mut node = Process::spawn(
            Command::new(tracepoints_tests::fixture())
                .args(["twelve", "3", "--wait"])
                .stdin(std::process::Stdio::piped()),
        );
        let mut tracer = Process::spawn(
            generation
                .command("bpftrace")
                .arg("-e")
                .arg(&program)
                .arg(tracepoints_tests::fixture()),
        );
        tracer.wait_for_banner(banner, ATTACH_TIMEOUT);
        node.write_line("go");
        assert!(
            node.exits_within(RUN_TIMEOUT) && node.exit_status().unwrap().success(),
            "{what}: the fixture failed: {}",
            node.seen()
        );
        let printed = stop_after_output(&mut tracer, banner, expected.len());
        assert_same_output(&printed, expected.as_bytes(), &what);
        let stderr = tracer.stderr();
        assert!(
            script_warnings(&stderr).is_empty(),
            "{what} warns:\n{stderr}"
        );
        eprintln!("{what}: 3 events of 12 arguments, as fired");
    }
}
