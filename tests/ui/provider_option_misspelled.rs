#[tracepoints::provider(embed_doc = false)]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
