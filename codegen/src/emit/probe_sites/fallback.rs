//! The expansion of a declaration with errors: the user's module with an
//! inert stub per tracepoint that parsed (thiserror's `fallback.rs` idea).
//! Every `fire!` of it still resolves and type-checks, so the user sees the
//! declaration's errors and not a second one at each call site.

use super::rust_type;
use crate::syntax::ast;
use crate::syntax::types::{TypeShape, type_shape};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// The stub module for `provider`, emitted beside its `compile_error!`s.
pub fn expand(provider: &ast::Provider) -> TokenStream {
    let ast::ModuleItem { attrs, vis, ident } = &provider.item;
    let mut seen = Vec::new();
    let stubs = provider.tracepoints.iter().filter_map(|tracepoint| {
        // A duplicate is already an error; a second module would be another.
        let name = tracepoint.ident.to_string();
        if seen.contains(&name) {
            return None;
        }
        seen.push(name);
        Some(stub(provider, tracepoint))
    });
    quote! {
        #(#attrs)*
        #[allow(dead_code, non_snake_case)]
        #vis mod #ident {
            #(#stubs)*
        }
    }
}

/// A tracepoint module with the declared signature, never enabled.
fn stub(provider: &ast::Provider, tracepoint: &ast::Tracepoint) -> TokenStream {
    let name = &tracepoint.ident;
    let probe_name = format!("{}:{}", provider.item.ident, name);
    let complete = tracepoint.args.len() == tracepoint.arity;
    let params: Vec<TokenStream> = if complete {
        tracepoint.args.iter().map(param_type).collect()
    } else {
        // Which written argument failed is unknown here: accept anything.
        (0..tracepoint.arity).map(|_| quote!(impl Sized)).collect()
    };
    let arg_names = tracepoint.args.iter().map(|a| a.ident.to_string());
    quote! {
        pub mod #name {
            pub const NAME: &str = #probe_name;
            pub const ARG_NAMES: &[&str] = &[#(#arg_names),*];
            pub fn is_enabled() -> bool {
                false
            }
            #[doc(hidden)]
            #[allow(clippy::too_many_arguments)]
            pub fn __fire(#(_: #params),*) {}
        }
    }
}

/// The declared type where it is supported, else any type.
fn param_type(arg: &ast::Arg) -> TokenStream {
    let span = arg.ident.span();
    match type_shape(&arg.ty) {
        Ok(TypeShape::Scalar(ty)) => rust_type(ty, span),
        Ok(TypeShape::Str) => quote_spanned!(span=> &str),
        Ok(TypeShape::CStr) => quote_spanned!(span=> &::core::ffi::CStr),
        Ok(TypeShape::Bytes) => quote_spanned!(span=> &[u8]),
        Err(_) => quote!(impl Sized),
    }
}
