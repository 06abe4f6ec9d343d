//! The one model of a tracepoint declaration, shared by the
//! `#[tracepoints::provider]` macro and the `tracepoints-gen` CLI. Both run
//! the same passes:
//!
//! 1. [`syntax`]: Rust tokens into the [`ast`](syntax::ast) (docs parsed
//!    into [`Doc`](model::doc::Doc)s, `#[log]` lines into pieces, types
//!    classified), reporting only what the syntax tree cannot hold;
//! 2. [`check`]: every rule, against a backend's [`model::Limits`], and the
//!    lowering of the valid declaration into the [`model`], its generated
//!    names allocated by [`names`];
//! 3. [`emit`]: pure functions from the model to each output.
//!
//! Errors of both passes are collected in one [`errors::Errors`], so a user
//! sees all of them at once, each at its token.
//!
//! The modules form a chain, each importing only those before it:
//! [`errors`] and [`model`] (plain values), [`syntax`], [`names`],
//! [`check`], [`abi`] (the ABI file and the probe notes, read back into the
//! model through the checks), [`record`] (the ring-buffer layout), [`emit`].
//!
//! ```
//! let source = r#"
//!     #[tracepoints::provider]
//!     mod net {
//!         /// Fired when a peer misbehaves.
//!         fn misbehaving_connection(
//!             /// Connection ID
//!             id: i64,
//!             /// Reason
//!             #[max_len(128)]
//!             message: &str,
//!         );
//!     }
//! "#;
//! let providers = tracepoints_codegen::read_source(source).unwrap();
//! let tracepoint = &providers[0].tracepoints[0];
//! assert_eq!(tracepoint.probe_name(&providers[0]), "net:misbehaving_connection");
//! assert_eq!(tracepoint.sdt_sizes(), [-8, 8]);
//! ```

#![warn(missing_docs)]

pub mod abi;
pub mod check;
pub mod emit;
pub mod errors;
pub mod model;
pub mod names;
pub mod record;
pub mod syntax;

use errors::Errors;
use model::{Limits, Provider};

/// Parses and checks every provider declared in a Rust source file, with
/// the default backend's limits (what `tracepoints-gen` reads). Every error
/// is returned, each at its token.
pub fn read_source(source: &str) -> syn::Result<Vec<Provider>> {
    let mut errors = Errors::default();
    let declared = syntax::parse::file(source, &mut errors)?;
    let providers = declared
        .iter()
        .map(|provider| check::provider(provider, &Limits::NATIVE, &mut errors))
        .collect();
    errors.finish(providers)
}
