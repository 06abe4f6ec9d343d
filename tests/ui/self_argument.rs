#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        &self,
        /// Connection ID
        id: i64,
    );
}

fn main() {}
