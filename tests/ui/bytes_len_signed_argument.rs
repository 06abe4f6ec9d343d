#[tracepoints::provider]
mod net {
    /// Fired for every message received.
    fn inbound_message(
        /// Payload size in bytes
        msg_size: i64,
        /// The payload
        #[len(msg_size)]
        #[max_len(32568)]
        msg: &[u8],
    );
}

fn main() {}
