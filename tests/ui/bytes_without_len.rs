#[tracepoints::provider]
mod net {
    /// Fired when a block connects.
    fn block_connected(
        /// Block hash
        hash: &[u8],
    );
}

fn main() {}
