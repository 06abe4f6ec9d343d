//! The declarations: five providers, 20 tracepoints, Bitcoin Core's ABI.
//! `tracepoints-gen` reads this file to write `../tracing/`.
//!
//! Facts (names, types, lengths, meanings) follow Core's `doc/tracing.md`;
//! the wording is this project's. Strings are `&str` copied up to their
//! `max_len` at the probe, or `&CStr` passed whole; hashes are 32 bytes in
//! the internal (little-endian) order, shown reversed by every reader.

/// Peer-to-peer networking: connections opening, closing and misbehaving,
/// and every message exchanged with a peer.
///
/// [^addr]: An I2P address (52 base32 characters, `.b32.i2p` and a port) is
///   the longest of any network. A host name given for a manual connection
///   can be longer; the probe passes up to 260 bytes of it.
///
/// [^signed-net]: Signed, as Bitcoin Core's binary passes it (`-8` in its
///   stapsdt note), although Core's `doc/tracing.md` says `uint64`. The
///   binary is the ABI: a tracer reading it as unsigned disagrees with
///   `readelf -n bitcoind` (and with `tracepoints-gen verify`).
#[tracepoints::provider]
pub mod net {
    /// Fires for every P2P message received from a peer, once the message
    /// has been read off the wire. Passes the peer's identity and the whole
    /// payload.
    #[doc_after = "Note: Bitcoin Core accepts messages of up to 4,000,000 bytes. The readers"]
    #[doc_after = "generated here keep the first 32568 bytes of a payload, as Core's own tools"]
    #[doc_after = "do; `msg_size` still says how long it was."]
    fn inbound_message(
        /// Peer (connection) ID
        peer_id: i64,
        /// Peer address (`IP:port`, or a host name as given for a manual
        /// connection)
        #[max_len(260)]
        #[length_doc = "normally up to 68 bytes[^addr]"]
        addr: &str,
        /// Connection type (inbound, outbound-full-relay, block-relay-only,
        /// manual, feeler, addr-fetch, private-broadcast)
        #[max_len(20)]
        conn_type: &str,
        /// Message type, e.g. `ping` or `inv`
        #[max_len(20)]
        msg_type: &str,
        /// Payload size
        #[unit = "bytes"]
        msg_size: u64,
        /// The payload as {type}
        #[len(msg_size)]
        #[max_len(32568)]
        msg: &[u8],
    );

    /// Fires for every P2P message sent to a peer, as it is handed to the
    /// socket. Passes the peer's identity and the whole payload.
    #[doc_after = "Note: the readers generated here keep the first 32568 bytes of a payload;"]
    #[doc_after = "`msg_size` still says how long it was."]
    fn outbound_message(
        /// Peer (connection) ID
        peer_id: i64,
        /// Peer address (`IP:port`, or a host name as given for a manual
        /// connection)
        #[max_len(260)]
        #[length_doc = "normally up to 68 bytes[^addr]"]
        addr: &str,
        /// Connection type (inbound, outbound-full-relay, block-relay-only,
        /// manual, feeler, addr-fetch, private-broadcast)
        #[max_len(20)]
        conn_type: &str,
        /// Message type, e.g. `pong` or `getdata`
        #[max_len(20)]
        msg_type: &str,
        /// Payload size
        #[unit = "bytes"]
        msg_size: u64,
        /// The payload as {type}
        #[len(msg_size)]
        #[max_len(32568)]
        msg: &[u8],
    );

    /// Is called when a new inbound connection is opened to us. Passes
    /// information about the peer and the number of inbound connections
    /// including the newly opened connection.
    #[log(
        "INBOUND conn from {addr}: id={id}, type={conn_type}, network={network}, total_in={existing}"
    )]
    fn inbound_connection(
        /// Connection ID
        id: i64,
        /// Connection address (`IP:port`, or a host name as given for a
        /// manual connection)
        #[max_len(260)]
        #[length_doc = "normally up to 68 bytes[^addr]"]
        addr: &str,
        /// Connection type (inbound, feeler, outbound-full-relay,
        /// block-relay-only, manual, addr-fetch, private-broadcast)
        #[max_len(20)]
        conn_type: &str,
        /// Network the peer connects from
        #[values(0 = "unroutable", 1 = "ipv4", 2 = "ipv6", 3 = "onion", 4 = "i2p", 5 = "cjdns", 6 = "internal")]
        network: u32,
        /// Number of inbound connections as {type}, the newly opened one
        /// included
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
        /// Connection address (`IP:port`, or a host name as given for a
        /// manual connection)
        #[max_len(260)]
        #[length_doc = "normally up to 68 bytes[^addr]"]
        addr: &str,
        /// Connection type (inbound, feeler, outbound-full-relay,
        /// block-relay-only, manual, addr-fetch, private-broadcast)
        #[max_len(20)]
        conn_type: &str,
        /// Network of the peer
        #[values(0 = "unroutable", 1 = "ipv4", 2 = "ipv6", 3 = "onion", 4 = "i2p", 5 = "cjdns", 6 = "internal")]
        network: u32,
        /// Number of outbound connections as {type}, the newly opened one
        /// included
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
        /// Connection address (`IP:port`, or a host name as given for a
        /// manual connection)
        #[max_len(260)]
        #[length_doc = "normally up to 68 bytes[^addr]"]
        addr: &str,
        /// Connection type (inbound, feeler, outbound-full-relay,
        /// block-relay-only, manual, addr-fetch, private-broadcast)
        #[max_len(20)]
        conn_type: &str,
        /// Network of the peer
        #[values(0 = "unroutable", 1 = "ipv4", 2 = "ipv6", 3 = "onion", 4 = "i2p", 5 = "cjdns", 6 = "internal")]
        network: u32,
        /// Connection established[^signed-net]
        #[unit = "unix_s"]
        time_established: i64,
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
        /// Connection address (`IP:port`, or a host name as given for a
        /// manual connection)
        #[max_len(260)]
        #[length_doc = "normally up to 68 bytes[^addr]"]
        addr: &str,
        /// Connection type (inbound, feeler, outbound-full-relay,
        /// block-relay-only, manual, addr-fetch, private-broadcast)
        #[max_len(20)]
        conn_type: &str,
        /// Network of the peer
        #[values(0 = "unroutable", 1 = "ipv4", 2 = "ipv6", 3 = "onion", 4 = "i2p", 5 = "cjdns", 6 = "internal")]
        network: u32,
        /// Connection established[^signed-net]
        #[unit = "unix_s"]
        time_established: i64,
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

/// Block validation.
///
/// [^signed-validation]: Signed, as Bitcoin Core's binary passes it (`-8`
///   in its stapsdt note), although Core's `doc/tracing.md` says `uint64`.
///   The binary is the ABI: a tracer reading it as unsigned disagrees with
///   `readelf -n bitcoind` (and with `tracepoints-gen verify`).
#[tracepoints::provider]
pub mod validation {
    /// Fires once a block has been connected to the active chain: its
    /// transactions validated and the UTXO set updated. Passes the block's
    /// identity, its size in transactions, inputs and signature operations,
    /// and how long connecting it took.
    fn block_connected(
        /// Block hash
        #[len(32)]
        #[hash]
        block_hash: &[u8],
        /// Block height
        height: i32,
        /// Number of transactions in the block
        transactions: u64,
        /// Number of transaction inputs in the block
        inputs: i32,
        /// Number of signature operations in the block[^signed-validation]
        sigops: i64,
        /// Time it took to connect the block[^signed-validation]
        #[unit = "ns"]
        duration: i64,
    );
}

/// The in-memory cache of the UTXO set (unspent transaction outputs).
#[tracepoints::provider]
pub mod utxocache {
    /// Fires after the cache has been written to disk. Passes how long that
    /// took, why it happened and how big the cache was before it.
    fn flush(
        /// Time the flush took
        #[unit = "us"]
        duration: i64,
        /// Why the cache was flushed
        #[values(0 = "NONE", 1 = "IF_NEEDED", 2 = "PERIODIC", 3 = "FORCE_FLUSH", 4 = "FORCE_SYNC")]
        mode: u32,
        /// Coins in the cache before the flush
        coins: u64,
        /// Memory the cache used before the flush
        #[unit = "bytes"]
        memory: u64,
        /// Whether the flush was made for pruning
        for_prune: bool,
    );

    /// Fires when a new output enters the cache.
    fn add(
        /// Transaction ID of the output
        #[len(32)]
        #[hash]
        txid: &[u8],
        /// Index of the output in its transaction
        vout: u32,
        /// Height of the block that holds the transaction
        height: u32,
        /// Value of the output
        #[unit = "sat"]
        value: i64,
        /// Whether the output belongs to a coinbase transaction
        is_coinbase: bool,
    );

    /// Fires when an output in the cache is spent.
    fn spent(
        /// Transaction ID of the output
        #[len(32)]
        #[hash]
        txid: &[u8],
        /// Index of the output in its transaction
        vout: u32,
        /// Height of the block that holds the transaction
        height: u32,
        /// Value of the output
        #[unit = "sat"]
        value: i64,
        /// Whether the output belongs to a coinbase transaction
        is_coinbase: bool,
    );

    /// Fires when an output leaves the cache without being spent (e.g. it
    /// was only loaded to check a transaction that turned out invalid).
    fn uncache(
        /// Transaction ID of the output
        #[len(32)]
        #[hash]
        txid: &[u8],
        /// Index of the output in its transaction
        vout: u32,
        /// Height of the block that holds the transaction
        height: u32,
        /// Value of the output
        #[unit = "sat"]
        value: i64,
        /// Whether the output belongs to a coinbase transaction
        is_coinbase: bool,
    );
}

/// The wallet's coin selection while it builds a transaction.
#[tracepoints::provider]
pub mod coin_selection {
    /// Fires when an algorithm has chosen the coins to spend. Passes the
    /// wallet, the algorithm and what the selection achieved.
    fn selected_coins(
        /// Wallet name (Bitcoin Core sets no bound)
        #[max_len(4096)]
        wallet_name: &CStr,
        /// Name of the algorithm that made the selection, e.g. `bnb`
        #[max_len(20)]
        algorithm: &str,
        /// Value the selection had to reach
        #[unit = "sat"]
        target: i64,
        /// Waste score of the selection
        waste: i64,
        /// Value of the selected coins
        #[unit = "sat"]
        selected_value: i64,
    );

    /// Fires when the wallet has tried to build a transaction the usual
    /// way. Passes whether it succeeded, the fee and where the change went.
    fn normal_create_tx_internal(
        /// Wallet name (Bitcoin Core sets no bound)
        #[max_len(4096)]
        wallet_name: &CStr,
        /// Whether a transaction was built
        success: bool,
        /// Fee of the transaction
        #[unit = "sat"]
        fee: i64,
        /// Position of the change output, -1 without one
        #[values(-1 = "none")]
        change_pos: i32,
    );

    /// Fires when the wallet starts a second attempt that avoids partial
    /// spends (spending every coin sent to an address at once).
    fn attempting_aps_create_tx(
        /// Wallet name (Bitcoin Core sets no bound)
        #[max_len(4096)]
        wallet_name: &CStr,
    );

    /// Fires after the attempt that avoids partial spends. Passes whether
    /// the wallet will use it, whether it succeeded, the fee and where the
    /// change went.
    fn aps_create_tx_internal(
        /// Wallet name (Bitcoin Core sets no bound)
        #[max_len(4096)]
        wallet_name: &CStr,
        /// Whether the wallet uses this transaction rather than the first one
        use_aps: bool,
        /// Whether a transaction was built
        success: bool,
        /// Fee of the transaction
        #[unit = "sat"]
        fee: i64,
        /// Position of the change output, -1 without one
        #[values(-1 = "none")]
        change_pos: i32,
    );
}

/// The memory pool of unconfirmed transactions.
#[cfg(not(feature = "usdt"))]
#[tracepoints::provider]
pub mod mempool {
    /// Fires when a transaction is accepted into the mempool.
    fn added(
        /// Transaction ID
        #[len(32)]
        #[hash]
        txid: &[u8],
        /// Virtual size of the transaction
        #[unit = "vbytes"]
        vsize: i32,
        /// Fee of the transaction
        #[unit = "sat"]
        fee: i64,
    );

    /// Fires when a transaction leaves the mempool, for whatever reason.
    fn removed(
        /// Transaction ID
        #[len(32)]
        #[hash]
        txid: &[u8],
        /// Why it left (`expiry`, `sizelimit`, `reorg`, `block`, `conflict` or `replaced`)
        #[max_len(9)]
        reason: &str,
        /// Virtual size of the transaction
        #[unit = "vbytes"]
        vsize: i32,
        /// Fee of the transaction
        #[unit = "sat"]
        fee: i64,
        /// When it entered the mempool
        #[unit = "unix_s"]
        entry_time: u64,
    );

    /// Fires when a transaction is replaced (replace-by-fee) by another
    /// transaction or by a package. Passes both sides.
    ///
    /// One replacement can evict several transactions: the tracepoint fires
    /// once for each of them.
    #[doc_after = "Note: bpftrace reads the first six arguments only; `replacement_fee` and"]
    #[doc_after = "`replaced_by_transaction` need the BCC or libbpf reader."]
    fn replaced(
        /// Transaction ID of the replaced transaction
        #[len(32)]
        #[hash]
        replaced_txid: &[u8],
        /// Virtual size of the replaced transaction
        #[unit = "vbytes"]
        replaced_vsize: i32,
        /// Fee of the replaced transaction
        #[unit = "sat"]
        replaced_fee: i64,
        /// When the replaced transaction entered the mempool
        #[unit = "unix_s"]
        replaced_entry_time: u64,
        /// Transaction ID of the replacement transaction
        #[len(32)]
        #[hash]
        replacement_txid: &[u8],
        /// Virtual size of the replacement transaction
        #[unit = "vbytes"]
        replacement_vsize: i32,
        /// Fee of the replacement transaction
        #[unit = "sat"]
        replacement_fee: i64,
        /// Whether the replacement is a single transaction (not a package)
        replaced_by_transaction: bool,
    );

    /// Fires when a transaction is refused by the mempool.
    fn rejected(
        /// Transaction ID
        #[len(32)]
        #[hash]
        txid: &[u8],
        /// Why it was refused (Core's docs give 118 bytes as the longest: a
        /// script error's text inside the reason; the probe passes up to 256
        /// so that a longer one in a later version arrives whole)
        #[max_len(256)]
        reason: &str,
    );
}
