#[tracepoints::provider]
mod mempool {
    /// Fired when a transaction is refused.
    fn rejected(
        /// Transaction ID
        #[len(32)]
        #[hash(reversed)]
        txid: &[u8],
    );
}

fn main() {}
