//! The traced programs: `p2p-node demo` or `core-replay` started, held
//! until the tracer is ready, and the log of what they fired.

use super::process::{RUN_TIMEOUT, poll, warm_page_cache};
use crate::p2p_node;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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
