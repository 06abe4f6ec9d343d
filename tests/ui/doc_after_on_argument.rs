#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection ID
        #[doc_after = "Note: ids are never reused."]
        id: i64,
    );
}

fn main() {}
