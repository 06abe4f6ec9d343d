#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection ID
        #[max_len(8)]
        id: i64,
    );
}

fn main() {}
