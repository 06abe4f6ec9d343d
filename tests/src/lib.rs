//! Helpers shared by the integration tests (`tests/tests/*.rs`).
//!
//! - Here: the one release build of each program the tests run
//!   ([`p2p_node`], [`core_replay`], [`fixture`], [`net_tracer`],
//!   [`tracepoints_trace`]); reading and verifying their probes
//!   ([`sdt_notes`], [`verify`], [`assert_carries_abi`]); copies of files and
//!   binaries to break ([`bare_copy`], [`edited_copy`]); running
//!   `tracepoints-gen` and other commands ([`tracepoints_gen()`], [`bounded`]);
//!   saying why a test skips ([`skip`]).
//! - [`e2e`]: the end-to-end harness (processes and tracers, the traced
//!   programs, expected output, assertions).
//! - [`tracer_generations`]: the three generations of bpftrace, BCC and
//!   libbpf the readers run under.
//! - [`random_declarations`]: seeded random declarations and a program
//!   that fires them.
//! - [`servers`]: the real NATS and Prometheus servers the fleet tests
//!   start.

pub mod e2e;
pub mod random_declarations;
pub mod servers;
pub mod tracer_generations;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace's root directory.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
}

/// The release build of `p2p-node` with the backend the tests run with,
/// built once per test process (cargo makes later builds no-ops).
pub fn p2p_node() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| release_binary(&["-p", "p2p-node"], "core-tracepoints/usdt", "p2p-node"))
}

/// The release build of `core-replay` (see `examples/core-tracepoints`),
/// with the tests' backend (without `mempool` with the `usdt` one).
pub fn core_replay() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        release_binary(
            &["-p", "core-tracepoints", "--bin", "core-replay"],
            "core-tracepoints/usdt",
            "core-replay",
        )
    })
}

/// The release build of this crate's `fixture` binary (see
/// `src/bin/fixture.rs`), with the tests' backend; read into the page
/// cache on every call, as it is about to run (see
/// [`e2e::warm_page_cache`]).
pub fn fixture() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    let bin = BIN.get_or_init(|| {
        release_binary(
            &["-p", "tracepoints-tests", "--bin", "fixture"],
            "tracepoints-tests/usdt",
            "fixture",
        )
    });
    e2e::warm_page_cache(bin);
    bin
}

/// The release build of `examples/net-tracer` (outside the workspace: its
/// build script needs clang), built once per test process into
/// `target/net-tracer`.
pub fn net_tracer() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| outside_build("examples/net-tracer", "net-tracer", "net-tracer"))
}

/// The release build of `tracer/` (the `tracepoints-trace` command, outside
/// the workspace for the same reason), built once per test process into
/// `target/tracer`.
pub fn tracepoints_trace() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| outside_build("tracer", "tracer", "tracepoints-trace"))
}

/// Builds the package at `dir` (outside the workspace) in release mode
/// into `target/<target>` and returns the path of its binary `name`.
fn outside_build(dir: &str, target: &str, name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = workspace_root().join("target").join(target);
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--release", "--manifest-path"])
        .arg(workspace_root().join(dir).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building {dir} failed");
    target.join("release").join(name)
}

/// Builds `package` in release mode, with `usdt_feature` when the tests run
/// against the `usdt` backend, and returns the path of binary `name`; or,
/// where `TRACEPOINTS_BINARIES` names a directory of binaries built
/// beforehand (the aarch64 machine, which has no cargo: see
/// `scripts/ci/aarch64-vm.sh`), the binary there.
fn release_binary(package: &[&str], usdt_feature: &str, name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("TRACEPOINTS_BINARIES") {
        let bin = PathBuf::from(dir).join(name);
        assert!(
            bin.exists(),
            "TRACEPOINTS_BINARIES has no {}",
            bin.display()
        );
        return bin;
    }
    {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .args(["build", "--release", "--quiet"])
            .args(package);
        if cfg!(feature = "usdt") {
            // The same backend as the tests themselves.
            command.args(["--features", usdt_feature]);
        }
        let status = command
            .current_dir(workspace_root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build --release {package:?} failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target"));
        let bin = target.join("release").join(name);
        assert!(bin.exists(), "{} missing after the build", bin.display());
        bin
    }
}

pub use tracepoints_gen::binary::{Binary, SdtNote, file_pages};

/// Every `stapsdt` note of an ELF64 file, read as `tracepoints-gen verify`
/// reads them.
pub fn sdt_notes(path: &Path) -> Vec<SdtNote> {
    Binary::read(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .notes
}

/// Where `examples/core-tracepoints` declares Bitcoin Core's 20
/// tracepoints, relative to the workspace root.
pub const CORE_DECLARATION: &str = "examples/core-tracepoints/src/providers.rs";

/// `tracepoints-gen verify --binary BINARY FILE...`, run in process.
pub fn verify(binary: &Path, files: &[&str]) -> tracepoints_gen::Report {
    let binary = binary.to_str().expect("a UTF-8 path");
    let mut args = vec!["verify", "--binary", binary];
    args.extend_from_slice(files);
    tracepoints_gen(&args)
}

/// A copy of `binary` in the temporary directory (named for `tag`) without
/// the ABI it carries (`objcopy --remove-section .note.tracepoints`): how
/// a binary built without this crate looks to a tracer.
pub fn bare_copy(binary: &Path, tag: &str) -> PathBuf {
    let bare = std::env::temp_dir().join(format!("tracepoints-{tag}-{}", std::process::id()));
    let status = Command::new("objcopy")
        .args(["--remove-section", ".note.tracepoints"])
        .arg(binary)
        .arg(&bare)
        .status()
        .expect("run objcopy");
    assert!(status.success(), "objcopy {}", binary.display());
    bare
}

/// Asserts that `binary` carries exactly the ABI of `providers` (with the
/// docs unless a provider leaves them out), as `tracepoints-gen` writes it
/// to the ABI files, and that
/// `verify` with no declaration accepts the binary's probes against it.
pub fn assert_carries_abi(binary: &Path, providers: &[tracepoints_codegen::model::Provider]) {
    use tracepoints_codegen::abi::Abi;
    let read = tracepoints_gen::binary::Binary::read(binary)
        .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    let carried = read
        .embedded
        .unwrap_or_else(|e| panic!("{}: its ABI: {e}", binary.display()));
    let mut expected: Vec<Abi> = providers
        .iter()
        .map(|p| Abi::of(p, String::new(), String::new(), 0))
        .collect();
    expected.sort_by(|a, b| a.provider.cmp(&b.provider));
    let tracepoints = |abis: &[Abi], docs: &dyn Fn(&str) -> bool| -> Vec<(String, Vec<_>)> {
        abis.iter()
            .map(|a| {
                let mut tracepoints = a.tracepoints.clone();
                if !docs(&a.provider) {
                    tracepoints = tracepoints.into_iter().map(|t| t.without_docs()).collect();
                }
                (a.provider.clone(), tracepoints)
            })
            .collect()
    };
    let embeds_docs = |name: &str| providers.iter().any(|p| p.name == name && p.embed_docs);
    assert_eq!(
        tracepoints(&carried, &|_| true),
        tracepoints(&expected, &embeds_docs),
        "{}: the ABI it carries",
        binary.display()
    );
    let report = verify(binary, &[]);
    assert_eq!(report.errors, Vec::<String>::new(), "{}", binary.display());
    assert!(
        report
            .summary
            .ends_with("(declared by the ABI the binary carries)"),
        "{}",
        report.summary
    );
}

/// Asserts that `report`, of `verify` against [`CORE_DECLARATION`], found
/// every one of the 20 tracepoints as declared.
pub fn assert_verifies_core(report: &tracepoints_gen::Report) {
    assert_eq!(report.errors, Vec::<String>::new());
    assert!(
        report.summary.ends_with(
            "all 20 declared tracepoints present, with the declared argument sizes and usable semaphores"
        ),
        "{}",
        report.summary
    );
}

/// A copy of the workspace file `file` changed by `edit` (which must change
/// it), in a temporary file named for `tag`: a declaration that disagrees
/// with a built binary.
pub fn edited_copy(file: &str, tag: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let source = std::fs::read_to_string(workspace_root().join(file)).unwrap();
    let edited = edit(&source);
    assert_ne!(edited, source, "the edit changed nothing");
    let path = std::env::temp_dir().join(format!("tracepoints-{tag}-{}.rs", std::process::id()));
    std::fs::write(&path, edited).unwrap();
    path
}

/// Reports a skipped test; with `TRACEPOINTS_E2E=require` (set by CI) a skip
/// is a failure.
pub fn skip(reason: &str) {
    if std::env::var("TRACEPOINTS_E2E").as_deref() == Ok("require") {
        panic!("TRACEPOINTS_E2E=require, but this test would skip: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}

/// Compiles a libbpf program with the host's clang and the flags its
/// header documents (`clang -O2 -g -target bpf ...`), every warning an
/// error, returning clang's output.
pub fn compile_bpf(program: &Path, object: &Path) -> std::process::Output {
    tracer_generations::GENERATIONS[0].compile_bpf(program, object)
}

/// Whether a probe's semaphore lies in a file page that RELRO also maps.
pub fn semaphore_shares_relro_page(bin: &Path, note: &SdtNote) -> bool {
    Binary::read(bin)
        .unwrap()
        .shares_relro_page(note.semaphore)
        .expect("semaphore in a loaded, file-backed segment")
}

/// Writes every output generated for `tests/fixtures/edge_cases.rs` (every
/// argument type and form, hostile docs) into `dir`.
pub fn write_edge_outputs(dir: &Path) -> Vec<tracepoints_codegen::model::Provider> {
    let source =
        std::fs::read_to_string(workspace_root().join("tests/fixtures/edge_cases.rs")).unwrap();
    let providers = tracepoints_codegen::read_source(&source).unwrap();
    let origin = tracepoints_gen::emit::Origin {
        source: "edge_cases.rs".into(),
        command: "test".into(),
    };
    std::fs::create_dir_all(dir).unwrap();
    for output in tracepoints_gen::emit::all_outputs(&providers, &origin, "log.bt", |_| 1) {
        std::fs::write(dir.join(&output.name), output.contents).unwrap();
    }
    providers
}

/// Runs `tracepoints-gen` in process, with `args` as on its command line
/// and paths relative to the workspace root.
pub fn tracepoints_gen(args: &[&str]) -> tracepoints_gen::Report {
    tracepoints_gen::run_args(workspace_root(), args.iter().copied())
}

/// Runs `command` with its output in files, for at most 60 s: a reader
/// that blocks (on a FIFO, say) fails the test instead of hanging it.
pub fn bounded(name: &str, command: &mut Command) -> std::process::Output {
    let dir = std::env::temp_dir();
    // The tests run side by side: each run's files are its own.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tag = format!("tracepoints-reader-{}-{run}-{name}", std::process::id());
    let (out, err) = (
        dir.join(format!("{tag}.out")),
        dir.join(format!("{tag}.err")),
    );
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} did not end within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let output = std::process::Output {
        status,
        stdout: std::fs::read(&out).unwrap(),
        stderr: std::fs::read(&err).unwrap(),
    };
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_file(err);
    output
}
