#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Network the peer connects from
        #[values(0 = "unnamed", 1 = "ipv4")]
        network: u32,
    );
}

fn main() {}
