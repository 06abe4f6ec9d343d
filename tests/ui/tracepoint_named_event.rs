#[tracepoints::provider]
mod net {
    /// Fired for every event.
    fn event(
        /// Event ID
        id: i64,
    );
}

fn main() {}
