#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn InboundConnection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
