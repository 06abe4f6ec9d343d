#[tracepoints::provider]
mod net {
    /// The first.
    fn a(
        /// A string
        #[max_len(8)]
        b_c: &str,
    );

    /// The second: `NET_A_B_C_MAX_LEN` again.
    fn a_b(
        /// A string
        #[max_len(8)]
        c: &str,
    );
}

fn main() {}
