//! A JSON Schema (draft 2020-12) of the events as the readers print them
//! and `tracepoints-trace --nats` publishes them: one object per event,
//! `{"tracepoint":"provider:name","args":{...}}` (published ones also
//! carry `node` and `time_unix_ns`), each argument typed and bounded as
//! its declaration says. For a subscriber in any language: one schema per
//! provider (`net.schema.json`), or one for several providers (what
//! `tracepoints-trace list --schema` prints for a binary).

use super::out::Origin;
use serde_json::{Value, json};
use tracepoints_codegen::model::{Arg, ArgType, BytesLen, Provider, Tracepoint};
use tracepoints_codegen::names::rust::Names;

/// The schema file of `provider`, as text.
pub fn file(provider: &Provider, origin: &Origin) -> String {
    let comment = origin.header_lines().join(" ");
    let mut text = serde_json::to_string_pretty(&schema(std::slice::from_ref(provider), &comment))
        .expect("a JSON value");
    text.push('\n');
    text
}

/// The schema of every event of `providers`, with `comment` as its
/// `$comment`.
pub fn schema(providers: &[Provider], comment: &str) -> Value {
    let mut defs = serde_json::Map::new();
    let mut refs = Vec::new();
    for provider in providers {
        let names = Names::of(provider);
        for (t, tracepoint) in provider.tracepoints.iter().enumerate() {
            let key = format!("{}:{}", provider.name, tracepoint.name);
            refs.push(json!({ "$ref": format!("#/$defs/{key}") }));
            defs.insert(key, event(provider, tracepoint, &names.tracepoints[t]));
        }
    }
    let list: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": comment,
        "title": format!("Events of the {} tracepoints", list.join(", ")),
        "description": "One tracepoint event, as the readers print it and tracepoints-trace --nats publishes it.",
        "oneOf": refs,
        "$defs": defs,
    })
}

/// The schema of one tracepoint's events.
fn event(
    provider: &Provider,
    tracepoint: &Tracepoint,
    names: &tracepoints_codegen::names::rust::TracepointNames,
) -> Value {
    let mut args = serde_json::Map::new();
    let mut required = Vec::new();
    for (arg, arg_names) in tracepoint.args.iter().zip(&names.args) {
        args.insert(arg.name.clone(), value(arg));
        required.push(arg.name.clone());
        if let Some(named) = &arg_names.named {
            let mut names: Vec<Value> = arg.values.iter().map(|v| json!(v.name)).collect();
            names.push(Value::Null);
            let doc = format!(
                "The name of `{}`'s value; null for a value without one.",
                arg.name
            );
            args.insert(
                named.json_key.clone(),
                json!({ "enum": names, "description": doc }),
            );
            required.push(named.json_key.clone());
        }
    }
    let mut event = json!({
        "type": "object",
        "properties": {
            "tracepoint": { "const": tracepoint.probe_name(provider) },
            "node": { "type": "string", "description": "The node's name (--node), in published events." },
            "time_unix_ns": {
                "type": "integer",
                "minimum": 0,
                "description": "When the tracer read the event, in nanoseconds since the UNIX epoch, in published events."
            },
            "args": {
                "type": "object",
                "properties": args,
                "required": required,
                "additionalProperties": false,
            },
        },
        "required": ["tracepoint", "args"],
        "additionalProperties": false,
    });
    describe(&mut event, &tracepoint.doc.plain(""));
    event
}

/// The schema of one argument's value.
fn value(arg: &Arg) -> Value {
    let mut value = match arg.ty {
        ArgType::Bool => json!({ "type": "boolean" }),
        ArgType::Str { max_len } | ArgType::CStr { max_len } => {
            json!({ "type": "string", "maxLength": max_len })
        }
        ArgType::Bytes { len, .. } => {
            let (min, max) = match len {
                BytesLen::Fixed(n) => (2 * n, 2 * n),
                BytesLen::Arg { max_len, .. } => (0, 2 * max_len),
            };
            json!({
                "type": "string",
                "pattern": "^([0-9a-f]{2})*$",
                "minLength": min,
                "maxLength": max,
            })
        }
        ty => {
            let bits = 8 * ty.size();
            let (min, max): (i128, i128) = if ty.is_signed() {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            } else {
                (0, (1i128 << bits) - 1)
            };
            // Every bound fits an i64 or a u64: JSON numbers as written.
            let bound = |n: i128| -> Value {
                i64::try_from(n).map_or_else(|_| json!(n as u64), |n| json!(n))
            };
            json!({ "type": "integer", "minimum": bound(min), "maximum": bound(max) })
        }
    };
    let ty = format!("`{}`", arg.ty.doc_name());
    let mut doc = arg
        .doc
        .plain(&ty)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(meaning) = arg.meaning() {
        doc = if doc.is_empty() {
            meaning
        } else {
            format!("{doc} ({meaning})")
        };
    }
    describe(&mut value, &doc);
    value
}

/// Adds `text` as the schema's description, unless it is empty (a
/// binary built with `embed_docs = false` carries no docs).
fn describe(schema: &mut Value, text: &str) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        schema["description"] = json!(text);
    }
}
