//! Compile-fail cases: every invalid declaration and call site is an error at
//! the offending token that says what to write instead. One case per file in
//! `tests/ui/`, each with its reviewed `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
