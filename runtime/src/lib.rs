//! Typed USDT tracepoints.
//!
//! Declare a provider's tracepoints once, as a module of documented function
//! signatures; fire them with [`fire!`]; generate `tracing.md` and tracer
//! scripts from the same declaration with `tracepoints-gen`.
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
//! // `reason` is only formatted into the probe when a tracer is attached.
//! tracepoints::fire!(net::misbehaving_connection(7, &reason));
//! assert!(!net::misbehaving_connection::is_enabled());
//! ```
//!
//! Each tracepoint `provider::name` of a declaration becomes a module with
//! `NAME` (`"provider:name"`) and `is_enabled()`, and a USDT probe
//! `provider:name` in the binary (a stapsdt v3 note with a semaphore) that
//! bpftrace, BCC, libbpf and gdb attach to.

#![warn(missing_docs)]

/// Declares the tracepoints of one USDT provider (a module named after it).
///
/// Inside the module, each tracepoint is a function signature without a
/// body:
///
/// - a doc comment on the tracepoint and on every argument (required: they
///   become the generated `tracing.md`);
/// - arguments of type `i8 i16 i32 i64 u8 u16 u32 u64 bool &str &[u8]`, at
///   most twelve (six with the `usdt` feature); every `&str` carries
///   `#[max_len(N)]`, the number of bytes readers keep, and every
///   `&[u8]` carries `#[len(N)]`, the number of bytes readers copy (shorter
///   values are zero-padded), both 1 to 199;
/// - optionally `#[log("TEXT {arg} ...")]`, the line the generated bpftrace
///   logging script prints, naming arguments in braces.
///
/// Every invalid declaration is a compile error at the offending token.
pub use tracepoints_macros::provider;

/// Fires a tracepoint: `fire!(provider::tracepoint(arg, ...))`.
///
/// The arguments are type-checked against the declaration, and evaluated
/// only when a tracer is attached: with none, firing costs one load of the
/// probe's semaphore and a branch.
///
/// ```
/// # #[tracepoints::provider]
/// # mod net {
/// #     /// Fired when a connection opens.
/// #     fn inbound_connection(
/// #         /// Connection ID
/// #         id: i64,
/// #         /// Peer address
/// #         #[max_len(68)]
/// #         addr: &str,
/// #     );
/// # }
/// let addr = String::from("127.0.0.1:8333");
/// tracepoints::fire!(net::inbound_connection(1, &addr));
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

#[doc(hidden)]
pub mod __private {
    pub use crate::probe::{LengthArg, Semaphores, StackBytes, StackCStr};
    pub use crate::{__stapsdt_base as stapsdt_base, __stapsdt_note as stapsdt_note};
    #[cfg(feature = "usdt")]
    pub use usdt;
}
