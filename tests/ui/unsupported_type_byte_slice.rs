#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Message payload
        payload: &[u8],
    );
}

fn main() {}
