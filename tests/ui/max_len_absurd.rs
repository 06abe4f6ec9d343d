#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection address
        #[max_len(100000)]
        addr: &str,
    );
}

fn main() {}
