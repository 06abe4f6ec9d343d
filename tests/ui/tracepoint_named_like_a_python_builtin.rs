#[tracepoints::provider]
mod process {
    /// Its Python class would be `ProcessLookupError`, which the logger
    /// catches.
    fn lookup_error(
        /// A process ID
        pid: u32,
    );
}

fn main() {}
