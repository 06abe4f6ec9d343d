//! Child processes under test, tracers first: each started with its output
//! collected in the background, every wait bounded and decided by what it
//! printed or whether it exited, a tracer stopped the way it stops (SIGINT,
//! a second SIGINT for a stalled bpftrace), nothing left running.

use super::expected::after_banner;
use crate::skip;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

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
        "`{missing}` is not installed (scripts/ci/setup-tracers.sh installs it)"
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
/// step of [`Process::stop`] (a second SIGINT, then a kill that fails the
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

/// One output stream of a [`Process`]: what it printed so far,
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
/// or whether it exited; a tracer is stopped with [`Process::stop`].
pub struct Process {
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

impl Process {
    /// Spawns `command` with piped stdout and stderr.
    pub fn spawn(command: &mut Command) -> Process {
        let name = process_name(command);
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let stdout = Stream::collect(child.stdout.take().unwrap());
        let stderr = Stream::collect(child.stderr.take().unwrap());
        Process {
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
    pub fn json_objects(&self) -> Vec<serde_json::Value> {
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
    /// it attached again); panics as [`Process::wait_for`] does.
    pub fn wait_for_times(&mut self, marker: &str, times: usize, timeout: Duration) {
        let what = format!("{marker:?} {times} times");
        self.wait_for_output(&what, timeout, |c| {
            c.stderr().matches(marker).count() >= times
        });
    }

    /// Waits until standard output has a line that starts with `banner`
    /// (what a bpftrace script's `BEGIN` prints once every probe is
    /// attached); panics as [`Process::wait_for`] does. Standard error
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
    /// not reaped before `Process::try_exit` sees it exit, so its pid
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
    /// as [`Process::stop`] does.
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

impl Drop for Process {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// bpftrace attached by path, counting each `(binary, provider:name, map)`
/// probe into the map `@map`; ready (every probe attached) when it returns.
/// Stop it with [`Process::stop`], then read the counts with
/// [`bpftrace_count`]. (Counting is done in the firing thread, so a fire
/// is counted once the program has seen it return: nothing to wait for.)
pub fn count_probes(probes: &[(&Path, &str, &str)]) -> Process {
    let mut script = String::from("BEGIN { printf(\"READY\\n\"); }\n");
    for (binary, probe, map) in probes {
        script.push_str(&format!(
            "usdt:{}:{probe} {{ @{map} = count(); }}\n",
            binary.display()
        ));
    }
    let mut tracer = Process::spawn(Command::new("bpftrace").arg("-e").arg(&script));
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
pub fn bpftrace_count(tracer: &Process, map: &str) -> u64 {
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
pub fn stop_after_output(tracer: &mut Process, banner: &str, expected: usize) -> Vec<u8> {
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
