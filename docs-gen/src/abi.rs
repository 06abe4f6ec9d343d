//! The ABI file of a provider (`net.abi.json`, built from the model by
//! [`crate::emit::abi`]) as one typed value: written, read back and
//! compared as an [`Abi`]; and the classification of the differences
//! between two versions of one.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::io;

/// The version of the file format this `tracepoints-gen` writes and reads.
pub const FORMAT: u32 = 1;

/// A provider's ABI file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Abi {
    /// The file format's version, [`FORMAT`].
    pub format: u32,
    /// Which declaration it was generated from.
    pub generated_by: String,
    /// The command that regenerates it.
    pub regenerate: String,
    /// The provider's name.
    pub provider: String,
    /// Grows by one each time a breaking change is accepted.
    pub abi_version: u64,
    /// The tracepoints in declaration order.
    pub tracepoints: Vec<TracepointAbi>,
}

/// One tracepoint of an [`Abi`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TracepointAbi {
    /// The tracepoint's name.
    pub name: String,
    /// Its doc comment.
    pub doc: String,
    /// Its arguments in probe order.
    pub args: Vec<ArgAbi>,
}

/// One argument of a [`TracepointAbi`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgAbi {
    /// The argument's name.
    pub name: String,
    /// Its declared type (`i64`, `&str`, ...).
    #[serde(rename = "type")]
    pub ty: String,
    /// Its stapsdt size, negative when signed.
    pub sdt_size: i64,
    /// How a string's or buffer's length is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<Length>,
    /// How readers show a buffer (`hex` or `hash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// An integer's unit (`ns`, `us`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Names of some of an integer's values, in declaration order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueAbi>,
    /// Its doc comment.
    pub doc: String,
}

/// One named value of an [`ArgAbi`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueAbi {
    /// The value.
    pub value: i128,
    /// Its name.
    pub name: String,
}

/// How the length of a string or buffer is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Length {
    /// `max_len` (at most `value` bytes are kept), `len` (exactly `value`
    /// bytes are copied) or `len_arg` (argument `arg` holds the length,
    /// readers keep at most `value` bytes).
    pub kind: String,
    /// The argument holding the length (`len_arg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
    /// The number of bytes.
    pub value: u64,
}

impl Abi {
    /// Reads an ABI file's text; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Abi, String> {
        #[derive(Deserialize)]
        struct Format {
            format: Option<u64>,
        }
        let format: Format = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        match format.format {
            Some(n) if n == u64::from(FORMAT) => {}
            Some(n) => {
                return Err(format!(
                    "format {n}, but this tracepoints-gen reads format {FORMAT}"
                ));
            }
            None => return Err("no `format` number".into()),
        }
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The file's text: the file, its tracepoints and their lists of
    /// arguments one field a line, each argument on one line.
    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, Layout::default());
        self.serialize(&mut serializer)
            .expect("an ABI serializes to memory");
        let mut text = String::from_utf8(out).expect("JSON is UTF-8");
        text.push('\n');
        text
    }
}

/// The layout of [`Abi::to_text`]: indented by two spaces down to the
/// lists of arguments; below that (an argument and its length), on one
/// line with `", "` and `": "` between fields.
#[derive(Default)]
struct Layout {
    depth: usize,
    has_value: bool,
}

impl Layout {
    /// The depth below which values share a line.
    const LINES: usize = 4;

    fn one_line(&self) -> bool {
        self.depth > Self::LINES
    }

    fn indent<W: ?Sized + io::Write>(&self, writer: &mut W) -> io::Result<()> {
        for _ in 0..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn begin(&mut self, writer: &mut (impl ?Sized + io::Write), open: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(open)
    }

    fn end(&mut self, writer: &mut (impl ?Sized + io::Write), close: &[u8]) -> io::Result<()> {
        let one_line = self.one_line();
        self.depth -= 1;
        if self.has_value && !one_line {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(close)
    }

    fn item(&mut self, writer: &mut (impl ?Sized + io::Write), first: bool) -> io::Result<()> {
        if self.one_line() {
            return writer.write_all(if first { b"" } else { b", " });
        }
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

impl serde_json::ser::Formatter for Layout {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.begin(writer, b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"]")
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.begin(writer, b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"}")
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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
