//! The proc-macro behind `#[tracepoints::provider]`. Depend on `tracepoints`,
//! which re-exports it; this crate only connects the compiler to
//! `tracepoints-codegen`'s passes: parse, check, expand.

#![warn(missing_docs)]

use proc_macro::TokenStream;
use tracepoints_codegen::check;
use tracepoints_codegen::emit::probe_sites::{Backend, expand, fallback};
use tracepoints_codegen::errors::Errors;
use tracepoints_codegen::syntax::parse;

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
    let mut errors = Errors::default();
    let Some(declared) = parse::attribute(args.into(), item.into(), &mut errors) else {
        return errors.into_compile_error().into();
    };
    let provider = check::provider(&declared, BACKEND.limits(), &mut errors);
    if errors.is_empty() {
        expand(&declared.item, &provider, BACKEND).into()
    } else {
        // The errors, and stubs so that calls of the module do not add more.
        let mut tokens = fallback::expand(&declared);
        tokens.extend(errors.into_compile_error());
        tokens.into()
    }
}
