#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound__connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
