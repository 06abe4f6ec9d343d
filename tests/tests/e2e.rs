//! End to end: real tracers (bpftrace, BCC, libbpf through `net-tracer`)
//! attached to the running example programs through the generated readers
//! read exactly what they fired: `p2p-node demo` (the `net` provider, real connections and
//! messages) and `core-replay` (every provider of Bitcoin Core's surface).
//!
//! These need root and the tracers (`scripts/ci/setup-tracers.sh`). Without
//! them each test prints why it skips; with `TRACEPOINTS_E2E=require` (CI)
//! a skip fails.

use std::path::Path;
use std::process::Command;
use std::time::Duration;
use tracepoints_codegen::model::Provider;
use tracepoints_gen::emit::bpftrace::{Floor, Script};
use tracepoints_tests::e2e::*;
use tracepoints_tests::{core_replay, p2p_node, workspace_root};

/// bpftrace running `script` (in [`TRACING`]) on `binary`, with the
/// `BPFTRACE_STRLEN` its `#!` line sets (`bpftrace FILE` does not read it).
fn bpftrace(script: &str, binary: &Path, strlen: u32) -> Command {
    let mut command = Command::new("bpftrace");
    command
        .env("BPFTRACE_STRLEN", strlen.to_string())
        .env("BPFTRACE_MAX_STRLEN", strlen.to_string());
    command
        .arg(workspace_root().join(TRACING).join(script))
        .arg(binary);
    command
}

/// Runs `node` with a bpftrace script attached by path; returns what it
/// fired, what the script printed after its banner, and what `expected`
/// says it must print for the fired events.
fn run_bpftrace(
    mut node: Node,
    binary: &Path,
    script: &str,
    banner: &str,
    strlen: u32,
    expected: impl FnOnce(&[serde_json::Value]) -> Vec<u8>,
) -> (Vec<serde_json::Value>, Vec<u8>, Vec<u8>) {
    let mut tracer = Process::spawn(&mut bpftrace(script, binary, strlen));
    // BEGIN runs once every probe is attached.
    tracer.wait_for_banner(banner, ATTACH_TIMEOUT);
    node.go();
    let fired = node.wait();
    let expected = expected(&fired);
    let printed = stop_after_output(&mut tracer, banner, expected.len());
    (fired, printed, expected)
}

/// The 0.17 log script (the host's bpftrace): it prints every provider's
/// lines.
fn log_script() -> Script {
    Script::new(Floor::V0_17, &core_providers())
}

/// The 0.17 reader of `provider`.
fn reader_script(provider: &Provider) -> Script {
    Script::new(Floor::V0_17, [provider])
}

#[test]
fn bpftrace_log_script_prints_every_event_in_the_declared_format() {
    let Some(_guard) = tracer_test(&["bpftrace", "taskset"]) else {
        return;
    };
    let node = Node::start("log-script", true);
    let script = "log_p2p_connections.bt";
    let (fired, printed, expected) = run_bpftrace(
        node,
        p2p_node(),
        script,
        "Logging net:",
        log_script().strlen,
        |fired| expected_log_lines(&core_providers(), fired, log_script(), Floor::V0_17),
    );
    assert_demo_has_hostile_values(&fired);
    assert_eq!(
        String::from_utf8_lossy(&printed),
        String::from_utf8_lossy(&expected)
    );
    assert!(
        String::from_utf8_lossy(&printed)
            .contains("MISBEHAVING conn id=4, message='getdata message size = 50001'\n")
    );
    eprintln!(
        "bpftrace log script: {} events ({})",
        fired.len(),
        counts(&fired)
    );
}

#[test]
fn bpftrace_reader_reads_every_argument_of_the_node() {
    let Some(_guard) = tracer_test(&["bpftrace", "taskset"]) else {
        return;
    };
    let provider = example_provider();
    let script = reader_script(&provider);
    let node = Node::start("net-reader", true);
    let banner = "Reading 7 net tracepoints";
    let (fired, printed, expected) =
        run_bpftrace(node, p2p_node(), "net.bt", banner, script.strlen, |fired| {
            expected_reader_lines(std::slice::from_ref(&provider), fired, script, Floor::V0_17)
        });
    assert!(fired.iter().any(|e| e["args"]["msg_size"] == 4000));
    assert_eq!(
        String::from_utf8_lossy(&printed),
        String::from_utf8_lossy(&expected)
    );
    eprintln!(
        "bpftrace reader: {} events ({})",
        fired.len(),
        counts(&fired)
    );
}

#[test]
fn bpftrace_attached_before_the_node_starts_reads_every_event() {
    let Some(_guard) = tracer_test(&["bpftrace", "taskset"]) else {
        return;
    };
    // The operator's workflow: attach by path, then start the program. The
    // kernel raises each semaphore while the binary is being mapped.
    let banner = "Logging net:";
    let script = "log_p2p_connections.bt";
    let mut tracer = Process::spawn(&mut bpftrace(script, p2p_node(), log_script().strlen));
    tracer.wait_for_banner(banner, ATTACH_TIMEOUT);
    let node = Node::start("before-start", false);
    let fired = node.wait();
    let expected = expected_log_lines(&core_providers(), &fired, log_script(), Floor::V0_17);
    let printed = stop_after_output(&mut tracer, banner, expected.len());
    assert_eq!(
        String::from_utf8_lossy(&printed),
        String::from_utf8_lossy(&expected)
    );
    eprintln!(
        "bpftrace attached before start: {} events ({})",
        fired.len(),
        counts(&fired)
    );
}

/// The readers that decode events into JSON lines: the two generated
/// ones and `tracepoints-trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// The BCC logger, `<provider>_bcc.py` (by pid: BCC enables
    /// semaphore-gated probes by pid only).
    Bcc,
    /// `net-tracer`: libbpf-rs with the generated libbpf program and Rust
    /// types.
    NetTracer,
    /// `tracepoints-trace`: the one generic program, from the ABI the
    /// binary carries.
    Trace,
}

impl Reader {
    /// All three, in the order the tests try them.
    const ALL: [Reader; 3] = [Reader::Bcc, Reader::NetTracer, Reader::Trace];

    /// The command of this reader with `args` (the BCC logger's module is
    /// `provider`'s).
    fn command(self, provider: &str, args: &[&std::ffi::OsStr]) -> Command {
        let mut command = match self {
            Reader::Bcc => {
                let mut command = Command::new("/usr/bin/python3");
                command.arg(workspace_root().join(TRACING).join(self.name(provider)));
                command
            }
            Reader::NetTracer => Command::new(tracepoints_tests::net_tracer()),
            Reader::Trace => Command::new(tracepoints_tests::tracepoints_trace()),
        };
        command.args(args);
        if self == Reader::Trace && args.first() == Some(&"--read".as_ref()) {
            // A record file names its provider; the ABI file declares it.
            let abi = workspace_root()
                .join(TRACING)
                .join(format!("{provider}.abi.json"));
            command.arg("--abi").arg(abi);
        }
        command
    }

    /// The reader of `provider` attached to process `pid` (running
    /// `binary`), with `extra` arguments (`--write FILE`).
    fn attached(
        self,
        provider: &str,
        binary: &Path,
        pid: u32,
        extra: &[&std::ffi::OsStr],
    ) -> Process {
        let pid = pid.to_string();
        let mut command = match self {
            Reader::Bcc => self.command(provider, &[pid.as_ref()]),
            Reader::NetTracer | Reader::Trace => self.command(
                provider,
                &[
                    binary.as_os_str(),
                    "--pid".as_ref(),
                    pid.as_ref(),
                    "--provider".as_ref(),
                    provider.as_ref(),
                ],
            ),
        };
        command.args(extra);
        Process::spawn(&mut command)
    }

    /// How messages name it.
    fn name(self, provider: &str) -> String {
        match self {
            Reader::Bcc => format!("{provider}_bcc.py"),
            Reader::NetTracer => "net-tracer".into(),
            Reader::Trace => "tracepoints-trace".into(),
        }
    }
}

/// Runs `node` with `reader` of `provider` attached to it (`node` running
/// `binary`) and returns what it fired and what the reader decoded; checks
/// that it lost nothing, in all and per tracepoint.
fn run_reader(
    reader: Reader,
    mut node: Node,
    binary: &Path,
    provider: &Provider,
) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let mut tracer = reader.attached(&provider.name, binary, node.pid(), &[]);
    let ready = format!("Attached {} probes", provider.tracepoints.len());
    tracer.wait_for(&ready, ATTACH_TIMEOUT);
    node.go();
    let fired = node.wait();
    tracer.finish(READER_EXIT_TIMEOUT);
    let name = reader.name(&provider.name);
    assert_eq!(tracer.lost(), 0, "{name} lost events");
    assert_no_loss_per_tracepoint(&tracer, provider);
    (fired, tracer.json_lines())
}

/// The reader's exit line counts every tracepoint of `provider`, each at 0.
fn assert_no_loss_per_tracepoint(tracer: &Process, provider: &Provider) {
    let counts = tracer.lost_by_tracepoint().unwrap_or_else(|| {
        panic!(
            "{}: no lost_by_tracepoint: {}",
            tracer.name(),
            tracer.seen()
        )
    });
    let expected: std::collections::BTreeMap<String, u64> = provider
        .tracepoints
        .iter()
        .map(|t| (t.probe_name(provider), 0))
        .collect();
    assert_eq!(counts, expected, "{}", tracer.name());
}

#[test]
fn bcc_python_module_decodes_every_event_of_the_node() {
    let Some(_guard) = tracer_test(&["/usr/bin/python3", "tplist-bpfcc", "taskset"]) else {
        return;
    };
    let provider = example_provider();
    let (fired, read) = run_reader(Reader::Bcc, Node::start("bcc", true), p2p_node(), &provider);
    assert_demo_has_hostile_values(&fired);
    assert_same_events(&[provider], &fired, &read, "BCC");
    eprintln!("BCC: {} events ({})", read.len(), counts(&read));
}

#[test]
fn net_tracer_decodes_every_event_of_the_node() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "pkg-config"]) else {
        return;
    };
    let provider = example_provider();
    let (fired, read) = run_reader(
        Reader::NetTracer,
        Node::start("net-tracer", true),
        p2p_node(),
        &provider,
    );
    assert_same_events(&[provider], &fired, &read, "net-tracer");
    eprintln!("net-tracer: {} events ({})", read.len(), counts(&read));
}

/// The providers `core-replay` fires with the tests' backend, reporting
/// the one the `usdt` backend leaves out.
fn replayed_providers() -> Vec<Provider> {
    if cfg!(feature = "usdt") {
        eprintln!(
            "the `usdt` backend builds no `mempool` (mempool:replaced passes 8 arguments, the `usdt` crate takes 6)"
        );
    }
    built_providers()
}

#[test]
fn bpftrace_readers_read_every_provider_of_core_replay() {
    let Some(_guard) = tracer_test(&["bpftrace", "taskset"]) else {
        return;
    };
    for provider in replayed_providers() {
        let reader = reader_script(&provider);
        let script = format!("{}.bt", provider.name);
        let banner = format!(
            "Reading {} {} tracepoints",
            provider.tracepoints.len(),
            provider.name
        );
        let node = Node::replay(&format!("bpftrace-{}", provider.name));
        let (fired, printed, expected) = run_bpftrace(
            node,
            core_replay(),
            &script,
            &banner,
            reader.strlen,
            |fired| {
                let fired = events_of(&provider.name, fired);
                expected_reader_lines(
                    std::slice::from_ref(&provider),
                    &fired,
                    reader,
                    Floor::V0_17,
                )
            },
        );
        let fired = events_of(&provider.name, &fired);
        assert_eq!(
            String::from_utf8_lossy(&printed),
            String::from_utf8_lossy(&expected),
            "{script}"
        );
        eprintln!(
            "bpftrace {script}: {} events ({})",
            fired.len(),
            counts(&fired)
        );
    }
}

#[test]
fn bcc_modules_decode_every_provider_of_core_replay() {
    let Some(_guard) = tracer_test(&["/usr/bin/python3", "tplist-bpfcc", "taskset"]) else {
        return;
    };
    for provider in replayed_providers() {
        let node = Node::replay(&format!("bcc-{}", provider.name));
        let (fired, read) = run_reader(Reader::Bcc, node, core_replay(), &provider);
        let fired = events_of(&provider.name, &fired);
        assert_same_events(
            std::slice::from_ref(&provider),
            &fired,
            &read,
            &format!("BCC {}", provider.name),
        );
        eprintln!(
            "BCC {}: {} events ({})",
            provider.name,
            read.len(),
            counts(&read)
        );
    }
}

#[test]
fn net_tracer_decodes_every_provider_of_core_replay() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "pkg-config"]) else {
        return;
    };
    for provider in replayed_providers() {
        let node = Node::replay(&format!("net-tracer-{}", provider.name));
        let (fired, read) = run_reader(Reader::NetTracer, node, core_replay(), &provider);
        let fired = events_of(&provider.name, &fired);
        assert_same_events(
            std::slice::from_ref(&provider),
            &fired,
            &read,
            &format!("net-tracer {}", provider.name),
        );
        eprintln!(
            "net-tracer {}: {} events ({})",
            provider.name,
            read.len(),
            counts(&read)
        );
    }
}

#[test]
fn tracepoints_trace_decodes_every_event_of_the_node() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "pkg-config"]) else {
        return;
    };
    let provider = example_provider();
    let (fired, read) = run_reader(
        Reader::Trace,
        Node::start("tracepoints-trace", true),
        p2p_node(),
        &provider,
    );
    assert_same_events(&[provider], &fired, &read, "tracepoints-trace");
    eprintln!(
        "tracepoints-trace: {} events ({})",
        read.len(),
        counts(&read)
    );
}

/// `tracepoints-trace --format log` prints every connection event of the
/// node as its declared log line, as the bpftrace log script does but with
/// every value whole (no bpftrace string limit).
#[test]
fn tracepoints_trace_prints_the_declared_log_lines() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "pkg-config"]) else {
        return;
    };
    let mut node = Node::start("tracepoints-trace-log", true);
    let pid = node.pid().to_string();
    let mut command = Command::new(tracepoints_tests::tracepoints_trace());
    command
        .arg(p2p_node())
        .args(["--pid", &pid, "--format", "log"]);
    let mut tracer = Process::spawn(&mut command);
    // The five connection tracepoints declare a log line.
    tracer.wait_for("Attached 5 probes", ATTACH_TIMEOUT);
    node.go();
    let fired = node.wait();
    tracer.finish(READER_EXIT_TIMEOUT);
    let whole = Script {
        floor: Floor::V0_24,
        strlen: 1 << 20,
        perf_rb_pages: 0,
    };
    let expected = expected_log_lines(&core_providers(), &fired, whole, Floor::V0_24);
    let printed = tracer.stdout();
    assert_eq!(
        String::from_utf8_lossy(&printed),
        String::from_utf8_lossy(&expected)
    );
    assert!(!printed.is_empty(), "printed nothing");
    eprintln!(
        "tracepoints-trace --format log: {} lines",
        printed.iter().filter(|&&b| b == b'\n').count()
    );
}

/// Every provider's events read as fired, each provider's in its order (a
/// tracer with a ring buffer per provider keeps the order within each),
/// and no event more.
fn assert_same_events_per_provider(
    providers: &[Provider],
    fired: &[serde_json::Value],
    read: &[serde_json::Value],
    tracer: &str,
) {
    for provider in providers {
        assert_same_events(
            std::slice::from_ref(provider),
            &events_of(&provider.name, fired),
            &events_of(&provider.name, read),
            &format!("{tracer}, {}", provider.name),
        );
    }
    assert_eq!(read.len(), fired.len(), "{tracer}");
}

/// `tracepoints-trace` follows a program that restarts, told by a pid file
/// (`--pid-file`, which each run writes) or by finding the next process of
/// the binary (`--pid PID --follow`): the program runs four times
/// (restarted three times) during one trace, and every event of every run
/// is read, nothing lost.
#[test]
fn tracepoints_trace_follows_a_restarted_program() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "pkg-config"]) else {
        return;
    };
    let providers = replayed_providers();
    let probes: usize = providers.iter().map(|p| p.tracepoints.len()).sum();
    for how in ["--pid-file", "--follow"] {
        let pid_file = std::env::temp_dir().join(format!("core-replay-{}.pid", std::process::id()));
        let _ = std::fs::remove_file(&pid_file);
        let mut tracer = None;
        let mut fired = Vec::new();
        for run in 0..4 {
            let mut node = Node::replay(&format!("tracepoints-trace-restart-{run}"));
            let pid = node.pid().to_string();
            let tracer = tracer.get_or_insert_with(|| {
                let mut command = Command::new(tracepoints_tests::tracepoints_trace());
                command.arg(core_replay());
                match how {
                    "--pid-file" => command.arg("--pid-file").arg(&pid_file),
                    _ => command.args(["--pid", &pid, "--follow"]),
                };
                Process::spawn(&mut command)
            });
            std::fs::write(&pid_file, format!("{pid}\n")).unwrap();
            tracer.wait_for(
                &format!(
                    "Attached {probes} probes to {} (pid {pid})",
                    core_replay().display()
                ),
                ATTACH_TIMEOUT,
            );
            node.go();
            fired.extend(node.wait());
        }
        let mut tracer = tracer.expect("started");
        // It waits for a fifth process: stop it.
        tracer.stop();
        let _ = std::fs::remove_file(&pid_file);
        assert_eq!(tracer.lost(), 0, "tracepoints-trace {how} lost events");
        let read = tracer.json_lines();
        assert_same_events_per_provider(
            &providers,
            &fired,
            &read,
            &format!("tracepoints-trace {how} across restarts"),
        );
        eprintln!(
            "tracepoints-trace {how}: 4 runs, {} events ({})",
            read.len(),
            counts(&read)
        );
    }
}

/// `tracepoints-trace` tracing every process of a binary by its path
/// attaches again when the file is replaced (a new build or an upgrade
/// renamed over it): the new file's processes are read too.
#[test]
fn tracepoints_trace_follows_a_replaced_binary() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "pkg-config"]) else {
        return;
    };
    let providers = replayed_providers();
    let probes: usize = providers.iter().map(|p| p.tracepoints.len()).sum();
    let dir = std::env::temp_dir().join(format!("tracepoints-replaced-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("core-replay");
    std::fs::copy(core_replay(), &path).unwrap();
    let mut command = Command::new(tracepoints_tests::tracepoints_trace());
    command.arg(&path);
    let mut tracer = Process::spawn(&mut command);
    let attached = format!("Attached {probes} probes to {}", path.display());
    tracer.wait_for(&attached, ATTACH_TIMEOUT);
    let mut fired = Vec::new();
    for run in 0..2 {
        if run == 1 {
            // A new file renamed over the old one, as installers do.
            let new = dir.join("core-replay.new");
            std::fs::copy(core_replay(), &new).unwrap();
            std::fs::rename(&new, &path).unwrap();
            tracer.wait_for_times(&attached, 2, ATTACH_TIMEOUT);
        }
        let mut node = Node::replay_binary(&format!("tracepoints-trace-replaced-{run}"), &path);
        node.go();
        fired.extend(node.wait());
    }
    tracer.stop();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(tracer.lost(), 0, "tracepoints-trace lost events");
    let read = tracer.json_lines();
    assert_same_events_per_provider(
        &providers,
        &fired,
        &read,
        "tracepoints-trace across a replaced binary",
    );
    eprintln!(
        "tracepoints-trace, binary replaced: 2 runs, {} events",
        read.len()
    );
}

/// `tracepoints-trace` given only `core-replay` reads every provider at
/// once (one copy of its program per provider) from the ABI the binary
/// carries; and with that ABI stripped from the binary, from the ABI
/// files, as it reads a binary built without this crate. Each provider's
/// events come in the order fired (across providers, in the order its
/// rings are read).
#[test]
fn tracepoints_trace_reads_every_provider_of_core_replay_at_once() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "pkg-config", "objcopy"]) else {
        return;
    };
    let providers = replayed_providers();
    let bare = tracepoints_tests::bare_copy(core_replay(), "core-replay-bare");
    let abi_files: Vec<std::ffi::OsString> = providers
        .iter()
        .flat_map(|p| {
            let file = workspace_root()
                .join(TRACING)
                .join(format!("{}.abi.json", p.name));
            ["--abi".into(), file.into_os_string()]
        })
        .collect();
    for (binary, extra, how) in [
        (core_replay().to_path_buf(), Vec::new(), "its own ABI"),
        (bare.clone(), abi_files, "ABI files"),
    ] {
        let tag = format!("tracepoints-trace-{}", how.replace(' ', "-"));
        let mut node = Node::replay_binary(&tag, &binary);
        let pid = node.pid().to_string();
        let mut command = Command::new(tracepoints_tests::tracepoints_trace());
        command.arg(&binary).args(["--pid", &pid]).args(&extra);
        let mut tracer = Process::spawn(&mut command);
        let probes: usize = providers.iter().map(|p| p.tracepoints.len()).sum();
        tracer.wait_for(&format!("Attached {probes} probes"), ATTACH_TIMEOUT);
        node.go();
        let fired = node.wait();
        tracer.finish(READER_EXIT_TIMEOUT);
        assert_eq!(tracer.lost(), 0, "tracepoints-trace ({how}) lost events");
        let counts_by = tracer.lost_by_tracepoint().expect("lost_by_tracepoint");
        assert_eq!(counts_by.len(), probes, "{how}");
        assert!(counts_by.values().all(|&n| n == 0), "{how}: {counts_by:?}");
        let read = tracer.json_lines();
        assert_same_events_per_provider(
            &providers,
            &fired,
            &read,
            &format!("tracepoints-trace ({how})"),
        );
        eprintln!(
            "tracepoints-trace core-replay from {how}: {} events ({})",
            read.len(),
            counts(&read)
        );
    }
    let _ = std::fs::remove_file(&bare);
}

/// Record files: `net-tracer --write`, `tracepoints-trace --write` and the
/// BCC logger's `--write` keep every record of core-replay's `net` events
/// (payloads of 8 to 40000 bytes, host names past their cap) as it came,
/// and each file reads back through every reader's `--read` as every event
/// fired, then `{"lost":0}`: the generated BCC program and the generic one
/// write one record layout.
#[test]
fn record_files_read_back_as_every_event_through_either_reader() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "pkg-config", "/usr/bin/python3"]) else {
        return;
    };
    let provider = replayed_providers()
        .into_iter()
        .find(|p| p.name == "net")
        .expect("core-replay fires net");
    for writer in Reader::ALL {
        let writer_name = writer.name("net");
        let records =
            std::env::temp_dir().join(format!("{writer_name}-{}.records", std::process::id()));
        let mut node = Node::replay(&format!("{writer_name}-write"));
        let write = ["--write".as_ref(), records.as_os_str()];
        let mut tracer = writer.attached("net", core_replay(), node.pid(), &write);
        tracer.wait_for("Attached 7 probes", ATTACH_TIMEOUT);
        node.go();
        let fired = events_of("net", &node.wait());
        tracer.finish(READER_EXIT_TIMEOUT);
        assert_eq!(tracer.lost(), 0, "{writer_name} --write lost events");
        assert!(
            tracer.json_lines().is_empty(),
            "{writer_name} --write printed events"
        );
        for reader in Reader::ALL {
            let what = format!("{writer_name} --write, then {} --read", reader.name("net"));
            reads_back_as_fired(reader, &records, &provider, &fired, &what);
        }
        a_cut_file_is_named(&records, &provider, fired.len());
        let _ = std::fs::remove_file(&records);
    }
    a_foreign_record_reads_as_undecodable();
}

/// `reader --read records`, started.
fn read_back(reader: Reader, records: &Path) -> Process {
    Process::spawn(&mut reader.command("net", &["--read".as_ref(), records.as_os_str()]))
}

/// `reader` reads `records` back as the events `fired`, losing none.
fn reads_back_as_fired(
    reader: Reader,
    records: &Path,
    provider: &Provider,
    fired: &[serde_json::Value],
    what: &str,
) {
    let mut read = read_back(reader, records);
    assert!(
        read.finish(READER_EXIT_TIMEOUT).success(),
        "{what}: {}",
        read.stderr()
    );
    assert_eq!(read.lost(), 0, "{what}: the file's trailer counts no loss");
    assert_no_loss_per_tracepoint(&read, provider);
    let read = read.json_lines();
    assert_same_events(std::slice::from_ref(provider), fired, &read, what);
    assert!(
        read.iter()
            .any(|e| e["args"]["msg_size"].as_u64() == Some(40000)),
        "{what}: a 40000-byte message was read back"
    );
    eprintln!(
        "{what}: {} events ({}), {} bytes of records",
        read.len(),
        counts(&read),
        std::fs::metadata(records).map_or(0, |m| m.len())
    );
}

/// A file whose tracer did not finish (no trailer: its marker, the total
/// lost, the number of kinds and each kind's count) is an error that names
/// the file, printed by every reader after the `fired` events it does hold.
fn a_cut_file_is_named(records: &Path, provider: &Provider, fired: usize) {
    let trailer = 4 + 8 + 4 + 8 * provider.tracepoints.len();
    let bytes = std::fs::read(records).expect("read the records");
    std::fs::write(records, &bytes[..bytes.len() - trailer]).expect("cut the records");
    let expected = format!(
        "{}: ends after {fired} records without its trailer",
        records.display()
    );
    for reader in Reader::ALL {
        let mut cut = read_back(reader, records);
        assert!(
            !cut.finish(READER_EXIT_TIMEOUT).success(),
            "{reader:?} read a cut file"
        );
        assert!(
            cut.stderr().contains(&expected),
            "{reader:?}: {}",
            cut.stderr()
        );
        assert_eq!(
            cut.json_lines().len(),
            fired,
            "{reader:?}: events before the cut"
        );
    }
}

/// A record that is no `net` event (its tag names no tracepoint) reads back
/// as the live readers print it: as undecodable, with its length. The file
/// is of version 1 (its trailer holds the total only), which every reader
/// still reads.
fn a_foreign_record_reads_as_undecodable() {
    let records = std::env::temp_dir().join(format!("foreign-{}.records", std::process::id()));
    let mut bytes = b"tracepoints records 1\nnet\n".to_vec();
    for word in [8, 99, 0, u32::MAX, 0, 0] {
        bytes.extend(u32::to_le_bytes(word));
    }
    std::fs::write(&records, bytes).expect("write the records");
    for reader in Reader::ALL {
        let mut read = read_back(reader, &records);
        assert!(
            read.finish(READER_EXIT_TIMEOUT).success(),
            "{reader:?}: {}",
            read.stderr()
        );
        assert_eq!(
            read.json_lines(),
            [serde_json::json!({"undecodable": 8})],
            "{reader:?} read a foreign record"
        );
        assert_eq!(read.lost(), 0, "{reader:?}: the foreign file's trailer");
    }
    let _ = std::fs::remove_file(&records);
}

#[test]
fn tplist_and_gdb_list_every_probe_of_core_replay() {
    let Some(_guard) = tracer_test(&["tplist-bpfcc", "gdb"]) else {
        return;
    };
    let providers = built_providers();
    let output = Command::new("tplist-bpfcc")
        .arg("-l")
        .arg(core_replay())
        .arg("-v")
        .output()
        .unwrap();
    let tplist = String::from_utf8_lossy(&output.stdout).into_owned();
    let tracepoints = || {
        providers
            .iter()
            .flat_map(|p| p.tracepoints.iter().map(move |t| (p, t)))
    };
    for (provider, tracepoint) in tracepoints() {
        let header = format!("{} [sema 0x", tracepoint.probe_name(provider));
        let block = tplist
            .split(&header)
            .nth(1)
            .unwrap_or_else(|| panic!("tplist lacks {header}:\n{tplist}"));
        let args_line = block
            .lines()
            .find(|l| l.contains("argument(s)"))
            .expect("argument count");
        assert_eq!(
            args_line.split_whitespace().next(),
            Some(tracepoint.args.len().to_string().as_str()),
            "{header}"
        );
    }
    assert_eq!(
        tplist.lines().filter(|l| l.contains(" [sema 0x")).count(),
        tracepoints().count(),
        "{tplist}"
    );

    let output = Command::new("gdb")
        .args(["-batch", "-ex", "info probes"])
        .arg(core_replay())
        .output()
        .unwrap();
    let gdb = String::from_utf8_lossy(&output.stdout).into_owned();
    for (provider, tracepoint) in tracepoints() {
        assert!(
            gdb.lines()
                .any(|l| l.split_whitespace().take(3).collect::<Vec<_>>()
                    == ["stap", &provider.name, &tracepoint.name]),
            "gdb lacks {}:\n{gdb}",
            tracepoint.probe_name(provider)
        );
    }
}

#[test]
fn bpftrace_loads_the_scripts_of_every_argument_form() {
    let Some(_guard) = tracer_test(&["bpftrace"]) else {
        return;
    };
    // The edge cases (every type, hashes, variable buffers with caps beyond
    // bpftrace's 200 bytes, a 4096-byte string, hostile docs) are in the
    // fixture binary: each generated script must compile, load and attach.
    let dir = std::env::temp_dir().join(format!("tracepoints-edge-bt-{}", std::process::id()));
    let providers = tracepoints_tests::write_edge_outputs(&dir);
    let scripts = [
        ("edge.bt", "Reading 6 edge tracepoints"),
        ("log.bt", "Logging edge:"),
    ];
    let strlen = Script::new(Floor::V0_17, &providers).strlen.to_string();
    for (script, banner) in scripts {
        let mut tracer = Process::spawn(
            Command::new("bpftrace")
                .env("BPFTRACE_STRLEN", &strlen)
                .env("BPFTRACE_MAX_STRLEN", &strlen)
                .arg(dir.join(script))
                .arg(tracepoints_tests::fixture()),
        );
        tracer.wait_for_banner(banner, ATTACH_TIMEOUT);
        let status = tracer.stop();
        assert!(status.success(), "{}", tracer.seen());
        eprintln!("{script}: loaded and attached");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The one line (besides its banner lines) a reader printed on stderr when
/// it could not attach: it exited non-zero, within the attach timeout.
fn refused_line(reader: &mut Process) -> String {
    assert!(
        reader.exits_within(ATTACH_TIMEOUT),
        "{} attached beside a clashing tracer: {}",
        reader.name(),
        reader.seen()
    );
    assert!(
        !reader.exit_status().unwrap().success(),
        "{} exited successfully: {}",
        reader.name(),
        reader.seen()
    );
    let stderr = reader.stderr();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("RLIMIT_MEMLOCK"))
        .collect();
    assert_eq!(lines.len(), 1, "{}: {stderr}", reader.name());
    lines[0].to_string()
}

/// A BCC reader and a libbpf or bpftrace reader cannot hold one probe at
/// once (the kernel refuses a uprobe registered again with another
/// semaphore offset, and BCC never passes the semaphore's own): the second
/// to come says so in one line and exits non-zero, whichever it is. The
/// node, traced by the first, still fires into it.
#[test]
fn readers_that_clash_with_another_tracer_say_so_in_one_line() {
    let Some(_guard) = tracer_test(&["/usr/bin/python3", "tplist-bpfcc", "taskset", "clang"])
    else {
        return;
    };
    let mut node = Node::replay("clash");
    let pid = node.pid();
    let bcc = || Reader::Bcc.attached("net", core_replay(), pid, &[]);
    // bpftrace first (by path, as it attaches), then the BCC logger.
    let mut holder = count_probes(&[(core_replay(), "net:inbound_connection", "n")]);
    let line = refused_line(&mut bcc());
    assert!(
        line.starts_with(&format!(
            "net_bcc.py: cannot attach to pid {pid} (Failed to attach BPF to uprobe): another tracer"
        )) && line.contains("stop the other tracer"),
        "{line}"
    );
    holder.stop();
    // The BCC logger first, then net-tracer (libbpf).
    let mut logger = bcc();
    logger.wait_for("Attached 7 probes", ATTACH_TIMEOUT);
    let mut tracer = Reader::NetTracer.attached("net", core_replay(), pid, &[]);
    let line = refused_line(&mut tracer);
    assert!(
        line.starts_with("net-tracer: cannot attach net:")
            && line.contains("the kernel refused the uprobe (EINVAL): another tracer")
            && line.contains("stop the other tracer"),
        "{line}"
    );
    // The logger still reads the node.
    node.go();
    let fired = node.wait();
    logger.finish(READER_EXIT_TIMEOUT);
    assert_eq!(logger.lost(), 0);
    assert_same_events(
        &[example_provider()],
        &events_of("net", &fired),
        &logger.json_lines(),
        "BCC beside a refused net-tracer",
    );
    eprintln!("clash: refused in one line each (BCC after bpftrace, net-tracer after BCC)");
}

/// At a low rate no record ever forces a wakeup (each is far below a
/// sixteenth of the ring), so what delivers them is the readers' timer: each
/// reader prints events while the node is still firing, not only once it
/// exits and the reader drains the ring. `core-replay` fires
/// `net:inbound_connection` 4 times a second for 4 seconds; each reader
/// must have printed at least 8 of them before the node is gone (with a
/// 100 ms timer it prints each within about 100 ms, so about 15).
#[test]
fn readers_deliver_events_that_no_wakeup_announced() {
    let Some(_guard) = tracer_test(&["/usr/bin/python3", "tplist-bpfcc", "clang", "taskset"])
    else {
        return;
    };
    for reader in Reader::ALL {
        let mut node = Process::spawn(
            Command::new(core_replay())
                .args(["--wait", "--flood", "4", "--rate", "4"])
                .stdin(std::process::Stdio::piped()),
        );
        let mut tracer = reader.attached("net", core_replay(), node.id(), &[]);
        let reader = reader.name("net");
        tracer.wait_for("Attached 7 probes", ATTACH_TIMEOUT);
        node.write_line("go");
        // Printed while the node runs: read before it exits.
        let mut while_firing = 0;
        let exited = poll(RUN_TIMEOUT, || {
            let done = node.exits_within(Duration::from_millis(0));
            if !done {
                while_firing = tracer.json_lines().len();
            }
            done
        });
        assert!(exited, "core-replay did not end: {}", node.seen());
        tracer.finish(READER_EXIT_TIMEOUT);
        let fired: usize = String::from_utf8_lossy(&node.stdout())
            .lines()
            .find_map(|l| l.strip_prefix("fired ")?.trim().parse().ok())
            .unwrap_or_else(|| panic!("core-replay printed no `fired N`: {}", node.seen()));
        assert_eq!(
            tracer.json_lines().len(),
            fired,
            "{reader}: {}",
            tracer.seen()
        );
        assert_eq!(tracer.lost(), 0, "{reader}");
        assert!(
            while_firing >= 8,
            "{reader} printed {while_firing} of {fired} events while the node fired them"
        );
        eprintln!("{reader}: {while_firing} of {fired} events printed while the node fired them");
    }
}
