#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn start(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
