//! The built example binaries carry exactly Bitcoin Core's probes, with
//! its argument sizes (written out here from the notes of a real `bitcoind`
//! v31.0, `tests/fixtures/core-v31-stapsdt.txt`, not from the declaration),
//! each behind its own semaphore.

use tracepoints_tests::{core_replay, fixture, p2p_node, sdt_notes, semaphore_shares_relro_page};

/// Bitcoin Core's tracepoints and their stapsdt argument sizes (`-8` a
/// signed 64-bit value, `8` unsigned or a pointer, `1` a bool).
const CORE: &[(&str, &[i64])] = &[
    ("coin_selection:aps_create_tx_internal", &[8, 1, 1, -8, -4]),
    ("coin_selection:attempting_aps_create_tx", &[8]),
    ("coin_selection:normal_create_tx_internal", &[8, 1, -8, -4]),
    ("coin_selection:selected_coins", &[8, 8, -8, -8, -8]),
    ("mempool:added", &[8, -4, -8]),
    ("mempool:rejected", &[8, 8]),
    ("mempool:removed", &[8, 8, -4, -8, 8]),
    ("mempool:replaced", &[8, -4, -8, 8, 8, -4, -8, 1]),
    ("net:closed_connection", &[-8, 8, 8, 4, -8]),
    ("net:evicted_inbound_connection", &[-8, 8, 8, 4, -8]),
    ("net:inbound_connection", &[-8, 8, 8, 4, 8]),
    ("net:inbound_message", &[-8, 8, 8, 8, 8, 8]),
    ("net:misbehaving_connection", &[-8, 8]),
    ("net:outbound_connection", &[-8, 8, 8, 4, 8]),
    ("net:outbound_message", &[-8, 8, 8, 8, 8, 8]),
    ("utxocache:add", &[8, 4, 4, -8, 1]),
    ("utxocache:flush", &[-8, 4, 8, 8, 1]),
    ("utxocache:spent", &[8, 4, 4, -8, 1]),
    ("utxocache:uncache", &[8, 4, 4, -8, 1]),
    ("validation:block_connected", &[8, -4, 8, -4, -8, -8]),
];

#[test]
fn example_binaries_have_bitcoin_cores_probes_with_its_argument_sizes() {
    // The `usdt` backend leaves out `mempool` (eight arguments).
    let expected: Vec<(String, Vec<i64>)> = CORE
        .iter()
        .filter(|(name, _)| !(cfg!(feature = "usdt") && name.starts_with("mempool:")))
        .map(|(name, sizes)| (name.to_string(), sizes.to_vec()))
        .collect();
    for bin in [core_replay(), p2p_node()] {
        let notes = sdt_notes(bin);
        let mut found: Vec<(String, Vec<i64>)> = notes
            .iter()
            .map(|n| {
                let sizes = n.arg_sizes().into_iter().map(|s| s.expect("a size"));
                (format!("{}:{}", n.provider, n.name), sizes.collect())
            })
            .collect();
        found.sort();
        assert_eq!(found, expected, "{}", bin.display());
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
        assert_eq!(
            semaphores.len(),
            expected.len(),
            "each tracepoint has its own semaphore"
        );
    }
}

/// The `[dependencies]` of an example's manifest.
fn dependencies(example: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(
        tracepoints_tests::workspace_root().join(format!("examples/{example}/Cargo.toml")),
    )
    .unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("[dependencies]");
    deps.lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(['=', ' ']).next().unwrap().to_string())
        .collect()
}

#[test]
fn examples_depend_on_tracepoints_only() {
    // A crate that declares tracepoints needs no dependency but
    // `tracepoints`; the node uses the declarations of `core-tracepoints`.
    assert_eq!(dependencies("core-tracepoints"), ["tracepoints"]);
    assert_eq!(
        dependencies("p2p-node"),
        ["tracepoints", "core-tracepoints"]
    );
}

#[test]
fn no_semaphore_shares_a_file_page_with_relro() {
    // Both backends page-align the section that holds semaphores, so a
    // tracer attached before the program starts raises the counter the
    // program reads (the end-to-end tests attach one).
    for bin in [p2p_node(), core_replay(), fixture()] {
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
