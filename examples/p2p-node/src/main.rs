mod tracing;
fn main() {}
