#[tracepoints::provider]
mod net {
    /// Fired for a batch of events: its libbpf program would be `net_events`,
    /// the ring buffer's name.
    fn events(
        /// How many
        n: u64,
    );
}

fn main() {}
