#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Where the peer connects from
        #[max_len(68)]
        from: &str,
    );
}

fn main() {}
