#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection address
        #[max_len(68)]
        #[length_doc(68)]
        addr: &str,
    );
}

fn main() {}
