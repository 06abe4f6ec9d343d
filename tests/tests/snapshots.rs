//! Snapshots of every generator over Bitcoin Core's tracepoints
//! (`examples/core-tracepoints`) and over `fixtures/edge_cases.rs`, and of
//! the macro's expansion (of each file's first provider). Review changes with `cargo insta review`.

use tracepoints_codegen::emit::probe_sites;
use tracepoints_codegen::errors::Errors;
use tracepoints_codegen::syntax::parse;
use tracepoints_codegen::{check, read_source};
use tracepoints_gen::emit::{Origin, all_outputs};
use tracepoints_tests::workspace_root;

const FIXTURES: &[(&str, &str)] = &[
    ("core", "examples/core-tracepoints/src/providers.rs"),
    ("edge", "tests/fixtures/edge_cases.rs"),
];

fn origin(path: &str) -> Origin {
    Origin {
        source: path.to_string(),
        command: "tracepoints-gen --out OUT --log-script log.bt".into(),
    }
}

/// The generators' outputs for the edge cases (the examples' outputs are
/// committed in `examples/core-tracepoints/tracing/` and checked by
/// `generated.rs`).
#[test]
fn every_generator_output() {
    for (name, path) in &FIXTURES[1..] {
        let source = std::fs::read_to_string(workspace_root().join(path)).unwrap();
        let providers = read_source(&source).unwrap();
        for output in all_outputs(&providers, &origin(path), "log.bt", |_| 1) {
            insta::assert_snapshot!(format!("{name}__{}", output.name), output.contents);
        }
    }
}

#[test]
fn macro_expansion() {
    for (name, path) in FIXTURES {
        let source = std::fs::read_to_string(workspace_root().join(path)).unwrap();
        let file = syn::parse_file(&source).unwrap();
        let module = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Mod(m) => Some(m),
                _ => None,
            })
            .unwrap();
        for (backend, tag) in [
            (probe_sites::Backend::Native, "native"),
            (probe_sites::Backend::Usdt, "usdt"),
        ] {
            let mut errors = Errors::default();
            let declared = parse::module_item(module, &mut errors);
            let provider = check::provider(&declared, backend.limits(), &mut errors);
            assert!(errors.is_empty(), "{name} is a valid declaration");
            let expanded = probe_sites::expand(&declared.item, &provider, backend);
            let pretty = prettyplease::unparse(&syn::parse2(expanded).unwrap());
            insta::assert_snapshot!(format!("{name}__expansion_{tag}"), pretty);
        }
    }
}

// The edge-case declaration compiles through the macro and fires.
#[allow(dead_code)]
mod edge_cases {
    include!("../fixtures/edge_cases.rs");

    #[test]
    fn edge_cases_fire() {
        tracepoints::fire!(edge::every_type(-1, -2, -3, -4, 5, 6));
        tracepoints::fire!(edge::more_types(7, 8, true, "s"));
        tracepoints::fire!(edge::bytes(&[0xab; 32], 3, b"abc"));
        tracepoints::fire!(edge::forms(&[1; 32], 9, b"abc", c"name", "text"));
        tracepoints::fire!(edge::no_args());
        tracepoints::fire!(edge::hostile("*/"));
        assert_eq!(edge::no_args::ARG_NAMES, [] as [&str; 0]);
    }
}
