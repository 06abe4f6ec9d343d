//! libbpf: a header with the event structs (shared by the BPF program and
//! user space) and a `.bpf.c` with one `SEC("usdt")` `BPF_USDT` program per
//! tracepoint writing to a ring buffer.

use super::Origin;
use super::c::{
    c_param, event_types, file_comment, read_args, reserve_event, ring_buffer_bytes, submit_event,
};
use super::names::{self, files};
use super::out::Out;
use crate::model::Provider;

/// `net.bpf.h`: the event structs, for the BPF program and its loader.
pub fn header(provider: &Provider, origin: &Origin) -> String {
    let guard = names::header_guard(provider);
    let mut out = Out::new();
    file_comment(
        &mut out,
        origin,
        &format!(
            "Events of the `{}` tracepoints, as the libbpf program writes them to its ring buffer.",
            provider.name
        ),
    );
    writeln!(out);
    writeln!(out, "#ifndef {guard}");
    writeln!(out, "#define {guard}");
    writeln!(out);
    writeln!(out, "#include <linux/types.h>");
    writeln!(out);
    event_types(&mut out, provider);
    writeln!(out);
    writeln!(out, "#endif /* {guard} */");
    out.finish()
}

/// `net.bpf.c`: one `SEC("usdt")` program per tracepoint, named
/// `<provider>_<tracepoint>`; attach each with `bpf_program__attach_usdt`
/// (C) or `attach_usdt` (libbpf-rs) to provider and tracepoint name.
pub fn program(provider: &Provider, origin: &Origin) -> String {
    let mut out = Out::new();
    let program_file = files::libbpf_program(provider);
    file_comment(
        &mut out,
        origin,
        &format!(
            "libbpf program for the `{}` tracepoints. Build: clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu -c {program_file}",
            provider.name
        ),
    );
    writeln!(out);
    for include in [
        "<linux/types.h>",
        "<linux/bpf.h>",
        "<linux/ptrace.h>",
        "<stdbool.h>",
        "<bpf/bpf_helpers.h>",
        "<bpf/bpf_tracing.h>",
        "<bpf/usdt.bpf.h>",
        &format!("\"{}\"", files::libbpf_header(provider)),
    ] {
        writeln!(out, "#include {include}");
    }
    let rb = names::ring_buffer(provider);
    writeln!(out);
    writeln!(
        out,
        "char {}[] SEC(\"license\") = \"GPL\";",
        names::own::C_LICENSE
    );
    writeln!(out);
    writeln!(out, "struct {{");
    writeln!(out, "\t__uint(type, BPF_MAP_TYPE_RINGBUF);");
    writeln!(
        out,
        "\t__uint(max_entries, {});",
        ring_buffer_bytes(provider)
    );
    writeln!(out, "}} {rb} SEC(\".maps\");");
    let lost = names::lost_counter(provider);
    writeln!(out);
    writeln!(
        out,
        "/* Events dropped because the ring buffer was full, per CPU. */"
    );
    writeln!(out, "struct {{");
    writeln!(out, "\t__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);");
    writeln!(out, "\t__uint(max_entries, 1);");
    writeln!(out, "\t__type(key, __u32);");
    writeln!(out, "\t__type(value, __u64);");
    writeln!(out, "}} {lost} SEC(\".maps\");");
    for tracepoint in &provider.tracepoints {
        let name = names::c_struct(provider, tracepoint);
        let params: Vec<String> = std::iter::once(name.clone())
            .chain(tracepoint.args.iter().map(c_param))
            .collect();
        writeln!(out);
        writeln!(out, "SEC(\"usdt\")");
        writeln!(out, "int BPF_USDT({})", params.join(", "));
        reserve_event(
            &mut out,
            provider,
            tracepoint,
            &format!("bpf_ringbuf_reserve(&{rb}, sizeof(struct {name}), 0)"),
            &format!("bpf_map_lookup_elem(&{lost}, &zero)"),
        );
        read_args(
            &mut out,
            tracepoint,
            |_, arg| format!("event->{0} = {0};", arg.name),
            |_, arg| (None, arg.name.clone()),
        );
        submit_event(&mut out, "bpf_ringbuf_submit(event, 0)");
    }
    out.finish()
}
