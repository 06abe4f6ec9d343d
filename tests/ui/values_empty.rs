#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Network the peer connects from
        #[values()]
        network: u32,
    );
}

fn main() {}
