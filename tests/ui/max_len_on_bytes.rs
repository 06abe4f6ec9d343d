#[tracepoints::provider]
mod net {
    /// Fired when a block connects.
    fn block_connected(
        /// Block hash
        #[max_len(32)]
        hash: &[u8],
    );
}

fn main() {}
