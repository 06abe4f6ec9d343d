#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection ID
        id: i64,
        /// Connection address
        #[max_len(68)]
        addr: &str,
    );
}

fn main() {
    let addr = String::from("127.0.0.1:8333");
    tracepoints::fire!(net::inbound_connection(1, addr));
}
