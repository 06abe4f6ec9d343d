//! The node's tracepoints: the five `net` connection tracepoints, ABI
//! compatible with Bitcoin Core's (same names, argument order, sizes and
//! signedness). `tracepoints-gen` reads this file to write `../tracing/`.

#[tracepoints::provider]
pub mod net {
    /// Is called when a new inbound connection is opened to us. Passes
    /// information about the peer and the number of inbound connections
    /// including the newly opened connection.
    #[log(
        "INBOUND conn from {addr}: id={id}, type={conn_type}, network={network}, total_in={existing}"
    )]
    fn inbound_connection(
        /// Connection ID
        id: i64,
        /// Connection address (normally IP:port)
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

    /// Is called when a new outbound connection is opened by us. Passes
    /// information about the peer and the number of outbound connections
    /// including the newly opened connection.
    #[log(
        "OUTBOUND conn to {addr}: id={id}, type={conn_type}, network={network}, total_out={existing}"
    )]
    fn outbound_connection(
        /// Connection ID
        id: i64,
        /// Connection address (IP:port, or the host name as given for a manual connection)
        #[max_len(68)]
        addr: &str,
        /// Connection type
        #[max_len(20)]
        conn_type: &str,
        /// Network of the peer
        network: u32,
        /// Number of existing outbound connections, including this one
        existing: u64,
    );

    /// Is called when a connection is closed, whether we or the peer closed
    /// it. Fires exactly once per connection, when its socket is closed.
    #[log(
        "CLOSED conn to {addr}: id={id}, type={conn_type}, network={network}, established={time_established}"
    )]
    fn closed_connection(
        /// Connection ID
        id: i64,
        /// Connection address (normally IP:port)
        #[max_len(68)]
        addr: &str,
        /// Connection type
        #[max_len(20)]
        conn_type: &str,
        /// Network of the peer
        network: u32,
        /// Connection established, as UNIX epoch timestamp in seconds
        time_established: u64,
    );

    /// Is called when an inbound connection is evicted by us to make room
    /// for a new one. A `closed_connection` for the same id follows when its
    /// socket is closed.
    #[log(
        "EVICTED conn to {addr}: id={id}, type={conn_type}, network={network}, established={time_established}"
    )]
    fn evicted_inbound_connection(
        /// Connection ID
        id: i64,
        /// Connection address (normally IP:port)
        #[max_len(68)]
        addr: &str,
        /// Connection type
        #[max_len(20)]
        conn_type: &str,
        /// Network of the peer
        network: u32,
        /// Connection established, as UNIX epoch timestamp in seconds
        time_established: u64,
    );

    /// Is called when a connection is misbehaving and we punish it.
    #[log("MISBEHAVING conn id={id}, message='{message}'")]
    fn misbehaving_connection(
        /// Connection ID
        id: i64,
        /// Reason why the peer is misbehaving
        #[max_len(128)]
        message: &str,
    );
}
