#[tracepoints::provider]
mod into {
    /// Its Rust event type would be `IntoIterator`.
    fn iterator(
        /// A count
        n: u32,
    );
}

fn main() {}
