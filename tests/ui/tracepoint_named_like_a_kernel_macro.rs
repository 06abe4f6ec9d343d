#[tracepoints::provider]
mod ptrace {
    /// Its C kind constant would be `PTRACE_ATTACH`, a macro of the
    /// kernel's `<linux/ptrace.h>`, which the libbpf program includes.
    fn attach(
        /// A process ID
        pid: u32,
    );
}

fn main() {}
