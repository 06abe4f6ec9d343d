#[tracepoints::provider]
fn net() {}

fn main() {}
