// values_base.rs with one change: see `value_renumbered` in `tests/abi.rs`.
#[tracepoints::provider]
mod net {
    /// Fired when a connection closes.
    fn closed_connection(
        /// How long the connection lasted
        #[unit = "us"]
        duration: i64,
        /// When the connection was established
        established: u64,
        /// Network of the peer
        #[values(0 = "unroutable", 4 = "ipv4", 2 = "ipv6")]
        network: u32,
    );
}
