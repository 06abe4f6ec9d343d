#[tracepoints::provider]
mod net {
    /// Fired when a block connects.
    fn block_connected(
        /// Values
        #[len(4)]
        values: &[u32],
    );
}

fn main() {}
