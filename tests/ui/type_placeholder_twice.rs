#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Network as {type}, i.e. {type}
        network: u32,
    );
}

fn main() {}
