#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Whether the connection is a clone of another
        clone: bool,
    );
}

fn main() {}
