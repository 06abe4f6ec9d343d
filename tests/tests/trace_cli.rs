//! `tracepoints-trace` without a tracer session: `list`, and every failure
//! before or at attaching exits non-zero with one message that names the
//! file and the problem.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tracepoints_tests::{core_replay, p2p_node, tracepoints_trace, workspace_root};

/// Whether `tracepoints-trace` can be built here (its build runs clang);
/// reports the skip when not.
fn buildable() -> bool {
    match tracepoints_tests::e2e::missing_tools(&["clang", "pkg-config"]) {
        Some(reason) => {
            tracepoints_tests::skip(&reason);
            false
        }
        None => true,
    }
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(tracepoints_trace())
        .args(args)
        .output()
        .expect("run tracepoints-trace")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn list_shows_every_tracepoint_with_its_arguments() {
    if !buildable() {
        return;
    }
    let output = run(&["list".as_ref(), p2p_node().as_os_str()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    for probe in [
        "net:inbound_connection",
        "validation:block_connected",
        "mempool:replaced",
    ] {
        if cfg!(feature = "usdt") && probe.starts_with("mempool:") {
            continue;
        }
        assert!(text.lines().any(|l| l == probe), "{probe} in\n{text}");
    }
    assert!(
        text.contains("  network: u32; 0 = `unroutable`, 1 = `ipv4`"),
        "{text}"
    );
    assert!(
        text.contains("  log: INBOUND conn from {addr}: id={id}, type={conn_type}, network={network}, total_in={existing}"),
        "{text}"
    );
    assert!(text.contains("  duration: i64; in nanoseconds"), "{text}");
}

#[test]
fn a_binary_without_its_abi_needs_abi_files() {
    if !buildable() {
        return;
    }
    let bare = tracepoints_tests::bare_copy(core_replay(), "trace-bare");
    let output = run(&[bare.as_os_str()]);
    let abi = workspace_root().join("examples/core-tracepoints/tracing/validation.abi.json");
    let listed = run(&[
        "list".as_ref(),
        bare.as_os_str(),
        "--abi".as_ref(),
        abi.as_os_str(),
    ]);
    let _ = std::fs::remove_file(&bare);
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        format!(
            "tracepoints-trace: {}: carries no tracepoint ABI (no `.note.tracepoints`: built without the tracepoints crate, or stripped of it): give its ABI files with --abi FILE (e.g. tracing/net.abi.json)\n",
            bare.display()
        )
    );
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(String::from_utf8_lossy(&listed.stdout).starts_with("validation:block_connected\n"));
}

#[test]
fn an_abi_file_that_does_not_match_the_binary_is_refused() {
    if !buildable() {
        return;
    }
    let abi = workspace_root().join("examples/core-tracepoints/tracing/validation.abi.json");
    let text = std::fs::read_to_string(&abi).unwrap();
    let wrong = text.replacen(
        r#""name": "height", "type": "i32", "sdt_size": -4"#,
        r#""name": "height", "type": "i64", "sdt_size": -8"#,
        1,
    );
    assert_ne!(wrong, text);
    let file =
        std::env::temp_dir().join(format!("tracepoints-wrong-{}.abi.json", std::process::id()));
    std::fs::write(&file, wrong).unwrap();
    let output = run(&[
        core_replay().as_os_str(),
        "--abi".as_ref(),
        file.as_os_str(),
    ]);
    let _ = std::fs::remove_file(&file);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.starts_with(&format!(
            "tracepoints-trace: {}: the ABI does not match the binary's probes: validation:block_connected: argument 2 `height`: the binary passes size -4",
            core_replay().display()
        )),
        "{message}"
    );
    // A file that is not an ABI at all names itself.
    let output = run(&[
        core_replay().as_os_str(),
        "--abi".as_ref(),
        workspace_root().join("README.md").as_os_str(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).starts_with(&format!(
            "tracepoints-trace: {}: not JSON",
            workspace_root().join("README.md").display()
        )),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unknown_tracepoint_or_provider_is_refused() {
    if !buildable() {
        return;
    }
    let output = run(&[
        p2p_node().as_os_str(),
        "--tracepoint".as_ref(),
        "net:inbound_connected".as_ref(),
    ]);
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        format!(
            "tracepoints-trace: --tracepoint net:inbound_connected: {0} has no such tracepoint (`tracepoints-trace list {0}` lists them)\n",
            p2p_node().display()
        )
    );
    let output = run(&[
        p2p_node().as_os_str(),
        "--provider".as_ref(),
        "nett".as_ref(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).starts_with("tracepoints-trace: --provider nett: "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn without_privileges_it_says_what_it_needs() {
    if !buildable() {
        return;
    }
    if unsafe { libc_geteuid() } != 0 {
        return tracepoints_tests::skip("needs root, to run the tracer as another user");
    }
    // A copy that user `nobody` can read, outside the root-only target.
    let copy = std::env::temp_dir().join(format!("tracepoints-nobody-{}", std::process::id()));
    std::fs::copy(p2p_node(), &copy).unwrap();
    let tracer =
        std::env::temp_dir().join(format!("tracepoints-trace-nobody-{}", std::process::id()));
    std::fs::copy(tracepoints_trace(), &tracer).unwrap();
    let output = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(&tracer)
        .arg(&copy)
        .output()
        .expect("run setpriv");
    let _ = std::fs::remove_file(&copy);
    let _ = std::fs::remove_file(&tracer);
    assert!(!output.status.success());
    assert!(
        stderr(&output).starts_with(
            "tracepoints-trace: load the BPF program: permission denied: run as root (or with CAP_BPF and CAP_PERFMON)"
        ),
        "{}",
        stderr(&output)
    );
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

/// A record file of `count` `validation:block_connected` records (zeros
/// but for their kind), with its trailer.
fn validation_records(count: usize) -> PathBuf {
    let source =
        std::fs::read_to_string(workspace_root().join(tracepoints_tests::CORE_DECLARATION))
            .unwrap();
    let providers = tracepoints_codegen::read_source(&source).unwrap();
    let validation = providers.iter().find(|p| p.name == "validation").unwrap();
    let tracepoint = &validation.tracepoints[0];
    let record = tracepoints_codegen::record::Record::of(tracepoint);
    let size = record.offsets(tracepoint).size as usize;
    let mut bytes = b"tracepoints records 2\nvalidation\n".to_vec();
    for _ in 0..count {
        bytes.extend((size as u32).to_le_bytes());
        let mut record = vec![0u8; size];
        record[..4].copy_from_slice(&1u32.to_ne_bytes());
        bytes.extend(record);
    }
    bytes.extend(u32::MAX.to_le_bytes());
    bytes.extend(0u64.to_le_bytes());
    bytes.extend(1u32.to_le_bytes());
    bytes.extend(0u64.to_le_bytes());
    let path =
        std::env::temp_dir().join(format!("tracepoints-closed-{}.records", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_closed_standard_output_ends_a_reader_quietly() {
    let records = validation_records(20_000);
    let abi = workspace_root().join("examples/core-tracepoints/tracing/validation.abi.json");
    let runs: [(&Path, Vec<&std::ffi::OsStr>); 3] = [
        (
            tracepoints_trace(),
            vec![
                "--read".as_ref(),
                records.as_os_str(),
                "--abi".as_ref(),
                abi.as_os_str(),
            ],
        ),
        (
            tracepoints_trace(),
            vec!["list".as_ref(), p2p_node().as_os_str()],
        ),
        (
            tracepoints_tests::net_tracer(),
            vec!["--read".as_ref(), records.as_os_str()],
        ),
    ];
    for (program, args) in runs {
        let mut child = Command::new(program)
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // As `| head -0` does: the reading end closes first.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{} {args:?}: {:?} {}",
            program.display(),
            output.status,
            stderr(&output)
        );
        assert_eq!(stderr(&output), "", "{} {args:?}", program.display());
    }
    let _ = std::fs::remove_file(&records);
}

/// The guide's table of the metrics `--metrics` serves for
/// `core-tracepoints` is what `tracepoints-trace list --metrics` prints for
/// `core-replay`: the names a user finds in Prometheus.
#[test]
fn the_guides_metric_names_are_those_served() {
    if !buildable() || cfg!(feature = "usdt") {
        // The `usdt` backend builds no `mempool`: fewer metrics.
        return;
    }
    let output = run(&[
        "list".as_ref(),
        "--metrics".as_ref(),
        core_replay().as_os_str(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listed = String::from_utf8(output.stdout).unwrap();
    let guide = std::fs::read_to_string(workspace_root().join("docs/guide.md")).unwrap();
    let marker = "<!-- tracepoints-trace list --metrics target/release/core-replay -->\n```text\n";
    let start = guide.find(marker).expect("the guide's metrics table") + marker.len();
    let end = start + guide[start..].find("```\n").expect("its end");
    assert_eq!(
        &guide[start..end],
        listed,
        "docs/guide.md: the metrics table is stale; replace it with what `tracepoints-trace list --metrics target/release/core-replay` prints"
    );
}

/// An `--abi` that is a FIFO is refused, not read (which would block).
#[test]
fn an_abi_fifo_is_refused_not_read() {
    if !buildable() {
        return;
    }
    let fifo = std::env::temp_dir().join(format!("tracepoints-abi-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let output = tracepoints_tests::bounded(
        "tracepoints-trace",
        Command::new(tracepoints_trace())
            .arg("list")
            .arg(p2p_node())
            .arg("--abi")
            .arg(&fifo),
    );
    let _ = std::fs::remove_file(&fifo);
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        format!(
            "tracepoints-trace: {}: cannot read: not a regular file\n",
            fifo.display()
        )
    );
}
