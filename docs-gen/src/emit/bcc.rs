//! BCC: the BPF-C program (`bpf_usdt_readarg`, a ring buffer) and the
//! Python module with its `ctypes` decoders, runnable as a logger.

use super::c::{
    Flavor, counter_maps, event_types, file_comment, handlers, ring_buffer_bytes, scratch_map,
    wakeup_policy,
};
use super::out::Origin;
use super::out::{Comment, Out};
use tracepoints_codegen::model::{ArgType, BytesDisplay, Provider, Tracepoint};
use tracepoints_codegen::names::c;
use tracepoints_codegen::names::{files, kind_value, python};
use tracepoints_codegen::record::{LAYOUT_NOTE, Record};

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
            "BCC program for the `{}` tracepoints: load it with the Python module beside it.\n{LAYOUT_NOTE}",
            provider.name
        ),
    );
    writeln!(out);
    writeln!(out, "#include <uapi/linux/ptrace.h>");
    writeln!(out, "#include <linux/types.h>");
    writeln!(out);
    event_types(&mut out, provider, &names);
    let (rb, pages) = (&names.ring_buffer, &names.ring_pages);
    writeln!(out);
    writeln!(
        out,
        "/* The ring buffer's size in 4 KiB pages (a power of two): the loader may\n * define another. */"
    );
    writeln!(out, "#ifndef {pages}");
    writeln!(
        out,
        "#define {pages} {}",
        ring_buffer_bytes(provider) / 4096
    );
    writeln!(out, "#endif");
    writeln!(out, "BPF_RINGBUF_OUTPUT({rb}, {pages});");
    out.push_str(&counter_maps(provider, &names, Flavor::Bcc));
    if let Some(scratch) = scratch_map(provider, &names, Flavor::Bcc) {
        writeln!(out);
        out.push_str(&scratch);
    }
    writeln!(out);
    out.push_str(&wakeup_policy(&names, Flavor::Bcc));
    handlers(&mut out, provider, &names, Flavor::Bcc);
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
    out.header(origin, Comment::Hash, &[]);
    out.push_str(
        &include_str!("templates/bcc_module_head.py")
            .replace("@C_FILE@", &c_file)
            .replace("@MODULE@", &module)
            .replace("@PROVIDER@", p),
    );
    let tracepoints = || provider.tracepoints.iter().zip(&names.tracepoints);
    for (tracepoint, t) in tracepoints() {
        writeln!(out, "{} = {}", t.kind, kind_value(tracepoint));
    }
    for (tracepoint, t) in tracepoints() {
        python_class(&mut out, provider, tracepoint, t);
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
    python_functions(&mut out, &names, &c_names, p, &module, &c_file);
    out.finish()
}

/// The `ctypes` class of one tracepoint's event.
fn python_class(
    out: &mut Out,
    provider: &Provider,
    tracepoint: &Tracepoint,
    t: &python::TracepointNames,
) {
    writeln!(out);
    writeln!(out);
    writeln!(out, "# {}", tracepoint.probe_name(provider));
    out.comment("#", &tracepoint.doc);
    writeln!(out, "class {}(ctypes.Structure):", t.class);
    writeln!(out, "    _fields_ = [");
    writeln!(out, "        (\"{}\", ctypes.c_uint32),", t.kind_field);
    let record = Record::of(tracepoint);
    for &i in &record.order {
        let (arg, field) = (&tracepoint.args[i], &t.fields[i]);
        writeln!(out, "        (\"{field}\", {}),", ctypes_type(arg.ty));
    }
    writeln!(out, "    ]");
    class_tables(out, tracepoint, t, &record);
}

/// The class attributes `as_dict` and `record_len` read: the arguments in
/// declaration order, the tail, which fields are booleans, hashes and
/// variable buffers (with their length fields), the named values (with
/// the key of their names) and the units.
fn class_tables(
    out: &mut Out,
    tracepoint: &Tracepoint,
    t: &python::TracepointNames,
    record: &Record,
) {
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
    writeln!(out, "    _args_ = {}", fields(&|_| true));
    match &record.tail {
        Some(tail) => writeln!(out, "    _tail_ = \"{}\"", t.fields[tail.index]),
        None => writeln!(out, "    _tail_ = None"),
    }
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
    let values: Vec<String> = tracepoint
        .args
        .iter()
        .zip(&t.fields)
        .zip(&t.value_names)
        .filter_map(|((a, field), key)| {
            let names: Vec<String> = a
                .values
                .iter()
                .map(|v| format!("{}: \"{}\"", v.value, v.name))
                .collect();
            Some(format!(
                "\"{field}\": (\"{}\", {{{}}})",
                key.as_ref()?,
                names.join(", ")
            ))
        })
        .collect();
    writeln!(out, "    _values_ = {{{}}}", values.join(", "));
    let units: Vec<String> = tracepoint
        .args
        .iter()
        .zip(&t.fields)
        .filter_map(|(a, field)| Some(format!("\"{field}\": \"{}\"", a.unit?.symbol())))
        .collect();
    writeln!(out, "    _units_ = {{{}}}", units.join(", "));
}

/// The decoding and logging functions of the Python module: fixed text
/// (`templates/bcc_module_functions.py`), given the module's names.
fn python_functions(
    out: &mut Out,
    names: &python::Names,
    c_names: &c::Names,
    provider: &str,
    module: &str,
    c_file: &str,
) {
    out.push_str(
        &include_str!("templates/bcc_module_functions.py")
            .replace("@EVENTS@", &names.events)
            .replace("@PROBES@", &names.probes)
            .replace("@RING_BUFFER@", &names.ring_buffer)
            .replace("@LOST_COUNTER@", &names.lost_counter)
            .replace("@RING_PAGES@", &c_names.ring_pages)
            .replace("@MODULE@", module)
            .replace("@C_FILE@", c_file)
            .replace("@PROVIDER@", provider),
    );
}

#[cfg(test)]
mod tests {
    use tracepoints_codegen::names::python::MODULE_OWN;

    /// The names the fixed Python defines or imports are the ones the
    /// module's scope reserves for it, so no class or constant of a
    /// declaration can take one.
    #[test]
    fn the_fixed_python_defines_only_names_its_scope_reserves() {
        let text = [
            include_str!("templates/bcc_module_head.py"),
            include_str!("templates/bcc_module_functions.py"),
        ]
        .concat();
        let defined: Vec<&str> = text
            .lines()
            .filter_map(|line| {
                let assigned = line
                    .split_once(" = ")
                    .map(|(name, _)| name)
                    .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
                line.strip_prefix("def ")
                    .or(line.strip_prefix("import "))
                    .or(assigned)
            })
            .map(|rest| {
                rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .next()
                    .unwrap()
            })
            .collect();
        assert!(defined.len() >= 9, "{defined:?}");
        for name in &defined {
            assert!(MODULE_OWN.contains(name), "`{name}` is not in MODULE_OWN");
        }
    }
}
