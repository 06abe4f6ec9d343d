//! Reading ABI files (`net.abi.json`, written by
//! `crate::emit::abi`) and classifying the differences
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
    /// How its length is given (`max_len`, `len` or `len_arg`) and the
    /// value.
    pub length: Option<(String, u64)>,
    /// The argument holding a buffer's length (`len_arg`).
    pub length_arg: Option<String>,
    /// How readers show a buffer (`hex` or `hash`).
    pub display: Option<String>,
    /// Its doc comment.
    pub doc: String,
}

/// Reads an ABI file's text; the error says what is wrong.
pub fn parse(text: &str) -> Result<Abi, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let format = root["format"].as_u64().ok_or("no `format` number")?;
    if format != u64::from(crate::emit::abi::FORMAT) {
        return Err(format!(
            "format {format}, but this tracepoints-gen reads format {}",
            crate::emit::abi::FORMAT
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
                        length_arg: a["length"]["arg"].as_str().map(str::to_string),
                        display: a["display"].as_str().map(str::to_string),
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
    if old.doc != new.doc {
        changes.push(Change {
            class: Class::Compatible,
            place: place.to_string(),
            what: "doc changed".into(),
        });
    }
    let at = |i: usize, name: &str| format!("{place}: argument {} `{name}`", i + 1);
    for (i, o) in old.args.iter().enumerate() {
        let found = match new.args.get(i) {
            Some(n) => diff_arg(o, n, &new.args),
            None => vec![(
                Class::Breaking,
                "removed: tracers reading it read garbage".to_string(),
            )],
        };
        changes.extend(found.into_iter().map(|(class, what)| Change {
            class,
            place: at(i, &o.name),
            what,
        }));
    }
    for (i, n) in new.args.iter().enumerate().skip(old.args.len()) {
        changes.push(Change {
            class: Class::Compatible,
            place: at(i, &n.name),
            what: "appended: tracers of the old ABI do not read it".into(),
        });
    }
}

/// The changes from argument `old` to `new`, the argument now at its
/// position (`new_args`: all the new arguments, to tell a reorder from a
/// rename).
fn diff_arg(old: &ArgAbi, new: &ArgAbi, new_args: &[ArgAbi]) -> Vec<(Class, String)> {
    let mut changes = Vec::new();
    if old.name != new.name {
        changes.push(match new_args.iter().position(|a| a.name == old.name) {
            Some(j) => (
                Class::Breaking,
                format!(
                    "reordered: now argument {}; tracers read it by position",
                    j + 1
                ),
            ),
            None => (
                Class::Compatible,
                format!(
                    "renamed `{}`: same position and type, but decoders' field names change",
                    new.name
                ),
            ),
        });
    }
    let (old_size, new_size) = (old.sdt_size.unsigned_abs(), new.sdt_size.unsigned_abs());
    if old_size != new_size {
        changes.push((
            Class::Breaking,
            format!(
                "resized: {old_size} -> {new_size} bytes (`{}` -> `{}`)",
                old.ty, new.ty
            ),
        ));
    } else if old.sdt_size != new.sdt_size {
        changes.push((
            Class::Breaking,
            format!("sign changed: `{}` -> `{}`", old.ty, new.ty),
        ));
    } else if old.ty != new.ty {
        changes.push((
            Class::Breaking,
            format!("retyped: `{}` -> `{}`", old.ty, new.ty),
        ));
    }
    if let (Some((old_kind, old_n)), Some((new_kind, new_n))) = (&old.length, &new.length) {
        let (old_attr, new_attr) = (
            format!("#[{old_kind}({old_n})]"),
            format!("#[{new_kind}({new_n})]"),
        );
        if old_kind != new_kind {
            changes.push((
                Class::Breaking,
                format!("length source changed: {old_attr} -> {new_attr}"),
            ));
        } else if new_n < old_n {
            changes.push((
                Class::Breaking,
                format!("length shrunk: {old_attr} -> {new_attr}; readers sized for the old length cut or misread"),
            ));
        } else if new_n > old_n {
            changes.push((
                Class::Compatible,
                format!("length grown: {old_attr} -> {new_attr}"),
            ));
        }
    }
    if old.length_arg != new.length_arg {
        let show = |arg: &Option<String>| {
            arg.as_deref()
                .map_or("none".to_string(), |a| format!("`{a}`"))
        };
        changes.push((
            Class::Breaking,
            format!(
                "length argument changed: {} -> {}",
                show(&old.length_arg),
                show(&new.length_arg)
            ),
        ));
    }
    if old.display != new.display {
        let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
        changes.push((
            Class::Compatible,
            format!(
                "display changed: {} -> {} (the bytes passed are the same; readers show them differently)",
                show(&old.display),
                show(&new.display)
            ),
        ));
    }
    if old.doc != new.doc {
        changes.push((Class::Compatible, "doc changed".to_string()));
    }
    changes
}
