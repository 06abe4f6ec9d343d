#[tracepoints::provider]
mod net {
    /// Fired when a block connects.
    fn block_connected(
        /// Connection address
        #[len(68)]
        addr: &str,
    );
}

fn main() {}
