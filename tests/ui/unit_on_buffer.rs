#[tracepoints::provider]
mod net {
    /// Fired when a message arrives.
    fn inbound_message(
        /// The payload
        #[len(8)]
        #[unit = "bytes"]
        msg: &[u8],
    );
}

fn main() {}
