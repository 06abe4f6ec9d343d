// base.rs with one change: `existing` removed.
#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection ID
        id: i64,
        /// Peer address
        #[max_len(68)]
        addr: &str,
        /// Network
        network: u32,
    );

    /// Fired when a peer misbehaves.
    fn misbehaving_connection(
        /// Connection ID
        id: i64,
        /// Reason
        #[max_len(128)]
        message: &str,
    );
}
