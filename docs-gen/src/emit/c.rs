//! C pieces shared by the BCC and libbpf readers: the event structs (one per
//! tracepoint, `kind` first, then every argument: strings as
//! `char[max_len + 1]`, so `max_len` bytes and the NUL fit; byte
//! buffers as `__u8[len]`), C types and the file comment.

use super::out::{Comment, Out};
use super::out::{Origin, c_comment_lines, c_comment_text};
use tracepoints_codegen::model::{ArgType, BytesLen, Provider, Tracepoint};
use tracepoints_codegen::names::c::{self, LOCALS, Locals, Names};
use tracepoints_codegen::names::kind_value;
use tracepoints_codegen::record::{Record, Tail};

/// The kernel UAPI type of a scalar argument (`__s64`, `__u32`, ...), from
/// `<linux/types.h>`, usable by BCC, libbpf and user-space C alike; the
/// pointer type of a string or byte buffer.
pub fn c_type(ty: ArgType) -> &'static str {
    match ty {
        ArgType::I8 => "__s8",
        ArgType::I16 => "__s16",
        ArgType::I32 => "__s32",
        ArgType::I64 => "__s64",
        ArgType::U8 | ArgType::Bool => "__u8",
        ArgType::U16 => "__u16",
        ArgType::U32 => "__u32",
        ArgType::U64 => "__u64",
        ArgType::Str { .. } | ArgType::CStr { .. } => "const char *",
        ArgType::Bytes { .. } => "const void *",
    }
}

/// A libbpf handler's parameter for argument `i` of `tracepoint`:
/// `__s64 _id`, `const char *_addr`.
pub fn c_param(tracepoint: &Tracepoint, names: &c::TracepointNames, i: usize) -> String {
    let ty = c_type(tracepoint.args[i].ty);
    let space = if ty.ends_with('*') { "" } else { " " };
    format!("{ty}{space}{}", names.args[i].param)
}

/// Writes the `#define`s, the kind enum and the event structs of `provider`.
pub fn event_types(out: &mut Out, provider: &Provider, names: &Names) {
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        for (arg, a) in tracepoint.args.iter().zip(&t.args) {
            if let (Some(define), Some(n)) = (&a.length, arg.ty.length()) {
                writeln!(out, "#define {define} {n}");
            }
        }
    }
    writeln!(out);
    writeln!(
        out,
        "/* The `kind` of each event: which tracepoint fired. */"
    );
    writeln!(out, "enum {} {{", names.kind_enum);
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        writeln!(out, "\t{} = {},", t.kind, kind_value(tracepoint));
    }
    writeln!(out, "}};");
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        writeln!(out);
        // The doc with its paragraphs, as a block comment.
        writeln!(out, "/*");
        out.comment(
            " *",
            &c_comment_lines(&format!(
                "{}:\n{}",
                tracepoint.probe_name(provider),
                tracepoint.doc
            )),
        );
        writeln!(out, " */");
        writeln!(out, "struct {} {{", t.event_struct);
        writeln!(out, "\t__u32 {}; /* {} */", t.kind_field, t.kind);
        for (arg, a) in Record::of(tracepoint)
            .order
            .into_iter()
            .map(|i| (&tracepoint.args[i], &t.args[i]))
        {
            let doc = c_comment_text(&arg.plain_doc());
            let field = &a.field;
            match (arg.ty, &a.length) {
                (ArgType::Str { .. } | ArgType::CStr { .. }, Some(define)) => {
                    writeln!(out, "\tchar {field}[{define} + 1]; /* {doc} */")
                }
                (ArgType::Bytes { .. }, Some(define)) => {
                    writeln!(out, "\t__u8 {field}[{define}]; /* {doc} */")
                }
                (ty, _) => writeln!(out, "\t{} {field}; /* {doc} */", c_type(ty)),
            }
        }
        writeln!(out, "}};");
    }
}

/// Writes a C block comment holding the generated-file header and `purpose`.
pub fn file_comment(out: &mut Out, origin: &Origin, purpose: &str) {
    out.header(origin, Comment::CBlock, &[purpose]);
}

/// How a reader's C reaches its maps: BCC's map methods or libbpf's
/// helpers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// A BCC program: `net_events.ringbuf_reserve(...)`, arguments read
    /// with `bpf_usdt_readarg`.
    Bcc,
    /// A libbpf program: `bpf_ringbuf_reserve(&net_events, ...)`,
    /// arguments as `BPF_USDT` parameters.
    Libbpf,
}

impl Flavor {
    fn reserve(self, names: &Names, size: &str) -> String {
        let rb = &names.ring_buffer;
        match self {
            Flavor::Bcc => format!("{rb}.ringbuf_reserve({size})"),
            Flavor::Libbpf => format!("bpf_ringbuf_reserve(&{rb}, {size}, 0)"),
        }
    }

    fn submit(self, names: &Names, size: &str) -> String {
        let (rb, event, flags) = (&names.ring_buffer, LOCALS.event, &names.wakeup_flags);
        match self {
            Flavor::Bcc => format!("{rb}.ringbuf_submit({event}, {flags}({size}))"),
            Flavor::Libbpf => format!("bpf_ringbuf_submit({event}, {flags}({size}))"),
        }
    }

    /// The ring buffer's size in bytes, as the program sees it: BCC's is
    /// the page count its loader defined (BCC 0.26 has no
    /// `ringbuf_query`), libbpf's what its loader set.
    fn ring_size(self, names: &Names) -> String {
        match self {
            Flavor::Bcc => format!("((__u64){} * 4096)", names.ring_pages),
            Flavor::Libbpf => format!(
                "bpf_ringbuf_query(&{}, BPF_RB_RING_SIZE)",
                names.ring_buffer
            ),
        }
    }

    fn lookup(self, map: &str, key: &str) -> String {
        match self {
            Flavor::Bcc => format!("{map}.lookup(&{key})"),
            Flavor::Libbpf => format!("bpf_map_lookup_elem(&{map}, &{key})"),
        }
    }
}

/// How often the programs wake their reader: once each time the bytes
/// submitted pass another 1/`WAKEUP_FRACTION` of the ring (see
/// [`wakeup_policy`]). Measured with `scripts/bench/reader-cost.sh`: a quarter
/// cost the node as much as a sixteenth, and left the BCC logger, which
/// decodes at about 100,000 events a second, more events to lose in a
/// batch.
pub const WAKEUP_FRACTION: u32 = 16;

/// The maps of `provider`'s C readers besides the ring buffer: the per-CPU
/// lost counters (one per event kind, at the kind's index; 0 unused) and
/// the wakeup policy's state.
pub fn counter_maps(provider: &Provider, names: &Names, flavor: Flavor) -> String {
    let (lost, wakeup) = (&names.lost_counter, &names.wakeup);
    let kinds = provider.tracepoints.len() + 1;
    let lost_doc = "/* Events dropped because the ring buffer was full, per CPU, at the index\n \
                    * of their kind (0 unused). */";
    let wakeup_doc = "/* The bytes of records submitted so far: the wakeup policy's count. */";
    match flavor {
        Flavor::Bcc => format!(
            "{lost_doc}\nBPF_PERCPU_ARRAY({lost}, __u64, {kinds});\n{wakeup_doc}\nBPF_ARRAY({wakeup}, __u64, 1);\n"
        ),
        Flavor::Libbpf => format!(
            "{lost_doc}\nstruct {{\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, {kinds});\n\t__type(key, __u32);\n\t__type(value, __u64);\n}} {lost} SEC(\".maps\");\n\n{wakeup_doc}\nstruct {{\n\t__uint(type, BPF_MAP_TYPE_ARRAY);\n\t__uint(max_entries, 1);\n\t__type(key, __u32);\n\t__type(value, __u64);\n}} {wakeup} SEC(\".maps\");\n"
        ),
    }
}

/// The function that picks each record's submit flags. The kernel's
/// default wakes the reader whenever it has caught up: a reader that keeps
/// up is asleep at nearly every record, and each wakeup costs the traced
/// thread an interrupt inside its probe. So records are submitted without
/// a wakeup (the reader also reads on a timer), but for one forced wakeup
/// each time the bytes submitted pass a multiple of 1/[`WAKEUP_FRACTION`]
/// of the ring: a burst wakes the reader long before the ring fills, at a
/// cost of a few wakeups per ring's worth of records. The count is one
/// plain `u64` shared by the CPUs: two that race may both wake the reader
/// or count a record once too few, never skip a multiple.
pub fn wakeup_policy(names: &Names, flavor: Flavor) -> String {
    let (function, map, zero) = (&names.wakeup_flags, &names.wakeup, LOCALS.zero);
    let ring = flavor.ring_size(names);
    let counted = flavor.lookup(map, zero);
    format!(
        "/* The flags to submit a record of `size` bytes with: no wakeup (the\n \
         * reader also reads on a timer) but each time the bytes submitted pass\n \
         * a multiple of 1/{WAKEUP_FRACTION} of the ring. (The kernel's default wakes the\n \
         * reader whenever it has caught up: an interrupt in the traced thread\n \
         * for nearly every record.) */\n\
         static __always_inline __u64 {function}(__u64 size)\n{{\n\
         \t__u64 share = {ring} / {WAKEUP_FRACTION};\n\
         \t__u32 {zero} = 0;\n\
         \t__u64 *submitted = {counted};\n\
         \tif (!submitted || !share)\n\t\treturn 0;\n\
         \t__u64 before = *submitted;\n\
         \t*submitted = before + size;\n\
         \tif (before / share == (before + size) / share)\n\t\treturn BPF_RB_NO_WAKEUP;\n\
         \treturn BPF_RB_FORCE_WAKEUP;\n}}\n"
    )
}

/// The scratch map's declaration for a provider whose records have a
/// string tail (`None` if none has): a per-CPU slot as long as the longest
/// such string, with its NUL.
pub fn scratch_map(provider: &Provider, names: &Names, flavor: Flavor) -> Option<String> {
    let longest = provider
        .tracepoints
        .iter()
        .filter_map(|t| Record::of(t).tail.filter(|tail| tail.string))
        .map(|tail| tail.cap)
        .max()?;
    let scratch = &names.scratch;
    let map = match flavor {
        Flavor::Bcc => format!("BPF_PERCPU_ARRAY({scratch}, struct {scratch}, 1);"),
        Flavor::Libbpf => format!(
            "struct {{\n\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n\t__uint(max_entries, 1);\n\t__type(key, __u32);\n\t__type(value, struct {scratch});\n}} {scratch} SEC(\".maps\");"
        ),
    };
    Some(format!(
        "/* A string is read here first: its length picks the size of its record. */\n\
         struct {scratch} {{\n\tchar text[{longest}];\n}};\n{map}\n"
    ))
}

/// Writes the probe handlers of `provider`, each after the function that
/// puts its records when it has a tail (see [`Record`]).
pub fn handlers(out: &mut Out, provider: &Provider, names: &Names, flavor: Flavor) {
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        let record = Record::of(tracepoint);
        writeln!(out);
        if let Some(tail) = &record.tail {
            put_function(out, provider, tracepoint, names, t, tail, flavor);
            writeln!(out);
        }
        match flavor {
            Flavor::Bcc => writeln!(
                out,
                "int {}(struct pt_regs *{})",
                t.bcc_function, LOCALS.ctx
            ),
            Flavor::Libbpf => {
                let params: Vec<String> = std::iter::once(t.event_struct.clone())
                    .chain((0..tracepoint.args.len()).map(|i| c_param(tracepoint, t, i)))
                    .collect();
                writeln!(out, "SEC(\"usdt\")");
                writeln!(out, "int BPF_USDT({})", params.join(", "));
            }
        }
        writeln!(out, "{{");
        if flavor == Flavor::Bcc {
            read_args(out, tracepoint, t);
        }
        match &record.tail {
            None => fill(out, tracepoint, names, t, None, flavor),
            Some(tail) => dispatch(out, tracepoint, names, t, tail, flavor),
        }
        writeln!(out, "}}");
    }
}

/// BCC: reads every argument into a local named as a libbpf handler's
/// parameter (strings and buffers as pointers), so the rest of a handler
/// is the same text in both flavors.
fn read_args(out: &mut Out, tracepoint: &Tracepoint, names: &c::TracepointNames) {
    for i in 0..tracepoint.args.len() {
        writeln!(out, "\t{} = 0;", c_param(tracepoint, names, i));
        writeln!(
            out,
            "\tbpf_usdt_readarg({}, {}, &{});",
            i + 1,
            LOCALS.ctx,
            names.args[i].param
        );
    }
}

/// Writes the statements that pick the record's size class from the
/// tail's kept length and put the record.
fn dispatch(
    out: &mut Out,
    tracepoint: &Tracepoint,
    names: &Names,
    t: &c::TracepointNames,
    tail: &Tail,
    flavor: Flavor,
) {
    let Locals {
        kept,
        scratch,
        zero,
        ..
    } = LOCALS;
    let a = &t.args[tail.index];
    let define = a.length.as_deref().expect("a tail has a length define");
    let from = if tail.string {
        writeln!(out, "\t__u32 {zero} = 0;");
        writeln!(
            out,
            "\tstruct {} *{scratch} = {};",
            names.scratch,
            flavor.lookup(&names.scratch, LOCALS.zero)
        );
        writeln!(out, "\tif (!{scratch})");
        writeln!(out, "\t\treturn 0;");
        writeln!(
            out,
            "\tlong {kept} = bpf_probe_read_user_str({scratch}->text, {define} + 1, {});",
            a.param
        );
        writeln!(out, "\tif ({kept} < 1) {{");
        writeln!(out, "\t\t{scratch}->text[0] = 0;");
        writeln!(out, "\t\t{kept} = 1;");
        writeln!(out, "\t}}");
        format!("{scratch}->text")
    } else {
        let index = tracepoint.args[tail.index]
            .ty
            .length_arg()
            .expect("a buffer tail has a length argument");
        let length = &t.args[index].param;
        // Widened first: a narrow length type against a larger cap
        // would make clang warn that the comparison is always true.
        writeln!(out, "\t__u64 {kept} = {length};");
        writeln!(out, "\tif ({kept} > {define})");
        writeln!(out, "\t\t{kept} = {define};");
        a.param.clone()
    };
    let rest: Vec<&str> = tracepoint
        .args
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != tail.index)
        .map(|(i, _)| t.args[i].param.as_str())
        .collect();
    let call = |room: &str| {
        let mut params = vec![room, kept, from.as_str()];
        params.extend(&rest);
        format!("{}({})", t.put_function, params.join(", "))
    };
    // The last class is the tail's cap: the call after the tests.
    for room in &tail.classes[..tail.classes.len() - 1] {
        writeln!(out, "\tif ({kept} <= {room})");
        writeln!(out, "\t\treturn {};", call(&room.to_string()));
    }
    let full = if tail.string {
        format!("{define} + 1")
    } else {
        define.to_string()
    };
    writeln!(out, "\treturn {};", call(&full));
}

/// Writes the `static __always_inline` function that reserves a record
/// leaving `room` bytes for the tail (a constant at every call, as the
/// ring buffer needs), fills it, copying `kept` bytes of the tail from
/// `from`, and submits it.
fn put_function(
    out: &mut Out,
    provider: &Provider,
    tracepoint: &Tracepoint,
    names: &Names,
    t: &c::TracepointNames,
    tail: &Tail,
    flavor: Flavor,
) {
    let Locals {
        room, kept, from, ..
    } = LOCALS;
    let what = if tail.string {
        "string, NUL included, from the scratch map"
    } else {
        "buffer, from the traced process"
    };
    let field = &t.args[tail.index].field;
    writeln!(
        out,
        "/* Puts one `{}` record that ends `{room}` bytes into `{field}`,\n * holding `{kept}` bytes of the {what}. */",
        tracepoint.probe_name(provider)
    );
    let mut params = vec![
        format!("__u32 {room}"),
        format!("__u64 {kept}"),
        format!("const void *{from}"),
    ];
    params.extend(
        (0..tracepoint.args.len())
            .filter(|&i| i != tail.index)
            .map(|i| c_param(tracepoint, t, i)),
    );
    writeln!(
        out,
        "static __always_inline int {}({})",
        t.put_function,
        params.join(", ")
    );
    writeln!(out, "{{");
    fill(out, tracepoint, names, t, Some(tail), flavor);
    writeln!(out, "}}");
}

/// Writes the body that reserves a record (the whole struct, or for a
/// record with a tail the struct up to the tail and `room` bytes more),
/// counts it in the per-CPU lost counter and returns when the ring buffer
/// is full, stores the kind and every argument (the tail's `kept` bytes,
/// from `from`), and submits it. The record is not zeroed (clang cannot
/// for records larger than a few hundred bytes): every byte a decoder
/// reads is written, as scalars are stored, strings are copied up to their
/// NUL, buffers up to the length decoders use, and the copy helpers zero
/// what they fail to read. Padding and the bytes after a string's NUL keep
/// what an earlier record of the same ring buffer left there.
fn fill(
    out: &mut Out,
    tracepoint: &Tracepoint,
    names: &Names,
    t: &c::TracepointNames,
    tail: Option<&Tail>,
    flavor: Flavor,
) {
    let size = reserve(out, names, t, tail, flavor);
    writeln!(out, "\t{}->{} = {};", LOCALS.event, t.kind_field, t.kind);
    store_args(out, tracepoint, t, tail);
    if let Some(tail) = tail {
        store_tail(out, t, tail);
    }
    writeln!(out, "\t{};", flavor.submit(names, &size));
    writeln!(out, "\treturn 0;");
}

/// Reserves the record (the whole struct, or the struct up to the tail
/// and `room` bytes more); when the ring buffer is full, counts the event
/// in the per-CPU lost counter of its kind and returns. Returns the
/// record's size, as a C expression.
fn reserve(
    out: &mut Out,
    names: &Names,
    t: &c::TracepointNames,
    tail: Option<&Tail>,
    flavor: Flavor,
) -> String {
    let Locals {
        event,
        key,
        lost,
        room,
        ..
    } = LOCALS;
    let tag = &t.event_struct;
    let size = match tail {
        Some(tail) => format!(
            "__builtin_offsetof(struct {tag}, {}) + {room}",
            t.args[tail.index].field
        ),
        None => format!("sizeof(struct {tag})"),
    };
    writeln!(
        out,
        "\tstruct {tag} *{event} = {};",
        flavor.reserve(names, &size)
    );
    writeln!(out, "\tif (!{event}) {{");
    writeln!(out, "\t\t__u32 {key} = {};", t.kind);
    writeln!(
        out,
        "\t\t__u64 *{lost} = {};",
        flavor.lookup(&names.lost_counter, key)
    );
    writeln!(out, "\t\tif ({lost})");
    writeln!(out, "\t\t\t(*{lost})++;");
    writeln!(out, "\t\treturn 0;");
    writeln!(out, "\t}}");
    size
}

/// Stores every argument but the tail: scalars first, then strings and
/// buffers read from the traced process (a variable buffer up to its
/// length argument, at most its field).
fn store_args(out: &mut Out, tracepoint: &Tracepoint, t: &c::TracepointNames, tail: Option<&Tail>) {
    let Locals { event, len, .. } = LOCALS;
    let args = || {
        tracepoint
            .args
            .iter()
            .zip(&t.args)
            .enumerate()
            .filter(|&(i, _)| Some(i) != tail.map(|tail| tail.index))
    };
    for (_, (_, a)) in args().filter(|(_, (arg, _))| !arg.ty.is_pointer()) {
        writeln!(out, "\t{event}->{} = {};", a.field, a.param);
    }
    for (_, (arg, a)) in args().filter(|(_, (arg, _))| arg.ty.is_pointer()) {
        let (field, param) = (&a.field, &a.param);
        match arg.ty {
            ArgType::Bytes {
                len: BytesLen::Arg { index, .. },
                ..
            } => {
                writeln!(out, "\t{{");
                writeln!(out, "\t\t__u64 {len} = {};", t.args[index].param);
                writeln!(out, "\t\tif ({len} > sizeof({event}->{field}))");
                writeln!(out, "\t\t\t{len} = sizeof({event}->{field});");
                writeln!(
                    out,
                    "\t\tbpf_probe_read_user({event}->{field}, {len}, {param});"
                );
                writeln!(out, "\t}}");
            }
            ArgType::Bytes { .. } => writeln!(
                out,
                "\tbpf_probe_read_user({event}->{field}, sizeof({event}->{field}), {param});"
            ),
            _ => writeln!(
                out,
                "\tbpf_probe_read_user_str({event}->{field}, sizeof({event}->{field}), {param});"
            ),
        }
    }
}

/// Copies the tail's `kept` bytes from `from` (the scratch map for a
/// string, the traced process for a buffer), bounded by `room` where the
/// verifier sees the bound.
fn store_tail(out: &mut Out, t: &c::TracepointNames, tail: &Tail) {
    let Locals {
        event,
        room,
        kept,
        from,
        ..
    } = LOCALS;
    let field = &t.args[tail.index].field;
    let read = if tail.string {
        "bpf_probe_read_kernel"
    } else {
        "bpf_probe_read_user"
    };
    // Else clang drops the bound as implied by the caller's test, done on
    // another register, and the verifier cannot see that it holds.
    writeln!(
        out,
        "\t/* Bounded here, where the verifier sees it: clang may not drop it. */"
    );
    writeln!(out, "\tasm volatile(\"\" : \"+r\"({kept}));");
    writeln!(out, "\tif ({kept} > {room})");
    writeln!(out, "\t\t{kept} = {room};");
    writeln!(out, "\t{read}({event}->{field}, {kept}, {from});");
}

/// The ring buffer's size in bytes: room for at least 32 of the largest
/// events, 8 MiB at least, a power of two (as the kernel requires). The
/// floor is measured (`scripts/bench/reader-throughput.sh`, `net-tracer` reading
/// `net:inbound_connection`): with 2 MiB, about 27 ms of events at 250,000
/// a second, a reader's pauses lost 0.5 to 1.6 % of them; with 8 MiB it
/// lost none up to 400,000 a second.
pub fn ring_buffer_bytes(provider: &Provider) -> u32 {
    let largest = provider
        .tracepoints
        .iter()
        .map(|t| {
            4 + t
                .args
                .iter()
                .map(|a| a.ty.buffer_len().unwrap_or(8))
                .sum::<u32>()
        })
        .max()
        .unwrap_or(0);
    (largest * 32).next_power_of_two().max(8 << 20)
}
