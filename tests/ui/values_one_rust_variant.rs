#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Network the peer connects from
        #[values(1 = "ipv4", 2 = "IPV4")]
        network: u32,
    );
}

fn main() {}
