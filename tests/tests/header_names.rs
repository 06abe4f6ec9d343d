//! The names the C readers' headers declare, where a generated C name
//! could be one of them: `codegen/src/names/header_names.rs` (the list the
//! check reserves, see `tracepoints_codegen::names::c`) must hold every
//! one that the headers of this machine declare. clang lists them: the
//! macros (`-E -dM`) and the file-scope declarations, tags and enum
//! constants (`-ast-dump=json`) of the includes of the libbpf program's
//! fixed head. Only names of the shape a generated name has
//! (`a_b`, `A_B`, letters first, single underscores) count, and not those
//! under the `bpf_`/`BPF_` prefixes the check reserves whole.
//!
//! When it fails, regenerate the list (it keeps what it had, and adds):
//! `TRACEPOINTS_UPDATE_HEADER_NAMES=1 cargo test -p tracepoints-tests --test header_names`.

use std::collections::BTreeSet;
use std::process::Command;
use tracepoints_codegen::names::header_names::{IDENTIFIERS, TAGS};
use tracepoints_tests::e2e::missing_tools;
use tracepoints_tests::{skip, workspace_root};

const LIST: &str = "codegen/src/names/header_names.rs";

/// Whether a generated C name can have this shape.
fn generated_shape(name: &str) -> bool {
    let words: Vec<&str> = name.split('_').collect();
    let lower = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let upper = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    (lower || upper)
        && words.len() >= 2
        && words.iter().all(|w| !w.is_empty())
        && !name.starts_with("bpf_")
        && !name.starts_with("BPF_")
}

/// The includes of the libbpf program's fixed head, as a C file.
fn includes() -> String {
    let head = std::fs::read_to_string(
        workspace_root().join("docs-gen/src/emit/templates/libbpf_program_head.c"),
    )
    .unwrap();
    head.lines()
        .filter(|l| l.starts_with("#include <"))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn clang(source: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new("clang")
        .args([
            "-target",
            "bpf",
            "-D__TARGET_ARCH_x86",
            "-I/usr/include/x86_64-linux-gnu",
        ])
        .args(args)
        .arg(source)
        .output()
        .expect("run clang");
    assert!(
        output.status.success(),
        "clang {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Collects the names `node` declares at file scope (recursing into
/// enums for their constants): (identifiers, tags).
fn declared(
    node: &serde_json::Value,
    identifiers: &mut BTreeSet<String>,
    tags: &mut BTreeSet<String>,
) {
    let kind = node["kind"].as_str().unwrap_or("");
    if let Some(name) = node["name"].as_str() {
        match kind {
            "FunctionDecl" | "VarDecl" | "TypedefDecl" | "EnumConstantDecl" => {
                identifiers.insert(name.to_string());
            }
            "RecordDecl" | "EnumDecl" => {
                tags.insert(name.to_string());
            }
            _ => {}
        }
    }
    if matches!(kind, "TranslationUnitDecl" | "EnumDecl") {
        for inner in node["inner"].as_array().into_iter().flatten() {
            declared(inner, identifiers, tags);
        }
    }
}

#[test]
fn every_header_name_a_generated_name_could_take_is_reserved() {
    if let Some(reason) = missing_tools(&["clang", "/usr/include/bpf/usdt.bpf.h"]) {
        return skip(&reason);
    }
    let dir = std::env::temp_dir().join(format!("tracepoints-header-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("includes.c");
    std::fs::write(&source, includes()).unwrap();
    let mut identifiers = BTreeSet::new();
    let mut tags = BTreeSet::new();
    for line in clang(&source, &["-E", "-dM"]).lines() {
        if let Some(name) = line
            .strip_prefix("#define ")
            .and_then(|d| d.split([' ', '(']).next())
        {
            identifiers.insert(name.to_string());
        }
    }
    let ast: serde_json::Value = serde_json::from_str(&clang(
        &source,
        &["-Xclang", "-ast-dump=json", "-fsyntax-only"],
    ))
    .unwrap();
    declared(&ast, &mut identifiers, &mut tags);
    let _ = std::fs::remove_dir_all(&dir);
    identifiers.retain(|n| generated_shape(n));
    tags.retain(|n| generated_shape(n));

    let missing = |found: &BTreeSet<String>, listed: &[&str]| -> Vec<String> {
        found
            .iter()
            .filter(|n| !listed.contains(&n.as_str()))
            .cloned()
            .collect()
    };
    let (missing_identifiers, missing_tags) =
        (missing(&identifiers, IDENTIFIERS), missing(&tags, TAGS));
    if std::env::var_os("TRACEPOINTS_UPDATE_HEADER_NAMES").is_some() {
        identifiers.extend(IDENTIFIERS.iter().map(|n| n.to_string()));
        tags.extend(TAGS.iter().map(|n| n.to_string()));
        std::fs::write(workspace_root().join(LIST), list_file(&identifiers, &tags)).unwrap();
        return;
    }
    assert!(
        missing_identifiers.is_empty() && missing_tags.is_empty(),
        "{LIST} lacks names these headers declare (identifiers {missing_identifiers:?}, tags {missing_tags:?}): regenerate it with TRACEPOINTS_UPDATE_HEADER_NAMES=1 cargo test -p tracepoints-tests --test header_names"
    );
    eprintln!(
        "header names: {} identifiers and {} tags of these headers are reserved",
        identifiers.len(),
        tags.len()
    );
}

fn list_file(identifiers: &BTreeSet<String>, tags: &BTreeSet<String>) -> String {
    let list = |names: &BTreeSet<String>| -> String {
        names.iter().map(|n| format!("    {n:?},\n")).collect()
    };
    format!(
        "//! Generated by tests/tests/header_names.rs from the headers the C readers\n\
         //! include (clang's macros and file-scope declarations); do not edit.\n\
         //! Regenerate with: TRACEPOINTS_UPDATE_HEADER_NAMES=1 cargo test -p tracepoints-tests --test header_names\n\
         //!\n\
         //! Only names a generated C name could be (`a_b`, `A_B`), and none under\n\
         //! the `bpf_`/`BPF_` prefixes, which are reserved whole.\n\
         \n\
         /// Macros, functions, variables, types and enum constants.\n\
         pub const IDENTIFIERS: &[&str] = &[\n{}];\n\
         \n\
         /// Struct, union and enum tags.\n\
         pub const TAGS: &[&str] = &[\n{}];\n",
        list(identifiers),
        list(tags)
    )
}
