//! `tracepoints-trace --nats` and `--metrics` against the real servers:
//! Debian's `nats-server` and `prometheus`, started here on 127.0.0.1 and
//! free ports. A subscriber of our own (the protocol's text lines, no
//! client crate) receives every fired event; Prometheus scrapes counts
//! equal to those of the fired log; a `nats-server` killed during a flood
//! costs the tracer nothing but what it counts as unpublished.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tracepoints_codegen::model::{Provider, Unit};
use tracepoints_tests::e2e::{
    ATTACH_TIMEOUT, Node, Process, READER_EXIT_TIMEOUT, assert_same_events, built_providers,
    declared, events_of, json_integer, json_value, poll, tracer_test,
};
use tracepoints_tests::servers::{NatsServer, Prometheus, Subscriber, free_port};
use tracepoints_tests::{core_replay, p2p_node, tracepoints_trace};

/// How long published events may take to reach the subscriber, and
/// Prometheus to scrape the last counts (it scrapes every second).
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);

const TOOLS: [&str; 4] = ["clang", "taskset", "pkg-config", "nats-server"];

/// What the subscriber tests also need: Python's JSON Schema validator.
const VALIDATOR: &str = "/usr/lib/python3/dist-packages/jsonschema";

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The JSON line a tracer ends with (`{"lost":...,"published":...}`).
fn closing_line(tracer: &Process) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&tracer.stdout()).into_owned();
    let last = stdout
        .lines()
        .last()
        .unwrap_or_else(|| panic!("printed nothing: {}", tracer.seen()));
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {last:?}: {}", tracer.seen()))
}

/// `tracepoints-trace BINARY ARGS...`.
fn trace(binary: &Path, args: &[&str]) -> Process {
    Process::spawn(Command::new(tracepoints_trace()).arg(binary).args(args))
}

/// What `subscriber` received, checked against `fired`: each event on
/// `prefix.<provider>.<tracepoint>`, from node `node`, stamped between
/// `since` and now, and every provider's events as fired, field by field,
/// in order (one tracer's ring per provider keeps it, and one connection
/// keeps what it publishes in order).
fn assert_received(
    providers: &[Provider],
    fired: &[serde_json::Value],
    received: &[(String, serde_json::Value)],
    (prefix, node, since): (&str, &str, u128),
) {
    let until = now_ns();
    for (subject, event) in received {
        let name = event["tracepoint"].as_str().expect("a tracepoint name");
        assert_eq!(
            subject,
            &format!("{prefix}.{}", name.replace(':', ".")),
            "{event}"
        );
        assert_eq!(event["node"], node, "{event}");
        let time = event["time_unix_ns"].as_u64().expect("time_unix_ns") as u128;
        assert!(
            since <= time && time <= until,
            "time_unix_ns out of the test's time: {event}"
        );
    }
    let read: Vec<serde_json::Value> = received.iter().map(|(_, e)| e.clone()).collect();
    for provider in providers {
        assert_same_events(
            std::slice::from_ref(provider),
            &events_of(&provider.name, fired),
            &events_of(&provider.name, &read),
            &format!("NATS subscriber, {}", provider.name),
        );
    }
    assert_eq!(read.len(), fired.len(), "received, fired");
}

/// Traces `node` (running `binary`) with `--nats` and checks that a
/// subscriber received every event it fired.
fn publish_node(mut node: Node, binary: &Path, tag: &str) {
    let server = NatsServer::start(free_port());
    let subscriber = Subscriber::connect(server.port(), "fleet.>");
    let since = now_ns();
    let pid = node.pid().to_string();
    let url = server.url();
    let mut tracer = trace(
        binary,
        &[
            "--pid",
            &pid,
            "--nats",
            &url,
            "--subject",
            "fleet",
            "--node",
            tag,
            "--format",
            "none",
        ],
    );
    tracer.wait_for("Attached", ATTACH_TIMEOUT);
    node.go();
    let fired = node.wait();
    tracer.finish(READER_EXIT_TIMEOUT);
    let closing = closing_line(&tracer);
    assert_eq!(closing["lost"], 0, "{}", tracer.seen());
    assert_eq!(closing["unpublished"], 0, "{}", tracer.seen());
    assert_eq!(closing["published"], fired.len(), "{}", tracer.seen());
    assert!(
        subscriber.wait_for(fired.len(), DELIVERY_TIMEOUT),
        "the subscriber received {} of {} events",
        subscriber.count(),
        fired.len()
    );
    // Anything more would have come with the rest: the tracer has flushed.
    assert_received(
        &built_providers(),
        &fired,
        &subscriber.json(),
        ("fleet", tag, since),
    );
    assert!(!fired.is_empty(), "{tag} fired nothing");
    assert_valid(binary, &subscriber.messages());
    eprintln!("{tag}: {} events through nats-server", fired.len());
}

/// Every received event is valid, for Python's `jsonschema` (a validator
/// of another language, as a subscriber would use), against the schema
/// `tracepoints-trace list --schema` prints for `binary` and against its
/// provider's generated `<provider>.schema.json`.
fn assert_valid(binary: &Path, messages: &[(String, Vec<u8>)]) {
    let listed = Command::new(tracepoints_trace())
        .args(["list".as_ref(), "--schema".as_ref(), binary.as_os_str()])
        .output()
        .expect("run tracepoints-trace list --schema");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let schema = std::env::temp_dir().join(format!("fleet-schema-{}.json", std::process::id()));
    std::fs::write(&schema, &listed.stdout).unwrap();
    let script = r#"
import json, pathlib, sys
import jsonschema
listed = json.loads(pathlib.Path(sys.argv[1]).read_text())
files = {}
count = 0
for line in sys.stdin:
    event = json.loads(line)
    provider = event["tracepoint"].split(":")[0]
    if provider not in files:
        path = pathlib.Path(sys.argv[2]) / (provider + ".schema.json")
        files[provider] = json.loads(path.read_text())
    for schema in (listed, files[provider]):
        jsonschema.validate(event, schema, cls=jsonschema.Draft202012Validator)
    count += 1
print("valid", count)
"#;
    let mut python = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .arg(tracepoints_tests::workspace_root().join(tracepoints_tests::e2e::TRACING))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run /usr/bin/python3");
    let mut lines = Vec::new();
    for (_, payload) in messages {
        lines.extend_from_slice(payload);
        lines.push(b'\n');
    }
    std::io::Write::write_all(python.stdin.as_mut().unwrap(), &lines).unwrap();
    drop(python.stdin.take());
    let output = python.wait_with_output().unwrap();
    let _ = std::fs::remove_file(&schema);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("valid {}", messages.len()),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_subscriber_receives_every_event_of_the_node() {
    let Some(_guard) = tracer_test(&[&TOOLS[..], &[VALIDATOR]].concat()) else {
        return;
    };
    publish_node(Node::start("fleet-demo", true), p2p_node(), "demo-node");
}

#[test]
fn a_subscriber_receives_every_event_of_core_replay() {
    let Some(_guard) = tracer_test(&[&TOOLS[..], &[VALIDATOR]].concat()) else {
        return;
    };
    publish_node(Node::replay("fleet-replay"), core_replay(), "replay-node");
}

/// A copy of `core-replay` of this test's own, so that a tracer attached
/// by path sees no other test's process.
fn own_core_replay(tag: &str) -> PathBuf {
    let copy = std::env::temp_dir().join(format!("core-replay-{tag}-{}", std::process::id()));
    std::fs::copy(core_replay(), &copy).expect("copy core-replay");
    copy
}

/// The address a tracer serves its metrics at, from what it printed.
fn metrics_address(tracer: &mut Process) -> String {
    tracer.wait_for("Serving metrics at http://", ATTACH_TIMEOUT);
    let stderr = tracer.stderr();
    let rest = stderr
        .split("Serving metrics at http://")
        .nth(1)
        .expect("printed");
    rest.split("/metrics").next().unwrap().to_string()
}

/// The histogram suffix and scale of `unit` (`None` for a point in time,
/// whose age histogram has no sum the test can know).
fn histogram(unit: Unit) -> (&'static str, Option<f64>) {
    match unit {
        Unit::Nanoseconds => ("_seconds", Some(1e-9)),
        Unit::Microseconds => ("_seconds", Some(1e-6)),
        Unit::Milliseconds => ("_seconds", Some(1e-3)),
        Unit::Seconds => ("_seconds", Some(1.0)),
        Unit::UnixSeconds => ("_age_seconds", None),
        Unit::Bytes => ("_bytes", Some(1.0)),
        Unit::VirtualBytes => ("_vbytes", Some(1.0)),
        Unit::WeightUnits => ("_weight_units", Some(1.0)),
        Unit::Satoshis => ("_satoshis", Some(1.0)),
    }
}

/// A series as `name{label="value",...}`, labels sorted.
fn series(name: &str, labels: &[(&str, &str)]) -> String {
    let mut labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    labels.sort();
    format!("{name}{{{}}}", labels.join(","))
}

/// Every counter, histogram count and histogram sum the metrics of
/// `providers` should hold after `fired`, by the rules of the tracer's
/// docs: events per tracepoint (nothing lost or unpublished), a counter
/// per named value (an unnamed one by its number), and per argument with
/// a unit a histogram of as many values as events, summing them in the
/// Prometheus base unit.
fn expected_metrics(providers: &[Provider], fired: &[serde_json::Value]) -> BTreeMap<String, f64> {
    let mut expected = BTreeMap::new();
    for provider in providers {
        for t in &provider.tracepoints {
            let labels = [
                ("provider", provider.name.as_str()),
                ("tracepoint", t.name.as_str()),
            ];
            let name = format!("tracepoints_{}_{}", provider.name, t.name);
            for counter in ["events", "lost", "unpublished"] {
                expected.insert(
                    series(&format!("tracepoints_{counter}_total"), &labels),
                    0.0,
                );
            }
            for arg in &t.args {
                for v in &arg.values {
                    let key = series(
                        &format!("{name}_{}_total", arg.name),
                        &[(&arg.name, &v.name)],
                    );
                    expected.insert(key, 0.0);
                }
                if let Some(unit) = arg.unit {
                    let (suffix, scale) = histogram(unit);
                    let base = format!("{name}_{}{suffix}", arg.name);
                    expected.insert(series(&format!("{base}_count"), &[]), 0.0);
                    if scale.is_some() {
                        expected.insert(series(&format!("{base}_sum"), &[]), 0.0);
                    }
                }
            }
        }
    }
    for event in fired {
        let (name, t) = declared(providers, event);
        let (provider, tracepoint) = name.split_once(':').unwrap();
        let labels = [("provider", provider), ("tracepoint", tracepoint)];
        *expected
            .get_mut(&series("tracepoints_events_total", &labels))
            .unwrap() += 1.0;
        let base = format!("tracepoints_{provider}_{tracepoint}");
        for arg in &t.args {
            let Some(value) = json_integer(&json_value(arg, t, &event["args"])) else {
                continue;
            };
            if !arg.values.is_empty() {
                let label = arg
                    .value_name(value)
                    .map_or(value.to_string(), str::to_string);
                let key = series(
                    &format!("{base}_{}_total", arg.name),
                    &[(&arg.name, &label)],
                );
                *expected.entry(key).or_default() += 1.0;
            }
            if let Some(unit) = arg.unit {
                let (suffix, scale) = histogram(unit);
                let name = format!("{base}_{}{suffix}", arg.name);
                *expected
                    .get_mut(&series(&format!("{name}_count"), &[]))
                    .unwrap() += 1.0;
                if let Some(scale) = scale {
                    *expected
                        .get_mut(&series(&format!("{name}_sum"), &[]))
                        .unwrap() += value as f64 * scale;
                }
            }
        }
    }
    expected
}

/// What Prometheus holds now of every counter and histogram count and sum
/// of the tracer's metrics (but the age sums), by series.
fn scraped(prometheus: &Prometheus) -> BTreeMap<String, f64> {
    prometheus
        .query(r#"{job="tracepoints",__name__=~"tracepoints_.+(_total|_count|_sum)"}"#)
        .into_iter()
        .filter_map(|(metric, value)| {
            let object = metric.as_object()?;
            let name = object["__name__"].as_str()?;
            if name.ends_with("_age_seconds_sum") {
                return None;
            }
            let labels: Vec<(&str, &str)> = object
                .iter()
                .filter(|(k, _)| !["__name__", "job", "instance"].contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()))
                .collect();
            Some((series(name, &labels), value))
        })
        .collect()
}

/// Whether two metric maps hold the same series with values equal but for
/// floating-point rounding.
fn same_metrics(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((ka, va), (kb, vb))| {
            ka == kb && (va - vb).abs() <= 1e-9 * va.abs().max(vb.abs()).max(1.0)
        })
}

#[test]
fn prometheus_scrapes_the_counts_of_the_fired_log() {
    let Some(_guard) = tracer_test(&["clang", "taskset", "pkg-config", "prometheus"]) else {
        return;
    };
    let binary = own_core_replay("metrics");
    let mut tracer = trace(&binary, &["--metrics", "127.0.0.1:0", "--format", "none"]);
    let addr = metrics_address(&mut tracer);
    tracer.wait_for("Attached", ATTACH_TIMEOUT);
    let prometheus = Prometheus::start(&addr);
    let mut node = Node::replay_binary("fleet-metrics", &binary);
    node.go();
    let fired = node.wait();
    let expected = expected_metrics(&built_providers(), &fired);
    let mut seen = BTreeMap::new();
    let same = poll(DELIVERY_TIMEOUT, || {
        seen = scraped(&prometheus);
        same_metrics(&seen, &expected)
    });
    tracer.stop();
    let _ = std::fs::remove_file(&binary);
    if !same {
        let differ: Vec<String> = expected
            .iter()
            .filter(|(k, v)| seen.get(*k) != Some(v))
            .map(|(k, v)| format!("{k}: expected {v}, scraped {:?}", seen.get(k)))
            .chain(
                seen.keys()
                    .filter(|k| !expected.contains_key(*k))
                    .map(|k| format!("{k}: scraped, not expected")),
            )
            .collect();
        panic!(
            "Prometheus did not scrape the fired counts:\n{}",
            differ.join("\n")
        );
    }
    assert_eq!(closing_line(&tracer)["lost"], 0, "{}", tracer.seen());
    assert!(!fired.is_empty());
    eprintln!(
        "Prometheus scraped {} series equal to {} fired events",
        expected.len(),
        fired.len()
    );
}

/// `core-replay --flood SECONDS --rate RATE --events pings` on CPU 0,
/// waiting for its go-ahead line.
fn flood(seconds: u32, rate: u32) -> Process {
    let mut node = Process::spawn(
        Command::new("taskset")
            .args(["-c", "0"])
            .arg(core_replay())
            .args(["--wait", "--flood", &seconds.to_string()])
            .args(["--rate", &rate.to_string(), "--events", "pings"])
            .stdin(std::process::Stdio::piped()),
    );
    node.wait_for("waiting for a line", ATTACH_TIMEOUT);
    node
}

/// The count of `series` (a metric and its labels as the exposition
/// writes them) in the tracer's own `/metrics` now.
fn exposed(addr: &str, series: &str) -> f64 {
    let (_, body) =
        tracepoints_tests::servers::http_get(addr, "/metrics").unwrap_or_else(|e| panic!("{e}"));
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in {body}"))
}

/// `nats-server` killed during a flood of pings and started again on its
/// port: the tracer keeps tracing (its ring loses nothing), counts what
/// its queue cannot hold as unpublished, reconnects and publishes again;
/// what it published and what it counted add up to what was fired. The
/// queue (1 MiB) holds what one poll of the ring brings at 10,000 pings a
/// second, not what comes in the second or so the server is away.
#[test]
fn a_killed_nats_server_costs_only_what_is_counted() {
    let Some(_guard) = tracer_test(&TOOLS) else {
        return;
    };
    let port = free_port();
    let server = NatsServer::start(port);
    let first = Subscriber::connect(port, "flood.>");
    let mut node = flood(10, 10_000);
    let pid = node.id().to_string();
    let url = server.url();
    let mut tracer = trace(
        core_replay(),
        &[
            "--pid",
            &pid,
            "--provider",
            "net",
            "--nats",
            &url,
            "--subject",
            "flood",
            "--nats-queue",
            "1M",
            "--metrics",
            "127.0.0.1:0",
            "--format",
            "none",
        ],
    );
    let addr = metrics_address(&mut tracer);
    tracer.wait_for("Attached", ATTACH_TIMEOUT);
    tracer.wait_for("NATS: connected", ATTACH_TIMEOUT);
    node.write_line("go");
    assert!(first.wait_for(500, DELIVERY_TIMEOUT), "no pings published");
    server.kill();
    let unpublished =
        r#"tracepoints_unpublished_total{provider="net",tracepoint="inbound_message"}"#;
    assert!(
        poll(DELIVERY_TIMEOUT, || exposed(&addr, unpublished) > 0.0),
        "nothing counted unpublished while nats-server was gone: {}",
        tracer.seen()
    );
    let _server = NatsServer::start(port);
    let second = Subscriber::connect(port, "flood.>");
    tracer.wait_for_times("NATS: connected", 2, DELIVERY_TIMEOUT);
    assert!(
        second.wait_for(1, DELIVERY_TIMEOUT),
        "nothing published after nats-server came back: {}",
        tracer.seen()
    );
    assert_accounted(node, tracer, [first, second]);
}

/// Checks, once the flood of `node` (traced by `tracer`, with
/// `subscribers` before and after the server's restart) is over, that the
/// tracer exited well, lost nothing, counted some events unpublished and
/// published the rest.
fn assert_accounted(mut node: Process, mut tracer: Process, subscribers: [Subscriber; 2]) {
    assert!(
        node.exits_within(DELIVERY_TIMEOUT),
        "core-replay did not finish"
    );
    let fired: u64 = String::from_utf8_lossy(&node.stdout())
        .lines()
        .find_map(|l| l.strip_prefix("fired ")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `fired N`: {}", node.seen()));
    let status = tracer.finish(READER_EXIT_TIMEOUT);
    assert!(status.success(), "{}", tracer.seen());
    let closing = closing_line(&tracer);
    let count = |key: &str| {
        closing[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key}: {closing}"))
    };
    assert_eq!(count("lost"), 0, "{closing}");
    assert!(count("unpublished") > 0, "{closing}");
    assert_eq!(
        count("published") + count("unpublished"),
        fired,
        "{closing}"
    );
    let [first, second] = subscribers.map(|s| s.count() as u64);
    let received = first + second;
    assert!(
        received <= count("published"),
        "received {received}: {closing}"
    );
    eprintln!(
        "fired {fired}, published {}, unpublished {}, received {received} ({first} before the kill, {second} after)",
        count("published"),
        count("unpublished"),
    );
}
