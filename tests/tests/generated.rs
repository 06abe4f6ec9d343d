//! The committed artifacts in `examples/core-tracepoints/tracing/` match the
//! declaration, the generated C compiles, and the generated Rust event
//! structs decode what the C structs hold.

use tracepoints_tests::workspace_root;

/// The command in the README that regenerates the example's artifacts.
const GEN_ARGS: &[&str] = &[
    "--out",
    "examples/core-tracepoints/tracing",
    "--log-script",
    "log_p2p_connections.bt",
    "examples/core-tracepoints/src/providers.rs",
];

#[test]
fn committed_artifacts_are_up_to_date() {
    let mut args = vec!["--check"];
    args.extend_from_slice(GEN_ARGS);
    let report = tracepoints_tests::tracepoints_gen(&args);
    assert!(
        report.ok(),
        "generated files are stale; regenerate with `cargo run -p tracepoints-gen -- {}`:\n{}",
        GEN_ARGS.join(" "),
        report.errors.join("\n")
    );
}

#[test]
fn libbpf_programs_compile_with_clang() {
    if let Some(reason) =
        tracepoints_tests::e2e::missing_tools(&["clang", "/usr/include/bpf/usdt.bpf.h"])
    {
        return tracepoints_tests::skip(&reason);
    }
    // The examples' committed programs, and the edge-case declaration's
    // (every type, byte buffers, no arguments, hostile docs).
    let dir = std::env::temp_dir().join(format!("tracepoints-clang-{}", std::process::id()));
    tracepoints_tests::write_edge_outputs(&dir);
    let examples = [
        "net",
        "validation",
        "utxocache",
        "coin_selection",
        "mempool",
    ]
    .map(|p| workspace_root().join(format!("examples/core-tracepoints/tracing/{p}.bpf.c")));
    for program in examples.into_iter().chain([dir.join("edge.bpf.c")]) {
        let output = tracepoints_tests::compile_bpf(&program, &dir.join("out.o"));
        assert!(
            output.status.success(),
            "clang failed on {}:\n{}",
            program.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[allow(dead_code)]
mod events {
    include!("../../examples/core-tracepoints/tracing/net_events.rs");
}

#[test]
fn rust_event_structs_decode_a_record() {
    use events::*;
    let mut addr = [0u8; NET_INBOUND_CONNECTION_ADDR_MAX_LEN + 1];
    addr[..14].copy_from_slice(b"127.0.0.1:8333");
    let mut conn_type = [0u8; NET_INBOUND_CONNECTION_CONN_TYPE_MAX_LEN + 1];
    conn_type[..7].copy_from_slice(b"inbound");
    let event = NetInboundConnection {
        kind: NET_INBOUND_CONNECTION,
        id: -3,
        addr,
        conn_type,
        network: 1,
        existing: u64::MAX,
    };
    // The bytes a ring-buffer record holds (C layout, padding included),
    // cut as the program cuts it: 16 bytes into `addr`, its last field
    // (14 bytes and the NUL, rounded up to the smallest class).
    let size = std::mem::size_of::<NetInboundConnection>();
    let mut whole = vec![0u8; size];
    unsafe { std::ptr::write_unaligned(whole.as_mut_ptr().cast(), event) };
    let at = std::mem::offset_of!(NetInboundConnection, addr);
    assert!(
        at > std::mem::offset_of!(NetInboundConnection, existing),
        "addr is last"
    );
    let mut record = whole[..at + 16].to_vec();
    let decoded = NetEvent::decode(&record).expect("decodes");
    assert_eq!(decoded.tracepoint(), "net:inbound_connection");
    assert_eq!(
        decoded.to_json(),
        r#"{"tracepoint":"net:inbound_connection","args":{"id":-3,"addr":"127.0.0.1:8333","conn_type":"inbound","network":1,"network_name":"ipv4","existing":18446744073709551615}}"#
    );
    // The named value, typed; a value without a name is one too.
    assert_eq!(event.network(), NetInboundConnectionNetwork::Ipv4);
    assert_eq!(event.network().name(), Some("ipv4"));
    let unnamed = NetInboundConnection {
        network: 99,
        ..event
    };
    assert_eq!(unnamed.network(), NetInboundConnectionNetwork::Unnamed(99));
    assert_eq!(unnamed.network().value(), 99);
    assert!(
        NetEvent::InboundConnection(unnamed)
            .to_json()
            .contains(r#""network":99,"network_name":null,"#)
    );
    assert!(NetEvent::decode(&whole).is_some(), "a whole record");
    assert!(
        NetEvent::decode(&record[..at + 15]).is_some(),
        "up to the NUL"
    );
    assert!(
        NetEvent::decode(&record[..at + 14]).is_none(),
        "a record without the string's NUL"
    );
    record[0] = 99;
    assert!(NetEvent::decode(&record).is_none(), "unknown kind");
}

#[test]
fn rust_event_structs_decode_a_record_cut_after_its_payload() {
    use events::*;
    let at = std::mem::offset_of!(NetInboundMessage, msg);
    let size = std::mem::size_of::<NetInboundMessage>();
    // A ping: 8 payload bytes, in a record with room for 16.
    let mut record = vec![0u8; at + 16];
    record[..4].copy_from_slice(&NET_INBOUND_MESSAGE.to_ne_bytes());
    let msg_size = std::mem::offset_of!(NetInboundMessage, msg_size);
    record[msg_size..msg_size + 8].copy_from_slice(&8u64.to_ne_bytes());
    record[at..at + 8].copy_from_slice(b"\x01\x02\x03\x04\x05\x06\x07\x08");
    assert!(
        record.len() * 50 < size,
        "the record is a fraction of the struct"
    );
    let NetEvent::InboundMessage(e) = NetEvent::decode(&record).expect("decodes") else {
        panic!("not an inbound message");
    };
    assert_eq!(e.msg(), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert!(
        NetEvent::decode(&record[..at + 8]).is_some(),
        "exactly the payload"
    );
    assert!(
        NetEvent::decode(&record[..at + 7]).is_none(),
        "a record shorter than its payload"
    );
}

/// Every BCC module's classes carry each integer's unit and named values
/// as declared: Python itself reads them from the committed modules.
#[test]
fn python_classes_carry_units_and_named_values() {
    let dir = workspace_root().join("examples/core-tracepoints/tracing");
    for provider in tracepoints_tests::e2e::core_providers() {
        let names = tracepoints_codegen::names::python::Names::of(&provider);
        // One line per argument with a unit or values: `class field unit
        // values`, as the module's tables hold them.
        let mut expected = String::new();
        for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
            for (arg, field) in tracepoint.args.iter().zip(&t.fields) {
                if arg.unit.is_none() && arg.values.is_empty() {
                    continue;
                }
                let values: Vec<String> = arg
                    .values
                    .iter()
                    .map(|v| format!("{}={}", v.value, v.name))
                    .collect();
                expected.push_str(&format!(
                    "{} {field} {} {}\n",
                    t.class,
                    arg.unit.map_or("-", |u| u.symbol()),
                    values.join(",")
                ));
            }
        }
        let script = format!(
            "import importlib.util\n\
             spec = importlib.util.spec_from_file_location('m', {:?})\n\
             m = importlib.util.module_from_spec(spec)\n\
             spec.loader.exec_module(m)\n\
             for _, (_, cls) in sorted(m.{}.items()):\n\
             \x20   for field in cls._args_:\n\
             \x20       unit = cls._units_.get(field, '-')\n\
             \x20       key, names = cls._values_.get(field, (None, {{}}))\n\
             \x20       if unit == '-' and not names:\n\
             \x20           continue\n\
             \x20       if names:\n\
             \x20           assert key == field + '_name', key\n\
             \x20       shown = ','.join('%d=%s' % kv for kv in names.items())\n\
             \x20       print(cls.__name__, field, unit, shown)\n",
            dir.join(format!("{}_bcc.py", provider.name))
                .display()
                .to_string(),
            names.events
        );
        let output = std::process::Command::new("python3")
            .args(["-c", &script])
            .output()
            .expect("run python3");
        assert!(
            output.status.success(),
            "{}: {}",
            provider.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let printed = String::from_utf8_lossy(&output.stdout);
        assert_eq!(printed, expected, "{}", provider.name);
    }
}
