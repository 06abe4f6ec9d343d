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

/// `struct net_inbound_connection`'s record as the C compiler lays it out:
/// `kind` (4 bytes, then 4 of padding), `id` at 8, `conn_type` (21 bytes)
/// at 16, `network` at 40, `existing` at 48, and its tail `addr` at 56,
/// cut 16 bytes into it (14 bytes and the NUL, rounded up to the
/// smallest class).
fn inbound_connection_record(network: u32) -> Vec<u8> {
    let mut record = vec![0u8; 56 + 16];
    record[..4].copy_from_slice(&events::NET_INBOUND_CONNECTION.to_ne_bytes());
    record[8..16].copy_from_slice(&(-3i64).to_ne_bytes());
    record[16..23].copy_from_slice(b"inbound");
    record[40..44].copy_from_slice(&network.to_ne_bytes());
    record[48..56].copy_from_slice(&u64::MAX.to_ne_bytes());
    record[56..70].copy_from_slice(b"127.0.0.1:8333");
    // What lies past the NUL is another event's bytes: never read.
    record[71] = b'x';
    record
}

#[test]
fn rust_event_structs_decode_a_record() {
    use events::*;
    let mut record = inbound_connection_record(1);
    let decoded = NetEvent::decode(&record).expect("decodes");
    assert_eq!(decoded.tracepoint(), "net:inbound_connection");
    assert_eq!(
        decoded.to_json(),
        r#"{"tracepoint":"net:inbound_connection","args":{"id":-3,"addr":"127.0.0.1:8333","conn_type":"inbound","network":1,"network_name":"ipv4","existing":18446744073709551615}}"#
    );
    let NetEvent::InboundConnection(event) = decoded else {
        panic!("not an inbound connection");
    };
    // The string borrowed from the record, up to its NUL.
    assert_eq!(event.addr, b"127.0.0.1:8333");
    assert_eq!(event.addr.as_ptr(), record[56..].as_ptr());
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
    let unnamed_record = inbound_connection_record(99);
    assert!(
        NetEvent::decode(&unnamed_record)
            .expect("decodes")
            .to_json()
            .contains(r#""network":99,"network_name":null,"#)
    );
    let mut whole = record.clone();
    whole.resize(56 + NET_INBOUND_CONNECTION_ADDR_MAX_LEN + 1, 0);
    assert!(NetEvent::decode(&whole).is_some(), "a whole record");
    assert!(
        NetEvent::decode(&record[..56 + 15]).is_some(),
        "up to the NUL"
    );
    assert!(
        NetEvent::decode(&record[..56 + 14]).is_none(),
        "a record without the string's NUL"
    );
    record[0] = 99;
    assert!(NetEvent::decode(&record).is_none(), "unknown kind");
}

#[test]
fn rust_event_structs_decode_a_record_cut_after_its_payload() {
    use events::*;
    // `struct net_inbound_message` as the C compiler lays it out: `kind`,
    // `peer_id` at 8, `addr` (261 bytes) at 16, `conn_type` and `msg_type`
    // (21 each) at 277 and 298, `msg_size` at 320 (aligned up from 319),
    // and its tail `msg` at 328.
    let (msg_size, at) = (320, 328);
    // A ping: 8 payload bytes, in a record with room for 16.
    let mut record = vec![0u8; at + 16];
    record[..4].copy_from_slice(&NET_INBOUND_MESSAGE.to_ne_bytes());
    record[msg_size..msg_size + 8].copy_from_slice(&8u64.to_ne_bytes());
    record[at..at + 8].copy_from_slice(b"\x01\x02\x03\x04\x05\x06\x07\x08");
    let NetEvent::InboundMessage(e) = NetEvent::decode(&record).expect("decodes") else {
        panic!("not an inbound message");
    };
    assert_eq!(e.msg(), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        e.msg.as_ptr(),
        record[at..].as_ptr(),
        "borrowed, not copied"
    );
    assert!(
        NetEvent::decode(&record[..at + 8]).is_some(),
        "exactly the payload"
    );
    assert!(
        NetEvent::decode(&record[..at + 7]).is_none(),
        "a record shorter than its payload"
    );
    // A payload longer than the cap is kept up to the cap.
    let mut block = vec![0u8; at + NET_INBOUND_MESSAGE_MSG_MAX_LEN];
    block[..4].copy_from_slice(&NET_INBOUND_MESSAGE.to_ne_bytes());
    block[msg_size..msg_size + 8].copy_from_slice(&40000u64.to_ne_bytes());
    let NetEvent::InboundMessage(e) = NetEvent::decode(&block).expect("decodes") else {
        panic!("not an inbound message");
    };
    assert_eq!(e.msg_size, 40000);
    assert_eq!(e.msg().len(), NET_INBOUND_MESSAGE_MSG_MAX_LEN);
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

/// The body of the C function that starts with `signature` in `source`, up
/// to its closing brace at the start of a line.
fn c_function<'a>(source: &'a str, signature: &str) -> &'a str {
    let start = source
        .find(signature)
        .unwrap_or_else(|| panic!("no `{signature}`"));
    let body = &source[start + signature.len()..];
    &body[..body.find("\n}\n").expect("a closing brace") + 3]
}

/// `tracepoints-trace`'s one BPF program is written by hand, not
/// generated: its wakeup policy must stay the generated programs' (the
/// same function but for the map names), or the two would cost the traced
/// program differently.
#[test]
fn the_generic_program_submits_as_the_generated_ones_do() {
    let generated = std::fs::read_to_string(
        workspace_root().join("examples/core-tracepoints/tracing/net.bpf.c"),
    )
    .unwrap();
    let generic =
        std::fs::read_to_string(workspace_root().join("tracer/src/bpf/trace.bpf.c")).unwrap();
    let generated = c_function(
        &generated,
        "static __always_inline __u64 net_wakeup_flags(__u64 size)",
    )
    .replace("&net_events", "&events")
    .replace("&net_wakeup", "&wakeup");
    let generic = c_function(
        &generic,
        "static __always_inline __u64 wakeup_flags(__u64 size)",
    );
    assert_eq!(generic, generated);
}
