// base.rs with one change: `existing` named `inbound`.
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
        inbound: u64,
    );

    /// Fired when a peer misbehaves.
    fn misbehaving_connection(
        /// Connection ID
        id: i64,
        /// Reason
        #[max_len(128)]
        message: &str,
    );

    /// Fired for every message received.
    fn inbound_message(
        /// Transaction ID
        #[len(32)]
        #[hash]
        txid: &[u8],
        /// Payload size in bytes
        msg_size: u64,
        /// Bytes read so far
        read: u64,
        /// The payload
        #[len(msg_size)]
        #[max_len(32568)]
        msg: &[u8],
    );
}
