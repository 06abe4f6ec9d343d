//! Bitcoin Core's whole tracepoint surface, declared with this crate: the
//! 20 tracepoints of its `doc/tracing.md` in five providers, with Core's
//! names, argument order, sizes and signedness, so that tracers written for
//! Core read a program that fires these unmodified (except the binary path).
//!
//! `tracepoints-gen` reads the declarations (`src/providers.rs`) to write
//! `tracing/` (docs, bpftrace, BCC and libbpf readers, Rust event types).
//! Each provider's module documents its tracepoints here too: what each
//! passes, with types and lengths. The `p2p-node` example fires the `net` provider; `core-replay`
//! fires every tracepoint once or more with realistic values.
//!
//! With the `usdt` feature (the `usdt` crate backend, at most six arguments
//! per tracepoint) the `mempool` provider is left out: `mempool:replaced`
//! passes eight.

#![warn(missing_docs)]

pub mod fired_log;
mod providers;

#[cfg(not(feature = "usdt"))]
pub use providers::mempool;
pub use providers::{coin_selection, net, utxocache, validation};
