#[tracepoints::provider]
mod net {
    /// Fired when a peer connects, with its network as {type}.
    fn inbound_connection(
        /// Network
        network: u32,
    );
}

fn main() {}
