#[tracepoints::provider]
mod bpf {
    /// Every C name of this provider would start with `bpf_`, as libbpf's
    /// helpers do.
    fn map_lookup_elem(
        /// A key
        key: u32,
    );
}

fn main() {}
