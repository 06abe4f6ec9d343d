#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Number of peers
        count: usize,
    );
}

fn main() {}
