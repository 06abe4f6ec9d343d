// A declaration with an error still defines its tracepoints (as inert
// stubs): the calls below resolve and type-check, so the only error is the
// declaration's own.
#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection ID
        id: i64,
        /// Connection address
        addr: &str,
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

fn main() {
    let addr = String::from("127.0.0.1:8333");
    tracepoints::fire!(net::inbound_connection(1, &addr));
    tracepoints::fire!(net::misbehaving_connection(1, "reason"));
    assert!(!net::inbound_connection::is_enabled());
}
