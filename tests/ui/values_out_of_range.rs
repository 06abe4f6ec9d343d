#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Network the peer connects from
        #[values(0 = "unroutable", 256 = "internal")]
        network: u8,
    );
}

fn main() {}
