//! Harness of the end-to-end tests: starts `p2p-node demo` or
//! `core-replay`, attaches a real tracer, gives the go-ahead once the tracer
//! says it is ready, and compares what the tracer printed with what the
//! program fired. In layers: [`process`] (the child processes, tracers
//! first), [`node`] (the traced programs), [`expected`] (what a reader
//! must print, from the declaration), [`assertions`] (the comparisons).

pub mod assertions;
pub mod expected;
pub mod node;
pub mod process;

pub use assertions::*;
pub use expected::*;
pub use node::*;
pub use process::*;
