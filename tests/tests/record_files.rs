//! The three readers of a record file, `tracepoints-trace --read`,
//! `net-tracer --read` and the generated `net_bcc.py --read`, read every
//! file alike, damaged ones included: the same events, the same
//! `{"undecodable": N}` for a record whose string has no NUL inside it (a
//! BPF program always writes one), the same refusal of a record that
//! claims more bytes than the provider's largest (before reading it), and
//! a quiet exit when standard output closes.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tracepoints_codegen::model::{Provider, Tracepoint};
use tracepoints_codegen::record::Record;
use tracepoints_tests::e2e::{TRACING, core_providers, missing_tools};
use tracepoints_tests::{bounded, net_tracer, skip, tracepoints_trace, workspace_root};

/// Whether the readers can be built and run here; reports the skip when
/// not.
fn runnable() -> bool {
    match missing_tools(&["clang", "pkg-config", "/usr/bin/python3"]) {
        Some(reason) => {
            skip(&reason);
            false
        }
        None => true,
    }
}

fn net() -> Provider {
    core_providers()
        .into_iter()
        .find(|p| p.name == "net")
        .unwrap()
}

fn tracepoint<'a>(provider: &'a Provider, name: &str) -> (u32, &'a Tracepoint) {
    let (i, t) = provider
        .tracepoints
        .iter()
        .enumerate()
        .find(|(_, t)| t.name == name)
        .unwrap();
    (i as u32 + 1, t)
}

/// A whole-struct record of `name` (its last field at its cap, zeros),
/// then `fill` writes its fields: `(argument name, bytes)`, each at its
/// field's offset.
fn record(provider: &Provider, name: &str, fill: &[(&str, &[u8])]) -> Vec<u8> {
    let (kind, t) = tracepoint(provider, name);
    let offsets = Record::of(t).offsets(t);
    let mut bytes = vec![0u8; offsets.size as usize];
    bytes[..4].copy_from_slice(&kind.to_ne_bytes());
    for (arg, value) in fill {
        let i = t.args.iter().position(|a| a.name == *arg).unwrap();
        let at = offsets.args[i] as usize;
        bytes[at..at + value.len()].copy_from_slice(value);
    }
    bytes
}

/// A `net` record file of `records` (each written with its length) and
/// the trailer, at a path of its own.
fn record_file(tag: &str, records: &[Vec<u8>]) -> PathBuf {
    let mut bytes = b"tracepoints records 2\nnet\n".to_vec();
    for record in records {
        bytes.extend((record.len() as u32).to_le_bytes());
        bytes.extend(record);
    }
    trailer(&mut bytes);
    let path = std::env::temp_dir().join(format!(
        "tracepoints-records-{tag}-{}.records",
        std::process::id()
    ));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Appends a trailer: nothing lost, of each of `net`'s 7 tracepoints.
fn trailer(bytes: &mut Vec<u8>) {
    bytes.extend(u32::MAX.to_le_bytes());
    bytes.extend(0u64.to_le_bytes());
    bytes.extend(7u32.to_le_bytes());
    for _ in 0..7 {
        bytes.extend(0u64.to_le_bytes());
    }
}

/// The three readers' commands for `file`.
fn readers(file: &Path) -> [(&'static str, Command); 3] {
    let mut trace = Command::new(tracepoints_trace());
    let abi = workspace_root().join(TRACING).join("net.abi.json");
    trace.arg("--read").arg(file).arg("--abi").arg(abi);
    let mut tracer = Command::new(net_tracer());
    tracer.arg("--read").arg(file);
    let mut python = Command::new("/usr/bin/python3");
    python
        .arg(workspace_root().join(TRACING).join("net_bcc.py"))
        .arg("--read")
        .arg(file);
    [
        ("tracepoints-trace", trace),
        ("net-tracer", tracer),
        ("net_bcc.py", python),
    ]
}

/// Each line of `output`'s stdout as JSON.
fn json_lines(name: &str, output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {l:?}: {e}")))
        .collect()
}

/// Runs the three readers on `file`: each prints `expected` (as JSON
/// values) and exits as `ok` says, its stderr holding `message` (a failed
/// run's one line, no traceback).
fn all_read(file: &Path, expected: &[Value], ok: bool, message: &str) {
    for (name, mut command) in readers(file) {
        let output = bounded(name, &mut command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.success(), ok, "{name}: {stderr}");
        assert_eq!(json_lines(name, &output), expected, "{name}: {stderr}");
        assert!(
            stderr.contains(message),
            "{name}: {message:?} in {stderr:?}"
        );
        assert!(!stderr.contains("Traceback"), "{name}: {stderr}");
        assert!(ok || stderr.lines().count() == 1, "{name}: {stderr}");
    }
}

/// The JSON line of nothing lost.
fn nothing_lost(provider: &Provider) -> Value {
    let by: serde_json::Map<String, Value> = provider
        .tracepoints
        .iter()
        .map(|t| (t.probe_name(provider), Value::from(0)))
        .collect();
    serde_json::json!({"lost": 0, "lost_by_tracepoint": by})
}

fn valid_connection(net: &Provider) -> Vec<u8> {
    record(
        net,
        "inbound_connection",
        &[
            ("id", &7i64.to_ne_bytes()),
            ("addr", b"1.2.3.4:8333\0"),
            ("conn_type", b"inbound\0"),
            ("network", &1u32.to_ne_bytes()),
            ("existing", &3u64.to_ne_bytes()),
        ],
    )
}

#[test]
fn the_readers_agree_on_valid_and_damaged_strings() {
    if !runnable() {
        return;
    }
    let net = net();
    let valid = valid_connection(&net);
    // The same record with a string that fills its field: no NUL.
    let (_, t) = tracepoint(&net, "inbound_connection");
    let offsets = Record::of(t).offsets(t);
    let field = |arg: &str| {
        let i = t.args.iter().position(|a| a.name == arg).unwrap();
        (offsets.args[i] as usize, offsets.sizes[i] as usize)
    };
    let mut fixed_unended = valid.clone();
    let (at, size) = field("conn_type");
    fixed_unended[at..at + size].fill(b'x');
    // The tail, cut after 16 bytes of it, none of them a NUL.
    let (at, _) = field("addr");
    let mut tail_unended = valid[..at + 16].to_vec();
    tail_unended[at..].fill(b'a');
    let file = record_file(
        "strings",
        &[valid.clone(), fixed_unended.clone(), tail_unended.clone()],
    );
    let expected = [
        serde_json::json!({"tracepoint": "net:inbound_connection", "args": {
            "id": 7, "addr": "1.2.3.4:8333", "conn_type": "inbound",
            "network": 1, "network_name": "ipv4", "existing": 3}}),
        serde_json::json!({"undecodable": fixed_unended.len()}),
        serde_json::json!({"undecodable": tail_unended.len()}),
        nothing_lost(&net),
    ];
    all_read(&file, &expected, true, "");
    let _ = std::fs::remove_file(file);
}

#[test]
fn a_record_longer_than_any_is_refused_before_it_is_read() {
    if !runnable() {
        return;
    }
    let net = net();
    let valid = valid_connection(&net);
    let mut bytes = b"tracepoints records 2\nnet\n".to_vec();
    bytes.extend((valid.len() as u32).to_le_bytes());
    bytes.extend(&valid);
    // A length that a reader trusting it would allocate 4 GB for.
    bytes.extend(0xFFFF_FFF0u32.to_le_bytes());
    bytes.extend([0u8; 64]);
    let file = std::env::temp_dir().join(format!(
        "tracepoints-records-huge-{}.records",
        std::process::id()
    ));
    std::fs::write(&file, bytes).unwrap();
    let largest = tracepoints_codegen::record::largest(&net);
    let expected = [
        serde_json::json!({"tracepoint": "net:inbound_connection", "args": {
        "id": 7, "addr": "1.2.3.4:8333", "conn_type": "inbound",
        "network": 1, "network_name": "ipv4", "existing": 3}}),
    ];
    let message = format!(
        "{}: record 2 claims 4294967280 bytes, more than the largest `net` record ({largest}): a damaged file",
        file.display()
    );
    all_read(&file, &expected, false, &message);
    let _ = std::fs::remove_file(file);
}

#[test]
fn the_python_reader_ends_quietly_or_in_one_line() {
    if !runnable() {
        return;
    }
    let net = net();
    let records: Vec<Vec<u8>> = (0..20_000).map(|_| valid_connection(&net)).collect();
    let file = record_file("closed", &records);
    let [_, _, (_, mut python)] = readers(&file);
    let mut child = python
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // As `| head -0` does: the reading end closes first.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr, "");
    let _ = std::fs::remove_file(&file);
    for (path, reason) in [
        ("/nonexistent/x.records", "No such file or directory"),
        ("/tmp", "not a regular file"),
    ] {
        let [_, _, (name, mut python)] = readers(Path::new(path));
        let output = bounded(name, &mut python);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{path}");
        assert_eq!(stderr.trim_end(), format!("{path}: cannot read: {reason}"));
    }
}

#[test]
fn files_that_are_no_record_files_are_named_in_one_line() {
    if !runnable() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("tracepoints-not-records-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Copied as text: every line ends in CRLF.
    let crlf = dir.join("crlf.records");
    let mut bytes = b"tracepoints records 2\r\nnet\r\n".to_vec();
    trailer(&mut bytes);
    std::fs::write(&crlf, bytes).unwrap();
    // A megabyte without a newline: not read whole.
    let long = dir.join("long.records");
    std::fs::write(&long, vec![b'x'; 1 << 20]).unwrap();
    let fifo = dir.join("fifo.records");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let cases = [
        (&crlf, "its lines end in CRLF: it was copied as text, which damages records; copy it as binary".to_string()),
        (&long, "not a record file".to_string()),
        (&fifo, "cannot read: not a regular file".to_string()),
    ];
    for (file, message) in cases {
        all_read(file, &[], false, &format!("{}: ", file.display()));
        all_read(file, &[], false, &message);
    }
    let _ = std::fs::remove_dir_all(dir);
}
