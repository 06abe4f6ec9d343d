#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    #[log("INBOUND conn id={id")]
    fn inbound_connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
