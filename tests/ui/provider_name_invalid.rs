#[tracepoints::provider]
mod Net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
