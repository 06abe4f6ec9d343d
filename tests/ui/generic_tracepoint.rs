#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection<T>(
        /// Value
        value: T,
    );
}

fn main() {}
