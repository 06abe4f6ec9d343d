// The declaration `cprobe.c`'s probe follows.
#[tracepoints::provider]
mod cprobe {
    /// Fired with a count.
    fn fired(
        /// The count
        n: u64,
    );
}
