#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Argument 0
        a0: u8,
        /// Argument 1
        a1: u8,
        /// Argument 2
        a2: u8,
        /// Argument 3
        a3: u8,
        /// Argument 4
        a4: u8,
        /// Argument 5
        a5: u8,
        /// Argument 6
        a6: u8,
    );
}

fn main() {}
