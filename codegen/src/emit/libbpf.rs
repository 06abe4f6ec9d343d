//! libbpf: a header with the event structs (shared by the BPF program and
//! user space) and a `.bpf.c` with one `SEC("usdt")` `BPF_USDT` program per
//! tracepoint writing to a ring buffer.

use super::Origin;
use super::c::{c_type, event_types, file_comment, kind_const, ring_buffer, struct_name};
use crate::model::{ArgType, Provider};
use std::fmt::Write;

/// `net.bpf.h`: the event structs, for the BPF program and its loader.
pub fn header(provider: &Provider, origin: &Origin) -> String {
    let guard = format!("{}_BPF_H", provider.name.to_uppercase());
    let mut out = file_comment(
        origin,
        &format!(
            "Events of the `{}` tracepoints, as the libbpf program writes them to its ring buffer.",
            provider.name
        ),
    );
    let _ = write!(
        out,
        "\n#ifndef {guard}\n#define {guard}\n\n#include <linux/types.h>\n\n"
    );
    out.push_str(&event_types(provider));
    let _ = writeln!(out, "\n#endif /* {guard} */");
    out
}

/// `net.bpf.c`: one `SEC("usdt")` program per tracepoint, named
/// `<provider>_<tracepoint>`; attach each with `bpf_program__attach_usdt`
/// (C) or `attach_usdt` (libbpf-rs) to provider and tracepoint name.
pub fn program(provider: &Provider, origin: &Origin, header_file: &str) -> String {
    let mut out = file_comment(
        origin,
        &format!(
            "libbpf program for the `{}` tracepoints. Build: clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu -c {}.bpf.c",
            provider.name, provider.name
        ),
    );
    let _ = write!(
        out,
        "\n#include <linux/types.h>\n#include <linux/bpf.h>\n#include <linux/ptrace.h>\n#include <stdbool.h>\n\
         #include <bpf/bpf_helpers.h>\n#include <bpf/bpf_tracing.h>\n#include <bpf/usdt.bpf.h>\n\
         #include \"{header_file}\"\n\n\
         char LICENSE[] SEC(\"license\") = \"GPL\";\n\n\
         struct {{\n\t__uint(type, BPF_MAP_TYPE_RINGBUF);\n\t__uint(max_entries, 256 * 1024);\n}} {} SEC(\".maps\");\n",
        ring_buffer(provider)
    );
    for tracepoint in &provider.tracepoints {
        let name = struct_name(provider, tracepoint);
        let mut params = vec![name.clone()];
        for arg in &tracepoint.args {
            params.push(format!("{} {}", c_type(arg.ty), arg.name).replace("* ", "*"));
        }
        let _ = write!(
            out,
            "\nSEC(\"usdt\")\nint BPF_USDT({})\n{{\n\
             \tstruct {name} *event = bpf_ringbuf_reserve(&{rb}, sizeof(struct {name}), 0);\n\
             \tif (!event)\n\t\treturn 0;\n\
             \t__builtin_memset(event, 0, sizeof(struct {name}));\n\
             \tevent->kind = {kind};\n",
            params.join(", "),
            rb = ring_buffer(provider),
            kind = kind_const(provider, tracepoint)
        );
        for arg in &tracepoint.args {
            match arg.ty {
                ArgType::Str { .. } => {
                    let _ = writeln!(
                        out,
                        "\tbpf_probe_read_user_str(event->{a}, sizeof(event->{a}), {a});",
                        a = arg.name
                    );
                }
                ArgType::Bytes { .. } => {
                    let _ = writeln!(
                        out,
                        "\tbpf_probe_read_user(event->{a}, sizeof(event->{a}), {a});",
                        a = arg.name
                    );
                }
                _ => {
                    let _ = writeln!(out, "\tevent->{a} = {a};", a = arg.name);
                }
            }
        }
        out.push_str("\tbpf_ringbuf_submit(event, 0);\n\treturn 0;\n}\n");
    }
    out
}
