//! `tracepoints-gen verify` against built binaries: the example node
//! passes; the fixture's deliberately wrong probes, and declarations that
//! disagree with a binary, each fail with the line that says why.

use tracepoints_tests::{
    CORE_DECLARATION as CORE, assert_carries_abi, assert_verifies_core, core_replay, fixture,
    p2p_node, verify, workspace_root,
};

#[test]
fn example_node_matches_its_declaration() {
    // The node links all of `core-tracepoints`, so it holds every probe.
    let report = verify(p2p_node(), &[CORE]);
    if cfg!(feature = "usdt") {
        // The `usdt` backend leaves out `mempool` (eight arguments in
        // `mempool:replaced`): verify says so, one line per tracepoint.
        let bin = p2p_node().display();
        let missing: Vec<String> = ["added", "removed", "replaced", "rejected"]
            .iter()
            .map(|t| format!("{bin}: mempool:{t}: declared, but the binary has no such probe"))
            .collect();
        assert_eq!(report.errors, missing);
        return;
    }
    assert_verifies_core(&report);
    eprintln!("verify p2p-node: {}", report.summary);
}

#[test]
fn semaphore_next_to_relro_fails() {
    let report = verify(fixture(), &["tests/fixtures/verify/neighbour.rs"]);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let error = &report.errors[0];
    assert!(
        error.contains(": neighbour:fired: semaphore at 0x"),
        "{error}"
    );
    assert!(
        error.ends_with("is in a file page RELRO also maps: a tracer attached before the program starts raises a copy the program never reads"),
        "{error}"
    );
    // The fixture's other providers are listed, not failed.
    assert!(
        report
            .lines
            .iter()
            .any(|l| l == "redzone:protected: in the binary, of a provider not declared here")
    );
    eprintln!("verify fixture against neighbour.rs: {error}");
    // A tracer still reads it (the problem is the binary's build, not its
    // probes): what `tracepoints-trace` checks before attaching.
    let source =
        std::fs::read_to_string(workspace_root().join("tests/fixtures/verify/neighbour.rs"))
            .unwrap();
    let providers = tracepoints_codegen::read_source(&source).unwrap();
    let binary = tracepoints_gen::binary::Binary::read(fixture()).unwrap();
    assert_eq!(
        tracepoints_gen::verify::check_readable(&binary, &providers),
        Vec::<String>::new()
    );
}

#[test]
fn probes_without_semaphores_fail() {
    let report = verify(fixture(), &["tests/fixtures/verify/redzone.rs"]);
    let bin = fixture().display().to_string();
    assert_eq!(
        report.errors,
        [
            format!(
                "{bin}: redzone:protected: no semaphore: the probe site cannot tell whether a tracer is attached"
            ),
            format!(
                "{bin}: redzone:unprotected: no semaphore: the probe site cannot tell whether a tracer is attached"
            ),
        ]
    );
}

/// The fixture's own declaration, changed by `edit`, in a temporary file.
#[cfg(not(feature = "usdt"))]
fn fixture_declaration(name: &str, edit: impl Fn(&str) -> String) -> std::path::PathBuf {
    tracepoints_tests::edited_copy("tests/src/bin/fixture.rs", &format!("verify-{name}"), edit)
}

#[test]
#[cfg(not(feature = "usdt"))]
fn argument_size_other_than_declared_fails() {
    let file = fixture_declaration("size", |s| s.replacen("a2: i32,", "a2: i64,", 1));
    let report = verify(fixture(), &[file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let error = &report.errors[0];
    assert!(
        error.contains(": fixture:twelve: argument 3 `a2`: the binary passes size -4 (`-4@%"),
        "{error}"
    );
    assert!(error.ends_with("`), the declaration -8 (`i64`)"), "{error}");
    eprintln!("verify fixture against a wrong size: {error}");
}

#[test]
#[cfg(not(feature = "usdt"))]
fn missing_and_undeclared_probes_fail() {
    let file = fixture_declaration("missing", |s| {
        s.replacen("fn bytes(", "fn bytes_renamed(", 1)
    });
    let report = verify(fixture(), &[file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    let bin = fixture().display().to_string();
    assert_eq!(
        report.errors,
        [
            format!("{bin}: fixture:bytes_renamed: declared, but the binary has no such probe"),
            format!("{bin}: fixture:bytes: in the binary, but not declared"),
        ]
    );
}

#[test]
fn not_an_elf_file_is_an_error() {
    let report = verify(&workspace_root().join("README.md"), &[CORE]);
    assert_eq!(report.errors.len(), 1);
    assert!(
        report.errors[0].contains("README.md: not an ELF64 file"),
        "{:?}",
        report.errors
    );
}

/// Core's providers as the tests' backend builds them (the `usdt` backend
/// leaves out `mempool`).
fn core_providers() -> Vec<tracepoints_codegen::model::Provider> {
    let source = std::fs::read_to_string(workspace_root().join(CORE)).unwrap();
    let mut providers = tracepoints_codegen::read_source(&source).unwrap();
    providers.retain(|p| !(cfg!(feature = "usdt") && p.name == "mempool"));
    providers
}

#[test]
fn example_binaries_carry_their_abi_and_verify_against_it() {
    for bin in [p2p_node(), core_replay()] {
        assert_carries_abi(bin, &core_providers());
        eprintln!("verify {}: {}", bin.display(), verify(bin, &[]).summary);
    }
}

#[test]
fn a_binary_whose_abi_was_removed_needs_the_declaration() {
    let bare = tracepoints_tests::bare_copy(core_replay(), "verify-bare");
    let report = verify(&bare, &[]);
    let _ = std::fs::remove_file(&bare);
    assert_eq!(
        report.errors,
        [format!(
            "{}: carries no tracepoint ABI (no `.note.tracepoints`: built without the tracepoints crate, with `readelf -n` output, or the section removed): give the declaration's files",
            bare.display()
        )]
    );
}

#[test]
fn a_binary_built_from_another_declaration_is_refused() {
    // A declaration that keeps a longer string than the binary was built
    // with: the stapsdt notes (sizes only) cannot tell, the ABI the binary
    // carries can.
    let longer = tracepoints_tests::edited_copy(CORE, "longer", |s| {
        s.replacen("#[max_len(20)]", "#[max_len(24)]", 1)
    });
    let report = verify(p2p_node(), &[longer.to_str().unwrap()]);
    let _ = std::fs::remove_file(&longer);
    // With the `usdt` backend the binary also lacks `mempool` (four lines).
    let expected = if cfg!(feature = "usdt") { 5 } else { 1 };
    assert_eq!(report.errors.len(), expected, "{:?}", report.errors);
    let differs: Vec<&String> = report
        .errors
        .iter()
        .filter(|e| e.contains("the ABI the binary carries differs from the declaration: net:"))
        .collect();
    assert_eq!(differs.len(), 1, "{:?}", report.errors);
    assert!(differs[0].contains("`conn_type`"), "{:?}", report.errors);
    eprintln!("verify against another declaration: {}", differs[0]);
}

/// The bytes a note of `note`'s description takes in the section.
fn note_bytes(note: &tracepoints_codegen::abi::note::Note) -> u64 {
    let desc = note.to_json().len() as u64;
    12 + "tracepoints\0".len() as u64 + desc.div_ceil(4) * 4
}

#[test]
fn the_abi_section_holds_one_note_per_tracepoint_and_nothing_else() {
    use object::{Object, ObjectSection};
    use tracepoints_codegen::abi::note::{Note, SECTION};
    let data = std::fs::read(p2p_node()).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let section = file.section_by_name(SECTION).expect("the ABI section");
    let mut total = 0;
    let mut sizes = Vec::new();
    for provider in core_providers() {
        let bytes = |docs: bool| -> u64 {
            provider
                .tracepoints
                .iter()
                .map(|t| note_bytes(&Note::of(&provider, t, docs)))
                .sum()
        };
        total += bytes(true);
        sizes.push(format!(
            "{} {} bytes ({} without docs)",
            provider.name,
            bytes(true),
            bytes(false)
        ));
    }
    assert_eq!(section.size(), total, "{}", p2p_node().display());
    eprintln!(
        "embedded ABI of p2p-node: {total} bytes: {}",
        sizes.join(", ")
    );
}
