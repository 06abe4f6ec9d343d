//! Typed USDT tracepoints.
//!
//! Declare a provider's tracepoints once, as a module of documented function
//! signatures; fire them with [`fire!`]; generate `tracing.md`, bpftrace
//! scripts, BCC and libbpf readers and Rust event types from the same
//! declaration with the `tracepoints-gen` command.
//!
//! ```
//! #[tracepoints::provider]
//! pub mod net {
//!     /// Is called when a peer misbehaves.
//!     #[log("MISBEHAVING conn id={id}, message='{message}'")]
//!     fn misbehaving_connection(
//!         /// Connection ID
//!         id: i64,
//!         /// Reason why the peer is misbehaving
//!         #[max_len(128)]
//!         message: &str,
//!     );
//! }
//!
//! let reason = format!("headers message size = {}", 2001);
//! // `reason` is only passed to the probe while a tracer is attached.
//! tracepoints::fire!(net::misbehaving_connection(7, &reason));
//! assert!(!net::misbehaving_connection::is_enabled());
//! ```
//!
//! Each tracepoint `provider::name` becomes a module with `NAME`
//! (`"provider:name"`), `ARG_NAMES` and `is_enabled()`, and a USDT probe
//! `provider:name` in the binary (a stapsdt v3 note with a semaphore) that
//! bpftrace, BCC, libbpf and gdb attach to.
//!
//! # Reference
//!
//! - [`declaration`]: the declaration language: argument types,
//!   attributes, docs, names, limits and errors.
//! - [`fire!`]: firing, and what the arguments cost.
//! - [`backends`]: the two probe-site backends, the targets each serves,
//!   and what a fire costs.
//!
//! A crate that declares tracepoints depends on `tracepoints` only. To
//! generate the docs and readers, install the command line
//! (`cargo install tracepoints-gen`) and run
//! `tracepoints-gen --out tracing src/tracepoints.rs`.

#![warn(missing_docs)]

/// Declares the tracepoints of one USDT provider: a module named after it,
/// holding one function signature without a body per tracepoint.
///
/// The language (argument types, attributes, docs, names and limits) is
/// described in [`declaration`]; every invalid declaration is a compile
/// error at the offending token that says what to write instead.
///
/// ```
/// #[tracepoints::provider]
/// pub mod validation {
///     /// Is called after a block is connected to the chain.
///     fn block_connected(
///         /// Block hash
///         #[len(32)]
///         #[hash]
///         hash: &[u8],
///         /// Height of the block
///         height: i32,
///     );
/// }
/// ```
///
/// The binary carries each tracepoint's ABI (names, types, lengths, units,
/// named values and docs) in a note that is never loaded, so that
/// `tracepoints-gen verify --binary BIN` and tracers need nothing but the
/// binary. `#[tracepoints::provider(embed_docs = false)]` leaves the docs
/// out of it; the attribute takes no other argument:
///
/// ```compile_fail
/// #[tracepoints::provider(name = "net")]
/// mod net {
///     /// Fired when a peer connects.
///     fn inbound_connection(
///         /// Connection ID
///         id: i64,
///     );
/// }
/// ```
pub use tracepoints_macros::provider;

/// Fires a tracepoint: `fire!(provider::tracepoint(arg, ...))`.
///
/// The arguments are checked against the declaration (a wrong count or type
/// is a compile error at the call) and evaluated only while a tracer is
/// attached: with none, a fire costs one load of the probe's semaphore and
/// a branch (see [`backends`]).
///
/// ```
/// #[tracepoints::provider]
/// mod net {
///     /// Fired when a connection opens.
///     fn inbound_connection(
///         /// Connection ID
///         id: i64,
///         /// Peer address
///         #[max_len(68)]
///         addr: &str,
///     );
/// }
///
/// let addr = String::from("127.0.0.1:8333");
/// tracepoints::fire!(net::inbound_connection(1, &addr));
///
/// // Work only a tracer needs goes behind `is_enabled()`.
/// if net::inbound_connection::is_enabled() {
///     let summary = format!("{addr} and more");
///     tracepoints::fire!(net::inbound_connection(1, &summary));
/// }
/// ```
///
/// Arguments have the declared types; a `&str` is not converted for a
/// `u64`:
///
/// ```compile_fail,E0308
/// # #[tracepoints::provider]
/// # mod net {
/// #     /// Fired when a connection opens.
/// #     fn inbound_connection(
/// #         /// Connection ID
/// #         id: i64,
/// #     );
/// # }
/// tracepoints::fire!(net::inbound_connection("seven"));
/// ```
#[macro_export]
macro_rules! fire {
    (:: $($segment:ident)::+ ( $($arg:expr),* $(,)? )) => {
        if ::$($segment)::+::is_enabled() {
            ::$($segment)::+::__fire($($arg),*);
        }
    };
    ($($segment:ident)::+ ( $($arg:expr),* $(,)? )) => {
        if $($segment)::+::is_enabled() {
            $($segment)::+::__fire($($arg),*);
        }
    };
    ($($other:tt)*) => {
        ::core::compile_error!(
            "write `tracepoints::fire!(provider::tracepoint(arg, ...))`, e.g. `tracepoints::fire!(net::inbound_connection(id, &addr, \"inbound\", 0, 1))`"
        )
    };
}

mod probe;
mod stapsdt;

#[doc = include_str!("docs/declaration.md")]
pub mod declaration {}

#[doc = include_str!("docs/backends.md")]
pub mod backends {}

#[doc(hidden)]
pub mod __private {
    pub use crate::probe::{LengthArg, Semaphores, StackBytes, StackCStr};
    pub use crate::{__stapsdt_base as stapsdt_base, __stapsdt_note as stapsdt_note};
    #[cfg(feature = "usdt")]
    pub use usdt;
}
