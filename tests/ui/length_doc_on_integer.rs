#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Network
        #[length_doc = "4 bytes"]
        network: u32,
    );
}

fn main() {}
