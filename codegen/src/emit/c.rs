//! C pieces shared by the BCC and libbpf readers: the event structs (one per
//! tracepoint, `kind` first, then every argument: strings as
//! `char[max_len + 1]`, so `max_len` bytes and the NUL fit; byte
//! buffers as `__u8[len]`), C types and the file comment.

use super::names;
use super::out::Out;
use super::{Origin, c_comment_lines, c_comment_text};
use crate::model::{Arg, ArgType, BytesLen, Provider, Tracepoint};

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

/// A parameter declaration: `__s64 id`, `const char *addr`.
pub fn c_param(arg: &Arg) -> String {
    let ty = c_type(arg.ty);
    let space = if ty.ends_with('*') { "" } else { " " };
    format!("{ty}{space}{}", arg.name)
}

/// Writes the `#define`s, the kind enum and the event structs of `provider`.
pub fn event_types(out: &mut Out, provider: &Provider) {
    for tracepoint in &provider.tracepoints {
        for arg in &tracepoint.args {
            if let (Some(define), Some(n)) = (
                names::length_const(provider, tracepoint, arg),
                arg.ty.length(),
            ) {
                writeln!(out, "#define {define} {n}");
            }
        }
    }
    writeln!(out);
    writeln!(
        out,
        "/* The `kind` of each event: which tracepoint fired. */"
    );
    writeln!(out, "enum {} {{", names::kind_enum(provider));
    for tracepoint in &provider.tracepoints {
        writeln!(
            out,
            "\t{} = {},",
            names::kind_const(provider, tracepoint),
            names::kind_value(tracepoint)
        );
    }
    writeln!(out, "}};");
    for tracepoint in &provider.tracepoints {
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
        writeln!(out, "struct {} {{", names::c_struct(provider, tracepoint));
        writeln!(
            out,
            "\t__u32 {}; /* {} */",
            names::own::KIND_FIELD,
            names::kind_const(provider, tracepoint)
        );
        for arg in &tracepoint.args {
            let doc = c_comment_text(&arg.plain_doc());
            let name = &arg.name;
            match (arg.ty, names::length_const(provider, tracepoint, arg)) {
                (ArgType::Str { .. } | ArgType::CStr { .. }, Some(define)) => {
                    writeln!(out, "\tchar {name}[{define} + 1]; /* {doc} */")
                }
                (ArgType::Bytes { .. }, Some(define)) => {
                    writeln!(out, "\t__u8 {name}[{define}]; /* {doc} */")
                }
                (ty, _) => writeln!(out, "\t{} {name}; /* {doc} */", c_type(ty)),
            }
        }
        writeln!(out, "}};");
    }
}

/// Writes a C block comment holding the generated-file header and `purpose`.
pub fn file_comment(out: &mut Out, origin: &Origin, purpose: &str) {
    for line in origin
        .header_lines()
        .iter()
        .map(String::as_str)
        .chain([purpose])
    {
        writeln!(out, "/* {} */", c_comment_text(line));
    }
}

/// Writes the start of a probe handler's body: reserve the tracepoint's
/// event with `reserve` (a C expression taking the struct's size, e.g.
/// `net_events.ringbuf_reserve(sizeof(struct net_inbound_connection))`);
/// when the ring buffer is full, count the loss in the per-CPU counter
/// `lost` finds (a C expression of `&zero`) and return; else set the
/// event's kind. The event is not zeroed (clang cannot for events larger
/// than a few hundred bytes): every byte a decoder reads is written, as
/// scalars are stored, strings are copied up to their NUL, buffers up to
/// the length decoders use, and the copy helpers zero what they fail to
/// read. Padding and the bytes after a string's NUL keep what an earlier
/// event of the same ring buffer left there.
pub fn reserve_event(
    out: &mut Out,
    provider: &Provider,
    tracepoint: &Tracepoint,
    reserve: &str,
    lost: &str,
) {
    let name = names::c_struct(provider, tracepoint);
    writeln!(out, "{{");
    writeln!(out, "\tstruct {name} *event = {reserve};");
    writeln!(out, "\tif (!event) {{");
    writeln!(out, "\t\t__u32 zero = 0;");
    writeln!(out, "\t\t__u64 *lost = {lost};");
    writeln!(out, "\t\tif (lost)");
    writeln!(out, "\t\t\t(*lost)++;");
    writeln!(out, "\t\treturn 0;");
    writeln!(out, "\t}}");
    writeln!(
        out,
        "\tevent->{} = {};",
        names::own::KIND_FIELD,
        names::kind_const(provider, tracepoint)
    );
}

/// Writes the end of a probe handler's body: submit the event with
/// `submit` (a C statement without its `;`).
pub fn submit_event(out: &mut Out, submit: &str) {
    writeln!(out, "\t{submit};");
    writeln!(out, "\treturn 0;");
    writeln!(out, "}}");
}

/// Writes the statements that read every argument into `event`: scalars
/// first (`scalar` gives the statement for one), then strings and buffers
/// through the pointer `pointer` gives (an optional statement that sets it
/// up, and the pointer expression). A buffer whose length is another
/// argument copies the smaller of that length and its cap: that argument
/// is already in the event.
pub fn read_args(
    out: &mut Out,
    tracepoint: &Tracepoint,
    scalar: impl Fn(usize, &Arg) -> String,
    pointer: impl Fn(usize, &Arg) -> (Option<String>, String),
) {
    let args = tracepoint.args.iter().enumerate();
    for (i, arg) in args.clone().filter(|(_, a)| !a.ty.is_pointer()) {
        writeln!(out, "\t{}", scalar(i, arg));
    }
    for (i, arg) in args.filter(|(_, a)| a.ty.is_pointer()) {
        let a = &arg.name;
        let (setup, ptr) = pointer(i, arg);
        writeln!(out, "\t{{");
        if let Some(setup) = setup {
            writeln!(out, "\t\t{setup}");
        }
        match arg.ty {
            ArgType::Bytes {
                len: BytesLen::Arg { index, .. },
                ..
            } => {
                let length = &tracepoint.args[index].name;
                writeln!(out, "\t\t__u64 n = event->{length};");
                writeln!(out, "\t\tif (n > sizeof(event->{a}))");
                writeln!(out, "\t\t\tn = sizeof(event->{a});");
                writeln!(out, "\t\tbpf_probe_read_user(event->{a}, n, {ptr});");
            }
            ArgType::Bytes { .. } => {
                writeln!(
                    out,
                    "\t\tbpf_probe_read_user(event->{a}, sizeof(event->{a}), {ptr});"
                )
            }
            _ => writeln!(
                out,
                "\t\tbpf_probe_read_user_str(event->{a}, sizeof(event->{a}), {ptr});"
            ),
        }
        writeln!(out, "\t}}");
    }
}

/// The ring buffer's size in bytes: room for at least 32 of the largest
/// events, 8 MiB at least, a power of two (as the kernel requires). The
/// floor is measured (`scripts/reader-throughput.sh`, `net-tracer` reading
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
