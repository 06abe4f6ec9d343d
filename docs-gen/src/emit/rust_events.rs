//! Rust twins of the C event structs, for a libbpf-rs (or any Rust) loader
//! of the libbpf program: `#[repr(C)]` structs, an enum of a provider's
//! events with `decode` for a ring-buffer record, and `to_json`.
//!
//! Written as text, four spaces an indent, one line per statement (no line
//! is wrapped, whatever its length): the file grows with every tracepoint,
//! and building its tokens, parsing them and pretty-printing them took
//! two thirds of the time 10,000 tracepoints took to generate. The
//! generative test compiles the modules of random declarations with rustc,
//! warnings denied.

use super::out::Origin;
use super::out::{Comment, Out};
use tracepoints_codegen::model::{Arg, ArgType, BytesDisplay, BytesLen, Provider, Tracepoint};
use tracepoints_codegen::names::rust::{self, Names};
use tracepoints_codegen::names::{c, files, kind_value};
use tracepoints_codegen::record::{LAYOUT_NOTE, Record};

/// The module text for `provider`'s events.
pub fn module(provider: &Provider, origin: &Origin) -> String {
    let p = &provider.name;
    let names = Names::of(provider);
    let c_names = c::Names::of(provider);
    let mut out = Out::new();
    out.header(origin, Comment::Slashes, &[]);
    out.comment(
        "//",
        &format!(
            "\nEvents of the `{p}` tracepoints as the libbpf program `{program}` writes\n\
             them to its `{rb}` ring buffer: `#[repr(C)]` twins of `{header}`.\n\
             Include it in a loader with `include!(\"{file}\");` or as a module.\n\
             {LAYOUT_NOTE}",
            program = files::libbpf_program(provider),
            rb = c_names.ring_buffer,
            header = files::libbpf_header(provider),
            file = files::rust_events(provider),
        ),
    );
    // Each group after a blank line.
    let mut code = Code { out, depth: 0 };
    code.blank();
    constants(&mut code, provider, &names);
    code.blank();
    program_table(&mut code, provider, &names, &c_names);
    for ((tracepoint, t), c) in provider
        .tracepoints
        .iter()
        .zip(&names.tracepoints)
        .zip(&c_names.tracepoints)
    {
        code.blank();
        event_struct(&mut code, provider, tracepoint, t, c);
    }
    code.blank();
    event_enum(&mut code, provider, &names);
    code.blank();
    event_impl(&mut code, provider, &names);
    code.blank();
    code.out
        .push_str(include_str!("templates/rust_events_helpers.rs"));
    code.out.finish()
}

/// Rust text being written, at an indentation depth (four spaces each).
struct Code {
    out: Out,
    depth: usize,
}

impl Code {
    /// One line at the current depth.
    fn line(&mut self, text: &str) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push_str("\n");
    }

    /// A line that opens a block: what follows is one level deeper.
    fn open(&mut self, text: &str) {
        self.line(text);
        self.depth += 1;
    }

    /// A line that closes a block.
    fn close(&mut self, text: &str) {
        self.depth -= 1;
        self.line(text);
    }

    /// An empty line.
    fn blank(&mut self) {
        self.out.push_str("\n");
    }

    /// `text` as `///` lines at the current depth (see [`Out::comment`]).
    fn doc(&mut self, text: &str) {
        let prefix = format!("{}///", "    ".repeat(self.depth));
        self.out.comment(&prefix, text);
    }

    /// Every line of a template (written at depth 0) at the current depth.
    fn template(&mut self, text: &str) {
        for line in text.lines() {
            if line.is_empty() {
                self.blank();
            } else {
                self.line(line);
            }
        }
    }
}

/// `text` as a Rust string literal.
fn string(text: &str) -> String {
    format!("{text:?}")
}

/// The type of an argument's field.
fn field_type(arg: &Arg) -> String {
    match arg.ty {
        ArgType::Bool => "u8".into(),
        ArgType::Str { max_len } | ArgType::CStr { max_len } => format!("[u8; {max_len} + 1]"),
        ArgType::Bytes { .. } => format!("[u8; {}]", arg.ty.length().unwrap_or(0)),
        ty => ty.rust().into(),
    }
}

/// Each tracepoint's event kind, and each string's and buffer's length.
fn constants(code: &mut Code, provider: &Provider, names: &Names) {
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        code.doc(&format!(
            "`kind` of a `{}` event.",
            tracepoint.probe_name(provider)
        ));
        code.line(&format!(
            "pub const {}: u32 = {};",
            t.kind,
            kind_value(tracepoint)
        ));
        for (arg, a) in tracepoint.args.iter().zip(&t.args) {
            let (Some(name), Some(n)) = (&a.length, arg.ty.length()) else {
                continue;
            };
            let what = match arg.ty {
                ArgType::Bytes {
                    len: BytesLen::Fixed(_),
                    ..
                } => "Length of",
                _ => "Longest",
            };
            code.doc(&format!("{what} `{}` kept, in bytes.", arg.name));
            code.line(&format!("pub const {name}: usize = {n};"));
        }
    }
}

/// `TRACEPOINTS`, `RING_BUFFER`, `LOST_COUNTER`: what a loader attaches
/// and reads.
fn program_table(code: &mut Code, provider: &Provider, names: &Names, c_names: &c::Names) {
    let table = &names.tracepoints_table;
    code.doc(
        "Every tracepoint as (provider, tracepoint, BPF program name): attach\n\
         each program with `bpf_program__attach_usdt` / libbpf-rs `attach_usdt`.",
    );
    code.open(&format!("pub const {table}: &[(&str, &str, &str)] = &["));
    for (tracepoint, c) in provider.tracepoints.iter().zip(&c_names.tracepoints) {
        code.line(&format!(
            "({}, {}, {}),",
            string(&provider.name),
            string(&tracepoint.name),
            string(&c.event_struct)
        ));
    }
    code.close("];");
    code.doc(
        "The size of the largest record (the largest event struct, its\n\
         last field at its cap): a reader of a record file refuses a\n\
         record that claims more.",
    );
    code.line(&format!(
        "pub const {}: usize = {};",
        names.max_record,
        tracepoints_codegen::record::largest(provider)
    ));
    code.doc("The ring buffer the events arrive in.");
    code.line(&format!(
        "pub const {}: &str = {};",
        names.ring_buffer,
        string(&c_names.ring_buffer)
    ));
    code.doc(
        "The per-CPU array counting the events the full ring buffer\n\
         dropped, one `u64` per CPU at each event's kind (key `i + 1` for\n\
         the tracepoint at index `i` of the table above; key 0 unused): sum\n\
         each over the CPUs on exit and report them, e.g. with\n\
         [`lost_json`].",
    );
    code.line(&format!(
        "pub const {}: &str = {};",
        names.lost_counter,
        string(&c_names.lost_counter)
    ));
    code.doc(
        "`{\"lost\":N,\"lost_by_tracepoint\":{\"provider:tracepoint\":n,...}}`, the\n\
         line a reader prints on exit: `lost[i]` is the count of the\n\
         tracepoint at index `i` of the table above, `N` their sum.",
    );
    code.open("pub fn lost_json(lost: &[u64]) -> String {");
    code.open(&format!("let by_tracepoint: Vec<String> = {table}"));
    code.line(".iter()");
    code.line(".zip(lost)");
    code.line(
        r#".map(|((provider, tracepoint, _), n)| format!("\"{provider}:{tracepoint}\":{n}"))"#,
    );
    code.line(".collect();");
    code.depth -= 1;
    code.line("let total: u64 = lost.iter().sum();");
    code.line("let by_tracepoint = by_tracepoint.join(\",\");");
    code.line(r#"format!("{{\"lost\":{total},\"lost_by_tracepoint\":{{{by_tracepoint}}}}}")"#);
    code.close("}");
}

/// A tracepoint's event: the `#[repr(C)]` twin of its C event struct, or,
/// for an event whose record is cut after its tail (see [`Record`]), the
/// same fields with the tail a slice borrowed from the record, so that
/// decoding copies no more than the record holds; then its accessors and
/// the enums of its named values.
fn event_struct(
    code: &mut Code,
    provider: &Provider,
    tracepoint: &Tracepoint,
    names: &rust::TracepointNames,
    c_names: &c::TracepointNames,
) {
    let record = Record::of(tracepoint);
    let tail = record.tail.as_ref().map(|t| t.index);
    let layout = match tail {
        None => format!("`struct {}`", c_names.event_struct),
        Some(i) => format!(
            "`struct {}`, `{}` borrowed from the record",
            c_names.event_struct, tracepoint.args[i].name
        ),
    };
    code.doc(&format!(
        "`{}` ({layout}):\n{}",
        tracepoint.probe_name(provider),
        tracepoint.doc
    ));
    let event_type = &names.event_type;
    // A tail borrows from the record; every other field is its C twin.
    let (generics, of_any) = match tail {
        None => {
            code.line("#[repr(C)]");
            ("", "")
        }
        Some(_) => ("<'a>", "<'_>"),
    };
    code.line("#[derive(Clone, Copy, Debug)]");
    code.open(&format!("pub struct {event_type}{generics} {{"));
    code.doc(&format!("Always [`{}`].", names.kind));
    code.line(&format!("pub {}: u32,", names.kind_field));
    for &i in &record.order {
        event_field(code, &tracepoint.args[i], &names.args[i], &record, i);
    }
    code.close("}");
    let with_accessor = tracepoint
        .args
        .iter()
        .zip(&names.args)
        .filter(|(_, a)| a.accessor.is_some());
    if with_accessor.clone().next().is_some() {
        code.open(&format!("impl {event_type}{of_any} {{"));
        for (arg, a) in with_accessor {
            accessor(code, arg, a, tracepoint, names);
        }
        code.close("}");
    }
    for (arg, a) in tracepoint.args.iter().zip(&names.args) {
        if let Some(named) = &a.named {
            value_enum(code, provider, tracepoint, arg, named);
        }
    }
}

/// One field of an event struct: the argument's C twin, or for the
/// record's tail (argument `index`), a slice of the record.
fn event_field(code: &mut Code, arg: &Arg, names: &rust::ArgNames, record: &Record, index: usize) {
    match &record.tail {
        Some(t) if t.index == index => {
            let held = if t.string {
                "its bytes up to its NUL"
            } else {
                "the bytes kept"
            };
            code.doc(&format!("{}\n({held}, in the record)", arg.plain_doc()));
            code.line(&format!("pub {}: &'a [u8],", names.field));
        }
        _ => {
            code.doc(&arg.plain_doc());
            code.line(&format!("pub {}: {},", names.field, field_type(arg)));
        }
    }
}

/// The enum of an integer argument's named values, with a variant for a
/// value without a name (never an error: a newer program may fire one).
fn value_enum(
    code: &mut Code,
    provider: &Provider,
    tracepoint: &Tracepoint,
    arg: &Arg,
    named: &rust::Named,
) {
    let (enum_type, unnamed, ty) = (&named.enum_type, &named.unnamed, field_type(arg));
    let variants = || arg.values.iter().zip(&named.variants);
    code.doc(&format!(
        "The named values of `{}`'s `{}`.",
        tracepoint.probe_name(provider),
        arg.name
    ));
    code.line("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]");
    code.open(&format!("pub enum {enum_type} {{"));
    for (value, variant) in variants() {
        code.doc(&format!("`{}` = {}", value.name, value.value));
        code.line(&format!("{variant},"));
    }
    code.doc(&format!(
        "A value of `{}` the declaration gives no name.",
        arg.name
    ));
    code.line(&format!("{unnamed}({ty}),"));
    code.close("}");
    code.open(&format!("impl {enum_type} {{"));
    code.doc("The variant of a value as the probe passed it.");
    code.open(&format!("pub fn from_value(value: {ty}) -> Self {{"));
    code.open("match value {");
    for (value, variant) in variants() {
        code.line(&format!("{} => Self::{variant},", value.value));
    }
    code.line(&format!("other => Self::{unnamed}(other),"));
    code.close("}");
    code.close("}");
    code.doc("The value as the probe passes it.");
    code.open(&format!("pub fn value(self) -> {ty} {{"));
    code.open("match self {");
    for (value, variant) in variants() {
        code.line(&format!("Self::{variant} => {},", value.value));
    }
    code.line(&format!("Self::{unnamed}(value) => value,"));
    code.close("}");
    code.close("}");
    code.doc("The value's declared name; `None` for a value without one.");
    code.open("pub fn name(self) -> Option<&'static str> {");
    code.open("match self {");
    for (value, variant) in variants() {
        code.line(&format!(
            "Self::{variant} => Some({}),",
            string(&value.name)
        ));
    }
    code.line(&format!("Self::{unnamed}(_) => None,"));
    code.close("}");
    code.close("}");
    code.close("}");
}

/// A typed accessor for a string, buffer, named-value or `bool` field:
/// the string up to its NUL as text, the bytes passed (a variable buffer
/// cut to its length), the named value, the `bool`.
fn accessor(
    code: &mut Code,
    arg: &Arg,
    names: &rust::ArgNames,
    tracepoint: &Tracepoint,
    tracepoint_names: &rust::TracepointNames,
) {
    let Some(method) = &names.accessor else {
        return;
    };
    let name = &names.field;
    // A tail is a slice already (see `event_struct`).
    let is_tail = Record::of(tracepoint)
        .tail
        .is_some_and(|t| std::ptr::eq(&tracepoint.args[t.index], arg));
    let (doc, returns, body) = match arg.ty {
        ArgType::Str { .. } | ArgType::CStr { .. } => (
            format!(
                "`{}` up to its NUL, as text (invalid UTF-8 replaced).",
                arg.name
            ),
            "::std::borrow::Cow<'_, str>".to_string(),
            format!("c_text({}self.{name})", if is_tail { "" } else { "&" }),
        ),
        ArgType::Bytes {
            len: BytesLen::Arg { index, .. },
            ..
        } => (
            format!(
                "The bytes of `{}` the reader kept: `{}` of them, at most its cap.",
                arg.name, tracepoint.args[index].name
            ),
            "&[u8]".to_string(),
            format!(
                "&self.{name}[..self.{name}.len().min(self.{} as usize)]",
                tracepoint_names.args[index].field
            ),
        ),
        ArgType::Bytes { display, .. } => {
            let order = match display {
                BytesDisplay::Hash => " in internal order (shown reversed, as a hash)",
                BytesDisplay::Hex => "",
            };
            (
                format!("The bytes of `{}`{order}.", arg.name),
                "&[u8]".to_string(),
                format!("&self.{name}"),
            )
        }
        _ if names.named.is_some() => {
            let enum_type = &names.named.as_ref().expect("named").enum_type;
            (
                format!("`{}` as its named value.", arg.name),
                enum_type.clone(),
                format!("{enum_type}::from_value(self.{name})"),
            )
        }
        ArgType::Bool => (
            format!("`{}`, passed as one byte.", arg.name),
            "bool".to_string(),
            format!("self.{name} != 0"),
        ),
        _ => return,
    };
    code.doc(&doc);
    code.open(&format!("pub fn {method}(&self) -> {returns} {{"));
    code.line(&body);
    code.close("}");
}

/// The enum of a provider's events, a variant per tracepoint.
fn event_enum(code: &mut Code, provider: &Provider, names: &Names) {
    let borrows = if borrows(provider) { "<'a>" } else { "" };
    code.doc(&format!(
        "One decoded event of the `{}` tracepoints.",
        provider.name
    ));
    code.line("#[derive(Clone, Copy, Debug)]");
    code.line("#[allow(clippy::enum_variant_names)]");
    code.open(&format!("pub enum {}{borrows} {{", names.event_enum));
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        let borrows = if Record::of(tracepoint).tail.is_some() {
            "<'a>"
        } else {
            ""
        };
        code.doc(&format!("`{}`", tracepoint.probe_name(provider)));
        code.line(&format!("{}({}{borrows}),", t.variant, t.event_type));
    }
    code.close("}");
}

/// Whether some event of `provider` borrows its tail from the record (so
/// the enum of events has a lifetime).
fn borrows(provider: &Provider) -> bool {
    provider
        .tracepoints
        .iter()
        .any(|t| Record::of(t).tail.is_some())
}

/// `decode`, `tracepoint` and `to_json` of the event enum.
fn event_impl(code: &mut Code, provider: &Provider, names: &Names) {
    let event_enum = &names.event_enum;
    let cut = borrows(provider);
    let (generics, record_type) = if cut {
        ("<'a>", "&'a [u8]")
    } else {
        ("", "&[u8]")
    };
    code.open(&format!("impl{generics} {event_enum}{generics} {{"));
    code.doc(
        "Decodes one ring-buffer record; `None` for an unknown kind or a\n\
         record shorter than what it holds. A record whose event ends in\n\
         a string or a variable buffer stops after that field's kept bytes\n\
         (rounded up to a size class): the event borrows that field from\n\
         the record, and copies only the fields before it.",
    );
    code.open(&format!(
        "pub fn decode(record: {record_type}) -> Option<{event_enum}{generics}> {{"
    ));
    code.template(include_str!("templates/rust_events_read.rs"));
    if cut {
        code.template(include_str!("templates/rust_events_read_cut.rs"));
    }
    code.open("match read::<u32>(record)? {");
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        decode_arm(code, tracepoint, t, event_enum);
    }
    code.line("_ => None,");
    code.close("}");
    code.close("}");
    code.doc("The tracepoint's full name, `provider:name`.");
    code.open("pub fn tracepoint(&self) -> &'static str {");
    code.open("match self {");
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        let probe = string(&tracepoint.probe_name(provider));
        code.line(&format!("{event_enum}::{}(_) => {probe},", t.variant));
    }
    code.close("}");
    code.close("}");
    code.doc(
        "The event as one JSON object, `{\"tracepoint\": ..., \"args\": {...}}`;\n\
         strings up to their NUL, decoded as UTF-8 (lossy).",
    );
    code.open("pub fn to_json(self) -> String {");
    code.line("let mut out = String::with_capacity(256);");
    code.line("self.write_json(&mut out);");
    code.line("out");
    code.close("}");
    code.doc(
        "Appends [`to_json`](Self::to_json)'s text to `out`, without\n\
         allocating more than `out` needs: for readers that print many\n\
         events per poll.",
    );
    code.open("pub fn write_json(&self, out: &mut String) {");
    code.open("match self {");
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        json_arm(code, provider, tracepoint, t, event_enum);
    }
    code.close("}");
    code.close("}");
    code.close("}");
}

/// The `decode` arm of one tracepoint: a record holding the whole struct,
/// or for a record with a tail (see [`Record`]) the fields before the tail
/// (read through `Head`, their C layout) and at least the tail's kept
/// bytes, which the event borrows.
fn decode_arm(
    code: &mut Code,
    tracepoint: &Tracepoint,
    t: &rust::TracepointNames,
    event_enum: &str,
) {
    let (kind, event_type, variant) = (&t.kind, &t.event_type, &t.variant);
    let record = Record::of(tracepoint);
    let strings = fixed_strings(tracepoint, t, &record);
    let Some(tail) = record.tail else {
        if strings.is_empty() {
            code.line(&format!(
                "{kind} => read(record).map({event_enum}::{variant}),"
            ));
        } else {
            let held: Vec<String> = strings
                .iter()
                .map(|s| format!("event.{s}.contains(&0)"))
                .collect();
            code.line(&format!(
                "{kind} => read::<{event_type}>(record).filter(|event| {}).map({event_enum}::{variant}),",
                held.join(" && ")
            ));
        }
        return;
    };
    let kind_field = &t.kind_field;
    let head: Vec<(&str, String)> = record
        .order
        .iter()
        .filter(|&&i| i != tail.index)
        .map(|&i| (t.args[i].field.as_str(), field_type(&tracepoint.args[i])))
        .collect();
    code.open(&format!("{kind} => {{"));
    // Only fixed names are bound here (`record`, `at`, `head`, `held`,
    // `nul`, `kept`, `tail`): the fields are named only as fields.
    // The tail is bytes (alignment 1): it starts right after the last
    // fixed field, where the C struct puts it.
    code.line("#[repr(C)]");
    code.line("#[derive(Clone, Copy)]");
    code.open("struct Head {");
    code.line(&format!("{kind_field}: u32,"));
    for (field, ty) in &head {
        code.line(&format!("{field}: {ty},"));
    }
    code.close("}");
    let (last, last_type) = head
        .last()
        .map_or((kind_field.as_str(), "u32"), |(f, ty)| (f, ty.as_str()));
    code.line(&format!(
        "let at = ::core::mem::offset_of!(Head, {last}) + ::core::mem::size_of::<{last_type}>();"
    ));
    code.line("let head = read_cut::<Head>(record, at)?;");
    if !strings.is_empty() {
        let held: Vec<String> = strings
            .iter()
            .map(|s| format!("head.{s}.contains(&0)"))
            .collect();
        code.open(&format!("if !({}) {{", held.join(" && ")));
        code.line("return None;");
        code.close("}");
    }
    take_tail(code, tracepoint, t, tail.index, tail.string, tail.cap);
    code.open(&format!("Some({event_enum}::{variant}({event_type} {{"));
    code.line(&format!("{kind_field}: head.{kind_field},"));
    for (field, _) in &head {
        code.line(&format!("{field}: head.{field},"));
    }
    code.line(&format!("{}: tail,", t.args[tail.index].field));
    code.close("}))");
    code.close("}");
}

/// The statements of a decode arm that take the tail (the last field,
/// cut where the record ends): a string up to its NUL, which lies inside
/// the record and the cap, or a buffer's kept bytes.
fn take_tail(
    code: &mut Code,
    tracepoint: &Tracepoint,
    t: &rust::TracepointNames,
    index: usize,
    string: bool,
    cap: u32,
) {
    if string {
        // Up to its NUL, which lies inside the record and the cap.
        code.line("let held = &record[at..];");
        code.line(&format!(
            "let nul = held[..held.len().min({cap})].iter().position(|&b| b == 0)?;"
        ));
        code.line("let tail = &held[..nul];");
    } else {
        let length = &t.args[tracepoint.args[index]
            .ty
            .length_arg()
            .expect("a variable buffer has a length")]
        .field;
        // Its kept bytes: the length argument's, at most the cap.
        code.line(&format!(
            "let kept = usize::try_from(head.{length}).map_or({cap}, |n| n.min({cap}));"
        ));
        code.line("let tail = record.get(at..at + kept)?;");
    }
}

/// The fixed string fields of `tracepoint`'s record (the tail aside): each
/// holds its NUL (the BPF programs always write one), and a field without
/// one makes its record damaged.
fn fixed_strings<'t>(
    tracepoint: &Tracepoint,
    t: &'t rust::TracepointNames,
    record: &Record,
) -> Vec<&'t str> {
    tracepoint
        .args
        .iter()
        .enumerate()
        .filter(|&(i, arg)| {
            matches!(arg.ty, ArgType::Str { .. } | ArgType::CStr { .. })
                && record.tail.as_ref().is_none_or(|tail| tail.index != i)
        })
        .map(|(i, _)| t.args[i].field.as_str())
        .collect()
}

/// The `write_json` arm of one tracepoint: the statements that append its
/// JSON to `out` (the event bound to `e`).
fn json_arm(
    code: &mut Code,
    provider: &Provider,
    tracepoint: &Tracepoint,
    t: &rust::TracepointNames,
    event_enum: &str,
) {
    let probe = tracepoint.probe_name(provider);
    let binding = if tracepoint.args.is_empty() { "_" } else { "e" };
    code.open(&format!("{event_enum}::{}({binding}) => {{", t.variant));
    // The object's text up to each value: `{"tracepoint":"p:n","args":{"a":`.
    let mut prefix = format!("{{\"tracepoint\":\"{probe}\",\"args\":{{");
    for (arg, a) in tracepoint.args.iter().zip(&t.args) {
        let field = &a.field;
        let method = a.accessor.as_deref().unwrap_or(field);
        prefix.push_str(&format!("\"{}\":", arg.name));
        let text = std::mem::replace(&mut prefix, ",".to_string());
        code.line(&format!("out.push_str({});", string(&text)));
        code.line(&match arg.ty {
            ArgType::Str { .. } | ArgType::CStr { .. } => {
                format!("write_json_string(out, &e.{method}());")
            }
            ArgType::Bytes {
                display: BytesDisplay::Hash,
                ..
            } => format!("write_hex(out, e.{method}(), true);"),
            ArgType::Bytes { .. } => format!("write_hex(out, e.{method}(), false);"),
            ArgType::Bool => {
                format!("out.push_str(if e.{method}() {{ \"true\" }} else {{ \"false\" }});")
            }
            _ => format!("write_number(out, e.{field});"),
        });
        if let Some(named) = &a.named {
            // The value's name beside its number: `"network_name":"ipv4"`.
            let key = format!(",\"{}\":", named.json_key);
            code.line(&format!("out.push_str({});", string(&key)));
            code.open(&format!("match e.{method}().name() {{"));
            code.line("Some(name) => write_json_string(out, name),");
            code.line("None => out.push_str(\"null\"),");
            code.close("}");
        }
    }
    let end = if tracepoint.args.is_empty() {
        format!("{prefix}}}}}")
    } else {
        "}}".to_string()
    };
    code.line(&format!("out.push_str({});", string(&end)));
    code.close("}");
}

#[cfg(test)]
mod tests {
    use tracepoints_codegen::names::rust::{DECODE_OWN, MODULE_OWN};

    /// Every function the module defines at its top level is one its
    /// scope reserves for it.
    #[test]
    fn the_module_defines_only_functions_its_scope_reserves() {
        let source = "#[tracepoints::provider] mod net { /// d\n fn t(/// d\n #[max_len(8)] s: &str, /// d\n #[len(4)] #[hash] h: &[u8], /// d\n b: bool); }";
        let providers = tracepoints_codegen::read_source(source).unwrap();
        let origin = super::Origin {
            source: "test".into(),
            command: "test".into(),
        };
        let text = super::module(&providers[0], &origin);
        let defined: Vec<&str> = text
            .lines()
            .filter_map(|line| line.strip_prefix("fn ").or(line.strip_prefix("pub fn ")))
            .map(|rest| rest.split(['(', '<']).next().unwrap())
            .collect();
        assert_eq!(defined.len(), MODULE_OWN.len(), "{defined:?}");
        for name in &defined {
            assert!(MODULE_OWN.contains(name), "`{name}` is not in MODULE_OWN");
        }
    }

    /// Every type `decode` declares in its arms is one the module's scope
    /// reserves for it: a name from the declaration cannot hide it there,
    /// nor be hidden by it.
    #[test]
    fn decode_declares_only_types_the_scope_reserves() {
        let source = "#[tracepoints::provider] mod net { /// d\n fn t(/// d\n #[max_len(80)] s: &str, /// d\n n: u32); /// d\n fn u(/// d\n size: u64, /// d\n #[len(size)] #[max_len(100)] b: &[u8]); }";
        let providers = tracepoints_codegen::read_source(source).unwrap();
        let origin = super::Origin {
            source: "test".into(),
            command: "test".into(),
        };
        let text = super::module(&providers[0], &origin);
        let declared: Vec<&str> = text
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("struct "))
            .map(|rest| rest.split([' ', '<']).next().unwrap())
            .collect();
        assert_eq!(declared, ["Head", "Head"], "one per event with a tail");
        for name in &declared {
            assert!(DECODE_OWN.contains(name), "`{name}` is not in DECODE_OWN");
        }
    }
}
