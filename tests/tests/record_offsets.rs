//! The record layout computed in Rust (`tracepoints_codegen::record`,
//! what the generic tracer lays records out and decodes them by) is the
//! one a C compiler gives the generated headers' event structs: for Core's
//! providers, the edge cases and the accepted ones of 300 random
//! declarations, a C
//! program prints every field's `offsetof` and every struct's `sizeof`.

use std::fmt::Write;
use std::process::Command;
use tracepoints_codegen::model::Provider;
use tracepoints_codegen::names::c;
use tracepoints_codegen::record::Record;
use tracepoints_tests::{CORE_DECLARATION, random_declarations, workspace_root};

/// The lines the C program prints for `providers` (whose headers are in
/// `dir`), and the lines the Rust layout says it must print.
fn c_program(providers: &[Provider], dir: &std::path::Path) -> (String, String) {
    let mut program = String::from("#include <stddef.h>\n#include <stdio.h>\n");
    let mut expected = String::new();
    for provider in providers {
        let origin = tracepoints_gen::emit::Origin {
            source: "test".into(),
            command: "test".into(),
        };
        let header = dir.join(format!("{}.bpf.h", provider.name));
        std::fs::write(
            &header,
            tracepoints_gen::emit::libbpf::header(provider, &origin),
        )
        .unwrap();
        writeln!(program, "#include \"{}\"", header.display()).unwrap();
    }
    program.push_str("int main(void) {\n");
    for provider in providers {
        let names = c::Names::of(provider);
        for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
            let offsets = Record::of(tracepoint).offsets(tracepoint);
            let tag = &t.event_struct;
            writeln!(program, "\tprintf(\"{tag} %zu\\n\", sizeof(struct {tag}));").unwrap();
            writeln!(expected, "{tag} {}", offsets.size).unwrap();
            for (a, offset) in t.args.iter().zip(&offsets.args) {
                let field = &a.field;
                writeln!(
                    program,
                    "\tprintf(\"{tag}.{field} %zu\\n\", offsetof(struct {tag}, {field}));"
                )
                .unwrap();
                writeln!(expected, "{tag}.{field} {offset}").unwrap();
            }
        }
    }
    program.push_str("\treturn 0;\n}\n");
    (program, expected)
}

fn check(name: &str, providers: &[Provider]) {
    let dir =
        std::env::temp_dir().join(format!("tracepoints-offsets-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (program, expected) = c_program(providers, &dir);
    let source = dir.join("offsets.c");
    let binary = dir.join("offsets");
    std::fs::write(&source, program).unwrap();
    let built = Command::new("cc")
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .output()
        .expect("run cc");
    assert!(
        built.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let printed = Command::new(&binary).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(String::from_utf8_lossy(&printed.stdout), expected, "{name}");
    let fields = expected.lines().count();
    eprintln!("record offsets of {name}: {fields} sizes and offsets as cc lays them out");
}

#[test]
fn offsets_are_the_c_compilers_for_core_and_the_edge_cases() {
    let core = std::fs::read_to_string(workspace_root().join(CORE_DECLARATION)).unwrap();
    check("core", &tracepoints_codegen::read_source(&core).unwrap());
    let edge =
        std::fs::read_to_string(workspace_root().join("tests/fixtures/edge_cases.rs")).unwrap();
    check("edge", &tracepoints_codegen::read_source(&edge).unwrap());
}

#[test]
fn offsets_are_the_c_compilers_for_random_declarations() {
    // Some random declarations are invalid on purpose: the accepted ones.
    let providers: Vec<Provider> = (0..300)
        .filter_map(|seed| {
            let mut providers =
                tracepoints_codegen::read_source(&random_declarations::declaration(seed)).ok()?;
            // One program holds them all: give each provider its own name.
            for provider in &mut providers {
                provider.name = format!("{}_{seed}", provider.name);
            }
            Some(providers)
        })
        .flatten()
        .collect();
    assert!(providers.len() >= 100, "{} providers", providers.len());
    check("random", &providers);
}
