#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection address
        #[max_len(68)]
        #[length_doc = "normally up to 68 bytes"]
        #[length_doc = "at most 68 bytes"]
        addr: &str,
    );
}

fn main() {}
