#[tracepoints::provider]
mod net {
    #[doc = "Fired when a peer connects.\r# an injected line"]
    fn inbound_connection(
        /// Connection ID
        id: i64,
    );
}

fn main() {}
