//! The README's first steps, taken as a user takes them: a new crate with
//! the README's `[dependencies]` line and its `src/main.rs`, beside a
//! checkout named `tracepoints`, builds; `tracepoints-gen` writes its
//! artifacts, and `--check` finds them up to date; `tracepoints-trace`,
//! attached before the program starts, prints the lines the README shows.
#![cfg(not(feature = "usdt"))]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use tracepoints_tests::e2e::*;
use tracepoints_tests::workspace_root;

/// The README's text.
fn readme() -> String {
    std::fs::read_to_string(workspace_root().join("README.md")).expect("read README.md")
}

/// The first fenced block after `heading` whose fence is `fence` (e.g.
/// "```rust"), without its fences.
fn block(readme: &str, heading: &str, fence: &str) -> String {
    let section = &readme[readme
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"))..];
    let start = section
        .find(&format!("{fence}\n"))
        .unwrap_or_else(|| panic!("no {fence} block after {heading:?}"))
        + fence.len()
        + 1;
    let end = start + section[start..].find("```").expect("the block's end");
    section[start..end].to_string()
}

/// The user's crate, `my-node`, built in release mode (once per test
/// process) in `target/readme/`, beside a link named `tracepoints` to this
/// checkout: its directory.
fn users_crate() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = workspace_root().join("target/readme");
        let dir = root.join("my-node");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let link = root.join("tracepoints");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(workspace_root(), &link).unwrap();
        let readme = readme();
        let dependencies = block(&readme, "## Use it in your project", "```toml");
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"my-node\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n{dependencies}\n[workspace]\n"
            ),
        )
        .unwrap();
        let main = block(&readme, "## Use it in your project", "```rust");
        std::fs::write(dir.join("src/main.rs"), main).unwrap();
        // The workspace's versions of the dependencies: a new release
        // upstream cannot change what this test builds.
        std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = Command::new(cargo)
            .args(["build", "--quiet", "--release"])
            .current_dir(&dir)
            .output()
            .expect("run cargo build");
        assert!(
            output.status.success(),
            "the README's crate does not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        dir
    })
}

#[test]
fn the_readmes_crate_builds_and_generates() {
    let dir = users_crate();
    let _ = std::fs::remove_dir_all(dir.join("tracing"));
    // The README's two commands, `tracepoints-gen` in process.
    let generated = tracepoints_gen::run_args(dir, ["--out", "tracing", "src/main.rs"]);
    assert!(generated.ok(), "{:?}", generated.errors);
    let checked = tracepoints_gen::run_args(dir, ["--out", "tracing", "--check", "src/main.rs"]);
    assert!(checked.ok(), "{:?}", checked.errors);
    for file in [
        "tracing.md",
        "net.abi.json",
        "net.bt",
        "net_bcc.py",
        "net.bpf.c",
    ] {
        assert!(
            dir.join("tracing").join(file).is_file(),
            "no tracing/{file}"
        );
    }
}

#[test]
fn tracing_the_readmes_crate_prints_what_the_readme_shows() {
    let Some(_guard) = tracer_test(&["clang"]) else {
        return;
    };
    let dir = users_crate();
    let binary = dir.join("target/release/my-node");
    let shown = block(&readme(), "It prints every event", "```");
    let shown: Vec<serde_json::Value> = shown
        .lines()
        .map(|line| serde_json::from_str(line).expect("the README shows JSON lines"))
        .collect();
    let mut tracer =
        Process::spawn(Command::new(tracepoints_tests::tracepoints_trace()).arg(&binary));
    tracer.wait_for("Attached 1 probes", ATTACH_TIMEOUT);
    warm_page_cache(&binary);
    let status = Command::new(&binary).status().expect("run my-node");
    assert!(status.success());
    tracer.wait_until(RUN_TIMEOUT, |out| {
        String::from_utf8_lossy(out).contains("inbound_connection")
    });
    let status = tracer.stop();
    assert!(status.success(), "{}", tracer.seen());
    assert_eq!(tracer.json_objects(), shown, "{}", tracer.seen());
}
