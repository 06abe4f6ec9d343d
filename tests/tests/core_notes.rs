//! The declaration of Bitcoin Core's tracepoints against the stapsdt notes
//! of Core's real `bitcoind` v31.0 (`tests/fixtures/core-v31-stapsdt.txt`,
//! `readelf -n` of a build from Core's source; its header says how it was
//! made). Every probe, argument count, size and sign must agree: where
//! Core's `doc/tracing.md` and its binary differ, the binary is the ABI.

use tracepoints_tests::{CORE_DECLARATION as CORE, edited_copy, tracepoints_gen};

const NOTES: &str = "tests/fixtures/core-v31-stapsdt.txt";

fn verify_notes(declaration: &str) -> tracepoints_gen::Report {
    tracepoints_gen(&["verify", "--notes", NOTES, declaration])
}

#[test]
fn core_v31_notes_match_the_declaration() {
    let text = std::fs::read_to_string(tracepoints_tests::workspace_root().join(NOTES)).unwrap();
    let binary = tracepoints_gen::binary::Binary::from_readelf(&text).unwrap();
    assert_eq!(binary.notes.len(), 20, "the dump holds Core's 20 probes");
    assert_eq!(binary.machine, tracepoints_gen::binary::Machine::X86_64);
    let report = verify_notes(CORE);
    assert_eq!(report.errors, Vec::<String>::new());
    assert_eq!(
        report.summary,
        format!(
            "{NOTES}: all 20 declared tracepoints present, with the declared argument sizes and usable semaphores (from its notes: the file's layout is not checked)"
        )
    );
}

/// The four arguments Core's doc calls `uint64` and its binary passes as
/// `-8`: declared unsigned again, each fails with the line that says so.
#[test]
fn a_sign_flipped_back_to_the_doc_fails() {
    let flips = [
        (
            "time_established: i64,",
            "net:closed_connection: argument 5 `time_established`: the binary passes size -8 (`-8@272(%rbx)`), the declaration 8 (`u64`)",
        ),
        (
            "sigops: i64,",
            "validation:block_connected: argument 5 `sigops`: the binary passes size -8 (`-8@-1640(%rbp)`), the declaration 8 (`u64`)",
        ),
        (
            "duration: i64,\n    );\n}\n\n/// The in-memory",
            "validation:block_connected: argument 6 `duration`: the binary passes size -8 (`-8@%r14`), the declaration 8 (`u64`)",
        ),
    ];
    for (i, (declared, error)) in flips.into_iter().enumerate() {
        let file = edited_copy(CORE, &format!("core-notes-{i}"), |s| {
            s.replacen(declared, &declared.replacen("i64", "u64", 1), 1)
        });
        let report = verify_notes(file.to_str().unwrap());
        let _ = std::fs::remove_file(&file);
        assert_eq!(report.errors, [format!("{NOTES}: {error}")]);
    }
}

/// A probe Core's binary has and the declaration lacks, or the reverse,
/// fails too.
#[test]
fn a_missing_or_extra_probe_fails() {
    let file = edited_copy(CORE, "core-notes-renamed", |s| {
        s.replacen("fn uncache(", "fn uncached(", 1)
    });
    let report = verify_notes(file.to_str().unwrap());
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        report.errors,
        [
            format!("{NOTES}: utxocache:uncached: declared, but the binary has no such probe"),
            format!("{NOTES}: utxocache:uncache: in the binary, but not declared"),
        ]
    );
}
