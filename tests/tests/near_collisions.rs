//! Every name the checks accept yields readers that build and decode: the
//! near-collisions of `fixtures/near_collisions.rs` go through the BCC
//! module (Python `ctypes`), the Rust event types (compiled with rustc) and
//! the libbpf program (compiled with clang), each decoding one known event
//! per tracepoint.

use std::path::PathBuf;
use std::process::Command;
use tracepoints_gen::emit::{Origin, all_outputs};
use tracepoints_tests::e2e::missing_tools;
use tracepoints_tests::{skip, workspace_root};

/// The expected JSON of each tracepoint's known event.
const EXPECTED: &[&str] = &[
    r#"{"tracepoint":"near:x1","args":{"events":-5}}"#,
    r#"{"tracepoint":"near:x_2","args":{"kinds":true}}"#,
    r#"{"tracepoint":"near:a","args":{"b_d":"8 bytes!"}}"#,
    r#"{"tracepoint":"near:a_b","args":{"c":"01020304","ptr_value":18446744073709551615}}"#,
    r#"{"tracepoint":"near:event_kinds","args":{"n":7}}"#,
];

/// Every artifact of the declaration, in a directory of the test's own.
fn generated(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tracepoints-near-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source =
        std::fs::read_to_string(workspace_root().join("tests/fixtures/near_collisions.rs"))
            .unwrap();
    let providers =
        tracepoints_codegen::read_source(&source).expect("near collisions are accepted");
    let origin = Origin {
        source: "near_collisions.rs".into(),
        command: "test".into(),
    };
    for output in all_outputs(&providers, &origin, "log.bt", |_| 1) {
        std::fs::write(dir.join(&output.name), output.contents).unwrap();
    }
    dir
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("run");
    assert!(
        output.status.success(),
        "{command:?}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn bcc_module_decodes_each_tracepoint() {
    if let Some(reason) = missing_tools(&["/usr/bin/python3"]) {
        return skip(&reason);
    }
    let dir = generated("bcc");
    // Each class filled with known values, as the C program would, then
    // decoded by the module's own `decode` and `as_dict`.
    let script = r#"
import ctypes, json, sys
sys.path.insert(0, sys.argv[1])
import near_bcc as m
events = [
    m.NearX1(kind=m.NEAR_X1, events=-5),
    m.NearX2(kind=m.NEAR_X_2, kinds=1),
    m.NearA(kind=m.NEAR_A, b_d=b"8 bytes!"),
    m.NearAB(kind=m.NEAR_A_B, c=(ctypes.c_ubyte * 4)(1, 2, 3, 4), ptr_value=2**64 - 1),
    m.NearEventKinds(kind=m.NEAR_EVENT_KINDS, n=7),
]
for event in events:
    record = ctypes.create_string_buffer(bytes(event), ctypes.sizeof(event))
    name, decoded = m.decode(ctypes.addressof(record))
    print(json.dumps({"tracepoint": name, "args": m.as_dict(decoded)}, separators=(",", ":")))
"#;
    let out = run(Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .arg(&dir));
    assert_eq!(out.lines().collect::<Vec<_>>(), EXPECTED);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn rust_event_types_decode_each_tracepoint() {
    let dir = generated("rust");
    let main = r#"
include!("near_events.rs");

fn record<T>(event: T) -> Vec<u8> {
    let mut bytes = vec![0u8; std::mem::size_of::<T>()];
    unsafe { std::ptr::write_unaligned(bytes.as_mut_ptr().cast(), event) };
    bytes
}

fn main() {
    let mut b_d = [0u8; 9];
    b_d[..8].copy_from_slice(b"8 bytes!");
    let records = [
        record(NearX1 { kind: NEAR_X1, events: -5 }),
        record(NearX2 { kind: NEAR_X_2, kinds: 1 }),
        record(NearA { kind: NEAR_A, b_d }),
        record(NearAB { kind: NEAR_A_B, c: [1, 2, 3, 4], ptr_value: u64::MAX }),
        record(NearEventKinds { kind: NEAR_EVENT_KINDS, n: 7 }),
    ];
    for r in records {
        println!("{}", NearEvent::decode(&r).expect("decodes").to_json());
    }
}
"#;
    std::fs::write(dir.join("main.rs"), main).unwrap();
    let bin = dir.join("near");
    run(Command::new("rustc")
        .args(["--edition", "2024", "-o"])
        .arg(&bin)
        .arg(dir.join("main.rs")));
    let out = run(&mut Command::new(&bin));
    assert_eq!(out.lines().collect::<Vec<_>>(), EXPECTED);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn libbpf_program_compiles() {
    if let Some(reason) = missing_tools(&["clang", "/usr/include/bpf/usdt.bpf.h"]) {
        return skip(&reason);
    }
    let dir = generated("libbpf");
    let output = tracepoints_tests::compile_bpf(&dir.join("near.bpf.c"), &dir.join("near.bpf.o"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}
