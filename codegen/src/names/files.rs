//! The generated files' names, per provider.

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

/// `net.schema.json`: the JSON Schema of the provider's events.
pub fn schema(provider: &Provider) -> String {
    format!("{}.schema.json", provider.name)
}
