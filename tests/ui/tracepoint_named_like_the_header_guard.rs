#[tracepoints::provider]
mod net {
    /// A tracepoint whose C kind constant would be the libbpf header's
    /// include guard, `NET_BPF_H`.
    fn bpf_h(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
