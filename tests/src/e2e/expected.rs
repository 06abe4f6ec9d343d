//! What a reader must print for what a program fired, built from the
//! declaration alone: each value as JSON and as bpftrace shows it, the
//! lines of a generated bpftrace reader and of the log script.

use crate::workspace_root;
use tracepoints_codegen::model::{
    Arg, ArgType, BytesDisplay, BytesLen, LogPiece, Provider, Tracepoint,
};
use tracepoints_gen::emit::bpftrace::{Floor, Script};

/// Where the generated readers of every example live.
pub const TRACING: &str = "examples/core-tracepoints/tracing";

/// The five providers of `examples/core-tracepoints`, parsed and checked as
/// the macro does.
pub fn core_providers() -> Vec<Provider> {
    let path = workspace_root().join("examples/core-tracepoints/src/providers.rs");
    let source = std::fs::read_to_string(path).unwrap();
    tracepoints_codegen::read_source(&source).unwrap()
}

/// The providers the tests' backend builds: all five, or without
/// `mempool` with the `usdt` backend (its `replaced` passes eight
/// arguments, the `usdt` crate takes six).
pub fn built_providers() -> Vec<Provider> {
    let mut providers = core_providers();
    if cfg!(feature = "usdt") {
        providers.retain(|p| p.name != "mempool");
    }
    providers
}

/// The example node's provider, `net`.
pub fn example_provider() -> Provider {
    core_providers()
        .into_iter()
        .find(|p| p.name == "net")
        .unwrap()
}

/// The bytes a fired byte buffer holds: `(the bytes as passed, how many of
/// them the probe passes)`: a fixed buffer is cut or zero-padded to its
/// length, a variable one has as many as its length argument says (at most
/// the slice's length).
fn passed_bytes(arg: &Arg, tracepoint: &Tracepoint, args: &serde_json::Value) -> Vec<u8> {
    let hex = args[&arg.name].as_str().expect("hex of a byte buffer");
    let mut bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    match arg.ty {
        ArgType::Bytes {
            len: BytesLen::Fixed(len),
            ..
        } => bytes.resize(len as usize, 0),
        ArgType::Bytes {
            len: BytesLen::Arg { index, .. },
            ..
        } => {
            let said = args[&tracepoint.args[index].name].as_u64().expect("length");
            bytes.truncate(said.min(bytes.len() as u64) as usize);
        }
        _ => unreachable!("not a byte buffer"),
    }
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of a fired argument as the JSON readers (BCC, libbpf + Rust)
/// show it: strings up to `max_len` bytes, buffers as hex (hashes
/// reversed, variable ones up to their cap), booleans as `true`/`false`.
pub fn json_value(
    arg: &Arg,
    tracepoint: &Tracepoint,
    args: &serde_json::Value,
) -> serde_json::Value {
    let value = &args[&arg.name];
    match arg.ty {
        ArgType::Str { max_len } | ArgType::CStr { max_len } => {
            let s = value.as_str().expect("string argument").as_bytes();
            let kept = &s[..s.len().min(max_len as usize)];
            String::from_utf8_lossy(kept).into_owned().into()
        }
        ArgType::Bytes { display, .. } => {
            let mut bytes = passed_bytes(arg, tracepoint, args);
            bytes.truncate(arg.ty.length().unwrap() as usize);
            if display == BytesDisplay::Hash {
                bytes.reverse();
            }
            hex(&bytes).into()
        }
        _ => value.clone(),
    }
}

/// The value of a fired argument as a bpftrace script prints it when it
/// runs on a bpftrace of floor `runs_on`: see [`Script::kept_on`].
pub fn bpftrace_value(
    arg: &Arg,
    tracepoint: &Tracepoint,
    args: &serde_json::Value,
    script: Script,
    runs_on: Floor,
) -> Vec<u8> {
    let value = &args[&arg.name];
    let kept = script.kept_on(arg.ty, runs_on).map(|k| k as usize);
    match arg.ty {
        ArgType::Str { .. } | ArgType::CStr { .. } => {
            let s = value.as_str().expect("string argument").as_bytes();
            s[..s.len().min(kept.unwrap())].to_vec()
        }
        ArgType::Bytes { display, len } => {
            let mut bytes = passed_bytes(arg, tracepoint, args);
            bytes.truncate(kept.unwrap());
            if display == BytesDisplay::Hash {
                bytes.reverse();
            }
            match len {
                BytesLen::Fixed(_) => hex(&bytes).into_bytes(),
                BytesLen::Arg { .. } => bytes
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
                    .into_bytes(),
            }
        }
        ArgType::Bool => if value.as_bool().expect("bool") {
            b"1"
        } else {
            b"0"
        }
        .to_vec(),
        _ => value.to_string().into_bytes(),
    }
}

/// A JSON integer of any sign, as a named value's number.
pub fn json_integer(value: &serde_json::Value) -> Option<i128> {
    value
        .as_i64()
        .map(i128::from)
        .or_else(|| value.as_u64().map(i128::from))
}

/// The value of a fired argument as a bpftrace reader prints it: an
/// integer with named values by the name of its value (the number when it
/// has none), anything else as [`bpftrace_value`] says.
pub fn bpftrace_named_value(
    arg: &Arg,
    tracepoint: &Tracepoint,
    args: &serde_json::Value,
    script: Script,
    runs_on: Floor,
) -> Vec<u8> {
    let named = json_integer(&args[&arg.name]).and_then(|value| arg.value_name(value));
    match named {
        Some(name) => name.as_bytes().to_vec(),
        None => bpftrace_value(arg, tracepoint, args, script, runs_on),
    }
}

/// The fired event's `provider:name` and its declaration.
pub fn declared<'a>(
    providers: &'a [Provider],
    event: &'a serde_json::Value,
) -> (&'a str, &'a Tracepoint) {
    let name = event["tracepoint"].as_str().expect("tracepoint name");
    let (provider, tracepoint) = name.split_once(':').expect("provider:name");
    let tracepoint = providers
        .iter()
        .find(|p| p.name == provider)
        .and_then(|p| p.tracepoint(tracepoint));
    (
        name,
        tracepoint.unwrap_or_else(|| panic!("{name} is not declared")),
    )
}

/// The fired events of `provider` only.
pub fn events_of(provider: &str, fired: &[serde_json::Value]) -> Vec<serde_json::Value> {
    let prefix = format!("{provider}:");
    fired
        .iter()
        .filter(|e| {
            e["tracepoint"]
                .as_str()
                .is_some_and(|t| t.starts_with(&prefix))
        })
        .cloned()
        .collect()
}

/// One line per fired event, as `line` writes it from the event's
/// `provider:name`, declaration and arguments; an event it gives no line
/// prints nothing.
fn lines_per_event(
    providers: &[Provider],
    fired: &[serde_json::Value],
    mut line: impl FnMut(&str, &Tracepoint, &serde_json::Value) -> Option<Vec<u8>>,
) -> Vec<u8> {
    let mut out = Vec::new();
    for event in fired {
        let (name, tracepoint) = declared(providers, event);
        if let Some(text) = line(name, tracepoint, &event["args"]) {
            out.extend(text);
            out.push(b'\n');
        }
    }
    out
}

/// What the generated `log_p2p_connections.bt` must print for these fired
/// events: each logged tracepoint's declared log line with the values filled
/// in (events of tracepoints without one print nothing).
pub fn expected_log_lines(
    providers: &[Provider],
    fired: &[serde_json::Value],
    script: Script,
    runs_on: Floor,
) -> Vec<u8> {
    lines_per_event(providers, fired, |_, tracepoint, args| {
        let log = tracepoint.log.as_ref()?;
        let mut line = Vec::new();
        for piece in &log.pieces {
            let (value, i): (fn(_, _, _, _, _) -> Vec<u8>, _) = match piece {
                LogPiece::Text(text) => {
                    line.extend_from_slice(text.as_bytes());
                    continue;
                }
                LogPiece::Arg(i) => (bpftrace_value, *i),
                LogPiece::Name(i) => (bpftrace_named_value, *i),
            };
            line.extend(value(
                &tracepoint.args[i],
                tracepoint,
                args,
                script,
                runs_on,
            ));
        }
        Some(line)
    })
}

/// What a generated reader `<provider>.bt` (of `script`'s floor) must
/// print on a bpftrace of floor `runs_on`: `provider:name arg=value ...`,
/// the arguments the script reads only.
pub fn expected_reader_lines(
    providers: &[Provider],
    fired: &[serde_json::Value],
    script: Script,
    runs_on: Floor,
) -> Vec<u8> {
    lines_per_event(providers, fired, |name, tracepoint, args| {
        let mut line = name.as_bytes().to_vec();
        for (i, arg) in tracepoint.args.iter().enumerate() {
            if script.readable(tracepoint, i) {
                line.extend_from_slice(format!(" {}=", arg.name).as_bytes());
                line.extend(bpftrace_named_value(arg, tracepoint, args, script, runs_on));
            }
        }
        Some(line)
    })
}

/// The tracer's events lines after its banner line, trailing blank lines
/// removed.
pub fn after_banner(output: &[u8], banner: &str) -> Vec<u8> {
    let text = output;
    let start = text
        .windows(banner.len())
        .position(|w| w == banner.as_bytes())
        .unwrap_or_else(|| {
            panic!(
                "no banner {banner:?} in:\n{}",
                String::from_utf8_lossy(text)
            )
        });
    let rest = &text[start..];
    let line_end = rest
        .iter()
        .position(|&b| b == b'\n')
        .map_or(rest.len(), |i| i + 1);
    let mut events = rest[line_end..].to_vec();
    while events.ends_with(b"\n\n") {
        events.pop();
    }
    events
}
