//! The native backend's aarch64 probe sites, read from the example
//! binaries cross-built for `aarch64-unknown-linux-gnu` by
//! `scripts/ci/aarch64-vm.sh build` (Debian unstable's rustc and GNU's
//! aarch64 linker): `tracepoints-gen verify` accepts them against their
//! declaration and the ABI they carry, and refuses a declaration that
//! disagrees; each probe is the
//! 4-byte `nop` with `x` register operands; semaphores and probe sites
//! keep off every other segment's 64 KiB page. What tracers read through
//! them is checked in an aarch64 kernel (`scripts/ci/aarch64-vm-tests.sh`).
//!
//! Skips when the cross-built binaries are absent; with
//! `TRACEPOINTS_E2E=require` (CI) a skip fails.

use std::path::PathBuf;
use tracepoints_tests::{
    Binary, CORE_DECLARATION as CORE, assert_carries_abi, assert_verifies_core, skip, verify,
    workspace_root,
};

/// The aarch64 build of example binary `name`, if it has been made.
fn cross_built(name: &str) -> Option<PathBuf> {
    let path = workspace_root()
        .join("target/aarch64/aarch64-unknown-linux-gnu/release")
        .join(name);
    if path.exists() {
        return Some(path);
    }
    skip(&format!(
        "no {} (scripts/ci/aarch64-vm.sh build makes it)",
        path.display()
    ));
    None
}

#[test]
fn aarch64_binaries_match_their_declaration() {
    for name in ["p2p-node", "core-replay"] {
        let Some(binary) = cross_built(name) else {
            return;
        };
        let report = verify(&binary, &[CORE]);
        assert_verifies_core(&report);
        eprintln!("verify aarch64 {name}: {}", report.summary);
        // And against the ABI it carries, alone.
        let source = std::fs::read_to_string(workspace_root().join(CORE)).unwrap();
        let providers = tracepoints_codegen::read_source(&source).unwrap();
        assert_carries_abi(&binary, &providers);
    }
}

#[test]
fn aarch64_probes_are_nops_passing_x_registers() {
    let Some(path) = cross_built("core-replay") else {
        return;
    };
    let data = std::fs::read(&path).unwrap();
    let binary = Binary::read(&path).unwrap();
    assert_eq!(binary.machine, tracepoints_gen::binary::Machine::Aarch64);
    assert_eq!(binary.notes.len(), 20);
    let elf = object::read::File::parse(&*data).unwrap();
    use object::{Object, ObjectSection};
    for note in &binary.notes {
        let probe = format!("{}:{}", note.provider, note.name);
        // The file offset of the probe instruction: the binary is a PIE
        // whose first segment maps the file from offset 0 at address 0.
        let section = elf
            .sections()
            .find(|s| (s.address()..s.address() + s.size()).contains(&note.pc))
            .unwrap_or_else(|| panic!("{probe}: no section holds {:#x}", note.pc));
        let (offset, _) = section.file_range().unwrap();
        let at = (offset + note.pc - section.address()) as usize;
        assert_eq!(
            data[at..at + 4],
            [0x1f, 0x20, 0x03, 0xd5],
            "{probe}: the probe instruction is not `nop`"
        );
        for spec in &note.args {
            let (_, operand) = spec.split_once('@').unwrap();
            let register = operand.strip_prefix('x').and_then(|n| n.parse::<u8>().ok());
            assert!(
                register.is_some_and(|n| n <= 30),
                "{probe}: `{spec}` is not an x register"
            );
        }
    }
    let probes = elf.section_by_name(".probes").expect("a .probes section");
    assert_eq!(
        probes.address() % 65536,
        0,
        "the semaphores start a 64 KiB page"
    );
    eprintln!(
        "aarch64 core-replay: 20 probes, each a 4-byte nop with x-register operands; .probes at {:#x}, {} bytes",
        probes.address(),
        probes.size()
    );
}

/// `providers.rs` changed by `edit`, in a temporary file.
fn edited_declaration(name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    tracepoints_tests::edited_copy(CORE, &format!("aarch64-{name}"), edit)
}

#[test]
fn verify_refuses_a_wrong_size_or_a_missing_probe_on_aarch64() {
    let Some(binary) = cross_built("core-replay") else {
        return;
    };
    let wider = edited_declaration("size", |s| {
        s.replacen(
            "fn inbound_connection(\n        /// Connection ID\n        id: i64,",
            "fn inbound_connection(\n        /// Connection ID\n        id: i32,",
            1,
        )
    });
    let report = verify(&binary, &[wider.to_str().unwrap()]);
    let _ = std::fs::remove_file(&wider);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let error = &report.errors[0];
    assert!(
        error.contains(
            ": net:inbound_connection: argument 1 `id`: the binary passes size -8 (`-8@x"
        ) && error.ends_with("`), the declaration -4 (`i32`)"),
        "{error}"
    );
    let renamed = edited_declaration("missing", |s| {
        s.replacen("fn inbound_connection(", "fn inbound_connected(", 1)
    });
    let report = verify(&binary, &[renamed.to_str().unwrap()]);
    let _ = std::fs::remove_file(&renamed);
    let bin = binary.display().to_string();
    assert_eq!(
        report.errors,
        [
            format!("{bin}: net:inbound_connected: declared, but the binary has no such probe"),
            format!("{bin}: net:inbound_connection: in the binary, but not declared"),
        ]
    );
    eprintln!("verify aarch64 core-replay against a wrong size: {error}");
}

#[test]
fn aarch64_fixture_passes_twelve_arguments_of_every_size_and_sign() {
    let Some(binary) = cross_built("fixture") else {
        return;
    };
    let report = verify(&binary, &["tests/src/bin/fixture.rs"]);
    assert_eq!(report.errors, Vec::<String>::new());
    let notes = Binary::read(&binary).unwrap().notes;
    let twelve = notes
        .iter()
        .find(|n| n.provider == "fixture" && n.name == "twelve")
        .expect("fixture:twelve");
    // i8 i16 i32 i64 u8 u16 u32 u64 bool &str i64 &str, each in an x register.
    let sizes: Vec<i64> = twelve.arg_sizes().into_iter().map(Option::unwrap).collect();
    assert_eq!(sizes, [-1, -2, -4, -8, 1, 2, 4, 8, 1, 8, -8, 8]);
    assert!(
        twelve.args.iter().all(|a| a.split_once("@x").is_some()),
        "{:?}",
        twelve.args
    );
    eprintln!("aarch64 fixture:twelve: {}", twelve.args.join(" "));
}
