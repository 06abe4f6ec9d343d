#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection type
        #[max_len(20)]
        #[values(0 = "inbound")]
        conn_type: &str,
    );
}

fn main() {}
