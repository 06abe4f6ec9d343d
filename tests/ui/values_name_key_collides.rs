#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Network the peer connects from
        #[values(1 = "ipv4")]
        network: u32,
        /// The network's name, as the node calls it
        #[max_len(16)]
        network_name: &str,
    );
}

fn main() {}
