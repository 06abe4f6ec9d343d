//! End to end: real tracers (bpftrace, BCC, libbpf) attached to the running
//! example node through the generated readers read exactly what it fired.
//!
//! These need root and the tracers (`scripts/setup-tracers.sh`). Without
//! them each test prints why it skips; with `TRACEPOINTS_E2E=require` (CI)
//! a skip fails.

use std::process::Command;
use std::time::Duration;
use tracepoints_tests::e2e::*;
use tracepoints_tests::{p2p_node, workspace_root};

const TRACING: &str = "examples/p2p-node/tracing";

fn bpftrace(script: &str) -> Command {
    let mut command = Command::new("bpftrace");
    let strlen = tracepoints_codegen::emit::bpftrace::strlen([&example_provider()]).to_string();
    // What the scripts' #! line sets; `bpftrace FILE` does not read it.
    command
        .env("BPFTRACE_STRLEN", &strlen)
        .env("BPFTRACE_MAX_STRLEN", &strlen);
    command
        .arg(workspace_root().join(TRACING).join(script))
        .arg(p2p_node());
    command
}

/// Runs the demo with a bpftrace script attached by path and returns what
/// the node fired and what the script printed after its banner.
fn run_bpftrace(script: &str, banner: &str) -> (Vec<serde_json::Value>, Vec<u8>) {
    let mut node = Node::start(script, true);
    let mut tracer = Collected::spawn(&mut bpftrace(script));
    // BEGIN runs once every probe is attached.
    tracer.wait_for(banner, ATTACH_TIMEOUT);
    node.go();
    let fired = node.wait();
    tracer.finish(Duration::from_secs(1));
    (fired, after_banner(&tracer.stdout(), banner))
}

#[test]
fn bpftrace_log_script_prints_every_event_in_the_declared_format() {
    let Some(_guard) = tracer_test(&["bpftrace", "taskset"]) else {
        return;
    };
    let (fired, printed) = run_bpftrace("log_p2p_connections.bt", "Logging net:");
    assert_demo_has_hostile_values(&fired);
    let expected = expected_log_lines(&example_provider(), &fired);
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
fn bpftrace_reader_reads_every_argument() {
    let Some(_guard) = tracer_test(&["bpftrace", "taskset"]) else {
        return;
    };
    let (fired, printed) = run_bpftrace("net.bt", "Reading 5 net tracepoints");
    let expected = expected_reader_lines(&example_provider(), &fired);
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
    let mut tracer = Collected::spawn(&mut bpftrace("log_p2p_connections.bt"));
    tracer.wait_for(banner, ATTACH_TIMEOUT);
    let node = Node::start("before-start", false);
    let fired = node.wait();
    tracer.finish(Duration::from_secs(1));
    let printed = after_banner(&tracer.stdout(), banner);
    let expected = expected_log_lines(&example_provider(), &fired);
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

#[test]
fn bcc_python_module_decodes_every_event() {
    let Some(_guard) = tracer_test(&["/usr/bin/python3", "tplist-bpfcc", "taskset"]) else {
        return;
    };
    let mut node = Node::start("bcc", true);
    // BCC enables semaphore-gated probes by pid only.
    let mut tracer = Collected::spawn(
        Command::new("/usr/bin/python3")
            .arg(workspace_root().join(TRACING).join("net_bcc.py"))
            .arg(node.pid().to_string()),
    );
    tracer.wait_for("Attached 5 probes", ATTACH_TIMEOUT);
    node.go();
    let fired = node.wait();
    tracer.finish(Duration::from_secs(10));
    let read = tracer.json_lines();
    assert_demo_has_hostile_values(&fired);
    assert_same_events(&example_provider(), &fired, &read, "BCC");
    assert_eq!(tracer.lost(), Some(0), "BCC reports what it lost");
    eprintln!("BCC: {} events ({})", read.len(), counts(&read));
}

#[test]
fn libbpf_program_and_rust_structs_decode_every_event() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "/usr/include/bpf/usdt.bpf.h"]) else {
        return;
    };
    let root = workspace_root();
    let object = std::env::temp_dir().join(format!("net.bpf.{}.o", std::process::id()));
    let output = tracepoints_tests::compile_bpf(&root.join(TRACING).join("net.bpf.c"), &object);
    assert!(
        output.status.success(),
        "clang failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "--manifest-path",
            "tests/libbpf-loader/Cargo.toml",
            "--target-dir",
        ])
        .arg(root.join("target/libbpf-loader"))
        .current_dir(root)
        .status()
        .unwrap();
    assert!(status.success(), "building tests/libbpf-loader failed");

    let mut node = Node::start("libbpf", true);
    let mut tracer = Collected::spawn(
        Command::new(root.join("target/libbpf-loader/release/libbpf-loader"))
            .arg(&object)
            .arg(p2p_node())
            .arg(node.pid().to_string()),
    );
    tracer.wait_for("Attached 5 probes", ATTACH_TIMEOUT);
    node.go();
    let fired = node.wait();
    tracer.finish(Duration::from_secs(10));
    let _ = std::fs::remove_file(&object);
    let read = tracer.json_lines();
    assert_same_events(&example_provider(), &fired, &read, "libbpf");
    assert_eq!(
        tracer.lost(),
        Some(0),
        "the libbpf loader reports what it lost"
    );
    eprintln!("libbpf: {} events ({})", read.len(), counts(&read));
}

#[test]
fn tplist_and_gdb_list_the_five_probes() {
    let Some(_guard) = tracer_test(&["tplist-bpfcc", "gdb"]) else {
        return;
    };
    let provider = example_provider();
    let output = Command::new("tplist-bpfcc")
        .arg("-l")
        .arg(p2p_node())
        .arg("-v")
        .output()
        .unwrap();
    let tplist = String::from_utf8_lossy(&output.stdout).into_owned();
    for tracepoint in &provider.tracepoints {
        let header = format!("net:{} [sema 0x", tracepoint.name);
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
        tplist.lines().filter(|l| l.starts_with("net:")).count(),
        5,
        "{tplist}"
    );

    let output = Command::new("gdb")
        .args(["-batch", "-ex", "info probes"])
        .arg(p2p_node())
        .output()
        .unwrap();
    let gdb = String::from_utf8_lossy(&output.stdout).into_owned();
    for tracepoint in &provider.tracepoints {
        assert!(
            gdb.lines()
                .any(|l| l.split_whitespace().take(3).collect::<Vec<_>>()
                    == ["stap", "net", &tracepoint.name]),
            "gdb lacks net:{}:\n{gdb}",
            tracepoint.name
        );
    }
}
