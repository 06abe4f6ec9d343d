//! bpftrace: a reader script per provider and a logging script built from
//! the declared log lines, each written for every [`Floor`] (the oldest
//! bpftrace a script serves). All take the traced binary as their first
//! argument (`$1`).
//!
//! Scripts for 0.23 and later set `max_strlen` in a `config` block, which
//! reads strings whole and payloads up to [`BUFFER_CAP`] bytes; scripts for
//! 0.24 and later also read every argument. A script refuses to load on a
//! bpftrace older than its floor: its `config` line holds what that version
//! rejects (the block itself before 0.20, the 0.24 key `license` before
//! 0.24), and bpftrace's error shows that line with its comment. Signed
//! 64-bit arguments are read without a cast: bpftrace's `argN` is already an
//! `int64`, and 0.27 warns about a cast to the same type.
//!
//! bpftrace 0.17 keeps every `str()` and `buf()` value on the 512-byte BPF
//! stack, `BPFTRACE_STRLEN` bytes each (one size for the whole script, at
//! most 200), and a `printf` copies its values there once more. So the
//! scripts budget each `printf`: a line whose values do not fit one is
//! printed by several consecutive `printf` calls (measured here: two
//! 160-byte strings, or three of 120, fit one `printf`; two of 180 do not;
//! consecutive calls reuse the stack). Byte buffers of fixed length are read
//! byte by byte as hex (`%02x`), hashes from their last byte to their first.

use super::out::Origin;
use super::out::{Comment, Out};
use tracepoints_codegen::model::{
    ArgType, BPFTRACE_MAX_ARGS, BPFTRACE_STRLEN_MAX, BytesDisplay, BytesLen, LogPiece, Provider,
    Tracepoint,
};
use tracepoints_codegen::names::files;

/// The stack a `printf`'s values may take under bpftrace 0.17, in bytes:
/// the 512-byte BPF stack less a margin for bpftrace's own locals.
const PRINTF_BUDGET: u32 = 480;

/// The bytes one `printf`'s values may take in a script for 0.23 and later,
/// where values no longer live on the stack: one output record stays within
/// the 64 KiB a perf-buffer record can hold.
const PRINTF_BUDGET_LARGE: u32 = 61440;

/// The bytes of `max_strlen` that bpftrace 0.23 and later keep for a
/// `buf()`'s length: a buffer holds at most `max_strlen` less these.
pub const BUF_HEADER: u32 = 4;

/// The most bytes of a variable-length buffer, or of a string, that scripts
/// for bpftrace 0.23 and later print: Bitcoin Core's 32568-byte payload cap
/// fits.
pub const BUFFER_CAP: u32 = 32768;

/// The most values one `printf` takes.
const PRINTF_MAX_VALUES: usize = 32;

/// The oldest bpftrace version a generated script serves. Each script
/// serves its floor and every later version; newer floors read more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Floor {
    /// bpftrace 0.17 (Debian 12): six arguments, strings and buffers of at
    /// most [`BPFTRACE_STRLEN_MAX`] bytes, values on the 512-byte stack.
    V0_17,
    /// bpftrace 0.23 (Debian 13): `max_strlen` in a `config` block, strings
    /// whole, buffers up to [`BUFFER_CAP`]; six arguments.
    V0_23,
    /// bpftrace 0.24 and later (Fedora, Arch, Debian unstable): as 0.23, and
    /// every argument.
    V0_24,
}

impl Floor {
    /// Every floor, oldest first.
    pub const ALL: [Floor; 3] = [Floor::V0_17, Floor::V0_23, Floor::V0_24];

    /// `"0.17"`.
    pub fn version(self) -> &'static str {
        match self {
            Floor::V0_17 => "0.17",
            Floor::V0_23 => "0.23",
            Floor::V0_24 => "0.24",
        }
    }

    /// The newest floor a bpftrace `major.minor` runs, `None` before 0.17.
    pub fn newest_for(major: u32, minor: u32) -> Option<Floor> {
        Floor::ALL.into_iter().rev().find(|floor| {
            let (a, b) = floor.version().split_once('.').unwrap();
            (major, minor) >= (a.parse().unwrap(), b.parse().unwrap())
        })
    }

    /// How many arguments this floor's bpftrace reads (`arg0`..).
    pub fn max_args(self) -> usize {
        match self {
            Floor::V0_24 => tracepoints_codegen::model::Limits::NATIVE.max_args,
            _ => BPFTRACE_MAX_ARGS,
        }
    }

    /// The file name of the script `base` (e.g. `net.bt`) for this floor:
    /// `base` itself for 0.17, `net.0.23.bt` for 0.23.
    pub fn file_name(self, base: &str) -> String {
        match self {
            Floor::V0_17 => base.to_string(),
            floor => {
                let stem = base.strip_suffix(".bt").unwrap_or(base);
                format!("{stem}.{}.bt", floor.version())
            }
        }
    }
}

/// What a script for one floor reads: the floor and the string length it
/// sets (`BPFTRACE_STRLEN` for 0.17, `max_strlen` for later floors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Script {
    /// The oldest bpftrace the script serves.
    pub floor: Floor,
    /// The string length the script sets.
    pub strlen: u32,
    /// The pages of bpftrace's output buffer per CPU the script sets (0.23
    /// and later; 64, bpftrace's default, is left unset).
    pub perf_rb_pages: u32,
}

/// How many of its largest events a script's output buffer holds per CPU
/// (when that takes more than bpftrace's default 64 pages, at most
/// [`MAX_PERF_RB_PAGES`]): a burst of payloads is printed, not lost, while
/// bpftrace is descheduled.
const EVENTS_IN_BUFFER: u32 = 64;

/// The most pages of output buffer per CPU a script asks for (4 MiB).
const MAX_PERF_RB_PAGES: u32 = 1024;

impl Script {
    /// The script of `floor` for the tracepoints of `providers`: its string
    /// length is enough for the longest string (and its NUL) or variable
    /// buffer it prints, at least bpftrace's old default 64, and at most
    /// what the floor allows.
    pub fn new<'a>(floor: Floor, providers: impl IntoIterator<Item = &'a Provider>) -> Script {
        let (cap, string_extra, buffer_extra) = match floor {
            Floor::V0_17 => (BPFTRACE_STRLEN_MAX, 0, 0),
            _ => (BUFFER_CAP + BUF_HEADER, 1, BUF_HEADER),
        };
        let strlen = providers
            .into_iter()
            .flat_map(|p| &p.tracepoints)
            .flat_map(|t| &t.args[..t.args.len().min(floor.max_args())])
            .filter_map(|a| match a.ty {
                ArgType::Bytes {
                    len: BytesLen::Fixed(_),
                    ..
                } => None,
                ArgType::Bytes { .. } => {
                    a.ty.buffer_len().map(|n| n.min(BUFFER_CAP) + buffer_extra)
                }
                ty => ty.buffer_len().map(|n| n.min(BUFFER_CAP) + string_extra),
            })
            .max()
            .map_or(64, |n| n.clamp(64, cap));
        // An event's record: its longest value and room for the others.
        let perf_rb_pages = match floor {
            Floor::V0_17 => 64,
            _ => (EVENTS_IN_BUFFER * (strlen + 512))
                .div_ceil(4096)
                .next_power_of_two()
                .clamp(64, MAX_PERF_RB_PAGES),
        };
        Script {
            floor,
            strlen,
            perf_rb_pages,
        }
    }

    /// The settings of the script's `config` block (0.23 and later).
    fn config(self) -> String {
        let mut config = format!("max_strlen = {}", self.strlen);
        if self.perf_rb_pages > 64 {
            config.push_str(&format!("; perf_rb_pages = {}", self.perf_rb_pages));
        }
        if self.floor >= Floor::V0_24 {
            config.push_str("; license = \"GPL\"");
        }
        config
    }

    /// How many bytes of an argument the script prints when it runs on the
    /// bpftrace of floor `runs_on` (its own floor or later): all of a fixed
    /// buffer, a string up to its `max_len` and what `strlen` leaves room for,
    /// a variable buffer up to its `max_len` and `strlen`; `None` for a
    /// scalar. A 0.17 script prints strings one byte shorter on 0.23 and
    /// later, whose `str(s, n)` counts the NUL in `n`, and buffers
    /// [`BUF_HEADER`] bytes shorter.
    pub fn kept_on(self, ty: ArgType, runs_on: Floor) -> Option<u32> {
        let nul_counted = self.floor == Floor::V0_17 && runs_on >= Floor::V0_23;
        match ty {
            ArgType::Str { max_len } | ArgType::CStr { max_len } => {
                Some(max_len.min(self.strlen - 1) - u32::from(nul_counted))
            }
            ArgType::Bytes {
                len: BytesLen::Fixed(len),
                ..
            } => Some(len),
            ArgType::Bytes {
                len: BytesLen::Arg { max_len, .. },
                ..
            } => {
                let header = if runs_on >= Floor::V0_23 {
                    BUF_HEADER
                } else {
                    0
                };
                Some(max_len.min(self.strlen - header))
            }
            _ => None,
        }
    }

    /// [`Script::kept_on`] the script's own floor.
    pub fn kept(self, ty: ArgType) -> Option<u32> {
        self.kept_on(ty, self.floor)
    }

    /// Whether argument `index` of `tracepoint` can be read by the script,
    /// and for a variable buffer, its length argument too.
    pub fn readable(self, tracepoint: &Tracepoint, index: usize) -> bool {
        let max = self.floor.max_args();
        index < max
            && tracepoint.args[index]
                .ty
                .length_arg()
                .is_none_or(|length| length < max)
    }

    /// The `str()` length that prints `kept` bytes of a string.
    fn str_len(self, kept: u32) -> u32 {
        match self.floor {
            Floor::V0_17 => kept,
            _ => kept + 1,
        }
    }
}

/// `(cast, printf specifier)` of a scalar argument; no cast for a signed
/// 64-bit value (`argN` is one).
fn scalar(ty: ArgType) -> (Option<&'static str>, &'static str) {
    match ty {
        ArgType::I8 => (Some("int8"), "%d"),
        ArgType::I16 => (Some("int16"), "%d"),
        ArgType::I32 => (Some("int32"), "%d"),
        ArgType::I64 => (None, "%ld"),
        ArgType::U8 | ArgType::Bool => (Some("uint8"), "%u"),
        ArgType::U16 => (Some("uint16"), "%u"),
        ArgType::U32 => (Some("uint32"), "%u"),
        _ => (Some("uint64"), "%lu"),
    }
}

/// One piece of a printed line.
enum Piece {
    /// Text printed as is (already a format-string literal).
    Text(String),
    /// A value: its printf specifier, its expression, and for a
    /// `str()`/`buf()`, the bytes it keeps.
    Value {
        spec: &'static str,
        expr: String,
        buffer: Option<u32>,
    },
    /// An integer with named values: its variable, printed as the name of
    /// its value, or with `spec` when the value has none.
    Named {
        spec: &'static str,
        var: String,
        names: Vec<(i128, String)>,
    },
}

/// The pieces that print argument `index` of `tracepoint`: an integer
/// with named values by the name of its value (the number when it has
/// none), anything else as [`number_pieces`] does.
fn value_pieces(tracepoint: &Tracepoint, index: usize, script: Script) -> Vec<Piece> {
    let arg = &tracepoint.args[index];
    if !arg.values.is_empty() {
        return vec![Piece::Named {
            spec: scalar(arg.ty).1,
            var: format!("${}", arg.name),
            names: arg
                .values
                .iter()
                .map(|v| (v.value, v.name.clone()))
                .collect(),
        }];
    }
    number_pieces(tracepoint, index, script)
}

/// The pieces that print argument `index` of `tracepoint` as its value, an
/// integer as a number whatever its named values (its value variable is
/// `$name`; a variable buffer's kept length is `$_name_len`, which no
/// argument's variable can be: argument names start with a letter).
fn number_pieces(tracepoint: &Tracepoint, index: usize, script: Script) -> Vec<Piece> {
    let arg = &tracepoint.args[index];
    let name = &arg.name;
    let kept = script.kept(arg.ty).unwrap_or(0);
    match arg.ty {
        ArgType::Str { .. } | ArgType::CStr { .. } => vec![Piece::Value {
            spec: "%s",
            expr: format!("str(arg{index}, {})", script.str_len(kept)),
            buffer: Some(kept + 1),
        }],
        ArgType::Bytes {
            len: BytesLen::Fixed(len),
            display,
        } => {
            let bytes: Box<dyn Iterator<Item = u32>> = match display {
                BytesDisplay::Hex => Box::new(0..len),
                BytesDisplay::Hash => Box::new((0..len).rev()),
            };
            bytes
                .map(|i| Piece::Value {
                    spec: "%02x",
                    expr: format!("*(uint8 *)(${name} + {i})"),
                    buffer: None,
                })
                .collect()
        }
        ArgType::Bytes { .. } => vec![Piece::Value {
            spec: "%rh",
            expr: format!("buf(${name}, $_{name}_len)"),
            buffer: Some(kept),
        }],
        _ => vec![Piece::Value {
            spec: scalar(arg.ty).1,
            expr: format!("${name}"),
            buffer: None,
        }],
    }
}

/// The statements that read the arguments the pieces use into variables:
/// scalars cast to their type, pointers as they are, a variable buffer's
/// length cut to what the script keeps.
fn read_args(out: &mut Out, tracepoint: &Tracepoint, script: Script, docs: bool) {
    let max = script.floor.max_args();
    for (i, arg) in tracepoint.args.iter().enumerate() {
        if i >= max {
            writeln!(
                out,
                "  // arg{i} `{}`: bpftrace before 0.24 reads only arg0..arg{}; use the 0.24 script or the BCC or libbpf reader.",
                arg.name,
                max - 1
            );
            continue;
        }
        if docs {
            out.comment("  //", &arg.plain_doc());
        }
        let name = &arg.name;
        match arg.ty {
            ArgType::Str { .. } | ArgType::CStr { .. } => {}
            ArgType::Bytes { .. } => writeln!(out, "  ${name} = arg{i};"),
            ty => match scalar(ty).0 {
                Some(cast) => writeln!(out, "  ${name} = ({cast}) arg{i};"),
                None => writeln!(out, "  ${name} = arg{i};"),
            },
        }
    }
    for (i, arg) in tracepoint.args.iter().enumerate() {
        let (Some(length), Some(cap)) = (arg.ty.length_arg(), script.kept(arg.ty)) else {
            continue;
        };
        if !script.readable(tracepoint, i) {
            continue;
        }
        let name = &arg.name;
        writeln!(out, "  $_{name}_len = (uint64) arg{length};");
        writeln!(
            out,
            "  if ($_{name}_len > {cap}) {{ $_{name}_len = {cap}; }}"
        );
    }
}

/// Prints `pieces` as one line with as few `printf` calls as the budget
/// allows (see the module docs), each indented by two spaces. Under 0.17
/// each buffer takes `strlen` bytes of stack, and one more `strlen` for
/// the copy; later, each takes what it keeps.
fn print_line(out: &mut Out, pieces: Vec<Piece>, script: Script) {
    let mut format = String::new();
    let mut values: Vec<String> = Vec::new();
    let mut buffers = 0u32;
    let cost = |buffers: u32, values: usize| {
        let scalars = 8 * (values as u32 + 1);
        match script.floor {
            Floor::V0_17 if buffers > 0 => (buffers + 1) * script.strlen + scalars,
            Floor::V0_17 => scalars,
            _ => buffers + scalars,
        }
    };
    let budget = match script.floor {
        Floor::V0_17 => PRINTF_BUDGET,
        _ => PRINTF_BUDGET_LARGE,
    };
    let flush = |out: &mut Out, format: &mut String, values: &mut Vec<String>| {
        if format.is_empty() && values.is_empty() {
            return;
        }
        if values.is_empty() {
            writeln!(out, "  printf(\"{format}\");");
        } else {
            writeln!(out, "  printf(\"{format}\", {});", values.join(", "));
        }
        format.clear();
        values.clear();
    };
    for piece in pieces {
        match piece {
            Piece::Text(text) => format.push_str(&text),
            Piece::Named { spec, var, names } => {
                // One `printf` of the name per value, the number otherwise:
                // bpftrace has no lookup of a string by number.
                flush(out, &mut format, &mut values);
                buffers = 0;
                for (i, (value, name)) in names.iter().enumerate() {
                    let keyword = if i == 0 { "if" } else { "else if" };
                    writeln!(
                        out,
                        "  {keyword} ({var} == {value}) {{ printf(\"{name}\"); }}"
                    );
                }
                writeln!(out, "  else {{ printf(\"{spec}\", {var}); }}");
            }
            Piece::Value { spec, expr, buffer } => {
                let more = match (script.floor, buffer) {
                    (_, None) => 0,
                    (Floor::V0_17, Some(_)) => 1,
                    (_, Some(bytes)) => bytes,
                };
                if !values.is_empty()
                    && (values.len() == PRINTF_MAX_VALUES
                        || cost(buffers + more, values.len() + 1) > budget)
                {
                    flush(out, &mut format, &mut values);
                    buffers = 0;
                }
                format.push_str(spec);
                values.push(expr);
                buffers += more;
            }
        }
    }
    format.push_str("\\n");
    flush(out, &mut format, &mut values);
}

/// `text` as the inside of a bpftrace printf format string.
fn format_literal(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '%' => out.push_str("%%"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// What the script (printing the tracepoints in `printed`) cuts or cannot
/// read, one sentence per argument.
fn shortened(printed: &[(&Provider, &Tracepoint)], script: Script) -> Vec<String> {
    let mut notes = Vec::new();
    for (provider, tracepoint) in printed {
        let probe = tracepoint.probe_name(provider);
        for (i, arg) in tracepoint.args.iter().enumerate() {
            let name = &arg.name;
            if !script.readable(tracepoint, i) {
                notes.push(format!(
                    "{probe} `{name}`: not read (bpftrace before 0.24 reads arg0..arg{} only).",
                    script.floor.max_args() - 1
                ));
                continue;
            }
            let (Some(length), Some(kept)) = (arg.ty.length(), script.kept(arg.ty)) else {
                continue;
            };
            if kept < length {
                notes.push(format!("{probe} `{name}`: {kept} of up to {length} bytes."));
            }
        }
    }
    notes
}

/// The lines that say which bpftrace versions the script `file` serves,
/// how to run it, and where the scripts of the other floors are.
fn usage(script: Script, file: &str, base: &str) -> String {
    let strlen = script.strlen;
    let newer: Vec<String> = Floor::ALL
        .into_iter()
        .filter(|f| *f > script.floor)
        .map(|f| format!("{} for {} and later", f.file_name(base), f.version()))
        .collect();
    let mut text = match script.floor {
        Floor::V0_17 => "Serves bpftrace 0.17 and later.".to_string(),
        floor => format!(
            "Serves bpftrace {} and later; an older bpftrace refuses to load it.",
            floor.version()
        ),
    };
    if !newer.is_empty() {
        text.push_str(&format!(
            "\nNewer bpftrace reads more with {}.",
            newer.join(", ")
        ));
    }
    match script.floor {
        Floor::V0_17 => text.push_str(&format!(
            "\nRun as root with the traced binary as the first argument:\n  \
             BPFTRACE_STRLEN={strlen} bpftrace {file} ./path/to/binary\n\
             or make it executable and run ./{file} ./path/to/binary.\n\
             BPFTRACE_STRLEN={strlen}: bpftrace 0.17 cuts strings and buffers at 64 bytes by\n\
             default and allows at most 200. On bpftrace 0.23 and later, which warn that\n\
             BPFTRACE_STRLEN is deprecated, run it as\n  \
             BPFTRACE_MAX_STRLEN={strlen} bpftrace {file} ./path/to/binary\n\
             and it prints strings one byte and variable-length buffers four bytes shorter\n\
             than listed below (str() counts the NUL there, buf() keeps a length field)."
        )),
        _ => text.push_str(&format!(
            "\nRun as root with the traced binary as the first argument:\n  \
             bpftrace {file} ./path/to/binary\n\
             or make it executable and run ./{file} ./path/to/binary.\n\
             The config block below sets max_strlen = {strlen}: strings are printed whole and\n\
             variable-length buffers up to {BUFFER_CAP} bytes.{}",
            if script.perf_rb_pages > 64 {
                format!(
                    "\nIt sets perf_rb_pages = {}: bpftrace's output buffer holds {} KiB per CPU,\n\
                     room for {EVENTS_IN_BUFFER} or more of the largest events while bpftrace is busy (bpftrace\n\
                     prints `Lost N events` when it overflows).",
                    script.perf_rb_pages,
                    script.perf_rb_pages * 4
                )
            } else {
                String::new()
            }
        )),
    }
    text.push_str(
        "\nByte buffers of fixed length print as hex (hashes reversed, as Bitcoin tools\n\
         show them), variable-length ones as hex bytes separated by spaces (%rh),\n\
         booleans as 0 or 1.",
    );
    text
}

/// The first lines of every script: `#!`, the generated-file header, what
/// the script is for and serves, what it prints shorter, the caveats and,
/// for 0.23 and later, the `config` block whose line refuses older
/// versions.
fn header(
    out: &mut Out,
    origin: &Origin,
    printed: &[(&Provider, &Tracepoint)],
    script: Script,
    purpose: &str,
    base: &str,
) {
    let strlen = script.strlen;
    let file = script.floor.file_name(base);
    match script.floor {
        Floor::V0_17 => writeln!(
            out,
            "#!/usr/bin/env -S BPFTRACE_STRLEN={strlen} BPFTRACE_MAX_STRLEN={strlen} bpftrace"
        ),
        _ => writeln!(out, "#!/usr/bin/env bpftrace"),
    }
    out.header(origin, Comment::Slashes, &[]);
    writeln!(out, "//");
    out.comment("//", purpose);
    out.comment("//", &usage(script, &file, base));
    let notes = shortened(printed, script);
    if notes.is_empty() {
        writeln!(out, "// Every value is printed whole.");
    } else {
        writeln!(
            out,
            "// Printed shorter than declared (the BCC and libbpf readers keep more):"
        );
        for note in notes {
            writeln!(out, "//   {note}");
        }
    }
    let caveats = match script.floor {
        Floor::V0_17 => include_str!("templates/bpftrace_caveats.txt"),
        _ => include_str!("templates/bpftrace_caveats_large.txt"),
    };
    out.comment("//", caveats);
    let older = Floor::ALL
        .into_iter()
        .filter(|f| *f < script.floor)
        .map(|f| f.file_name(base))
        .collect::<Vec<_>>()
        .join(" or ");
    match script.floor {
        Floor::V0_17 => {}
        floor => {
            writeln!(out);
            writeln!(
                out,
                "config = {{ {} }} // needs bpftrace {} or later: on an error here, run {older}",
                script.config(),
                floor.version()
            );
        }
    }
}

/// A reader for every tracepoint of `provider`, for bpftrace `floor` and
/// later: each probe block reads every argument into a typed variable and
/// prints them on one line, `provider:name arg=value ...`.
pub fn reader(provider: &Provider, origin: &Origin, floor: Floor) -> String {
    let mut out = Out::new();
    let script = Script::new(floor, [provider]);
    let printed: Vec<_> = provider.tracepoints.iter().map(|t| (provider, t)).collect();
    header(
        &mut out,
        origin,
        &printed,
        script,
        &format!(
            "Reads every argument of the `{}` tracepoints into a variable and prints one\n\
             line per event, `{}:name arg=value ...`. A starting point for your own scripts.",
            provider.name, provider.name
        ),
        &files::bpftrace_reader(provider),
    );
    writeln!(out);
    writeln!(out, "BEGIN");
    writeln!(out, "{{");
    writeln!(
        out,
        "  printf(\"Reading {} {} tracepoints\\n\");",
        provider.tracepoints.len(),
        provider.name
    );
    writeln!(out, "}}");
    for tracepoint in &provider.tracepoints {
        writeln!(out);
        out.comment("//", &tracepoint.doc);
        writeln!(out, "usdt:$1:{}", tracepoint.probe_name(provider));
        writeln!(out, "{{");
        read_args(&mut out, tracepoint, script, true);
        let mut pieces = vec![Piece::Text(tracepoint.probe_name(provider))];
        for (i, arg) in tracepoint.args.iter().enumerate() {
            if script.readable(tracepoint, i) {
                pieces.push(Piece::Text(format!(" {}=", arg.name)));
                pieces.extend(value_pieces(tracepoint, i, script));
            }
        }
        print_line(&mut out, pieces, script);
        writeln!(out, "}}");
    }
    out.finish()
}

/// The logging script `file` for bpftrace `floor` and later: one line per
/// event in each tracepoint's declared `#[log(...)]` format, for every
/// tracepoint that declares one.
pub fn log_script(providers: &[Provider], origin: &Origin, file: &str, floor: Floor) -> String {
    let logged: Vec<(&Provider, &Tracepoint)> = providers
        .iter()
        .flat_map(|p| p.tracepoints.iter().map(move |t| (p, t)))
        .filter(|(_, t)| t.log.is_some())
        .collect();
    let script = Script::new(floor, providers);
    let mut out = Out::new();
    header(
        &mut out,
        origin,
        &logged,
        script,
        "Logs every event of the tracepoints below in their declared log-line format.",
        file,
    );
    let names: Vec<String> = logged.iter().map(|(p, t)| t.probe_name(p)).collect();
    writeln!(out);
    writeln!(out, "BEGIN");
    writeln!(out, "{{");
    writeln!(
        out,
        "  printf(\"Logging {}\\n\");",
        format_literal(&names.join(", "))
    );
    writeln!(out, "}}");
    for (provider, tracepoint) in logged {
        let Some(log) = &tracepoint.log else { continue };
        writeln!(out);
        writeln!(out, "usdt:$1:{}", tracepoint.probe_name(provider));
        writeln!(out, "{{");
        read_args(&mut out, tracepoint, script, false);
        let pieces = log
            .pieces
            .iter()
            .flat_map(|piece| match piece {
                LogPiece::Text(text) => vec![Piece::Text(format_literal(text))],
                LogPiece::Arg(index) => number_pieces(tracepoint, *index, script),
                LogPiece::Name(index) => value_pieces(tracepoint, *index, script),
            })
            .collect();
        print_line(&mut out, pieces, script);
        writeln!(out, "}}");
    }
    out.finish()
}
