#[tracepoints::provider]
mod net {
    /// Fired when a peer connects.
    fn inbound_connection(
        /// Connection ID, in camelCase: the C readers' macros are uppercase,
        /// so C fields are lowercase.
        connId: i64,
    );
}

fn main() {}
