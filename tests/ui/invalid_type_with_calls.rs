// An argument of an unsupported type is one error at the type: the stub
// the expansion still defines accepts any value there, so calls add none.
#[tracepoints::provider]
mod net {
    /// Fired when a block connects.
    fn block_connected(
        /// Height
        height: usize,
        /// Transactions
        tx_count: u64,
    );
}

fn main() {
    let height: usize = 7;
    tracepoints::fire!(net::block_connected(height, 3));
}
