#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection ID
        #[allow(unused)]
        id: i64,
    );
}

fn main() {}
