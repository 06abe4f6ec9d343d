//! The example node's command line: the demo runs and logs every fire; bad
//! input is a clear error with a non-zero exit, never a panic.

use std::net::TcpListener;
use std::process::{Command, Output};
use tracepoints_tests::p2p_node;

fn run(args: &[&str]) -> Output {
    Command::new(p2p_node())
        .args(args)
        .output()
        .expect("run p2p-node")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_fails_with(args: &[&str], message: &str) {
    let output = run(args);
    let err = stderr(&output);
    assert!(!output.status.success(), "{args:?} succeeded");
    assert!(
        err.contains(message),
        "{args:?}: expected {message:?} in:\n{err}"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
}

#[test]
fn demo_fires_every_tracepoint_and_closes_every_connection_once() {
    let dir = std::env::temp_dir().join(format!("p2p-node-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("fired.jsonl");
    let output = run(&["demo", "--fired-log", log.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let events: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |name: &str| events.iter().filter(|e| e["tracepoint"] == name).count();
    assert!(count("net:inbound_connection") >= 3);
    assert!(count("net:outbound_connection") >= 2);
    assert!(count("net:evicted_inbound_connection") >= 1);
    assert!(count("net:misbehaving_connection") >= 1);
    let opened = count("net:inbound_connection") + count("net:outbound_connection");
    assert_eq!(count("net:closed_connection"), opened);

    // Each opened id is closed exactly once, after it was opened; an evicted
    // peer is closed after its eviction.
    for (i, e) in events.iter().enumerate() {
        let id = &e["args"]["id"];
        let later = || {
            events[i + 1..]
                .iter()
                .filter(move |l| &l["args"]["id"] == id)
        };
        match e["tracepoint"].as_str().unwrap() {
            "net:inbound_connection"
            | "net:outbound_connection"
            | "net:evicted_inbound_connection" => {
                assert_eq!(
                    later()
                        .filter(|l| l["tracepoint"] == "net:closed_connection")
                        .count(),
                    1,
                    "{e}"
                )
            }
            _ => {}
        }
    }

    // Outbound connection types and the Bitcoin Core reason for a big getdata.
    let types: Vec<&str> = events
        .iter()
        .filter(|e| e["tracepoint"] == "net:outbound_connection")
        .map(|e| e["args"]["conn_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "outbound-full-relay",
            "block-relay-only",
            "manual",
            "feeler"
        ]
    );
    assert!(
        events
            .iter()
            .any(|e| e["args"]["message"] == "getdata message size = 50001")
    );
    let first = &events[0]["args"];
    assert_eq!(first["network"], 0, "loopback is unroutable");
    assert!(first["addr"].as_str().unwrap().starts_with("127.0.0.1:"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_flag_is_an_error() {
    assert_fails_with(&["demo", "--frobnicate"], "unknown option `--frobnicate`");
    assert_fails_with(&["serve"], "unknown command `serve`");
    assert_fails_with(&[], "missing command");
    assert_fails_with(
        &["demo", "--wait-for-tracer", "soon"],
        "takes a number of seconds",
    );
    assert_fails_with(&["demo", "--fired-log"], "`--fired-log` needs a value");
}

#[test]
fn port_in_use_is_an_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    assert_fails_with(
        &["demo", "--port", &port],
        &format!("cannot listen on 127.0.0.1:{port}"),
    );
}

#[test]
fn unwritable_log_path_is_an_error() {
    assert_fails_with(
        &["demo", "--fired-log", "/nonexistent-dir/fired.jsonl"],
        "cannot write fired log /nonexistent-dir/fired.jsonl",
    );
}

#[test]
fn waiting_for_a_tracer_times_out_with_a_message() {
    let output = run(&["demo", "--wait-for-tracer", "0.2"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no tracer attached to all five net tracepoints"),
        "{}",
        stderr(&output)
    );
}
