// base.rs with one change: `misbehaving_connection` removed.
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
        /// Connections open, this one included
        existing: u64,
    );
}
