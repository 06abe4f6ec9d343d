#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    #[inline]
    fn inbound_connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
