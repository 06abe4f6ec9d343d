#[tracepoints::provider]
mod mempool {
    /// Fired when a transaction is refused.
    fn rejected(
        /// Transaction ID, as hex
        #[max_len(64)]
        #[hash]
        txid: &str,
    );
}

fn main() {}
