#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection kind
        #[max_len(20)]
        kind: &str,
    );
}

fn main() {}
