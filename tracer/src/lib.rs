//! `tracepoints-trace`: traces the USDT tracepoints of a binary built with
//! the `tracepoints` crate, from the ABI the binary carries (or, for a
//! binary built without it, from its ABI files), with one precompiled BPF
//! program for every declaration. The traced program never links this
//! crate.
//!
//! - [`source`]: the providers of a binary, checked against its probes;
//! - [`layout`]: what the BPF program knows of each probe;
//! - [`attach`]: the program loaded per provider, attached, read;
//! - [`decode`]: records as typed values, JSON lines and log lines;
//! - [`records`]: record files, records kept as they came;
//! - `publish` (feature `nats`, on by default): events to NATS, through a
//!   bounded queue;
//! - `metrics` (feature `metrics`, on by default): metrics for
//!   Prometheus, generated from the ABI.
//!
//! The records are those of the generated libbpf program of the same
//! declaration (`tracepoints_codegen::record`), so the generated
//! `<provider>_events.rs` types decode them too.

#![warn(missing_docs)]

pub mod attach;
pub mod decode;
pub mod layout;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(feature = "nats")]
pub mod publish;
pub mod records;
pub mod source;
