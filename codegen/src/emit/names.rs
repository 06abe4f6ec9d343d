//! Every name the generated outputs use, derived in one place from the
//! model: file names, C structs and `#define`s, event kinds, BPF program
//! and ring-buffer names, Python classes, Rust types.

use crate::model::{Arg, ArgType, BytesLen, Provider, Tracepoint};

/// The files generated for the declarations.
pub mod files {
    use crate::model::Provider;

    /// The tracepoint documentation of every provider.
    pub const TRACING_MD: &str = "tracing.md";
    /// The default name of the bpftrace logging script.
    pub const DEFAULT_LOG_SCRIPT: &str = "log_tracepoints.bt";

    /// `net.bt`: the provider's bpftrace reader.
    pub fn bpftrace_reader(provider: &Provider) -> String {
        format!("{}.bt", provider.name)
    }

    /// `net_bcc.c`: the provider's BCC program.
    pub fn bcc_program(provider: &Provider) -> String {
        format!("{}_bcc.c", provider.name)
    }

    /// `net_bcc.py`: the Python module that loads the BCC program.
    pub fn bcc_module(provider: &Provider) -> String {
        format!("{}_bcc.py", provider.name)
    }

    /// `net.bpf.h`: the event structs of the libbpf program.
    pub fn libbpf_header(provider: &Provider) -> String {
        format!("{}.bpf.h", provider.name)
    }

    /// `net.bpf.c`: the libbpf program.
    pub fn libbpf_program(provider: &Provider) -> String {
        format!("{}.bpf.c", provider.name)
    }

    /// `net.abi.json`: the provider's ABI file.
    pub fn abi(provider: &Provider) -> String {
        format!("{}.abi.json", provider.name)
    }

    /// `net_events.rs`: the Rust event types.
    pub fn rust_events(provider: &Provider) -> String {
        format!("{}_events.rs", provider.name)
    }
}

/// The names the readers give their own items, which no tracepoint or
/// argument may take after its own mangling (`check` keeps them apart).
pub mod own {
    /// The first field of every event struct (C, Python, Rust): which
    /// tracepoint fired.
    pub const KIND_FIELD: &str = "kind";
    /// Parameters and locals of the C handlers (`ctx`, the `event` being
    /// filled, the `ptr` a BCC handler reads a string or buffer through).
    pub const C_LOCALS: &[&str] = &["ctx", "event", "ptr"];
    /// The libbpf program's license variable.
    pub const C_LICENSE: &str = "LICENSE";
    /// Methods of the traits the generated Rust event structs derive
    /// (`Clone`, `Debug`): an argument's accessor must not hide them.
    pub const RUST_METHODS: &[&str] = &["clone", "clone_from", "fmt"];
    /// The BCC module's table of kinds to (tracepoint, class).
    pub const PY_EVENTS: &str = "EVENTS";
    /// The BCC module's list of (tracepoint, BCC function) pairs.
    pub const PY_PROBES: &str = "PROBES";
    /// The BCC module's and the Rust module's ring-buffer name constant.
    pub const RING_BUFFER: &str = "RING_BUFFER";
    /// The BCC module's and the Rust module's lost-counter name constant.
    pub const LOST_COUNTER: &str = "LOST_COUNTER";
    /// The Rust module's table of programs to attach.
    pub const RUST_TRACEPOINTS: &str = "TRACEPOINTS";
}

/// `net_inbound_connection`: the C struct, the libbpf program and the
/// prefix of every C name of a tracepoint.
pub fn c_struct(provider: &Provider, tracepoint: &Tracepoint) -> String {
    format!("{}_{}", provider.name, tracepoint.name)
}

/// `trace_net_inbound_connection`: the BCC function of a tracepoint.
pub fn bcc_function(provider: &Provider, tracepoint: &Tracepoint) -> String {
    format!("trace_{}", c_struct(provider, tracepoint))
}

/// `NET_INBOUND_CONNECTION`: the constant naming a tracepoint's event kind.
pub fn kind_const(provider: &Provider, tracepoint: &Tracepoint) -> String {
    c_struct(provider, tracepoint).to_uppercase()
}

/// The event kind value: the tracepoint's position in the declaration,
/// from 1 (0 is never a valid kind).
pub fn kind_value(tracepoint: &Tracepoint) -> u32 {
    tracepoint.index as u32 + 1
}

/// `net_event_kind`: the C enum of a provider's event kinds.
pub fn kind_enum(provider: &Provider) -> String {
    format!("{}_event_kind", provider.name)
}

/// `NET_INBOUND_CONNECTION_ADDR_MAX_LEN` (the most bytes of a string or of
/// a variable buffer readers keep) or `..._LEN` (a fixed buffer's length);
/// `None` for a scalar.
pub fn length_const(provider: &Provider, tracepoint: &Tracepoint, arg: &Arg) -> Option<String> {
    let suffix = match arg.ty {
        ArgType::Str { .. } | ArgType::CStr { .. } => "MAX_LEN",
        ArgType::Bytes {
            len: BytesLen::Arg { .. },
            ..
        } => "MAX_LEN",
        ArgType::Bytes { .. } => "LEN",
        _ => return None,
    };
    Some(format!(
        "{}_{}_{suffix}",
        kind_const(provider, tracepoint),
        arg.name.to_uppercase()
    ))
}

/// `net_events`: the ring buffer every event of a provider goes through.
pub fn ring_buffer(provider: &Provider) -> String {
    format!("{}_events", provider.name)
}

/// `net_lost`: the per-CPU counter of events a full ring buffer dropped.
pub fn lost_counter(provider: &Provider) -> String {
    format!("{}_lost", provider.name)
}

/// `NET_BPF_H`: the include guard of the libbpf header.
pub fn header_guard(provider: &Provider) -> String {
    format!("{}_BPF_H", provider.name.to_uppercase())
}

/// `NetInboundConnection`: the Python class and the Rust struct of a
/// tracepoint's event.
pub fn event_type(provider: &Provider, tracepoint: &Tracepoint) -> String {
    camel(&c_struct(provider, tracepoint))
}

/// `NetEvent`: the Rust enum of a provider's events.
pub fn event_enum(provider: &Provider) -> String {
    format!("{}Event", camel(&provider.name))
}

/// `InboundConnection`: the enum variant of a tracepoint's event.
pub fn event_variant(tracepoint: &Tracepoint) -> String {
    camel(&tracepoint.name)
}

/// `inbound_connection` -> `InboundConnection`.
fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
