#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Whether the peer is whitelisted
        #[values(0 = "no", 1 = "yes")]
        whitelisted: bool,
    );
}

fn main() {}
