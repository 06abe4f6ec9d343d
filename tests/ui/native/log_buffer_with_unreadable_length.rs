#[tracepoints::provider]
mod net {
    /// Fired for every message received.
    #[log("MSG {msg}")]
    fn inbound_message(
        /// The payload
        #[len(msg_size)]
        #[max_len(32568)]
        msg: &[u8],
        /// 1
        a: u8,
        /// 2
        b: u8,
        /// 3
        c: u8,
        /// 4
        d: u8,
        /// 5
        e: u8,
        /// Payload size in bytes
        msg_size: u64,
    );
}

fn main() {}
