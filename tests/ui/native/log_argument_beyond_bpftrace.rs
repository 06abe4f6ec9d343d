#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    #[log("seventh={g}")]
    fn inbound_connection(
        /// a
        a: u8,
        /// b
        b: u8,
        /// c
        c: u8,
        /// d
        d: u8,
        /// e
        e: u8,
        /// f
        f: u8,
        /// g
        g: u8,
    );
}

fn main() {}
