//! Harness of the end-to-end tests: starts `p2p-node demo` or
//! `core-replay`, attaches a real tracer, gives the go-ahead once the tracer
//! says it is ready, and returns what the program fired and what the tracer
//! printed.

use crate::{p2p_node, skip, workspace_root};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tracepoints_codegen::model::{
    Arg, ArgType, BytesDisplay, BytesLen, LogPiece, Provider, Tracepoint,
};
use tracepoints_gen::emit::bpftrace::{Floor, Script};

/// How long a tracer may take to attach (BCC compiles its C first).
pub const ATTACH_TIMEOUT: Duration = Duration::from_secs(90);
/// How long the demo scenario may run.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

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

/// How long a tracer may take to exit after each SIGINT before the next
/// step of [`Collected::stop`] (a second SIGINT, then a kill that fails the
/// test). Generous: a loaded machine detaches probes slowly.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a tracer may take to print the events of a program that has
/// already exited (they are in its buffers), before it is stopped anyway.
/// Generous: a loaded machine runs a chrooted bpftrace slowly, and the
/// wait ends as soon as everything is printed.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a BCC or libbpf reader may take, once its traced process is
/// gone, to drain its ring buffer, print `{"lost": N}` and exit by itself.
pub const READER_EXIT_TIMEOUT: Duration = Duration::from_secs(30);

/// One output stream of a [`Collected`] process: what it printed so far,
/// and whether it has reached its end (the process closed it).
struct Stream {
    bytes: Mutex<Vec<u8>>,
    closed: std::sync::atomic::AtomicBool,
}

impl Stream {
    fn collect(mut source: impl Read + Send + 'static) -> Arc<Stream> {
        let stream = Arc::new(Stream {
            bytes: Mutex::new(Vec::new()),
            closed: false.into(),
        });
        let sink = stream.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = source.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.bytes.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
            sink.closed
                .store(true, std::sync::atomic::Ordering::Release);
        });
        stream
    }

    fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::Acquire)
    }

    fn contents(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }
}

/// A child process (a tracer, or a program the test drives through its
/// stdin) whose stdout and stderr are collected in the background, killed
/// when dropped. Every wait on it is bounded and looks at what it printed
/// or whether it exited; a tracer is stopped with [`Collected::stop`].
pub struct Collected {
    child: Child,
    name: String,
    status: Option<ExitStatus>,
    stdout: Arc<Stream>,
    stderr: Arc<Stream>,
}

/// A short name for the process `command` starts, for failure messages:
/// the program, and for an interpreter the script it runs
/// (`python3 net_bcc.py`).
fn process_name(command: &Command) -> String {
    let file_name = |s: &std::ffi::OsStr| {
        Path::new(s)
            .file_name()
            .unwrap_or(s)
            .to_string_lossy()
            .into_owned()
    };
    let program = file_name(command.get_program());
    match command.get_args().next() {
        Some(script) if program.starts_with("python") => {
            format!("{program} {}", file_name(script))
        }
        _ => program,
    }
}

impl Collected {
    /// Spawns `command` with piped stdout and stderr.
    pub fn spawn(command: &mut Command) -> Collected {
        let name = process_name(command);
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let stdout = Stream::collect(child.stdout.take().unwrap());
        let stderr = Stream::collect(child.stderr.take().unwrap());
        Collected {
            child,
            name,
            status: None,
            stdout,
            stderr,
        }
    }

    /// The process's name in failure messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Everything printed on stdout so far.
    pub fn stdout(&self) -> Vec<u8> {
        self.stdout.contents()
    }

    /// Everything printed on stderr so far, as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }

    /// What the process printed and how it ended, for a failure message.
    pub fn seen(&self) -> String {
        let ended = match self.status {
            Some(status) => format!("exited ({status})"),
            None => "still running".to_string(),
        };
        format!(
            "{} {ended}; stdout:\n{}\nstderr:\n{}",
            self.name,
            String::from_utf8_lossy(&self.stdout()),
            self.stderr()
        )
    }

    /// Every line printed on stdout, parsed as JSON; panics with stderr on a
    /// bad line.
    fn json_objects(&self) -> Vec<serde_json::Value> {
        String::from_utf8_lossy(&self.stdout())
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| {
                    panic!("{} printed {l:?}: {e}\n{}", self.name, self.stderr())
                })
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

    /// The `N` of the reader's final `{"lost": N}` line; `None` when it
    /// printed none (it did not reach its end).
    pub fn lost_line(&self) -> Option<u64> {
        self.json_objects()
            .iter()
            .find_map(|o| o.get("lost").and_then(|n| n.as_u64()))
    }

    /// The `N` of the reader's final `{"lost": N}` line, read once it has
    /// exited; a reader that printed none fails the test, naming it and
    /// showing what it printed.
    pub fn lost(&self) -> u64 {
        assert!(
            self.status.is_some(),
            "read {}'s losses before it exited",
            self.name
        );
        let lost = self
            .lost_line()
            .unwrap_or_else(|| panic!("printed no {{\"lost\": N}} line: {}", self.seen()));
        if let Some(by_tracepoint) = self.lost_by_tracepoint() {
            assert_eq!(
                by_tracepoint.values().sum::<u64>(),
                lost,
                "{}: the losses per tracepoint do not add up to the total: {}",
                self.name,
                self.seen()
            );
        }
        lost
    }

    /// The `lost_by_tracepoint` object of the reader's exit line (the
    /// generated readers print one beside `lost`), as tracepoint -> count;
    /// `None` when the line has none.
    pub fn lost_by_tracepoint(&self) -> Option<std::collections::BTreeMap<String, u64>> {
        let objects = self.json_objects();
        let counts = objects
            .iter()
            .find_map(|o| o.get("lost_by_tracepoint"))?
            .as_object()?;
        Some(
            counts
                .iter()
                .map(|(name, n)| (name.clone(), n.as_u64().expect("a count")))
                .collect(),
        )
    }

    /// Whether stdout or stderr contains `marker` so far.
    fn printed(&self, marker: &str) -> bool {
        let marker = marker.as_bytes();
        let contains = |bytes: Vec<u8>| bytes.windows(marker.len()).any(|w| w == marker);
        contains(self.stdout()) || contains(self.stderr.contents())
    }

    /// Waits until stdout or stderr contains `marker`; panics with what it
    /// printed on timeout, or when the process exits without printing it.
    pub fn wait_for(&mut self, marker: &str, timeout: Duration) {
        self.wait_for_output(&format!("{marker:?}"), timeout, |c| c.printed(marker));
    }

    /// Waits until stderr holds `marker` `times` times (a tracer that says
    /// it attached again); panics as [`Collected::wait_for`] does.
    pub fn wait_for_times(&mut self, marker: &str, times: usize, timeout: Duration) {
        let what = format!("{marker:?} {times} times");
        self.wait_for_output(&what, timeout, |c| {
            c.stderr().matches(marker).count() >= times
        });
    }

    /// Waits until standard output has a line that starts with `banner`
    /// (what a bpftrace script's `BEGIN` prints once every probe is
    /// attached); panics as [`Collected::wait_for`] does. Standard error
    /// does not count: bpftrace 0.27 echoes the whole script there with a
    /// warning, banner text included, before it has attached anything.
    pub fn wait_for_banner(&mut self, banner: &str, timeout: Duration) {
        let what = format!("a line starting {banner:?}");
        self.wait_for_output(&what, timeout, |c| {
            c.stdout()
                .split(|&b| b == b'\n')
                .any(|line| line.starts_with(banner.as_bytes()))
        });
    }

    /// Waits until `printed(self)` holds; panics, naming `what` and showing
    /// the output, on timeout or when the process exits without it.
    fn wait_for_output(&mut self, what: &str, timeout: Duration, printed: impl Fn(&Self) -> bool) {
        let mut exited = false;
        let found = poll(timeout, || {
            if printed(self) {
                return true;
            }
            exited = self.try_exit();
            exited
        });
        if found || (exited && printed(self)) {
            return;
        }
        if exited {
            panic!("exited before printing {what}: {}", self.seen());
        }
        panic!("did not print {what} within {timeout:?}: {}", self.seen());
    }

    /// Waits until `done(stdout)` holds, or the process exits, or `timeout`
    /// passes; returns whether it holds. Not a failure in itself: the caller
    /// compares what was printed and shows it.
    pub fn wait_until(&mut self, timeout: Duration, mut done: impl FnMut(&[u8]) -> bool) -> bool {
        poll(timeout, || done(&self.stdout()) || self.try_exit()) && done(&self.stdout())
    }

    /// Whether the process has exited; once it has, its whole output has
    /// been collected (both streams reached their end).
    fn try_exit(&mut self) -> bool {
        if self.status.is_none() {
            match self.child.try_wait() {
                Ok(Some(status)) => self.status = Some(status),
                Ok(None) => return false,
                Err(e) => panic!("wait for {}: {e}", self.name),
            }
            // The pipes close when the process exits (nothing it started
            // outlives it here); bounded all the same.
            let closed = poll(STOP_TIMEOUT, || {
                self.stdout.is_closed() && self.stderr.is_closed()
            });
            assert!(
                closed,
                "{} exited but its output did not end within {STOP_TIMEOUT:?}",
                self.name
            );
        }
        true
    }

    /// How the process exited, once it has.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.status
    }

    /// Sends SIGINT, as Ctrl-C does.
    pub fn interrupt(&self) {
        self.signal("INT");
    }

    /// Sends `signal` (`INT`, `STOP`, `CONT`, ...) to the process. (It is
    /// not reaped before `Collected::try_exit` sees it exit, so its pid
    /// stays its own.)
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {} failed", self.name);
    }

    /// Whether the process exits within `timeout` (its output then
    /// collected whole).
    pub fn exits_within(&mut self, timeout: Duration) -> bool {
        poll(timeout, || self.try_exit())
    }

    /// Stops a tracer the way tracers stop: SIGINT, then its exit (with
    /// its exit output: bpftrace's maps, a reader's `{"lost": N}`), a
    /// second SIGINT if it stalls (bpftrace 0.17 sometimes does, see
    /// `shared/DESIGN.md`), and only then a kill, which fails the test.
    /// Returns how it exited.
    pub fn stop(&mut self) -> ExitStatus {
        for attempt in ["SIGINT", "a second SIGINT"] {
            if self.try_exit() {
                return self.status.unwrap();
            }
            self.interrupt();
            if self.exits_within(STOP_TIMEOUT) {
                if attempt != "SIGINT" {
                    // Reported, not failed: a known bpftrace 0.17 stall.
                    eprintln!("{} stalled after SIGINT; exited after {attempt}", self.name);
                }
                return self.status.unwrap();
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!(
            "{} did not exit after two SIGINTs ({STOP_TIMEOUT:?} each); killed it: {}",
            self.name,
            self.seen()
        );
    }

    /// Waits up to `grace` for the process to exit by itself (a BCC or
    /// libbpf reader does once its traced process is gone), else stops it
    /// as [`Collected::stop`] does.
    pub fn finish(&mut self, grace: Duration) -> ExitStatus {
        if self.exits_within(grace) {
            return self.status.unwrap();
        }
        self.stop()
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
            .unwrap_or_else(|e| panic!("write {line:?} to {}: {e}", self.name));
        stdin.flush().unwrap();
    }
}

impl Drop for Collected {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// bpftrace attached by path, counting each `(binary, provider:name, map)`
/// probe into the map `@map`; ready (every probe attached) when it returns.
/// Stop it with [`Collected::stop`], then read the counts with
/// [`bpftrace_count`]. (Counting is done in the firing thread, so a fire
/// is counted once the program has seen it return: nothing to wait for.)
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

/// The count bpftrace printed for `@map` on exit; `None` when it printed
/// no such line (bpftrace prints `@map: 0` for a map no probe touched, so
/// a missing line means it never printed its maps).
pub fn printed_count(output: &[u8], map: &str) -> Option<u64> {
    let prefix = format!("@{map}: ");
    String::from_utf8_lossy(output)
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|n| n.trim().parse().expect("a count"))
}

/// The count a stopped bpftrace printed for `@map`; fails the test, with
/// what bpftrace printed, when it printed none.
pub fn bpftrace_count(tracer: &Collected, map: &str) -> u64 {
    assert!(
        tracer.exit_status().is_some(),
        "read @{map} before {} exited: stop it first",
        tracer.name()
    );
    printed_count(&tracer.stdout(), map)
        .unwrap_or_else(|| panic!("no @{map} count printed: {}", tracer.seen()))
}

/// Stops a bpftrace script attached to a program that has exited, once it
/// has printed `expected` bytes after its `banner` line (the program's
/// events are in bpftrace's buffers by then) or [`DRAIN_TIMEOUT`] has
/// passed; returns what it printed after the banner. bpftrace must exit
/// successfully.
pub fn stop_after_output(tracer: &mut Collected, banner: &str, expected: usize) -> Vec<u8> {
    tracer.wait_until(DRAIN_TIMEOUT, |out| {
        after_banner(out, banner).len() >= expected
    });
    let status = tracer.stop();
    assert!(status.success(), "{}", tracer.seen());
    after_banner(&tracer.stdout(), banner)
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
        Node::replay_binary(tag, crate::core_replay())
    }

    /// [`Node::replay`] of another build (or copy) of `core-replay`.
    pub fn replay_binary(tag: &str, binary: &Path) -> Node {
        Node::spawn(binary, &[], &["--wait"], tag)
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

/// The value of a fired argument as a bpftrace script prints it when it
/// runs on a bpftrace of floor `runs_on`: see [`Script::kept_on`].
pub fn bpftrace_value(
    arg: &Arg,
    tracepoint: &Tracepoint,
    args: &serde_json::Value,
    script: Script,
    runs_on: Floor,
) -> Vec<u8> {
    let value = &args[&arg.name];
    let kept = script.kept_on(arg.ty, runs_on).map(|k| k as usize);
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
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
                    .into_bytes(),
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

/// A JSON integer of any sign, as a named value's number.
pub fn json_integer(value: &serde_json::Value) -> Option<i128> {
    value
        .as_i64()
        .map(i128::from)
        .or_else(|| value.as_u64().map(i128::from))
}

/// The value of a fired argument as a bpftrace reader prints it: an
/// integer with named values by the name of its value (the number when it
/// has none), anything else as [`bpftrace_value`] says.
pub fn bpftrace_named_value(
    arg: &Arg,
    tracepoint: &Tracepoint,
    args: &serde_json::Value,
    script: Script,
    runs_on: Floor,
) -> Vec<u8> {
    let named = json_integer(&args[&arg.name]).and_then(|value| arg.value_name(value));
    match named {
        Some(name) => name.as_bytes().to_vec(),
        None => bpftrace_value(arg, tracepoint, args, script, runs_on),
    }
}

/// The fired event's `provider:name` and its declaration.
pub fn declared<'a>(
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
    script: Script,
    runs_on: Floor,
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
                    out.extend(bpftrace_value(
                        arg,
                        tracepoint,
                        &event["args"],
                        script,
                        runs_on,
                    ));
                }
                LogPiece::Name(i) => {
                    let arg = &tracepoint.args[*i];
                    out.extend(bpftrace_named_value(
                        arg,
                        tracepoint,
                        &event["args"],
                        script,
                        runs_on,
                    ));
                }
            }
        }
        out.push(b'\n');
    }
    out
}

/// What a generated reader `<provider>.bt` (of `script`'s floor) must
/// print on a bpftrace of floor `runs_on`: `provider:name arg=value ...`,
/// the arguments the script reads only.
pub fn expected_reader_lines(
    providers: &[Provider],
    fired: &[serde_json::Value],
    script: Script,
    runs_on: Floor,
) -> Vec<u8> {
    let mut out = Vec::new();
    for event in fired {
        let (name, tracepoint) = declared(providers, event);
        out.extend_from_slice(name.as_bytes());
        for (i, arg) in tracepoint.args.iter().enumerate() {
            if !script.readable(tracepoint, i) {
                continue;
            }
            out.extend_from_slice(format!(" {}=", arg.name).as_bytes());
            out.extend(bpftrace_named_value(
                arg,
                tracepoint,
                &event["args"],
                script,
                runs_on,
            ));
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
            if !arg.values.is_empty() {
                // The value's name beside it, `null` for one without.
                let key = tracepoints_codegen::names::value_name_key(&arg.name);
                let number = json_integer(&want_value).expect("an integer with named values");
                let want_name: serde_json::Value = arg.value_name(number).into();
                assert!(
                    got["args"].get(&key) == Some(&want_name),
                    "{tracer}: event {i} ({name}) `{key}`: read {:?}, declared {want_name}",
                    got["args"].get(&key)
                );
            }
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

/// Checks that a tracer printed `expected`; on a difference, shows the
/// first line that differs (lines of payload hex are long).
pub fn assert_same_output(printed: &[u8], expected: &[u8], what: &str) {
    if printed == expected {
        return;
    }
    let printed = String::from_utf8_lossy(printed);
    let expected = String::from_utf8_lossy(expected);
    let (mut got, mut want) = (printed.lines(), expected.lines());
    for line in 1.. {
        match (got.next(), want.next()) {
            (Some(g), Some(w)) if g == w => continue,
            (g, w) => {
                let at = match (g, w) {
                    (Some(g), Some(w)) => g
                        .bytes()
                        .zip(w.bytes())
                        .position(|(a, b)| a != b)
                        .unwrap_or(g.len().min(w.len())),
                    _ => 0,
                };
                let around = |s: Option<&str>| {
                    s.map_or("(no line)".to_string(), |s| {
                        let start = at.saturating_sub(100);
                        let shown: String =
                            s.bytes().skip(start).take(200).map(char::from).collect();
                        format!("{} bytes, at byte {start}: {shown:?}", s.len())
                    })
                };
                panic!(
                    "{what}: line {line} differs at byte {at}\n printed: {}\nexpected: {}",
                    around(g),
                    around(w)
                );
            }
        }
    }
}
