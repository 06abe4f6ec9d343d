#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    #[log("A {id}")]
    #[log("B {id}")]
    fn inbound_connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
