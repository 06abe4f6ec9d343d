//! Helpers shared by the integration tests: the one release build of the
//! example node, and a reader of stapsdt notes.

pub mod e2e;

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
    BIN.get_or_init(|| release_binary(&["-p", "p2p-node"], "tracepoints/usdt", "p2p-node"))
}

/// The release build of this crate's `fixture` binary (see
/// `src/bin/fixture.rs`), with the tests' backend.
pub fn fixture() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        release_binary(
            &["-p", "tracepoints-tests", "--bin", "fixture"],
            "tracepoints-tests/usdt",
            "fixture",
        )
    })
}

/// Builds `package` in release mode, with `usdt_feature` when the tests run
/// against the `usdt` backend, and returns the path of binary `name`.
fn release_binary(package: &[&str], usdt_feature: &str, name: &str) -> PathBuf {
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

/// One stapsdt v3 probe as its ELF note describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdtNote {
    /// Address of the probe instruction.
    pub pc: u64,
    /// Address of the semaphore (0 when the probe has none).
    pub semaphore: u64,
    /// Provider name.
    pub provider: String,
    /// Probe name.
    pub name: String,
    /// Argument specs, e.g. `["-8@%rdi", "8@%rsi"]`.
    pub args: Vec<String>,
}

impl SdtNote {
    /// The size signatures of the arguments, e.g. `[-8, 8, 8, 4, 8]`.
    pub fn arg_sizes(&self) -> Vec<i32> {
        self.args
            .iter()
            .map(|a| {
                a.split('@')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("argument size")
            })
            .collect()
    }
}

/// Every `stapsdt` note (type 3) of an ELF64 file, read with the `object`
/// crate.
pub fn sdt_notes(path: &Path) -> Vec<SdtNote> {
    use object::read::elf::{ElfFile64, FileHeader, SectionHeader};
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let elf = ElfFile64::<object::Endianness>::parse(&*data).expect("an ELF64 file");
    let endian = elf.endian();
    let header = elf.elf_header();
    let sections = header.sections(endian, &*data).expect("section table");
    let mut found = Vec::new();
    for section in sections.iter() {
        let Some(mut notes) = section.notes(endian, &*data).expect("notes") else {
            continue;
        };
        while let Some(note) = notes.next().expect("note") {
            if note.name() != b"stapsdt" || note.n_type(endian) != 3 {
                continue;
            }
            let desc = note.desc();
            let word = |i: usize| u64::from_le_bytes(desc[i * 8..i * 8 + 8].try_into().unwrap());
            let mut strings = desc[24..]
                .split(|&b| b == 0)
                .map(|s| String::from_utf8_lossy(s).into_owned());
            let provider = strings.next().unwrap_or_default();
            let name = strings.next().unwrap_or_default();
            let args = strings.next().unwrap_or_default();
            found.push(SdtNote {
                pc: word(0),
                semaphore: word(2),
                provider,
                name,
                args: args.split_whitespace().map(String::from).collect(),
            });
        }
    }
    found
}

/// Reports a skipped test; with `TRACEPOINTS_E2E=require` (set by CI) a skip
/// is a failure.
pub fn skip(reason: &str) {
    if std::env::var("TRACEPOINTS_E2E").as_deref() == Ok("require") {
        panic!("TRACEPOINTS_E2E=require, but this test would skip: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}

/// Compiles a libbpf program with the flags its header documents
/// (`clang -O2 -g -target bpf ...`), returning clang's output.
pub fn compile_bpf(program: &Path, object: &Path) -> std::process::Output {
    Command::new("clang")
        .args([
            "-O2",
            "-g",
            "-target",
            "bpf",
            "-D__TARGET_ARCH_x86",
            "-I/usr/include/x86_64-linux-gnu",
            "-c",
        ])
        .arg(program)
        .arg("-o")
        .arg(object)
        .output()
        .expect("run clang")
}

/// The file pages a segment's file range touches.
pub fn file_pages(offset: u64, size: u64) -> std::ops::Range<u64> {
    offset / 4096..(offset + size).div_ceil(4096)
}

/// Whether a probe's semaphore lies in a file page that RELRO also maps.
pub fn semaphore_shares_relro_page(bin: &Path, note: &SdtNote) -> bool {
    use object::read::elf::{ElfFile64, FileHeader, ProgramHeader};
    let data = std::fs::read(bin).unwrap();
    let elf = ElfFile64::<object::Endianness>::parse(&*data).unwrap();
    let endian = elf.endian();
    let segments = elf.elf_header().program_headers(endian, &*data).unwrap();
    let relro = segments
        .iter()
        .find(|p| p.p_type(endian) == object::elf::PT_GNU_RELRO)
        .map(|p| file_pages(p.p_offset(endian), p.p_filesz(endian)))
        .expect("a RELRO segment");
    // The semaphore's file offset, through the segment that maps it.
    let load = segments
        .iter()
        .find(|p| {
            p.p_type(endian) == object::elf::PT_LOAD
                && (p.p_vaddr(endian)..p.p_vaddr(endian) + p.p_filesz(endian))
                    .contains(&note.semaphore)
        })
        .expect("semaphore in a loaded, file-backed segment");
    let offset = note.semaphore - load.p_vaddr(endian) + load.p_offset(endian);
    relro.contains(&(offset / 4096))
}

/// Runs `tracepoints-gen` in process, with `args` as on its command line
/// and paths relative to the workspace root: its summary line, or one
/// message per problem.
pub fn tracepoints_gen(args: &[&str]) -> Result<String, Vec<String>> {
    tracepoints_gen::run_args(workspace_root(), args.iter().copied())
}
