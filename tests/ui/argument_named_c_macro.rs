#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Seconds since the UNIX epoch
        unix: u64,
    );
}

fn main() {}
