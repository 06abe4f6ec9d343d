//! The build-configuration matrix: `tests/matrix` (a provider in a library,
//! fired from a second library and from a binary, and exported from a
//! cdylib loaded with `dlopen`) built in every configuration users have,
//! each checked
//!
//! - statically, with `tracepoints-gen verify`: every probe present with
//!   its argument sizes, semaphores non-zero, aligned and off RELRO pages,
//!   and every probe instruction in a file page only one segment maps;
//!   the ABI it carries is the declaration's, also after GNU `strip`;
//! - with bpftrace, where it can run: attached by path before the program
//!   starts and while it runs, it counts every fire; `is_enabled()` is false
//!   again after it detaches; the kernel log gains no `uprobe`/`ref_ctr`
//!   line.
//!
//! It builds both backends itself, so it runs in the default pass only.
#![cfg(not(feature = "usdt"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;
use tracepoints_tests::e2e::*;
use tracepoints_tests::{skip, workspace_root};

const TARGET: &str = "x86_64-unknown-linux-gnu";
/// Fires per run (from each of the two crates in `mx-app run`).
const FIRES: u64 = 1000;
/// How long one run of `mx-app` may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// One build configuration.
struct Config {
    name: &'static str,
    profile: &'static str,
    rustflags: &'static [&'static str],
    usdt: bool,
    /// Whether the cdylib is built (and loaded with dlopen).
    cdylib: bool,
    /// A tool the configuration needs.
    needs: Option<&'static str>,
}

const fn config(name: &'static str, profile: &'static str) -> Config {
    Config {
        name,
        profile,
        rustflags: &[],
        usdt: false,
        cdylib: true,
        needs: None,
    }
}

/// The artifacts of one configuration, copied out of the shared target
/// directory.
struct Built {
    app: PathBuf,
    cdylib: Option<PathBuf>,
}

/// Builds `config` (one at a time: every configuration shares one target
/// directory, so host crates build once) and copies its artifacts to
/// `target/matrix/out/NAME/`.
fn build(config: &Config) -> Built {
    static BUILD: Mutex<()> = Mutex::new(());
    let _one_at_a_time = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let root = workspace_root();
    let target_dir = root.join("target/matrix");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--quiet",
            "--manifest-path",
            "tests/matrix/Cargo.toml",
        ])
        .args(["--target", TARGET, "--profile", config.profile])
        .arg("--target-dir")
        .arg(&target_dir)
        // With --target, RUSTFLAGS reach only the target's crates: the
        // proc-macro crates build once for every configuration.
        .env("RUSTFLAGS", config.rustflags.join(" "))
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .current_dir(root);
    if config.usdt {
        command.args(["--features", "mx-probes/usdt"]);
    }
    if !config.cdylib {
        command.args(["-p", "mx-app"]);
    }
    let status = command.status().expect("run cargo build");
    assert!(status.success(), "{}: cargo build failed", config.name);
    let dir = if config.profile == "dev" {
        "debug"
    } else {
        config.profile
    };
    let built = target_dir.join(TARGET).join(dir);
    let out = target_dir.join("out").join(config.name);
    std::fs::create_dir_all(&out).unwrap();
    let copy = |name: &str| {
        let to = out.join(name);
        // A fresh inode: a tracer attached to the old copy stays with it.
        let _ = std::fs::remove_file(&to);
        std::fs::copy(built.join(name), &to)
            .unwrap_or_else(|e| panic!("{}: {name}: {e}", config.name));
        to
    };
    Built {
        app: copy("mx-app"),
        cdylib: config.cdylib.then(|| copy("libmx_cdylib.so")),
    }
}

/// The static checks of `tracepoints-gen verify`.
fn verify(config: &Config, binary: &Path) {
    let source =
        std::fs::read_to_string(workspace_root().join("tests/matrix/probes/src/lib.rs")).unwrap();
    let providers = tracepoints_codegen::read_source(&source).unwrap();
    let read = tracepoints_gen::binary::Binary::read(binary).unwrap();
    let (problems, _) = tracepoints_gen::verify::check(&read, &providers);
    assert_eq!(
        problems,
        Vec::<String>::new(),
        "{}: {}",
        config.name,
        binary.display()
    );
    // The ABI it carries, as built and after GNU `strip` (what
    // distributions do to the binaries they package).
    tracepoints_tests::assert_carries_abi(binary, &providers);
    let stripped = binary.with_extension("stripped");
    let status = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(binary)
        .status()
        .expect("run strip");
    assert!(status.success(), "{}: strip failed", config.name);
    tracepoints_tests::assert_carries_abi(&stripped, &providers);
}

fn stdout_text(process: &Process) -> String {
    String::from_utf8_lossy(&process.stdout()).into_owned()
}

/// The dynamic checks; returns what they measured, for the report.
fn trace(config: &Config, built: &Built) -> String {
    let before = kernel_uprobe_lines();
    attached_before_start(config, &built.app);
    attached_while_running(config, &built.app);
    let mut dlopen = String::new();
    if let Some(cdylib) = &built.cdylib {
        attached_before_dlopen(config, &built.app, cdylib);
        dlopen = format!(", cdylib {FIRES}/{FIRES}");
    }
    let after = kernel_uprobe_lines();
    assert_eq!(
        after, before,
        "{}: the kernel log gained uprobe lines",
        config.name
    );
    format!(
        "before start {0}/{0}, while running {0}/{0}, disabled after detach{dlopen}, no kernel log line",
        2 * FIRES
    )
}

/// bpftrace attached by path before the program starts counts every fire.
fn attached_before_start(config: &Config, app: &Path) {
    let mut tracer = count_probes(&[(app, "mx:fired", "fired")]);
    warm_page_cache(app);
    let output = Command::new(app)
        .args(["run", &FIRES.to_string()])
        .output()
        .unwrap();
    tracer.stop();
    let run = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let counted = bpftrace_count(&tracer, "fired");
    assert_eq!(
        run,
        format!("enabled {0} of {0}", 2 * FIRES),
        "{}: before start",
        config.name
    );
    assert_eq!(
        counted,
        2 * FIRES,
        "{}: bpftrace attached before start",
        config.name
    );
}

/// bpftrace attached while the program runs counts every fire, and once
/// it detaches the semaphore is lowered again.
fn attached_while_running(config: &Config, app: &Path) {
    let mut node = Process::spawn(
        Command::new(app)
            .args(["wait", &FIRES.to_string()])
            .stdin(Stdio::piped()),
    );
    let mut tracer = count_probes(&[(app, "mx:fired", "fired")]);
    node.wait_for("attached", ATTACH_TIMEOUT);
    node.write_line("go");
    node.wait_for(" of ", RUN_TIMEOUT);
    tracer.stop();
    node.write_line("detached");
    assert!(
        node.exits_within(RUN_TIMEOUT),
        "{}: did not exit within {RUN_TIMEOUT:?}: {}",
        config.name,
        node.seen()
    );
    let report = stdout_text(&node);
    assert!(
        report.contains(&format!("enabled {0} of {0}", 2 * FIRES)),
        "{}: while running: {report}",
        config.name
    );
    assert_eq!(
        bpftrace_count(&tracer, "fired"),
        2 * FIRES,
        "{}: attached while running",
        config.name
    );
    assert!(
        report.contains("after detach: enabled=false"),
        "{}: the semaphore stayed raised: {report}",
        config.name
    );
}

/// bpftrace attached to the cdylib by path before the program loads it
/// counts every fire of the library.
fn attached_before_dlopen(config: &Config, app: &Path, cdylib: &Path) {
    let mut tracer = count_probes(&[(cdylib, "mx:fired", "fired")]);
    warm_page_cache(app);
    warm_page_cache(cdylib);
    let output = Command::new(app)
        .arg("dlopen")
        .arg(cdylib)
        .arg(FIRES.to_string())
        .output()
        .unwrap();
    tracer.stop();
    let run = String::from_utf8_lossy(&output.stdout).trim().to_string();
    assert_eq!(
        run,
        format!("enabled {FIRES} of {FIRES}"),
        "{}: dlopen",
        config.name
    );
    assert_eq!(
        bpftrace_count(&tracer, "fired"),
        FIRES,
        "{}: cdylib",
        config.name
    );
}

fn check(config: Config) {
    if let Some(tool) = config.needs {
        if let Some(reason) = missing_tools(&[tool]) {
            return skip(&format!("{}: {reason}", config.name));
        }
    }
    let built = build(&config);
    verify(&config, &built.app);
    if let Some(cdylib) = &built.cdylib {
        verify(&config, cdylib);
    }
    let size = std::fs::metadata(&built.app).unwrap().len();
    let Some(_guard) = tracer_test(&["bpftrace"]) else {
        return;
    };
    let traced = trace(&config, &built);
    eprintln!("matrix {}: verify ok ({size} bytes); {traced}", config.name);
}

#[test]
fn debug() {
    check(config("debug", "dev"));
}

#[test]
fn release() {
    check(config("release", "release"));
    report_musl();
}

/// musl is in the matrix only where its standard library is installed:
/// rustup cannot fetch targets on these machines, and no package registry
/// ships it. Says which, in the test's report.
fn report_musl() {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc");
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_string();
    let musl = Path::new(&sysroot).join("lib/rustlib/x86_64-unknown-linux-musl");
    if musl.exists() {
        eprintln!(
            "matrix musl: installed at {}, but not yet in the matrix",
            musl.display()
        );
    } else {
        eprintln!(
            "matrix musl: skipped: the x86_64-unknown-linux-musl standard library is not installed ({} is missing)",
            musl.display()
        );
    }
}

#[test]
fn fat_lto_one_codegen_unit() {
    check(config("fat-lto", "fat-lto"));
}

#[test]
fn opt_level_z() {
    check(config("opt-z", "opt-z"));
}

#[test]
fn panic_abort_with_frame_pointers() {
    check(Config {
        rustflags: &["-C", "force-frame-pointers=yes"],
        ..config("abort", "abort")
    });
}

#[test]
fn gnu_ld() {
    check(Config {
        rustflags: &["-C", "link-arg=-fuse-ld=bfd"],
        needs: Some("ld.bfd"),
        ..config("gnu-ld", "release")
    });
}

#[test]
fn mold() {
    check(Config {
        rustflags: &["-C", "link-arg=-fuse-ld=mold"],
        needs: Some("mold"),
        ..config("mold", "release")
    });
}

#[test]
fn static_crt() {
    // A static executable cannot dlopen: no cdylib.
    check(Config {
        rustflags: &["-C", "target-feature=+crt-static"],
        cdylib: false,
        ..config("static", "release")
    });
}

#[test]
fn strip_symbols() {
    check(config("strip", "strip"));
}

#[test]
fn usdt_backend_release() {
    check(Config {
        usdt: true,
        ..config("usdt-release", "release")
    });
}

#[test]
fn usdt_backend_fat_lto() {
    check(Config {
        usdt: true,
        ..config("usdt-fat-lto", "fat-lto")
    });
}
