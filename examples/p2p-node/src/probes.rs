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
        /// Connection address (IPv4, IPv6, Tor v3, I2P, ...; normally IP:port)
        #[max_len(68)]
        addr: &str,
        /// Connection type (inbound, feeler, outbound-full-relay, block-relay-only, manual, addr-fetch)
        #[max_len(20)]
        conn_type: &str,
        /// Network the peer connects from (0 = unroutable, 1 = IPv4, 2 = IPv6, 3 = Onion, 4 = I2P, 5 = CJDNS, 6 = internal)
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
        /// Connection address (IPv4, IPv6, Tor v3, I2P, ...; IP:port, or the host name as given for a manual connection)
        #[max_len(68)]
        addr: &str,
        /// Connection type (inbound, feeler, outbound-full-relay, block-relay-only, manual, addr-fetch)
        #[max_len(20)]
        conn_type: &str,
        /// Network of the peer (0 = unroutable, 1 = IPv4, 2 = IPv6, 3 = Onion, 4 = I2P, 5 = CJDNS, 6 = internal)
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
        /// Connection address (IPv4, IPv6, Tor v3, I2P, ...; normally IP:port)
        #[max_len(68)]
        addr: &str,
        /// Connection type (inbound, feeler, outbound-full-relay, block-relay-only, manual, addr-fetch)
        #[max_len(20)]
        conn_type: &str,
        /// Network of the peer (0 = unroutable, 1 = IPv4, 2 = IPv6, 3 = Onion, 4 = I2P, 5 = CJDNS, 6 = internal)
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
        /// Connection address (IPv4, IPv6, Tor v3, I2P, ...; normally IP:port)
        #[max_len(68)]
        addr: &str,
        /// Connection type (inbound, feeler, outbound-full-relay, block-relay-only, manual, addr-fetch)
        #[max_len(20)]
        conn_type: &str,
        /// Network of the peer (0 = unroutable, 1 = IPv4, 2 = IPv6, 3 = Onion, 4 = I2P, 5 = CJDNS, 6 = internal)
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
