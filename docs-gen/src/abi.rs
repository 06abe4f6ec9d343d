//! The differences between two versions of a provider's ABI file (the
//! [`Abi`] of `tracepoints_codegen::abi`, re-exported here) and whether
//! each can break a tracer.

use std::fmt;
pub use tracepoints_codegen::abi::*;

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
    if old.log != new.log {
        changes.push(Change {
            class: Class::Compatible,
            place: place.to_string(),
            what: "log line changed".into(),
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

/// The changes to how an argument's length is given.
fn length_changes(old: &ArgAbi, new: &ArgAbi) -> Vec<(Class, String)> {
    let mut changes = Vec::new();
    if let (Some(old_length), Some(new_length)) = (&old.length, &new.length) {
        let (old_kind, old_n) = (&old_length.kind, old_length.value);
        let (new_kind, new_n) = (&new_length.kind, new_length.value);
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
    let length_arg = |a: &ArgAbi| a.length.as_ref().and_then(|l| l.arg.clone());
    let (old_length_arg, new_length_arg) = (length_arg(old), length_arg(new));
    if old_length_arg != new_length_arg {
        let show = |arg: &Option<String>| {
            arg.as_deref()
                .map_or("none".to_string(), |a| format!("`{a}`"))
        };
        changes.push((
            Class::Breaking,
            format!(
                "length argument changed: {} -> {}",
                show(&old_length_arg),
                show(&new_length_arg)
            ),
        ));
    }
    changes
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
    changes.extend(length_changes(old, new));
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
    changes.extend(meaning_changes(old, new));
    if old.doc != new.doc {
        changes.push((Class::Compatible, "doc changed".to_string()));
    }
    changes
}

/// The changes to an integer's unit and named values: a value named anew
/// or a unit given where there was none is compatible; a value that loses
/// its name, is renamed or renumbered, and a unit changed or dropped, are
/// breaking (a consumer keyed on the old name or unit reads wrong data).
fn meaning_changes(old: &ArgAbi, new: &ArgAbi) -> Vec<(Class, String)> {
    let mut changes = Vec::new();
    match (&old.unit, &new.unit) {
        (None, Some(unit)) => changes.push((Class::Compatible, format!("unit `{unit}` given"))),
        (Some(unit), None) => changes.push((
            Class::Breaking,
            format!("unit `{unit}` removed: consumers that convert by it misread"),
        )),
        (Some(o), Some(n)) if o != n => changes.push((
            Class::Breaking,
            format!("unit changed: `{o}` -> `{n}`; the same number now means another quantity"),
        )),
        _ => {}
    }
    for o in &old.values {
        let by_value = new.values.iter().find(|n| n.value == o.value);
        let by_name = new.values.iter().find(|n| n.name == o.name);
        match (by_value, by_name) {
            (Some(n), _) if n.name == o.name => {}
            (_, Some(n)) => changes.push((
                Class::Breaking,
                format!("value `{}` renumbered: {} -> {}", o.name, o.value, n.value),
            )),
            (Some(n), None) => changes.push((
                Class::Breaking,
                format!("value {} renamed: `{}` -> `{}`", o.value, o.name, n.name),
            )),
            (None, None) => changes.push((
                Class::Breaking,
                format!(
                    "value {} `{}` removed: readers now print it as a number",
                    o.value, o.name
                ),
            )),
        }
    }
    for n in &new.values {
        let known = old
            .values
            .iter()
            .any(|o| o.value == n.value || o.name == n.name);
        if !known {
            changes.push((
                Class::Compatible,
                format!("value {} named `{}`", n.value, n.name),
            ));
        }
    }
    changes
}
