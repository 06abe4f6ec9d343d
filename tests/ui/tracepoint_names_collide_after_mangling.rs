#[tracepoints::provider]
mod net {
    /// The first.
    fn x_1(
        /// ID
        id: i64,
    );

    /// The second: the readers' class `NetX1` again.
    fn x1(
        /// ID
        id: i64,
    );
}

fn main() {}
