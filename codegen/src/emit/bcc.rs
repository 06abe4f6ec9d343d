//! BCC: the BPF-C program (`bpf_usdt_readarg`, a ring buffer) and the
//! Python module with its `ctypes` decoders, runnable as a logger.

use super::c::{event_types, file_comment, kind_const, kind_value, ring_buffer, struct_name};
use super::{Origin, line_comment};
use crate::model::{ArgType, Provider};
use std::fmt::Write;

/// The BCC C program of `provider`: one `trace_<provider>_<name>` function
/// per tracepoint that reads every argument into its event struct and
/// submits it to the `<provider>_events` ring buffer.
pub fn c_program(provider: &Provider, origin: &Origin) -> String {
    let mut out = file_comment(
        origin,
        &format!(
            "BCC program for the `{}` tracepoints: load it with the Python module beside it.",
            provider.name
        ),
    );
    out.push_str("\n#include <uapi/linux/ptrace.h>\n#include <linux/types.h>\n\n");
    out.push_str(&event_types(provider));
    let _ = writeln!(out, "\nBPF_RINGBUF_OUTPUT({}, 16);", ring_buffer(provider));
    for tracepoint in &provider.tracepoints {
        let name = struct_name(provider, tracepoint);
        let _ = write!(
            out,
            "\nint trace_{name}(struct pt_regs *ctx)\n{{\n\
             \tstruct {name} *event = {rb}.ringbuf_reserve(sizeof(struct {name}));\n\
             \tif (!event)\n\t\treturn 0;\n\
             \t__builtin_memset(event, 0, sizeof(struct {name}));\n\
             \tevent->kind = {kind};\n",
            rb = ring_buffer(provider),
            kind = kind_const(provider, tracepoint)
        );
        for (i, arg) in tracepoint.args.iter().enumerate() {
            match arg.ty {
                ArgType::Str { .. } | ArgType::Bytes { .. } => {
                    let read = if matches!(arg.ty, ArgType::Str { .. }) {
                        "bpf_probe_read_user_str"
                    } else {
                        "bpf_probe_read_user"
                    };
                    let _ = write!(
                        out,
                        "\t{{\n\t\t__u64 ptr = 0;\n\t\tbpf_usdt_readarg({}, ctx, &ptr);\n\
                         \t\t{read}(event->{arg}, sizeof(event->{arg}), (const void *)ptr);\n\t}}\n",
                        i + 1,
                        arg = arg.name,
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "\tbpf_usdt_readarg({}, ctx, &event->{});",
                        i + 1,
                        arg.name
                    );
                }
            }
        }
        let _ = write!(
            out,
            "\t{}.ringbuf_submit(event, 0);\n\treturn 0;\n}}\n",
            ring_buffer(provider)
        );
    }
    out
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
        ArgType::Str { max_len } => format!("ctypes.c_char * {}", max_len + 1),
        ArgType::Bytes { len } => format!("ctypes.c_ubyte * {len}"),
    }
}

/// `NetInboundConnection`: the Python class name of an event.
pub fn class_name(provider: &Provider, tracepoint: &crate::model::Tracepoint) -> String {
    struct_name(provider, tracepoint)
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The Python module: `ctypes` classes matching the C event structs, a
/// `decode` function, and a `main` that attaches the C program beside it to
/// a process and prints one JSON object per event.
pub fn python_module(provider: &Provider, origin: &Origin, c_file: &str) -> String {
    let mut out = String::from("#!/usr/bin/python3\n");
    for line in origin.header_lines() {
        out.push_str(&line_comment(&line, "#"));
    }
    let module = format!("{}_bcc.py", provider.name);
    let _ = write!(
        out,
        "#\n# Decoders for the events of {c_file} (BCC), and a logger:\n\
         #   /usr/bin/python3 {module} PID\n\
         # attaches {c_file} to the `{p}` tracepoints of process PID and prints one JSON\n\
         # object per event, {{\"tracepoint\": \"{p}:...\", \"args\": {{...}}}}. Run as root.\n\
         # BCC raises the probes' semaphores when it enables them, before BPF() has\n\
         # attached anything: the line \"Attached\" on stderr says it is ready.\n\n\
         import ctypes\nimport json\nimport os\nimport sys\n\n",
        p = provider.name
    );
    for tracepoint in &provider.tracepoints {
        let _ = writeln!(
            out,
            "{} = {}",
            kind_const(provider, tracepoint),
            kind_value(provider, tracepoint)
        );
    }
    for tracepoint in &provider.tracepoints {
        let _ = write!(
            out,
            "\n\n# {}\n{}class {}(ctypes.Structure):\n    _fields_ = [\n        (\"kind\", ctypes.c_uint32),\n",
            tracepoint.probe_name(provider),
            line_comment(&tracepoint.doc, "#"),
            class_name(provider, tracepoint)
        );
        for arg in &tracepoint.args {
            let _ = writeln!(out, "        (\"{}\", {}),", arg.name, ctypes_type(arg.ty));
        }
        out.push_str("    ]\n");
    }
    out.push_str("\n\n# kind -> (tracepoint, class)\nEVENTS = {\n");
    for tracepoint in &provider.tracepoints {
        let _ = writeln!(
            out,
            "    {}: (\"{}\", {}),",
            kind_const(provider, tracepoint),
            tracepoint.probe_name(provider),
            class_name(provider, tracepoint)
        );
    }
    out.push_str("}\n\n# (tracepoint, BCC function) pairs to enable\nPROBES = [\n");
    for tracepoint in &provider.tracepoints {
        let _ = writeln!(
            out,
            "    (\"{}\", \"trace_{}\"),",
            tracepoint.probe_name(provider),
            struct_name(provider, tracepoint)
        );
    }
    out.push_str("]\n");
    out.push_str(
        &PYTHON_FUNCTIONS
            .replace("{module}", &format!("{}_bcc.py", provider.name))
            .replace("{c_file}", c_file)
            .replace("{ring_buffer}", &ring_buffer(provider)),
    );
    out
}

/// The decoding and logging functions of the Python module; `{module}`,
/// `{c_file}` and `{ring_buffer}` are replaced.
const PYTHON_FUNCTIONS: &str = r#"

def decode(data):
    """Returns (tracepoint, event) for one ring-buffer record."""
    kind = ctypes.cast(data, ctypes.POINTER(ctypes.c_uint32)).contents.value
    name, cls = EVENTS[kind]
    return name, ctypes.cast(data, ctypes.POINTER(cls)).contents


def as_dict(event):
    """The event's arguments by name; strings decoded as UTF-8, byte
    buffers as hex."""
    args = {}
    for field, _ in event._fields_[1:]:
        value = getattr(event, field)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, ctypes.Array):
            value = bytes(value).hex()
        args[field] = value
    return args


def main(argv):
    from bcc import BPF, USDT

    if len(argv) != 2:
        sys.exit("usage: {module} PID")
    pid = int(argv[1])
    usdt = USDT(pid=pid)
    for probe, fn_name in PROBES:
        usdt.enable_probe(probe=probe.split(":")[1], fn_name=fn_name)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "{c_file}")) as f:
        bpf = BPF(text=f.read(), usdt_contexts=[usdt])

    def on_event(_ctx, data, _size):
        name, event = decode(data)
        print(json.dumps({"tracepoint": name, "args": as_dict(event)}), flush=True)

    bpf["{ring_buffer}"].open_ring_buffer(on_event)
    print("Attached %d probes to pid %d" % (len(PROBES), pid), file=sys.stderr, flush=True)
    try:
        while True:
            bpf.ring_buffer_poll(100)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                bpf.ring_buffer_consume()
                break
    except KeyboardInterrupt:
        pass
    # `usdt` stays referenced until here: collecting it lowers the semaphores.
    del usdt


if __name__ == "__main__":
    main(sys.argv)
"#;
