#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Latency in seconds
        latency: f64,
    );
}

fn main() {}
