#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    #[log("INBOUND id={id:name}")]
    fn inbound_connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
