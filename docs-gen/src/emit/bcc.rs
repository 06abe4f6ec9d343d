//! BCC: the BPF-C program (`bpf_usdt_readarg`, a ring buffer) and the
//! Python module with its `ctypes` decoders, runnable as a logger.

use super::Origin;
use super::c::{
    Source, event_types, file_comment, read_args, reserve_event, ring_buffer_bytes, submit_event,
};
use super::out::Out;
use tracepoints_codegen::model::{ArgType, BytesDisplay, Provider};
use tracepoints_codegen::names::c::{self, LOCALS};
use tracepoints_codegen::names::{files, kind_value, python};

/// The BCC C program of `provider`: one `trace_<provider>_<name>` function
/// per tracepoint that reads every argument into its event struct and
/// submits it to the `<provider>_events` ring buffer.
pub fn c_program(provider: &Provider, origin: &Origin) -> String {
    let names = c::Names::of(provider);
    let mut out = Out::new();
    file_comment(
        &mut out,
        origin,
        &format!(
            "BCC program for the `{}` tracepoints: load it with the Python module beside it.",
            provider.name
        ),
    );
    writeln!(out);
    writeln!(out, "#include <uapi/linux/ptrace.h>");
    writeln!(out, "#include <linux/types.h>");
    writeln!(out);
    event_types(&mut out, provider, &names);
    let rb = &names.ring_buffer;
    writeln!(out);
    let lost = &names.lost_counter;
    writeln!(
        out,
        "BPF_RINGBUF_OUTPUT({rb}, {});",
        ring_buffer_bytes(provider) / 4096
    );
    writeln!(
        out,
        "/* Events dropped because the ring buffer was full, per CPU. */"
    );
    writeln!(out, "BPF_PERCPU_ARRAY({lost}, __u64, 1);");
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        let name = &t.event_struct;
        writeln!(out);
        writeln!(
            out,
            "int {}(struct pt_regs *{})",
            t.bcc_function, LOCALS.ctx
        );
        reserve_event(
            &mut out,
            t,
            &format!("{rb}.ringbuf_reserve(sizeof(struct {name}))"),
            &format!("{lost}.lookup(&{})", LOCALS.zero),
        );
        read_args(&mut out, tracepoint, t, Source::Bcc);
        submit_event(
            &mut out,
            &format!("{rb}.ringbuf_submit({}, 0)", LOCALS.event),
        );
    }
    out.finish()
}

fn ctypes_type(ty: ArgType) -> String {
    match ty {
        ArgType::I8 => "ctypes.c_int8".into(),
        ArgType::I16 => "ctypes.c_int16".into(),
        ArgType::I32 => "ctypes.c_int32".into(),
        ArgType::I64 => "ctypes.c_int64".into(),
        ArgType::U8 | ArgType::Bool => "ctypes.c_uint8".into(),
        ArgType::U16 => "ctypes.c_uint16".into(),
        ArgType::U32 => "ctypes.c_uint32".into(),
        ArgType::U64 => "ctypes.c_uint64".into(),
        ArgType::Str { max_len } | ArgType::CStr { max_len } => {
            format!("ctypes.c_char * {}", max_len + 1)
        }
        ArgType::Bytes { .. } => format!("ctypes.c_ubyte * {}", ty.length().unwrap_or(0)),
    }
}

/// The Python module: `ctypes` classes matching the C event structs, a
/// `decode` function, and a `main` that attaches the C program beside it to
/// a process and prints one JSON object per event.
pub fn python_module(provider: &Provider, origin: &Origin) -> String {
    let names = python::Names::of(provider);
    let c_names = c::Names::of(provider);
    let mut out = Out::new();
    let module = files::bcc_module(provider);
    let c_file = files::bcc_program(provider);
    let p = &provider.name;
    writeln!(out, "#!/usr/bin/python3");
    for line in origin.header_lines() {
        out.comment("#", &line);
    }
    writeln!(
        out,
        "#
# Decoders for the events of {c_file} (BCC), and a logger:
#   /usr/bin/python3 {module} PID
# attaches {c_file} to the `{p}` tracepoints of process PID and prints one JSON
# object per event, {{\"tracepoint\": \"{p}:...\", \"args\": {{...}}}}, and on exit
# {{\"lost\": N}}: the events the full ring buffer dropped. Run as root; stop it
# with Ctrl-C or SIGTERM (not SIGKILL: only BCC's own cleanup lowers the
# semaphores it raised in the process).
# BCC raises the probes' semaphores when it enables them, before BPF() has
# attached anything: the line \"Attached\" on stderr says it is ready.

import ctypes
import json
import os
import signal
import sys
"
    );
    let tracepoints = || provider.tracepoints.iter().zip(&names.tracepoints);
    for (tracepoint, t) in tracepoints() {
        writeln!(out, "{} = {}", t.kind, kind_value(tracepoint));
    }
    for (tracepoint, t) in tracepoints() {
        writeln!(out);
        writeln!(out);
        writeln!(out, "# {}", tracepoint.probe_name(provider));
        out.comment("#", &tracepoint.doc);
        writeln!(out, "class {}(ctypes.Structure):", t.class);
        writeln!(out, "    _fields_ = [");
        writeln!(out, "        (\"{}\", ctypes.c_uint32),", t.kind_field);
        for (arg, field) in tracepoint.args.iter().zip(&t.fields) {
            writeln!(out, "        (\"{field}\", {}),", ctypes_type(arg.ty));
        }
        writeln!(out, "    ]");
        let fields = |keep: &dyn Fn(ArgType) -> bool| {
            let fields: Vec<String> = tracepoint
                .args
                .iter()
                .zip(&t.fields)
                .filter(|(a, _)| keep(a.ty))
                .map(|(_, field)| format!("\"{field}\", "))
                .collect();
            format!("({})", fields.concat().trim_end())
        };
        writeln!(out, "    _bools_ = {}", fields(&|ty| ty == ArgType::Bool));
        writeln!(
            out,
            "    _hashes_ = {}",
            fields(&|ty| matches!(
                ty,
                ArgType::Bytes {
                    display: BytesDisplay::Hash,
                    ..
                }
            ))
        );
        let lengths: Vec<String> = tracepoint
            .args
            .iter()
            .zip(&t.fields)
            .filter_map(|(a, field)| {
                let length = &t.fields[a.ty.length_arg()?];
                Some(format!("\"{field}\": \"{length}\""))
            })
            .collect();
        writeln!(out, "    _lengths_ = {{{}}}", lengths.join(", "));
    }
    writeln!(out);
    writeln!(out);
    writeln!(out, "# kind -> (tracepoint, class)");
    writeln!(out, "{} = {{", names.events);
    for (tracepoint, t) in tracepoints() {
        writeln!(
            out,
            "    {}: (\"{}\", {}),",
            t.kind,
            tracepoint.probe_name(provider),
            t.class
        );
    }
    writeln!(out, "}}");
    writeln!(out);
    writeln!(out, "# (tracepoint, BCC function) pairs to enable");
    writeln!(out, "{} = [", names.probes);
    for (tracepoint, t) in provider.tracepoints.iter().zip(&c_names.tracepoints) {
        writeln!(
            out,
            "    (\"{}\", \"{}\"),",
            tracepoint.probe_name(provider),
            t.bcc_function
        );
    }
    writeln!(out, "]");
    writeln!(out);
    writeln!(
        out,
        "# The ring buffer, and the per-CPU count of events it dropped when full"
    );
    writeln!(out, "{} = \"{}\"", names.ring_buffer, c_names.ring_buffer);
    writeln!(out, "{} = \"{}\"", names.lost_counter, c_names.lost_counter);
    python_functions(&mut out, &names, &module, &c_file);
    out.finish()
}

/// The decoding and logging functions of the Python module.
fn python_functions(out: &mut Out, names: &python::Names, module: &str, c_file: &str) {
    write!(
        out,
        r#"

def decode(data):
    """Returns (tracepoint, event) for one ring-buffer record."""
    kind = ctypes.cast(data, ctypes.POINTER(ctypes.c_uint32)).contents.value
    name, cls = {events}[kind]
    return name, ctypes.cast(data, ctypes.POINTER(cls)).contents


def as_dict(event):
    """The event's arguments by name: strings decoded as UTF-8, byte
    buffers as hex (hashes reversed, buffers of variable length cut to
    their length), booleans as True/False."""
    args = {{}}
    for field, _ in event._fields_[1:]:
        value = getattr(event, field)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, ctypes.Array):
            value = bytes(value)
            if field in event._lengths_:
                value = value[: getattr(event, event._lengths_[field])]
            if field in event._hashes_:
                value = value[::-1]
            value = value.hex()
        elif field in event._bools_:
            value = value != 0
        args[field] = value
    return args


def lost_events(bpf):
    """How many events the full ring buffer dropped, on all CPUs."""
    return sum(getattr(n, "value", n) for n in bpf[{lost_counter}][0])


def main(argv):
    from bcc import BPF, USDT

    if len(argv) != 2:
        sys.exit("usage: {module} PID")
    pid = int(argv[1])
    # SIGINT and SIGTERM end the loop below, whatever the event rate: a
    # KeyboardInterrupt raised inside the ring-buffer callback would be
    # discarded by ctypes.
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.append(True))
    usdt = USDT(pid=pid)
    for probe, fn_name in {probes}:
        usdt.enable_probe(probe=probe, fn_name=fn_name)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "{c_file}")) as f:
        bpf = BPF(text=f.read(), usdt_contexts=[usdt])

    def on_event(_ctx, data, _size):
        if stopping:
            return -1  # stops the poll that is draining the buffer
        name, event = decode(data)
        print(json.dumps({{"tracepoint": name, "args": as_dict(event)}}), flush=True)
        return 0

    bpf[{ring_buffer}].open_ring_buffer(on_event)
    print("Attached %d probes to pid %d" % (len({probes}), pid), file=sys.stderr, flush=True)
    while not stopping:
        bpf.ring_buffer_poll(100)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            bpf.ring_buffer_consume()
            break
    lost = lost_events(bpf)
    print(json.dumps({{"lost": lost}}), flush=True)
    if lost:
        print("Lost %d events: the ring buffer was full" % lost, file=sys.stderr, flush=True)
    # Collecting `usdt` lowers the semaphores BCC raised in the process.
    del usdt


if __name__ == "__main__":
    main(sys.argv)
"#,
        events = names.events,
        probes = names.probes,
        ring_buffer = names.ring_buffer,
        lost_counter = names.lost_counter,
    );
}
