//! Harness of the end-to-end tests: starts `p2p-node demo` or
//! `core-replay`, attaches a real tracer, gives the go-ahead once the tracer
//! says it is ready, and returns what the program fired and what the tracer
//! printed.

use crate::{p2p_node, skip, workspace_root};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tracepoints_codegen::emit::bpftrace;
use tracepoints_codegen::model::{
    Arg, ArgType, BPFTRACE_MAX_ARGS, BytesDisplay, BytesLen, LogPiece, Provider, Tracepoint,
};

/// How long a tracer may take to attach (BCC compiles its C first).
pub const ATTACH_TIMEOUT: Duration = Duration::from_secs(90);
/// How long the demo scenario may run.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The start of every tracer test: `None` (after reporting why, see
/// [`skip`]) when it cannot run here — not root, or one of `tools` missing
/// (a command name, or a path that must exist) — else a guard that keeps
/// the other tracer tests waiting: tracers attached by path see every
/// process of the binary, so these tests run one at a time. Each tracer
/// test starts with `let Some(_guard) = tracer_test(&["bpftrace"]) else {
/// return; };`.
pub fn tracer_test(tools: &[&str]) -> Option<MutexGuard<'static, ()>> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let uid = Command::new("id").arg("-u").output().expect("run id -u");
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        skip("attaching tracers needs root (run scripts/test.sh as root)");
        return None;
    }
    if let Some(reason) = missing_tools(tools) {
        skip(&reason);
        return None;
    }
    Some(guard)
}

/// Why `tools` cannot be used here, if one is missing: each is a command
/// name, or a path (with a `/`) that must exist.
pub fn missing_tools(tools: &[&str]) -> Option<String> {
    let missing = tools.iter().find(|tool| {
        if tool.contains('/') {
            !Path::new(tool).exists()
        } else {
            !Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .output()
                .is_ok_and(|o| o.status.success())
        }
    })?;
    Some(format!(
        "`{missing}` is not installed (scripts/setup-tracers.sh installs it)"
    ))
}

/// Calls `done` every 50 ms until it returns true (`true`) or `timeout`
/// passes (`false`).
pub fn poll(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process whose stdout and stderr are collected in the background,
/// killed when dropped.
pub struct Collected {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

fn collect(mut source: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = buffer.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = source.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    buffer
}

impl Collected {
    /// Spawns `command` with piped stdout and stderr.
    pub fn spawn(command: &mut Command) -> Collected {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tracer");
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        Collected {
            child,
            stdout,
            stderr,
        }
    }

    /// Everything printed on stdout so far.
    pub fn stdout(&self) -> Vec<u8> {
        self.stdout.lock().unwrap().clone()
    }

    /// Every line printed on stdout, parsed as JSON; panics with stderr on a
    /// bad line.
    fn json_objects(&self) -> Vec<serde_json::Value> {
        String::from_utf8_lossy(&self.stdout())
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("tracer printed {l:?}: {e}\n{}", self.stderr()))
            })
            .collect()
    }

    /// The events the BCC and libbpf readers printed, one JSON object each
    /// (their final `{"lost": N}` line left out).
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.json_objects()
            .into_iter()
            .filter(|o| o.get("lost").is_none())
            .collect()
    }

    /// The `N` of the reader's final `{"lost": N}` line, if it printed one.
    pub fn lost(&self) -> Option<u64> {
        self.json_objects()
            .iter()
            .find_map(|o| o.get("lost").and_then(|n| n.as_u64()))
    }

    /// Everything printed on stderr so far, as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Whether stdout or stderr contains `marker` so far.
    fn printed(&self, marker: &str) -> bool {
        String::from_utf8_lossy(&self.stdout()).contains(marker) || self.stderr().contains(marker)
    }

    /// Waits until stdout or stderr contains `marker`; panics with both on
    /// timeout, or when the process exits without printing it.
    pub fn wait_for(&mut self, marker: &str, timeout: Duration) {
        let mut exited = None;
        let printed = poll(timeout, || {
            if self.printed(marker) {
                return true;
            }
            exited = self.child.try_wait().ok().flatten();
            exited.is_some()
        });
        if let Some(status) = exited {
            // A process may print its last line and exit between two looks:
            // let the collector threads take its last output, then look again.
            std::thread::sleep(Duration::from_millis(200));
            if self.printed(marker) {
                return;
            }
            panic!(
                "tracer exited ({status}) before printing {marker:?}:\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&self.stdout()),
                self.stderr()
            );
        }
        assert!(
            printed,
            "tracer did not print {marker:?} within {timeout:?}:\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&self.stdout()),
            self.stderr()
        );
    }

    /// Whether the process has exited (then waits briefly so the collector
    /// threads take its last output).
    fn exited(&mut self) -> bool {
        let exited = matches!(self.child.try_wait(), Ok(Some(_)));
        if exited {
            std::thread::sleep(Duration::from_millis(100));
        }
        exited
    }

    /// Sends SIGINT, as Ctrl-C does.
    pub fn interrupt(&self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
    }

    /// Whether the process exits within `timeout`.
    pub fn exits_within(&mut self, timeout: Duration) -> bool {
        poll(timeout, || self.exited())
    }

    /// Waits for the process to exit by itself, or interrupts it (SIGINT,
    /// then SIGKILL) after `grace`.
    pub fn finish(&mut self, grace: Duration) {
        if self.exits_within(grace) {
            return;
        }
        self.interrupt();
        if self.exits_within(Duration::from_secs(10)) {
            return;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Writes one line to the process's stdin (spawned with a piped stdin).
    pub fn write_line(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .expect("write to stdin");
        stdin.flush().unwrap();
    }
}

impl Drop for Collected {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// bpftrace attached by path, counting each `(binary, provider:name, map)`
/// probe into the map `@map`; ready (every probe attached) when it returns.
/// Read the counts with [`bpftrace_count`] once it has finished.
pub fn count_probes(probes: &[(&Path, &str, &str)]) -> Collected {
    let mut script = String::from("BEGIN { printf(\"READY\\n\"); }\n");
    for (binary, probe, map) in probes {
        script.push_str(&format!(
            "usdt:{}:{probe} {{ @{map} = count(); }}\n",
            binary.display()
        ));
    }
    let mut tracer = Collected::spawn(Command::new("bpftrace").arg("-e").arg(&script));
    tracer.wait_for("READY", ATTACH_TIMEOUT);
    tracer
}

/// The count bpftrace printed for `@map` on exit (0 when it printed none:
/// the probe never fired).
pub fn bpftrace_count(tracer: &Collected, map: &str) -> u64 {
    let out = String::from_utf8_lossy(&tracer.stdout()).into_owned();
    let prefix = format!("@{map}: ");
    out.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

/// The kernel log's lines about uprobe reference counters: a semaphore
/// lowered too often (`ref_ctr going negative`, `ref_ctr decrement
/// failed`) and the uprobe the kernel then leaks until reboot (`failed to
/// unregister, leaking uprobe`).
pub fn kernel_uprobe_lines() -> Vec<String> {
    let output = Command::new("dmesg").output().expect("run dmesg");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains("ref_ctr") || l.contains("leaking uprobe"))
        .map(String::from)
        .collect()
}

/// Reads `binary` into the page cache just before it is started under a
/// tracer attached by path: the kernel then copies each probed instruction
/// from a cached page. (Kernel 6.18 warns once per boot, from ext4, when
/// it has to read that page from disk while mapping the binary; these
/// machines drop their page caches now and then.)
pub fn warm_page_cache(binary: &Path) {
    let _ = std::fs::read(binary);
}

/// A running program that fires tracepoints (`p2p-node demo` or
/// `core-replay`), pinned to one CPU so that per-CPU tracer buffers
/// (bpftrace's printf) keep the firing order, writing its fired log.
pub struct Node {
    child: Child,
    fired_log: PathBuf,
}

fn fired_log_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("fired-{tag}-{}.jsonl", std::process::id()))
}

impl Node {
    /// Starts `p2p-node demo --fired-log ... [--wait-for-tracer 60]`.
    pub fn start(tag: &str, wait_for_tracer: bool) -> Node {
        let wait: &[&str] = if wait_for_tracer {
            &["--wait-for-tracer", "60"]
        } else {
            &[]
        };
        Node::spawn(p2p_node(), &["demo"], wait, tag)
    }

    /// Starts `core-replay --wait --fired-log ...`: it fires once it reads
    /// the go-ahead line.
    pub fn replay(tag: &str) -> Node {
        Node::spawn(crate::core_replay(), &[], &["--wait"], tag)
    }

    fn spawn(binary: &Path, before: &[&str], after: &[&str], tag: &str) -> Node {
        let fired_log = fired_log_path(tag);
        warm_page_cache(binary);
        let child = Command::new("taskset")
            .args(["-c", "0"])
            .arg(binary)
            .args(before)
            .arg("--fired-log")
            .arg(&fired_log)
            .args(after)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        Node { child, fired_log }
    }

    /// The process id (taskset execs the program, so it is the same process).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes the go-ahead line.
    pub fn go(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        stdin.write_all(b"go\n").expect("write go-ahead");
        stdin.flush().unwrap();
    }

    /// Waits for the program to end successfully and returns the fired log.
    pub fn wait(mut self) -> Vec<serde_json::Value> {
        let mut status = None;
        assert!(
            poll(RUN_TIMEOUT, || {
                status = self.child.try_wait().unwrap();
                status.is_some()
            }),
            "the traced program did not finish within {RUN_TIMEOUT:?}"
        );
        let status = status.expect("exited");
        assert!(status.success(), "the traced program failed: {status}");
        read_fired_log(&self.fired_log)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.fired_log);
    }
}

/// One JSON object per line.
pub fn read_fired_log(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Where the generated readers of every example live.
pub const TRACING: &str = "examples/core-tracepoints/tracing";

/// The five providers of `examples/core-tracepoints`, parsed and checked as
/// the macro does.
pub fn core_providers() -> Vec<Provider> {
    let path = workspace_root().join("examples/core-tracepoints/src/providers.rs");
    let source = std::fs::read_to_string(path).unwrap();
    tracepoints_codegen::read_source(&source).unwrap()
}

/// The providers the tests' backend builds: all five, or without
/// `mempool` with the `usdt` backend (its `replaced` passes eight
/// arguments, the `usdt` crate takes six).
pub fn built_providers() -> Vec<Provider> {
    let mut providers = core_providers();
    if cfg!(feature = "usdt") {
        providers.retain(|p| p.name != "mempool");
    }
    providers
}

/// The example node's provider, `net`.
pub fn example_provider() -> Provider {
    core_providers()
        .into_iter()
        .find(|p| p.name == "net")
        .unwrap()
}

/// The bytes a fired byte buffer holds: `(the bytes as passed, how many of
/// them the probe passes)`: a fixed buffer is cut or zero-padded to its
/// length, a variable one has as many as its length argument says (at most
/// the slice's length).
fn passed_bytes(arg: &Arg, tracepoint: &Tracepoint, args: &serde_json::Value) -> Vec<u8> {
    let hex = args[&arg.name].as_str().expect("hex of a byte buffer");
    let mut bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    match arg.ty {
        ArgType::Bytes {
            len: BytesLen::Fixed(len),
            ..
        } => bytes.resize(len as usize, 0),
        ArgType::Bytes {
            len: BytesLen::Arg { index, .. },
            ..
        } => {
            let said = args[&tracepoint.args[index].name].as_u64().expect("length");
            bytes.truncate(said.min(bytes.len() as u64) as usize);
        }
        _ => unreachable!("not a byte buffer"),
    }
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of a fired argument as the JSON readers (BCC, libbpf + Rust)
/// show it: strings up to `max_len` bytes, buffers as hex (hashes
/// reversed, variable ones up to their cap), booleans as `true`/`false`.
pub fn json_value(
    arg: &Arg,
    tracepoint: &Tracepoint,
    args: &serde_json::Value,
) -> serde_json::Value {
    let value = &args[&arg.name];
    match arg.ty {
        ArgType::Str { max_len } | ArgType::CStr { max_len } => {
            let s = value.as_str().expect("string argument").as_bytes();
            let kept = &s[..s.len().min(max_len as usize)];
            String::from_utf8_lossy(kept).into_owned().into()
        }
        ArgType::Bytes { display, .. } => {
            let mut bytes = passed_bytes(arg, tracepoint, args);
            bytes.truncate(arg.ty.length().unwrap() as usize);
            if display == BytesDisplay::Hash {
                bytes.reverse();
            }
            hex(&bytes).into()
        }
        _ => value.clone(),
    }
}

/// The value of a fired argument as the bpftrace scripts print it, with
/// `BPFTRACE_STRLEN` `strlen`: see [`bpftrace::kept`].
pub fn bpftrace_value(
    arg: &Arg,
    tracepoint: &Tracepoint,
    args: &serde_json::Value,
    strlen: u32,
) -> Vec<u8> {
    let value = &args[&arg.name];
    let kept = bpftrace::kept(arg.ty, strlen).map(|k| k as usize);
    match arg.ty {
        ArgType::Str { .. } | ArgType::CStr { .. } => {
            let s = value.as_str().expect("string argument").as_bytes();
            s[..s.len().min(kept.unwrap())].to_vec()
        }
        ArgType::Bytes { display, len } => {
            let mut bytes = passed_bytes(arg, tracepoint, args);
            bytes.truncate(kept.unwrap());
            if display == BytesDisplay::Hash {
                bytes.reverse();
            }
            match len {
                BytesLen::Fixed(_) => hex(&bytes).into_bytes(),
                BytesLen::Arg { .. } => bytes
                    .iter()
                    .flat_map(|b| format!("\\x{b:02x}").into_bytes())
                    .collect(),
            }
        }
        ArgType::Bool => if value.as_bool().expect("bool") {
            b"1"
        } else {
            b"0"
        }
        .to_vec(),
        _ => value.to_string().into_bytes(),
    }
}

/// The fired event's `provider:name` and its declaration.
fn declared<'a>(
    providers: &'a [Provider],
    event: &'a serde_json::Value,
) -> (&'a str, &'a Tracepoint) {
    let name = event["tracepoint"].as_str().expect("tracepoint name");
    let (provider, tracepoint) = name.split_once(':').expect("provider:name");
    let tracepoint = providers
        .iter()
        .find(|p| p.name == provider)
        .and_then(|p| p.tracepoint(tracepoint));
    (
        name,
        tracepoint.unwrap_or_else(|| panic!("{name} is not declared")),
    )
}

/// The fired events of `provider` only.
pub fn events_of(provider: &str, fired: &[serde_json::Value]) -> Vec<serde_json::Value> {
    let prefix = format!("{provider}:");
    fired
        .iter()
        .filter(|e| {
            e["tracepoint"]
                .as_str()
                .is_some_and(|t| t.starts_with(&prefix))
        })
        .cloned()
        .collect()
}

/// What the generated `log_p2p_connections.bt` must print for these fired
/// events: each logged tracepoint's declared log line with the values filled
/// in (events of tracepoints without one print nothing).
pub fn expected_log_lines(
    providers: &[Provider],
    fired: &[serde_json::Value],
    strlen: u32,
) -> Vec<u8> {
    let mut out = Vec::new();
    for event in fired {
        let (_, tracepoint) = declared(providers, event);
        let Some(log) = &tracepoint.log else { continue };
        for piece in &log.pieces {
            match piece {
                LogPiece::Text(text) => out.extend_from_slice(text.as_bytes()),
                LogPiece::Arg(i) => {
                    let arg = &tracepoint.args[*i];
                    out.extend(bpftrace_value(arg, tracepoint, &event["args"], strlen));
                }
            }
        }
        out.push(b'\n');
    }
    out
}

/// What a generated reader `<provider>.bt` must print: `provider:name
/// arg=value ...`, arguments bpftrace can read (arg0..arg5) only.
pub fn expected_reader_lines(
    providers: &[Provider],
    fired: &[serde_json::Value],
    strlen: u32,
) -> Vec<u8> {
    let mut out = Vec::new();
    for event in fired {
        let (name, tracepoint) = declared(providers, event);
        out.extend_from_slice(name.as_bytes());
        for (i, arg) in tracepoint.args.iter().enumerate() {
            let length_unreadable = arg.ty.length_arg().is_some_and(|l| l >= BPFTRACE_MAX_ARGS);
            if i >= BPFTRACE_MAX_ARGS || length_unreadable {
                continue;
            }
            out.extend_from_slice(format!(" {}=", arg.name).as_bytes());
            out.extend(bpftrace_value(arg, tracepoint, &event["args"], strlen));
        }
        out.push(b'\n');
    }
    out
}

/// The tracer's events lines after its banner line, trailing blank lines
/// removed.
pub fn after_banner(output: &[u8], banner: &str) -> Vec<u8> {
    let text = output;
    let start = text
        .windows(banner.len())
        .position(|w| w == banner.as_bytes())
        .unwrap_or_else(|| {
            panic!(
                "no banner {banner:?} in:\n{}",
                String::from_utf8_lossy(text)
            )
        });
    let rest = &text[start..];
    let line_end = rest
        .iter()
        .position(|&b| b == b'\n')
        .map_or(rest.len(), |i| i + 1);
    let mut events = rest[line_end..].to_vec();
    while events.ends_with(b"\n\n") {
        events.pop();
    }
    events
}

/// Compares JSON events read by a tracer with the fired ones, field by
/// field, as [`json_value`] says the reader shows each.
pub fn assert_same_events(
    providers: &[Provider],
    fired: &[serde_json::Value],
    read: &[serde_json::Value],
    tracer: &str,
) {
    for (i, (want, got)) in fired.iter().zip(read).enumerate() {
        assert_eq!(got["tracepoint"], want["tracepoint"], "{tracer}: event {i}");
        let (name, tracepoint) = declared(providers, want);
        for arg in &tracepoint.args {
            let want_value = json_value(arg, tracepoint, &want["args"]);
            assert!(
                got["args"][&arg.name] == want_value,
                "{tracer}: event {i} ({name}) argument {}: read {}, fired {}",
                arg.name,
                short(&got["args"][&arg.name]),
                short(&want_value)
            );
        }
    }
    assert_eq!(
        read.len(),
        fired.len(),
        "{tracer}: read {} events, the program fired {}",
        read.len(),
        fired.len()
    );
}

/// A JSON value shortened for a failure message.
fn short(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.len() > 200 {
        format!("{}... ({} characters)", &text[..200], text.len())
    } else {
        text
    }
}

/// Checks that the demo fired the hostile values the tracers must read
/// safely.
pub fn assert_demo_has_hostile_values(fired: &[serde_json::Value]) {
    let messages: Vec<&str> = fired
        .iter()
        .filter_map(|e| e["args"]["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("%s%n") && m.contains('"') && m.contains('\n') && !m.is_ascii())
    );
    assert!(
        messages.iter().any(|m| (90..=128).contains(&m.len())),
        "a message within 128 characters"
    );
    assert!(
        messages.iter().any(|m| m.len() > 128),
        "a message longer than 128 characters"
    );
    assert!(fired.iter().any(|e| {
        e["args"]["addr"]
            .as_str()
            .is_some_and(|a| a.starts_with("localhost:"))
    }));
}

/// Counts of events per tracepoint, for the test's report.
pub fn counts(events: &[serde_json::Value]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for event in events {
        let name = event["tracepoint"].as_str().unwrap_or("?").to_string();
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    counts
        .iter()
        .map(|(n, c)| format!("{n}={c}"))
        .collect::<Vec<_>>()
        .join(" ")
}
