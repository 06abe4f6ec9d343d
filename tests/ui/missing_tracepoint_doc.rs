#[tracepoints::provider]
mod net {
    fn inbound_connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
