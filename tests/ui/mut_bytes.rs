#[tracepoints::provider]
mod net {
    /// Fired when a block connects.
    fn block_connected(
        /// Block hash
        #[len(32)]
        hash: &mut [u8],
    );
}

fn main() {}
