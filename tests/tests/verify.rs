//! `tracepoints-gen verify` against built binaries: the example node
//! passes; the fixture's deliberately wrong probes, and declarations that
//! disagree with a binary, each fail with the line that says why.

use tracepoints_tests::{
    CORE_DECLARATION as CORE, assert_verifies_core, fixture, p2p_node, verify, workspace_root,
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
