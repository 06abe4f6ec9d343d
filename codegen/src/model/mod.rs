//! The model of a tracepoint declaration: plain data that every generator
//! reads. Spans are kept only so that errors and the Rust expansion can point
//! at the user's tokens; no generator needs syn.

pub mod doc;

use doc::Doc;
use proc_macro2::Span;

/// What a probe-site backend can carry: the one place every backend limit
/// is defined. The checks read it; the macro picks the backend's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most arguments one tracepoint may take.
    pub max_args: usize,
    /// Tracepoint names the backend cannot emit.
    pub reserved_tracepoint_names: &'static [&'static str],
    /// How error messages name the backend (empty for the default one).
    pub backend_clause: &'static str,
}

impl Limits {
    /// The native backend (the default): twelve arguments, as Bitcoin Core's
    /// tracepoints use at most.
    pub const NATIVE: Limits = Limits {
        max_args: 12,
        reserved_tracepoint_names: &[],
        backend_clause: "",
    };

    /// The `usdt` crate backend: six arguments; `probe` and `start` name
    /// items its `#[provider]` expansion generates.
    pub const USDT: Limits = Limits {
        max_args: 6,
        reserved_tracepoint_names: &["probe", "start"],
        backend_clause: " with the `usdt` backend",
    };
}

/// How many arguments bpftrace reads from a USDT probe on x86-64
/// (`arg0`..`arg5`); BCC and libbpf read all twelve.
pub const BPFTRACE_MAX_ARGS: usize = 6;

/// The largest `max_len` a string may declare and the largest fixed `len`
/// of a byte buffer, in bytes: a `&str` is copied to the stack (while a
/// tracer is attached), and a BPF reader keeps the whole value in one
/// ring-buffer record.
pub const MAX_STR_LEN: u32 = 4096;

/// The largest `max_len` (readers' cap) of a byte buffer whose length is
/// another argument, in bytes. Readers reserve this much per event in their
/// ring buffer; Bitcoin Core's own tools keep 32568 bytes of a message.
pub const MAX_BUFFER_CAP: u32 = 1 << 20;

/// The longest declared name (a provider's, a tracepoint's, an argument's,
/// a named value's), in characters.
pub const MAX_NAME_LEN: usize = 64;

/// The longest string or buffer bpftrace 0.17 reads (`BPFTRACE_STRLEN` may
/// be at most 200, the NUL of a string included).
pub const BPFTRACE_STRLEN_MAX: u32 = 200;

/// One provider (a "context" in Bitcoin Core's `doc/tracing.md`) and its
/// tracepoints, in declaration order.
#[derive(Debug, Clone)]
pub struct Provider {
    /// The provider name, e.g. `net`: the module's name.
    pub name: String,
    /// The module's doc comment (may be empty).
    pub doc: Doc,
    /// The tracepoints in declaration order.
    pub tracepoints: Vec<Tracepoint>,
    /// Whether the ABI the binary carries keeps the docs
    /// (`#[tracepoints::provider(embed_docs = false)]` leaves them out).
    pub embed_docs: bool,
}

/// One tracepoint: a USDT probe `provider:name` with typed arguments.
#[derive(Debug, Clone)]
pub struct Tracepoint {
    /// The position in the provider's declaration, from 0: the order of the
    /// semaphores and the event kind numbers of the readers.
    pub index: usize,
    /// The probe name, e.g. `inbound_connection`.
    pub name: String,
    /// The doc comment (never empty).
    pub doc: Doc,
    /// The arguments in probe order (`arg0`, `arg1`, ...).
    pub args: Vec<Arg>,
    /// Text after the argument list (`#[doc_after]`), empty when none.
    pub doc_after: Doc,
    /// The declared log line, if any.
    pub log: Option<LogLine>,
    /// Where the tracepoint's name was written.
    pub span: Span,
}

/// One argument of a tracepoint.
#[derive(Debug, Clone)]
pub struct Arg {
    /// The argument's name, e.g. `addr`.
    pub name: String,
    /// The doc comment (never empty).
    pub doc: Doc,
    /// The argument's type.
    pub ty: ArgType,
    /// Own wording of its length (`#[length_doc]`), instead of the
    /// generated clause.
    pub length_doc: Option<Doc>,
    /// Names of some of an integer's values (`#[values]`), in declaration
    /// order; empty when none are named.
    pub values: Vec<NamedValue>,
    /// An integer's unit (`#[unit]`).
    pub unit: Option<Unit>,
    /// Where the argument's name was written.
    pub span: Span,
}

/// A name for one value of an integer argument: `1 = "ipv4"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedValue {
    /// The value (in the argument type's range).
    pub value: i128,
    /// Its name: letters, digits and underscores, starting with a letter.
    pub name: String,
}

/// The unit of an integer argument (`#[unit = "us"]`): one of a fixed
/// set, so that every reader and consumer knows each by its symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// `ns`
    Nanoseconds,
    /// `us`
    Microseconds,
    /// `ms`
    Milliseconds,
    /// `s`
    Seconds,
    /// `unix_s`: a point in time, seconds since the UNIX epoch.
    UnixSeconds,
    /// `bytes`
    Bytes,
    /// `vbytes`: virtual bytes (a transaction's weight divided by four).
    VirtualBytes,
    /// `wu`: weight units.
    WeightUnits,
    /// `sat`: satoshis.
    Satoshis,
}

impl Unit {
    /// Every unit, in the order error messages list them.
    pub const ALL: [Unit; 9] = [
        Unit::Nanoseconds,
        Unit::Microseconds,
        Unit::Milliseconds,
        Unit::Seconds,
        Unit::UnixSeconds,
        Unit::Bytes,
        Unit::VirtualBytes,
        Unit::WeightUnits,
        Unit::Satoshis,
    ];

    /// How a declaration, the ABI file and the readers write it: `us`.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Nanoseconds => "ns",
            Unit::Microseconds => "us",
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::UnixSeconds => "unix_s",
            Unit::Bytes => "bytes",
            Unit::VirtualBytes => "vbytes",
            Unit::WeightUnits => "wu",
            Unit::Satoshis => "sat",
        }
    }

    /// What the docs say: `microseconds`.
    pub fn meaning(self) -> &'static str {
        match self {
            Unit::Nanoseconds => "nanoseconds",
            Unit::Microseconds => "microseconds",
            Unit::Milliseconds => "milliseconds",
            Unit::Seconds => "seconds",
            Unit::UnixSeconds => "seconds since the UNIX epoch",
            Unit::Bytes => "bytes",
            Unit::VirtualBytes => "virtual bytes",
            Unit::WeightUnits => "weight units",
            Unit::Satoshis => "satoshis",
        }
    }

    /// The unit a symbol stands for.
    pub fn from_symbol(symbol: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.symbol() == symbol)
    }
}

/// The type of a tracepoint argument, as it reaches the tracer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// `i8`
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `bool`, passed as one byte holding 0 or 1.
    Bool,
    /// `&str`, copied (while a tracer is attached) into a NUL-terminated
    /// C string of at most `max_len` bytes on the stack and passed as a
    /// pointer to it.
    Str {
        /// The longest value the probe passes and readers keep, in bytes,
        /// without the NUL.
        max_len: u32,
    },
    /// `&CStr`, passed as the caller's pointer (no copy): the whole string
    /// reaches the tracer, readers keep up to `max_len` bytes of it.
    CStr {
        /// The longest value readers keep, in bytes, without the NUL.
        max_len: u32,
    },
    /// `&[u8]`, passed as a pointer to the caller's bytes.
    Bytes {
        /// How many bytes there are.
        len: BytesLen,
        /// How readers show them.
        display: BytesDisplay,
    },
}

/// How many bytes a `&[u8]` argument passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BytesLen {
    /// `#[len(N)]`: exactly `N` bytes (a hash): longer values are cut to
    /// `N` by readers, shorter ones are zero-padded at the probe site.
    Fixed(u32),
    /// `#[len(arg)] #[max_len(N)]`: as many bytes as the integer argument
    /// at `index` says (the probe passes at most the slice's length there),
    /// of which readers keep up to `max_len`.
    Arg {
        /// The length argument's position.
        index: usize,
        /// The most bytes readers keep.
        max_len: u32,
    },
}

/// How readers show a byte buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BytesDisplay {
    /// Lowercase hex of the bytes in the order passed (the default).
    Hex,
    /// `#[hash]`: lowercase hex of the bytes in reverse order, as Bitcoin
    /// tools show block and transaction hashes (stored little-endian).
    Hash,
}

impl BytesDisplay {
    /// The name used in the ABI file and the readers: `hex` or `hash`.
    pub fn name(self) -> &'static str {
        match self {
            BytesDisplay::Hex => "hex",
            BytesDisplay::Hash => "hash",
        }
    }
}

impl ArgType {
    /// The Rust spelling in a declaration: `i64`, `&str`, ...
    pub fn rust(self) -> &'static str {
        match self {
            ArgType::I8 => "i8",
            ArgType::I16 => "i16",
            ArgType::I32 => "i32",
            ArgType::I64 => "i64",
            ArgType::U8 => "u8",
            ArgType::U16 => "u16",
            ArgType::U32 => "u32",
            ArgType::U64 => "u64",
            ArgType::Bool => "bool",
            ArgType::Str { .. } => "&str",
            ArgType::CStr { .. } => "&CStr",
            ArgType::Bytes { .. } => "&[u8]",
        }
    }

    /// Whether the value is passed as a pointer (strings and buffers).
    pub fn is_pointer(self) -> bool {
        matches!(
            self,
            ArgType::Str { .. } | ArgType::CStr { .. } | ArgType::Bytes { .. }
        )
    }

    /// The Rust type name for a scalar type, from its spelling.
    pub fn from_rust_scalar(name: &str) -> Option<ArgType> {
        Some(match name {
            "i8" => ArgType::I8,
            "i16" => ArgType::I16,
            "i32" => ArgType::I32,
            "i64" => ArgType::I64,
            "u8" => ArgType::U8,
            "u16" => ArgType::U16,
            "u32" => ArgType::U32,
            "u64" => ArgType::U64,
            "bool" => ArgType::Bool,
            _ => return None,
        })
    }

    /// The size in bytes of the value the probe passes (a pointer for
    /// strings).
    pub fn size(self) -> u32 {
        match self {
            ArgType::I8 | ArgType::U8 | ArgType::Bool => 1,
            ArgType::I16 | ArgType::U16 => 2,
            ArgType::I32 | ArgType::U32 => 4,
            ArgType::I64
            | ArgType::U64
            | ArgType::Str { .. }
            | ArgType::CStr { .. }
            | ArgType::Bytes { .. } => 8,
        }
    }

    /// The range of an integer type; `None` for `bool`, strings and
    /// buffers.
    pub fn integer_range(self) -> Option<(i128, i128)> {
        Some(match self {
            ArgType::I8 => (i8::MIN.into(), i8::MAX.into()),
            ArgType::I16 => (i16::MIN.into(), i16::MAX.into()),
            ArgType::I32 => (i32::MIN.into(), i32::MAX.into()),
            ArgType::I64 => (i64::MIN.into(), i64::MAX.into()),
            ArgType::U8 => (0, u8::MAX.into()),
            ArgType::U16 => (0, u16::MAX.into()),
            ArgType::U32 => (0, u32::MAX.into()),
            ArgType::U64 => (0, u64::MAX.into()),
            _ => return None,
        })
    }

    /// Whether the value is a signed integer.
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            ArgType::I8 | ArgType::I16 | ArgType::I32 | ArgType::I64
        )
    }

    /// The stapsdt argument size signature: `-8` for a signed 64-bit value,
    /// `8` for an unsigned one or a pointer.
    pub fn sdt_size(self) -> i32 {
        let size = self.size() as i32;
        if self.is_signed() { -size } else { size }
    }

    /// The wording of Bitcoin Core's `doc/tracing.md`: `int64`, `uint32`,
    /// `bool`, `pointer to C-style String`.
    pub fn doc_name(self) -> &'static str {
        match self {
            ArgType::I8 => "int8",
            ArgType::I16 => "int16",
            ArgType::I32 => "int32",
            ArgType::I64 => "int64",
            ArgType::U8 => "uint8",
            ArgType::U16 => "uint16",
            ArgType::U32 => "uint32",
            ArgType::U64 => "uint64",
            ArgType::Bool => "bool",
            ArgType::Str { .. } | ArgType::CStr { .. } => "pointer to C-style String",
            ArgType::Bytes { .. } => "pointer to unsigned chars",
        }
    }

    /// The most bytes readers keep: a string's `max_len`, a fixed buffer's
    /// `len`, a variable buffer's `max_len`; `None` for scalars.
    pub fn length(self) -> Option<u32> {
        match self {
            ArgType::Str { max_len } | ArgType::CStr { max_len } => Some(max_len),
            ArgType::Bytes {
                len: BytesLen::Fixed(len),
                ..
            } => Some(len),
            ArgType::Bytes {
                len: BytesLen::Arg { max_len, .. },
                ..
            } => Some(max_len),
            _ => None,
        }
    }

    /// How many bytes a BPF reader's event holds for the value: a string's
    /// buffer (max length + NUL) or the buffer's bytes; `None` for scalars.
    pub fn buffer_len(self) -> Option<u32> {
        match self {
            ArgType::Str { max_len } | ArgType::CStr { max_len } => Some(max_len + 1),
            _ => self.length(),
        }
    }

    /// For a byte buffer whose length is another argument, that argument's
    /// position.
    pub fn length_arg(self) -> Option<usize> {
        match self {
            ArgType::Bytes {
                len: BytesLen::Arg { index, .. },
                ..
            } => Some(index),
            _ => None,
        }
    }
}

/// A log line such as `INBOUND conn from {addr}: id={id}`, split into
/// literal text and argument references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The pieces in order.
    pub pieces: Vec<LogPiece>,
}

/// A piece of a [`LogLine`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogPiece {
    /// Text printed as is (braces already unescaped).
    Text(String),
    /// The value of the argument at this index, as a number.
    Arg(usize),
    /// The value of the argument at this index by its name (`{arg:name}`),
    /// or as a number when the value has none.
    Name(usize),
}

impl LogLine {
    /// The line as a declaration writes it, with the names of `args`:
    /// `{arg}`, `{arg:name}`, and `{{`/`}}` for literal braces.
    pub fn source(&self, args: &[Arg]) -> String {
        self.pieces
            .iter()
            .map(|piece| match piece {
                LogPiece::Text(text) => text.replace('{', "{{").replace('}', "}}"),
                LogPiece::Arg(i) => format!("{{{}}}", args[*i].name),
                LogPiece::Name(i) => format!("{{{}:name}}", args[*i].name),
            })
            .collect()
    }
}

impl Provider {
    /// The tracepoint of this name, if declared.
    pub fn tracepoint(&self, name: &str) -> Option<&Tracepoint> {
        self.tracepoints.iter().find(|t| t.name == name)
    }
}

impl Arg {
    /// The name of `value`, when the declaration gives it one.
    pub fn value_name(&self, value: i128) -> Option<&str> {
        self.values
            .iter()
            .find(|v| v.value == value)
            .map(|v| v.name.as_str())
    }

    /// What the docs say about an integer's unit and named values, e.g. `in
    /// microseconds` or ``0 = `unroutable`, 1 = `ipv4` ``; `None` when it
    /// has neither.
    pub fn meaning(&self) -> Option<String> {
        let unit = self.unit.map(|u| format!("in {}", u.meaning()));
        let values = (!self.values.is_empty()).then(|| {
            let names: Vec<String> = self
                .values
                .iter()
                .map(|v| format!("{} = `{}`", v.value, v.name))
                .collect();
            names.join(", ")
        });
        match (unit, values) {
            (None, None) => None,
            (Some(one), None) | (None, Some(one)) => Some(one),
            (Some(unit), Some(values)) => Some(format!("{unit}; {values}")),
        }
    }

    /// The doc as plain text for the readers' comments: a `{type}`
    /// placeholder becomes the type's name; an integer's unit and named
    /// values follow in parentheses.
    pub fn plain_doc(&self) -> String {
        let doc = self.doc.with_type(&format!("`{}`", self.ty.doc_name()));
        match self.meaning() {
            Some(meaning) => format!("{doc} ({meaning})"),
            None => doc,
        }
    }
}

impl Tracepoint {
    /// The full probe name, `provider:name`.
    pub fn probe_name(&self, provider: &Provider) -> String {
        format!("{}:{}", provider.name, self.name)
    }

    /// Every text of the tracepoint that may hold footnote references or
    /// definitions: its doc, its text after the list, each argument's doc
    /// and length wording.
    pub fn texts(&self) -> impl Iterator<Item = &Doc> {
        [&self.doc, &self.doc_after].into_iter().chain(
            self.args
                .iter()
                .flat_map(|a| std::iter::once(&a.doc).chain(a.length_doc.as_ref())),
        )
    }

    /// The stapsdt argument size signatures in order, e.g. `[-8, 8, 8, 4, 8]`.
    pub fn sdt_sizes(&self) -> Vec<i32> {
        self.args.iter().map(|a| a.ty.sdt_size()).collect()
    }
}
