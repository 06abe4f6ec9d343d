//! Comparing what a reader printed with what was expected, failing with a
//! message that shows where they part.

use super::expected::{declared, json_integer, json_value};
use tracepoints_codegen::model::Provider;

/// Compares JSON events read by a tracer with the fired ones, field by
/// field, as [`json_value`] says the reader shows each.
pub fn assert_same_events(
    providers: &[Provider],
    fired: &[serde_json::Value],
    read: &[serde_json::Value],
    tracer: &str,
) {
    for (i, (want, got)) in fired.iter().zip(read).enumerate() {
        assert_eq!(got["tracepoint"], want["tracepoint"], "{tracer}: event {i}");
        let (name, tracepoint) = declared(providers, want);
        for arg in &tracepoint.args {
            let want_value = json_value(arg, tracepoint, &want["args"]);
            assert!(
                got["args"][&arg.name] == want_value,
                "{tracer}: event {i} ({name}) argument {}: read {}, fired {}",
                arg.name,
                short(&got["args"][&arg.name]),
                short(&want_value)
            );
            if !arg.values.is_empty() {
                // The value's name beside it, `null` for one without.
                let key = tracepoints_codegen::names::value_name_key(&arg.name);
                let number = json_integer(&want_value).expect("an integer with named values");
                let want_name: serde_json::Value = arg.value_name(number).into();
                assert!(
                    got["args"].get(&key) == Some(&want_name),
                    "{tracer}: event {i} ({name}) `{key}`: read {:?}, declared {want_name}",
                    got["args"].get(&key)
                );
            }
        }
    }
    assert_eq!(
        read.len(),
        fired.len(),
        "{tracer}: read {} events, the program fired {}",
        read.len(),
        fired.len()
    );
}

/// A JSON value shortened for a failure message.
fn short(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.len() > 200 {
        format!("{}... ({} characters)", &text[..200], text.len())
    } else {
        text
    }
}

/// Checks that the demo fired the hostile values the tracers must read
/// safely.
pub fn assert_demo_has_hostile_values(fired: &[serde_json::Value]) {
    let messages: Vec<&str> = fired
        .iter()
        .filter_map(|e| e["args"]["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("%s%n") && m.contains('"') && m.contains('\n') && !m.is_ascii())
    );
    assert!(
        messages.iter().any(|m| (90..=128).contains(&m.len())),
        "a message within 128 characters"
    );
    assert!(
        messages.iter().any(|m| m.len() > 128),
        "a message longer than 128 characters"
    );
    assert!(fired.iter().any(|e| {
        e["args"]["addr"]
            .as_str()
            .is_some_and(|a| a.starts_with("localhost:"))
    }));
}

/// Counts of events per tracepoint, for the test's report.
pub fn counts(events: &[serde_json::Value]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for event in events {
        let name = event["tracepoint"].as_str().unwrap_or("?").to_string();
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    counts
        .iter()
        .map(|(n, c)| format!("{n}={c}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks that a tracer printed `expected`; on a difference, shows the
/// first line that differs (lines of payload hex are long).
pub fn assert_same_output(printed: &[u8], expected: &[u8], what: &str) {
    if printed == expected {
        return;
    }
    let printed = String::from_utf8_lossy(printed);
    let expected = String::from_utf8_lossy(expected);
    let (mut got, mut want) = (printed.lines(), expected.lines());
    for line in 1.. {
        match (got.next(), want.next()) {
            (Some(g), Some(w)) if g == w => continue,
            (g, w) => {
                let at = match (g, w) {
                    (Some(g), Some(w)) => g
                        .bytes()
                        .zip(w.bytes())
                        .position(|(a, b)| a != b)
                        .unwrap_or(g.len().min(w.len())),
                    _ => 0,
                };
                let around = |s: Option<&str>| {
                    s.map_or("(no line)".to_string(), |s| {
                        let start = at.saturating_sub(100);
                        let shown: String =
                            s.bytes().skip(start).take(200).map(char::from).collect();
                        format!("{} bytes, at byte {start}: {shown:?}", s.len())
                    })
                };
                panic!(
                    "{what}: line {line} differs at byte {at}\n printed: {}\nexpected: {}",
                    around(g),
                    around(w)
                );
            }
        }
    }
}
