//! The ABI lock: each pair (`abi/base.rs`, `abi/KIND.rs`) changes the
//! declaration in one way; regenerating over the base's ABI file classifies
//! the change, refuses a breaking one unless `--accept-breaking` raises
//! `abi_version`, and `abi-diff` agrees.

mod common;

use common::{gen_in, temp_dir, text};
use std::path::{Path, PathBuf};

/// A directory holding `decl.rs` = `abi/BASE.rs` and its generated
/// `out/`: `base`, or `values_base` for the changes of named values and
/// units.
fn generated_base(kind: &str) -> PathBuf {
    let dir = temp_dir(&format!("abi-{kind}"));
    let base = if kind.starts_with("value") || kind.starts_with("unit") {
        "values_base"
    } else {
        "base"
    };
    declare(&dir, base);
    let output = gen_in(&dir, &["--out", "out", "decl.rs"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    dir
}

fn declare(dir: &Path, fixture: &str) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/abi")
        .join(format!("{fixture}.rs"));
    std::fs::copy(source, dir.join("decl.rs")).unwrap();
}

fn abi_file(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("out/net.abi.json")).unwrap()
}

/// A breaking change: refused (nothing written), accepted with
/// `--accept-breaking` at abi_version 2, and `abi-diff` passes only with the
/// bump.
fn breaking(kind: &str, expected: &[&str]) {
    let dir = generated_base(kind);
    let old = abi_file(&dir);
    std::fs::write(dir.join("old.json"), &old).unwrap();
    declare(&dir, kind);

    let refused = gen_in(&dir, &["--out", "out", "decl.rs"]);
    assert!(!refused.status.success(), "{kind}: not refused");
    let stderr = text(&refused.stderr);
    for line in expected {
        assert!(
            stderr.contains(&format!("error: out/net.abi.json: breaking: {line}\n")),
            "{kind}: expected {line:?} in:\n{stderr}"
        );
    }
    assert!(
        stderr.contains(
            "nothing written; keep the old ABI, or pass --accept-breaking to record abi_version 2"
        ),
        "{stderr}"
    );
    assert_eq!(
        abi_file(&dir),
        old,
        "{kind}: the refused run wrote the ABI file"
    );

    let accepted = gen_in(&dir, &["--out", "out", "--accept-breaking", "decl.rs"]);
    assert!(accepted.status.success(), "{}", text(&accepted.stderr));
    let new = abi_file(&dir);
    assert!(new.contains("\"abi_version\": 2,"), "{new}");
    let check = gen_in(&dir, &["--check", "--out", "out", "decl.rs"]);
    assert!(check.status.success(), "{}", text(&check.stderr));

    let diff = gen_in(&dir, &["abi-diff", "old.json", "out/net.abi.json"]);
    assert!(diff.status.success(), "{}", text(&diff.stderr));
    let stdout = text(&diff.stdout);
    let breaking_lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("breaking: "))
        .collect();
    let expected_lines: Vec<String> = expected.iter().map(|l| format!("breaking: {l}")).collect();
    assert_eq!(breaking_lines, expected_lines, "{kind}");
    assert!(text(&diff.stderr).contains("acknowledged (abi_version 1 -> 2)"));

    // The same change without the bump fails.
    std::fs::write(
        dir.join("unbumped.json"),
        new.replace("\"abi_version\": 2,", "\"abi_version\": 1,"),
    )
    .unwrap();
    let diff = gen_in(&dir, &["abi-diff", "old.json", "unbumped.json"]);
    assert!(
        !diff.status.success(),
        "{kind}: abi-diff passed without a bump"
    );
    assert!(
        text(&diff.stderr).contains("not acknowledged (abi_version 1 -> 1)"),
        "{}",
        text(&diff.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A compatible change: written at the same abi_version, reported.
fn compatible(kind: &str, expected: &[&str]) {
    let dir = generated_base(kind);
    std::fs::write(dir.join("old.json"), abi_file(&dir)).unwrap();
    declare(&dir, kind);
    let output = gen_in(&dir, &["--out", "out", "decl.rs"]);
    assert!(output.status.success(), "{kind}: {}", text(&output.stderr));
    let reported: Vec<String> = text(&output.stdout).lines().map(String::from).collect();
    let expected_lines: Vec<String> = expected
        .iter()
        .map(|l| format!("out/net.abi.json: compatible: {l}"))
        .collect();
    assert_eq!(reported, expected_lines, "{kind}");
    assert!(abi_file(&dir).contains("\"abi_version\": 1,"));
    let diff = gen_in(&dir, &["abi-diff", "old.json", "out/net.abi.json"]);
    assert!(diff.status.success(), "{}", text(&diff.stderr));
    assert!(text(&diff.stderr).contains(", 0 breaking (abi_version 1 -> 1)"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn tracepoint_removed() {
    breaking(
        "tracepoint_removed",
        &[
            "net:misbehaving_connection: tracepoint removed or renamed: tracers attached to it fail to attach",
        ],
    );
}

#[test]
fn argument_removed() {
    breaking(
        "argument_removed",
        &[
            "net:inbound_connection: argument 4 `existing`: removed: tracers reading it read garbage",
        ],
    );
}

#[test]
fn argument_reordered() {
    breaking(
        "argument_reordered",
        &[
            "net:inbound_connection: argument 3 `network`: reordered: now argument 4; tracers read it by position",
            "net:inbound_connection: argument 3 `network`: resized: 4 -> 8 bytes (`u32` -> `u64`)",
            "net:inbound_connection: argument 4 `existing`: reordered: now argument 3; tracers read it by position",
            "net:inbound_connection: argument 4 `existing`: resized: 8 -> 4 bytes (`u64` -> `u32`)",
        ],
    );
}

#[test]
fn argument_retyped() {
    breaking(
        "argument_retyped",
        &[
            "net:inbound_connection: argument 2 `addr`: retyped: `&str` -> `&[u8]`",
            "net:inbound_connection: argument 2 `addr`: length source changed: #[max_len(68)] -> #[len(68)]",
        ],
    );
}

#[test]
fn argument_resized() {
    breaking(
        "argument_resized",
        &["net:inbound_connection: argument 3 `network`: resized: 4 -> 8 bytes (`u32` -> `u64`)"],
    );
}

#[test]
fn sign_changed() {
    breaking(
        "sign_changed",
        &["net:inbound_connection: argument 4 `existing`: sign changed: `u64` -> `i64`"],
    );
}

#[test]
fn length_shrunk() {
    breaking(
        "length_shrunk",
        &[
            "net:inbound_connection: argument 2 `addr`: length shrunk: #[max_len(68)] -> #[max_len(32)]; readers sized for the old length cut or misread",
        ],
    );
}

#[test]
fn tracepoint_added() {
    compatible(
        "tracepoint_added",
        &["net:closed_connection: tracepoint added"],
    );
}

#[test]
fn argument_appended() {
    compatible(
        "argument_appended",
        &[
            "net:inbound_connection: argument 5 `conn_type`: appended: tracers of the old ABI do not read it",
        ],
    );
}

#[test]
fn length_grown() {
    compatible(
        "length_grown",
        &[
            "net:misbehaving_connection: argument 2 `message`: length grown: #[max_len(128)] -> #[max_len(199)]",
        ],
    );
}

#[test]
fn docs_changed() {
    compatible("docs_changed", &["net:inbound_connection: doc changed"]);
}

#[test]
fn argument_renamed() {
    compatible(
        "argument_renamed",
        &[
            "net:inbound_connection: argument 4 `existing`: renamed `inbound`: same position and type, but decoders' field names change",
        ],
    );
}

#[test]
fn unchanged_declaration_reports_nothing() {
    let dir = generated_base("unchanged");
    let output = gen_in(&dir, &["--out", "out", "decl.rs"]);
    assert!(output.status.success());
    assert_eq!(text(&output.stdout), "");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unreadable_abi_file_is_an_error_not_overwritten() {
    let dir = generated_base("unreadable");
    std::fs::write(dir.join("out/net.abi.json"), "{ not json").unwrap();
    let output = gen_in(&dir, &["--out", "out", "decl.rs"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("error: out/net.abi.json: not JSON: "),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(abi_file(&dir), "{ not json");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn abi_diff_of_two_providers_is_an_error() {
    let dir = generated_base("providers");
    let other = abi_file(&dir).replace("\"provider\": \"net\"", "\"provider\": \"mempool\"");
    std::fs::write(dir.join("other.json"), other).unwrap();
    let output = gen_in(&dir, &["abi-diff", "out/net.abi.json", "other.json"]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("describes provider `net`, other.json provider `mempool`")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn length_argument_changed() {
    breaking(
        "length_argument_changed",
        &["net:inbound_message: argument 4 `msg`: length argument changed: `msg_size` -> `read`"],
    );
}

#[test]
fn display_changed() {
    compatible(
        "display_changed",
        &[
            "net:inbound_message: argument 1 `txid`: display changed: hash -> hex (the bytes passed are the same; readers show them differently)",
        ],
    );
}

#[test]
fn values_named_and_unit_given() {
    compatible(
        "value_added",
        &[
            "net:closed_connection: argument 2 `established`: unit `unix_s` given",
            "net:closed_connection: argument 3 `network`: value 3 named `onion`",
        ],
    );
}

#[test]
fn value_removed() {
    breaking(
        "value_removed",
        &[
            "net:closed_connection: argument 3 `network`: value 2 `ipv6` removed: readers now print it as a number",
        ],
    );
}

#[test]
fn value_renamed() {
    breaking(
        "value_renamed",
        &["net:closed_connection: argument 3 `network`: value 1 renamed: `ipv4` -> `v4`"],
    );
}

#[test]
fn value_renumbered() {
    breaking(
        "value_renumbered",
        &["net:closed_connection: argument 3 `network`: value `ipv4` renumbered: 1 -> 4"],
    );
}

#[test]
fn unit_changed() {
    breaking(
        "unit_changed",
        &[
            "net:closed_connection: argument 1 `duration`: unit changed: `us` -> `ns`; the same number now means another quantity",
        ],
    );
}
