//! Inputs nested too deeply for any parser's stack, generated for every
//! form the parser recurses on (types, expressions, patterns, attributes,
//! chains of operators, keywords and calls, brackets), each far past the
//! limits and under the 4 MiB file limit: `tracepoints-gen` (this debug
//! build, whose frames are the largest) names the place and exits 1,
//! never dies of a stack overflow.

mod common;

use common::{gen_in, temp_dir, text};

/// How many times each form repeats: deep enough that every one of them
/// overflowed the stack before the limits (the smallest needed 146).
const REPEAT: usize = 100_000;

/// `count` copies of `unit`.
fn times(unit: &str, count: usize) -> String {
    unit.repeat(count)
}

/// A file with a provider whose one argument has type `ty`, and a function
/// whose body is `body`.
fn file(ty: &str, body: &str) -> String {
    format!(
        "#[tracepoints::provider]\nmod net {{\n    /// Fired.\n    fn fired(\n        /// An argument.\n        a: {ty},\n    );\n}}\n\nfn other() {{\n    {body}\n}}\n"
    )
}

/// Every form, named, as a whole file.
fn forms() -> Vec<(&'static str, String)> {
    let n = REPEAT;
    let expr = |e: String| file("u8", &format!("let _ = {e};"));
    vec![
        ("references", file(&format!("{}u8", times("&", n)), "")),
        ("pointers", file(&format!("{}u8", times("*const ", n)), "")),
        (
            "generics",
            file(&format!("{}u8{}", times("Vec<", n), times(">", n)), ""),
        ),
        ("fn types", file(&format!("{}u8", times("fn() -> ", n)), "")),
        ("negations", expr(format!("{}1", times("-", n)))),
        ("nots", expr(format!("{}x", times("!", n)))),
        ("sums", expr(format!("{}1", times("1 + ", n)))),
        (
            "assignments",
            file("u8", &format!("{}b;", times("a = ", n))),
        ),
        ("closures", expr(format!("{}0", times("|| ", n)))),
        ("returns", file("u8", &format!("{};", times("return ", n)))),
        ("borrows", expr(format!("{}x", times("&", n)))),
        ("method calls", expr(format!("x{}", times(".f()", n)))),
        ("casts", expr(format!("x{}", times(" as u8", n)))),
        ("tries", expr(format!("x{}", times("?", n)))),
        (
            "else ifs",
            expr(format!("{}{{}}", times("if a {} else ", n))),
        ),
        ("ranges", expr(format!("{}x", times("..", n)))),
        (
            "patterns",
            file("u8", &format!("let {}x = y;", times("&", n))),
        ),
        (
            "attribute",
            file(
                "u8",
                &format!("#[doc = {}x] fn inner() {{}}", times("!", n)),
            ),
        ),
        (
            "brackets",
            expr(format!("{}1{}", times("(", n / 4), times(")", n / 4))),
        ),
    ]
}

#[test]
fn every_deep_form_is_a_clean_error() {
    let dir = temp_dir("deep");
    for (name, source) in forms() {
        assert!(source.len() < 4 << 20, "{name}: {} bytes", source.len());
        std::fs::write(dir.join("deep.rs"), &source).unwrap();
        let output = gen_in(&dir, &["--check", "--out", "out", "deep.rs"]);
        let stderr = text(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {:?} {stderr}",
            output.status
        );
        assert!(
            stderr.contains("tokens chain here without a `,` or `;`")
                || stderr.contains("brackets nest deeper than 128 levels"),
            "{name}: {stderr}"
        );
        assert!(stderr.starts_with("error: deep.rs:"), "{name}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// What a real file may hold beside a declaration stays readable: a
/// builder chain of 300 calls, a long doc comment, many items.
#[test]
fn long_but_shallow_code_is_read() {
    let dir = temp_dir("shallow");
    let calls = times(".arg(\"x\")", 300);
    let docs = times("/// A line of the doc.\n", 2000);
    let items = times("fn f() {}\nstruct S;\n", 2000);
    let source = format!(
        "#[tracepoints::provider]\nmod net {{\n{docs}    fn fired(\n        /// An argument.\n        a: u8,\n    );\n}}\n\nfn other() {{\n    let _ = Command::new(\"x\"){calls};\n}}\n{items}"
    );
    std::fs::write(dir.join("shallow.rs"), source).unwrap();
    let output = gen_in(&dir, &["--out", "out", "shallow.rs"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let _ = std::fs::remove_dir_all(dir);
}
