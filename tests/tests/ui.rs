//! Compile-fail cases: every invalid declaration and call site is an error at
//! the offending token that says what to write instead. One case per file in
//! `tests/ui/`, each with its reviewed `.stderr`; cases whose message depends
//! on the probe backend live in `ui/native/` and `ui/usdt/`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    if cfg!(feature = "usdt") {
        t.compile_fail("ui/usdt/*.rs");
    } else {
        t.compile_fail("ui/native/*.rs");
    }
}
