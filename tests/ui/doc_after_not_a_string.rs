#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    #[doc_after("Note: ...")]
    fn inbound_connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
