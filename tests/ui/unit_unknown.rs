#[tracepoints::provider]
mod validation {
    /// Fired when a block is connected.
    fn block_connected(
        /// Time it took to connect the block
        #[unit = "nanoseconds"]
        duration: u64,
    );
}

fn main() {}
