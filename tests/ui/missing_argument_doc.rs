#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        id: i64,
    );
}

fn main() {}
