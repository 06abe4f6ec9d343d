#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn _inbound(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
