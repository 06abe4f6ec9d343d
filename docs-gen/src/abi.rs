//! Reading ABI files (`net.abi.json`, written by
//! `tracepoints_codegen::emit::abi`) and classifying the differences
//! between two versions of one.

use serde_json::Value;
use std::fmt;

/// A provider's ABI as its file describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Abi {
    /// The provider's name.
    pub provider: String,
    /// Grows by one each time a breaking change is accepted.
    pub abi_version: u64,
    /// The tracepoints in declaration order.
    pub tracepoints: Vec<TracepointAbi>,
}

/// One tracepoint of an [`Abi`].
#[derive(Debug, Clone, PartialEq)]
pub struct TracepointAbi {
    /// The tracepoint's name.
    pub name: String,
    /// Its doc comment.
    pub doc: String,
    /// Its arguments in probe order.
    pub args: Vec<ArgAbi>,
}

/// One argument of a [`TracepointAbi`].
#[derive(Debug, Clone, PartialEq)]
pub struct ArgAbi {
    /// The argument's name.
    pub name: String,
    /// Its declared type (`i64`, `&str`, ...).
    pub ty: String,
    /// Its stapsdt size, negative when signed.
    pub sdt_size: i64,
    /// How its length is given (`max_len` or `len`) and the value.
    pub length: Option<(String, u64)>,
    /// Its doc comment.
    pub doc: String,
}

/// Reads an ABI file's text; the error says what is wrong.
pub fn parse(text: &str) -> Result<Abi, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let format = root["format"].as_u64().ok_or("no `format` number")?;
    if format != u64::from(tracepoints_codegen::emit::abi::FORMAT) {
        return Err(format!(
            "format {format}, but this tracepoints-gen reads format {}",
            tracepoints_codegen::emit::abi::FORMAT
        ));
    }
    let tracepoints = root["tracepoints"]
        .as_array()
        .ok_or("no `tracepoints` list")?
        .iter()
        .map(|t| {
            let args = t["args"]
                .as_array()
                .ok_or("a tracepoint without an `args` list")?
                .iter()
                .map(|a| {
                    let length = match &a["length"] {
                        Value::Null => None,
                        length => Some((
                            string(&length["kind"], "length kind")?,
                            length["value"].as_u64().ok_or("a length without a value")?,
                        )),
                    };
                    Ok(ArgAbi {
                        name: string(&a["name"], "argument name")?,
                        ty: string(&a["type"], "argument type")?,
                        sdt_size: a["sdt_size"]
                            .as_i64()
                            .ok_or("an argument without `sdt_size`")?,
                        length,
                        doc: string(&a["doc"], "argument doc")?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(TracepointAbi {
                name: string(&t["name"], "tracepoint name")?,
                doc: string(&t["doc"], "tracepoint doc")?,
                args,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Abi {
        provider: string(&root["provider"], "provider")?,
        abi_version: root["abi_version"]
            .as_u64()
            .ok_or("no `abi_version` number")?,
        tracepoints,
    })
}

fn string(value: &Value, what: &str) -> Result<String, String> {
    value
        .as_str()
        .map(String::from)
        .ok_or_else(|| format!("no {what} string"))
}

/// Whether a change can break a tracer written for the old ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A tracer of the old ABI may fail or read wrong values.
    Breaking,
    /// A tracer of the old ABI keeps working.
    Compatible,
}

/// One difference between two versions of an ABI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Breaking or compatible.
    pub class: Class,
    /// `provider:tracepoint`, and the argument when it is about one.
    pub place: String,
    /// What changed.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.class {
            Class::Breaking => "breaking",
            Class::Compatible => "compatible",
        };
        write!(f, "{class}: {}: {}", self.place, self.what)
    }
}

/// Every difference from `old` to `new`, in declaration order.
pub fn diff(old: &Abi, new: &Abi) -> Vec<Change> {
    let mut changes = Vec::new();
    let place = |t: &str| format!("{}:{t}", new.provider);
    for o in &old.tracepoints {
        match new.tracepoints.iter().find(|n| n.name == o.name) {
            None => changes.push(Change {
                class: Class::Breaking,
                place: place(&o.name),
                what: "tracepoint removed or renamed: tracers attached to it fail to attach".into(),
            }),
            Some(n) => diff_tracepoint(&place(&o.name), o, n, &mut changes),
        }
    }
    for n in &new.tracepoints {
        if !old.tracepoints.iter().any(|o| o.name == n.name) {
            changes.push(Change {
                class: Class::Compatible,
                place: place(&n.name),
                what: "tracepoint added".into(),
            });
        }
    }
    changes
}

fn diff_tracepoint(
    place: &str,
    old: &TracepointAbi,
    new: &TracepointAbi,
    changes: &mut Vec<Change>,
) {
    let mut push = |class, arg: Option<(usize, &str)>, what: String| {
        let place = match arg {
            Some((i, name)) => format!("{place}: argument {} `{name}`", i + 1),
            None => place.to_string(),
        };
        changes.push(Change { class, place, what });
    };
    if old.doc != new.doc {
        push(Class::Compatible, None, "doc changed".into());
    }
    for (i, o) in old.args.iter().enumerate() {
        let Some(n) = new.args.get(i) else {
            push(
                Class::Breaking,
                Some((i, &o.name)),
                "removed: tracers reading it read garbage".into(),
            );
            continue;
        };
        let at = Some((i, o.name.as_str()));
        if o.name != n.name {
            match new.args.iter().position(|a| a.name == o.name) {
                Some(j) => push(
                    Class::Breaking,
                    at,
                    format!(
                        "reordered: now argument {}; tracers read it by position",
                        j + 1
                    ),
                ),
                None => push(
                    Class::Compatible,
                    at,
                    format!(
                        "renamed `{}`: same position and type, but decoders' field names change",
                        n.name
                    ),
                ),
            }
        }
        if o.sdt_size.unsigned_abs() != n.sdt_size.unsigned_abs() {
            push(
                Class::Breaking,
                at,
                format!(
                    "resized: {} -> {} bytes (`{}` -> `{}`)",
                    o.sdt_size.unsigned_abs(),
                    n.sdt_size.unsigned_abs(),
                    o.ty,
                    n.ty
                ),
            );
        } else if o.sdt_size != n.sdt_size {
            push(
                Class::Breaking,
                at,
                format!("sign changed: `{}` -> `{}`", o.ty, n.ty),
            );
        } else if o.ty != n.ty {
            push(
                Class::Breaking,
                at,
                format!("retyped: `{}` -> `{}`", o.ty, n.ty),
            );
        }
        match (&o.length, &n.length) {
            (Some((old_kind, old_n)), Some((new_kind, new_n))) if old_kind != new_kind => push(
                Class::Breaking,
                at,
                format!("length source changed: #[{old_kind}({old_n})] -> #[{new_kind}({new_n})]"),
            ),
            (Some((kind, old_n)), Some((_, new_n))) if new_n < old_n => push(
                Class::Breaking,
                at,
                format!(
                    "length shrunk: #[{kind}({old_n})] -> #[{kind}({new_n})]; readers sized for the old length cut or misread"
                ),
            ),
            (Some((kind, old_n)), Some((_, new_n))) if new_n > old_n => push(
                Class::Compatible,
                at,
                format!("length grown: #[{kind}({old_n})] -> #[{kind}({new_n})]"),
            ),
            _ => {}
        }
        if o.doc != n.doc {
            push(Class::Compatible, at, "doc changed".into());
        }
    }
    for (i, n) in new.args.iter().enumerate().skip(old.args.len()) {
        push(
            Class::Compatible,
            Some((i, &n.name)),
            "appended: tracers of the old ABI do not read it".into(),
        );
    }
}
