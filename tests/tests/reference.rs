//! The crate reference (`runtime/src/docs/`) against the code: its limits
//! table holds exactly the limits the checks enforce, so that no number in
//! the docs can drift from the model.

use tracepoints_codegen::model::{
    BPFTRACE_MAX_ARGS, Limits, MAX_BUFFER_CAP, MAX_NAME_LEN, MAX_STR_LEN,
};
use tracepoints_codegen::syntax::parse::{MAX_CHAIN, MAX_DEPTH};
use tracepoints_tests::workspace_root;

/// The rows of the `# Limits` table of the declaration reference, as
/// (limit, value) pairs.
fn documented_limits() -> Vec<(String, String)> {
    let path = workspace_root().join("runtime/src/docs/declaration.md");
    let text = std::fs::read_to_string(&path).expect("read the declaration reference");
    let section = text
        .split("\n# Limits\n")
        .nth(1)
        .expect("the reference has a `# Limits` section");
    let section = section.split("\n# ").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2) // header and rule
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 2, "a limits row has two cells: {l}");
            (cells[0].to_string(), cells[1].to_string())
        })
        .collect()
}

#[test]
fn the_limits_table_is_the_model() {
    let expected: Vec<(&str, String)> = vec![
        (
            "arguments per tracepoint, native backend",
            Limits::NATIVE.max_args.to_string(),
        ),
        (
            "arguments per tracepoint, `usdt` backend",
            Limits::USDT.max_args.to_string(),
        ),
        (
            "arguments bpftrace before 0.24 reads, and a `#[log]` line may name",
            BPFTRACE_MAX_ARGS.to_string(),
        ),
        (
            "`#[max_len(N)]` of a string, and `#[len(N)]` of a fixed buffer, in bytes",
            format!("1 to {MAX_STR_LEN}"),
        ),
        (
            "`#[max_len(N)]` of a buffer whose length is an argument, in bytes",
            format!("1 to {MAX_BUFFER_CAP}"),
        ),
        (
            "characters of a provider or tracepoint name",
            format!("1 to {MAX_NAME_LEN}"),
        ),
        ("brackets nested in one declaration", MAX_DEPTH.to_string()),
        (
            "tokens chained without a `,` or `;` in a declaration (each `&`, `<`, operator or keyword nests the parser one level)",
            MAX_CHAIN.to_string(),
        ),
    ];
    let documented = documented_limits();
    let documented: Vec<(&str, &str)> = documented
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = expected.iter().map(|(a, b)| (*a, b.as_str())).collect();
    assert_eq!(documented, expected);
}

/// The reference states no limit outside its table: the numbers of the
/// model appear nowhere else in its prose.
#[test]
fn no_limit_is_written_twice() {
    let docs = workspace_root().join("runtime/src/docs");
    let lib = workspace_root().join("runtime/src/lib.rs");
    let mut files: Vec<_> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(lib);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let prose = text.split("\n# Limits\n").next().unwrap().to_string()
            + text.split("\n# Limits\n").nth(1).map_or("", |rest| {
                rest.split_once("\n# ").map_or("", |(_, after)| after)
            });
        for number in [MAX_STR_LEN, MAX_BUFFER_CAP] {
            assert!(
                !prose.contains(&number.to_string()),
                "{}: {number} is a limit of the model: link to the limits table instead",
                file.display()
            );
        }
        for words in ["twelve", "at most six", "64 characters"] {
            assert!(
                !prose.contains(words),
                "{}: `{words}` states a limit: link to the limits table instead",
                file.display()
            );
        }
    }
}
