#[tracepoints::provider]
mod net {
    const LIMIT: u32 = 8;
}

fn main() {}
