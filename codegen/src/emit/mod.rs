//! What the proc-macro emits: the Rust expansion of a provider module (its
//! probe sites, per backend), and the documentation text of a tracepoint
//! that its rustdoc and `tracing.md` (written by `tracepoints-gen`) share.

pub mod docs;
pub mod probe_sites;
