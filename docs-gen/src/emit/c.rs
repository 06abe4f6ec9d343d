//! C pieces shared by the BCC and libbpf readers: the event structs (one per
//! tracepoint, `kind` first, then every argument: strings as
//! `char[max_len + 1]`, so `max_len` bytes and the NUL fit; byte
//! buffers as `__u8[len]`), C types and the file comment.

use super::out::{Comment, Out};
use super::{Origin, c_comment_lines, c_comment_text};
use tracepoints_codegen::model::{ArgType, BytesLen, Provider, Tracepoint};
use tracepoints_codegen::names::c::{self, LOCALS, Locals, Names};
use tracepoints_codegen::names::kind_value;

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
pub fn c_param(tracepoint: &Tracepoint, names: &c::Tracepoint, i: usize) -> String {
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
        for (arg, a) in tracepoint.args.iter().zip(&t.args) {
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
pub fn reserve_event(out: &mut Out, names: &c::Tracepoint, reserve: &str, lost: &str) {
    let Locals {
        event,
        zero,
        lost: slot,
        ..
    } = LOCALS;
    writeln!(out, "{{");
    writeln!(out, "\tstruct {} *{event} = {reserve};", names.event_struct);
    writeln!(out, "\tif (!{event}) {{");
    writeln!(out, "\t\t__u32 {zero} = 0;");
    writeln!(out, "\t\t__u64 *{slot} = {lost};");
    writeln!(out, "\t\tif ({slot})");
    writeln!(out, "\t\t\t(*{slot})++;");
    writeln!(out, "\t\treturn 0;");
    writeln!(out, "\t}}");
    writeln!(out, "\t{event}->{} = {};", names.kind_field, names.kind);
}

/// Writes the end of a probe handler's body: submit the event with
/// `submit` (a C statement without its `;`).
pub fn submit_event(out: &mut Out, submit: &str) {
    writeln!(out, "\t{submit};");
    writeln!(out, "\treturn 0;");
    writeln!(out, "}}");
}

/// Where a handler reads its arguments from.
pub enum Source {
    /// BCC: `bpf_usdt_readarg(N, ctx, ...)`, numbered from 1; strings and
    /// buffers through the local [`Locals::ptr`].
    Bcc,
    /// libbpf: the `BPF_USDT` parameters ([`c::Arg::param`]).
    Libbpf,
}

/// Writes the statements that read every argument into the event: scalars
/// first, then strings and buffers through their pointer. A buffer whose
/// length is another argument copies the smaller of that length and its
/// cap: that argument is already in the event.
pub fn read_args(out: &mut Out, tracepoint: &Tracepoint, names: &c::Tracepoint, source: Source) {
    let Locals {
        ctx,
        event,
        len,
        ptr,
        ..
    } = LOCALS;
    let args = tracepoint.args.iter().zip(&names.args).enumerate();
    for (i, (_, a)) in args.clone().filter(|(_, (arg, _))| !arg.ty.is_pointer()) {
        match source {
            Source::Bcc => writeln!(
                out,
                "\tbpf_usdt_readarg({}, {ctx}, &{event}->{});",
                i + 1,
                a.field
            ),
            Source::Libbpf => writeln!(out, "\t{event}->{} = {};", a.field, a.param),
        }
    }
    for (i, (arg, a)) in args.filter(|(_, (arg, _))| arg.ty.is_pointer()) {
        let field = &a.field;
        writeln!(out, "\t{{");
        let pointer = match source {
            Source::Bcc => {
                writeln!(out, "\t\t__u64 {ptr} = 0;");
                writeln!(out, "\t\tbpf_usdt_readarg({}, {ctx}, &{ptr});", i + 1);
                format!("(const void *){ptr}")
            }
            Source::Libbpf => a.param.clone(),
        };
        match arg.ty {
            ArgType::Bytes {
                len: BytesLen::Arg { index, .. },
                ..
            } => {
                let length = &names.args[index].field;
                writeln!(out, "\t\t__u64 {len} = {event}->{length};");
                writeln!(out, "\t\tif ({len} > sizeof({event}->{field}))");
                writeln!(out, "\t\t\t{len} = sizeof({event}->{field});");
                writeln!(
                    out,
                    "\t\tbpf_probe_read_user({event}->{field}, {len}, {pointer});"
                );
            }
            ArgType::Bytes { .. } => writeln!(
                out,
                "\t\tbpf_probe_read_user({event}->{field}, sizeof({event}->{field}), {pointer});"
            ),
            _ => writeln!(
                out,
                "\t\tbpf_probe_read_user_str({event}->{field}, sizeof({event}->{field}), {pointer});"
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
