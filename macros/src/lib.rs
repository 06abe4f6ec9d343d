//! The proc-macro behind `#[tracepoints::provider]`. Depend on `tracepoints`,
//! which re-exports it; this crate only connects the compiler to
//! `tracepoints-codegen`.

use proc_macro::TokenStream;

/// Declares a provider's tracepoints. See the `tracepoints` crate.
#[proc_macro_attribute]
pub fn provider(args: TokenStream, item: TokenStream) -> TokenStream {
    match tracepoints_codegen::parse::parse_attribute(args.into(), item.into()) {
        Ok(declaration) => tracepoints_codegen::emit::probe_sites::expand(&declaration).into(),
        Err(error) => error.to_compile_error().into(),
    }
}
