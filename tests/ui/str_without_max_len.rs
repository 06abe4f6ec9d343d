#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection address
        addr: &str,
    );
}

fn main() {}
