//! The built example binary carries exactly the five `net` probes of
//! Bitcoin Core, with its argument sizes, each behind a semaphore.

use tracepoints_tests::{fixture, p2p_node, sdt_notes, semaphore_shares_relro_page};

#[test]
fn example_binary_has_the_five_net_probes_with_bitcoin_core_argument_sizes() {
    let notes = sdt_notes(p2p_node());
    let mut found: Vec<(String, Vec<i64>)> = notes
        .iter()
        .map(|n| {
            let sizes = n.arg_sizes().into_iter().map(|s| s.expect("a size"));
            (format!("{}:{}", n.provider, n.name), sizes.collect())
        })
        .collect();
    found.sort();
    let conn = vec![-8, 8, 8, 4, 8];
    assert_eq!(
        found,
        [
            ("net:closed_connection".to_string(), conn.clone()),
            ("net:evicted_inbound_connection".to_string(), conn.clone()),
            ("net:inbound_connection".to_string(), conn.clone()),
            ("net:misbehaving_connection".to_string(), vec![-8, 8]),
            ("net:outbound_connection".to_string(), conn),
        ]
    );
    for note in &notes {
        assert_ne!(
            note.semaphore, 0,
            "{}:{} has no semaphore",
            note.provider, note.name
        );
        assert_ne!(
            note.pc, 0,
            "{}:{} has no probe address",
            note.provider, note.name
        );
    }
    let mut semaphores: Vec<u64> = notes.iter().map(|n| n.semaphore).collect();
    semaphores.sort();
    semaphores.dedup();
    assert_eq!(semaphores.len(), 5, "each tracepoint has its own semaphore");
}

#[test]
fn example_node_depends_on_tracepoints_only() {
    // A user crate needs no dependency but `tracepoints`: the example is one,
    // and building the workspace compiles it.
    let manifest = std::fs::read_to_string(
        tracepoints_tests::workspace_root().join("examples/p2p-node/Cargo.toml"),
    )
    .unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("[dependencies]");
    let names: Vec<&str> = deps
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(['=', ' ']).next().unwrap())
        .collect();
    assert_eq!(names, ["tracepoints"]);
}

#[test]
fn no_semaphore_shares_a_file_page_with_relro() {
    // Both backends page-align the section that holds semaphores, so a
    // tracer attached before the program starts raises the counter the
    // program reads (the end-to-end tests attach one).
    for bin in [p2p_node(), fixture()] {
        for note in sdt_notes(bin) {
            let shares = semaphore_shares_relro_page(bin, &note);
            if note.provider == "neighbour" {
                // The fixture's deliberate counterexample: a plain u16 at the
                // start of `.data`. It shows this check can fail.
                assert!(
                    shares,
                    "the counterexample semaphore no longer lands next to RELRO"
                );
            } else if note.provider != "redzone" {
                assert!(
                    !shares,
                    "{}: semaphore of {}:{} shares a file page with RELRO",
                    bin.display(),
                    note.provider,
                    note.name
                );
            }
        }
    }
}
