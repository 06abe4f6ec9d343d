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
        /// Argument 7
        a7: u8,
        /// Argument 8
        a8: u8,
        /// Argument 9
        a9: u8,
        /// Argument 10
        a10: u8,
        /// Argument 11
        a11: u8,
        /// Argument 12
        a12: u8,
    );
}

fn main() {}
