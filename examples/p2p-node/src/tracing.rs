//! The node's tracepoints: the five `net` connection tracepoints, ABI
//! compatible with Bitcoin Core's (same names, argument order, sizes and
//! signedness).

#[tracepoints::provider]
pub mod net {
    /// Is called when a new inbound connection is opened to us. Passes
    /// information about the peer and the number of inbound connections
    /// including the newly opened connection.
    #[log("INBOUND conn from {addr}: id={id}, type={conn_type}, network={network}, total_in={existing}")]
    fn inbound_connection(
        /// Connection ID
        id: i64,
        /// Connection address (IP:port or host name as given)
        #[max_len(68)]
        addr: &str,
        /// Connection type
        #[max_len(20)]
        conn_type: &str,
        /// Network the peer connects from
        network: u32,
        /// Number of existing inbound connections, including this one
        existing: u64,
    );
}
