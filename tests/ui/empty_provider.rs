#[tracepoints::provider]
mod net {

}

fn main() {}
