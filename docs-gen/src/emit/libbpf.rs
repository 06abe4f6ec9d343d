//! libbpf: a header with the event structs (shared by the BPF program and
//! user space) and a `.bpf.c` with one `SEC("usdt")` `BPF_USDT` program per
//! tracepoint writing to a ring buffer.

use super::c::{
    Flavor, counter_maps, event_types, file_comment, handlers, ring_buffer_bytes, scratch_map,
    wakeup_policy,
};
use super::out::Origin;
use super::out::Out;
use tracepoints_codegen::model::Provider;
use tracepoints_codegen::names::c::Names;
use tracepoints_codegen::names::files;
use tracepoints_codegen::record::LAYOUT_NOTE;

/// `net.bpf.h`: the event structs, for the BPF program and its loader.
pub fn header(provider: &Provider, origin: &Origin) -> String {
    let names = Names::of(provider);
    let guard = &names.header_guard;
    let mut out = Out::new();
    file_comment(
        &mut out,
        origin,
        &format!(
            "Events of the `{}` tracepoints, as the libbpf program writes them to its ring buffer.\n{LAYOUT_NOTE}",
            provider.name
        ),
    );
    writeln!(out);
    writeln!(out, "#ifndef {guard}");
    writeln!(out, "#define {guard}");
    writeln!(out);
    writeln!(out, "#include <linux/types.h>");
    writeln!(out);
    event_types(&mut out, provider, &names);
    writeln!(out);
    writeln!(out, "#endif /* {guard} */");
    out.finish()
}

/// `net.bpf.c`: one `SEC("usdt")` program per tracepoint, named
/// `<provider>_<tracepoint>`; attach each with `bpf_program__attach_usdt`
/// (C) or `attach_usdt` (libbpf-rs) to provider and tracepoint name.
pub fn program(provider: &Provider, origin: &Origin) -> String {
    let names = Names::of(provider);
    let mut out = Out::new();
    let program_file = files::libbpf_program(provider);
    file_comment(
        &mut out,
        origin,
        &format!(
            "libbpf program for the `{}` tracepoints. Build: clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu -c {program_file}.\n\
             Compile it with the bpf/usdt.bpf.h of the libbpf that loads it: the header and\n\
             the loader share the layout of each argument's spec, which changed between\n\
             libbpf 1.1, 1.5 and 1.7 (tested: 1.1, 1.5 and 1.7, each with its own header;\n\
             a 1.7 header loaded by libbpf 1.1, or the reverse, reads wrong values).\n{LAYOUT_NOTE}",
            provider.name
        ),
    );
    writeln!(out);
    // The includes, the license and the maps: fixed text, given the names.
    out.push_str(
        &include_str!("templates/libbpf_program_head.c")
            .replace("@HEADER@", &files::libbpf_header(provider))
            .replace("@LICENSE@", &names.license)
            .replace(
                "@RING_BUFFER_BYTES@",
                &ring_buffer_bytes(provider).to_string(),
            )
            .replace("@RING_BUFFER@", &names.ring_buffer),
    );
    writeln!(out);
    out.push_str(&counter_maps(provider, &names, Flavor::Libbpf));
    if let Some(scratch) = scratch_map(provider, &names, Flavor::Libbpf) {
        writeln!(out);
        out.push_str(&scratch);
    }
    writeln!(out);
    out.push_str(&wakeup_policy(&names, Flavor::Libbpf));
    handlers(&mut out, provider, &names, Flavor::Libbpf);
    out.finish()
}
