//! The proc-macro behind `#[tracepoints::provider]`. Depend on `tracepoints`,
//! which re-exports it; this crate only connects the compiler to
//! `tracepoints-codegen`.

#![warn(missing_docs)]

use proc_macro::TokenStream;
use tracepoints_codegen::emit::probe_sites::{Backend, expand};

/// The probe-site backend, chosen by the `usdt` feature of `tracepoints`
/// (which enables this crate's `usdt` feature). A crate feature, not a
/// property of the build host.
const BACKEND: Backend = if cfg!(feature = "usdt") {
    Backend::Usdt
} else {
    Backend::Native
};

/// Declares a provider's tracepoints. See the `tracepoints` crate.
#[proc_macro_attribute]
pub fn provider(args: TokenStream, item: TokenStream) -> TokenStream {
    match tracepoints_codegen::parse::parse_attribute(args.into(), item.into(), BACKEND.max_args())
    {
        Ok(declaration) => expand(&declaration, BACKEND).into(),
        Err(error) => error.to_compile_error().into(),
    }
}
