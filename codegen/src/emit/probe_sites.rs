//! The Rust expansion of a provider module: one submodule per tracepoint
//! with `is_enabled()` and the typed probe site that `tracepoints::fire!`
//! calls.
//!
//! Backend: the `usdt` crate's stapsdt v3 emitter, reached through
//! `::tracepoints::__private::usdt`. Each tracepoint has exactly one probe
//! site (inside a never-inlined function), so tracers list one probe per
//! tracepoint.

use crate::model::{ArgType, Provider, Tracepoint};
use crate::parse::Declaration;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

/// The expansion of a parsed `#[tracepoints::provider]` module.
pub fn expand(declaration: &Declaration) -> TokenStream {
    let Declaration {
        provider,
        attrs,
        vis,
        ident,
    } = declaration;
    let provider_name = &provider.name;
    let doc = module_doc(provider);
    let usdt_decls = provider.tracepoints.iter().map(usdt_declaration);
    let tracepoints = provider
        .tracepoints
        .iter()
        .map(|t| tracepoint_module(provider, t));
    quote! {
        #(#attrs)*
        #[doc = #doc]
        #vis mod #ident {
            #[doc(hidden)]
            #[allow(unused_macros, unused_imports, dead_code)]
            #[::tracepoints::__private::usdt::provider(provider = #provider_name)]
            mod __usdt {
                #(#usdt_decls)*
            }
            #(#tracepoints)*
        }
    }
}

fn module_doc(provider: &Provider) -> String {
    let mut doc = provider.doc.clone();
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(&format!(
        "Tracepoints of the USDT provider `{}`. Fire one with `tracepoints::fire!(module::tracepoint(args...))`.",
        provider.name
    ));
    doc
}

/// The type the `usdt` crate sees for an argument (it has no `bool`).
fn usdt_type(ty: ArgType) -> TokenStream {
    match ty {
        ArgType::I8 => quote!(i8),
        ArgType::I16 => quote!(i16),
        ArgType::I32 => quote!(i32),
        ArgType::I64 => quote!(i64),
        ArgType::U8 | ArgType::Bool => quote!(u8),
        ArgType::U16 => quote!(u16),
        ArgType::U32 => quote!(u32),
        ArgType::U64 => quote!(u64),
        ArgType::Str { .. } => quote!(&str),
    }
}

/// The type of the argument in the firing function.
fn rust_type(ty: ArgType, span: Span) -> TokenStream {
    match ty {
        ArgType::Str { .. } => quote_spanned!(span=> &str),
        ArgType::Bool => quote_spanned!(span=> bool),
        other => usdt_type(other),
    }
}

fn usdt_declaration(tracepoint: &Tracepoint) -> TokenStream {
    let name = Ident::new(&tracepoint.name, tracepoint.span);
    let types = tracepoint.args.iter().map(|a| usdt_type(a.ty));
    quote! { fn #name(#(_: #types),*) {} }
}

fn tracepoint_module(provider: &Provider, tracepoint: &Tracepoint) -> TokenStream {
    let name = Ident::new(&tracepoint.name, tracepoint.span);
    let probe_name = tracepoint.probe_name(provider);
    let doc = tracepoint_doc(provider, tracepoint);
    let sema = format_ident!("__usdt_sema_{}_{}", provider.name, tracepoint.name);
    let params = tracepoint.args.iter().map(|a| {
        let ident = Ident::new(&a.name, a.span);
        let ty = rust_type(a.ty, a.span);
        quote!(#ident: #ty)
    });
    let param_types: Vec<_> = tracepoint
        .args
        .iter()
        .map(|a| rust_type(a.ty, a.span))
        .collect();
    let values: Vec<TokenStream> = tracepoint
        .args
        .iter()
        .map(|a| {
            let ident = Ident::new(&a.name, a.span);
            match a.ty {
                ArgType::Bool => quote!(#ident as u8),
                _ => quote!(#ident),
            }
        })
        .collect();
    // The `usdt` macros take a closure returning the value itself for one
    // argument and a tuple otherwise.
    let closure_value = match values.as_slice() {
        [single] => single.clone(),
        values => quote!((#(#values),*)),
    };
    let arg_names = tracepoint.args.iter().map(|a| &a.name);
    let linux = quote!(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ));
    quote! {
        #[doc = #doc]
        pub mod #name {
            /// The probe's full name, `provider:tracepoint`.
            pub const NAME: &str = #probe_name;

            /// The argument names in probe order (`arg0`, `arg1`, ...).
            pub const ARG_NAMES: &[&str] = &[#(#arg_names),*];

            /// Whether a tracer is attached to this tracepoint (its USDT
            /// semaphore is raised). Costs one memory load.
            #[inline(always)]
            pub fn is_enabled() -> bool {
                #[cfg(#linux)]
                {
                    unsafe extern "C" {
                        static #sema: u16;
                    }
                    // SAFETY: the semaphore is a 2-byte counter defined by the
                    // probe site's assembly and raised by the kernel.
                    unsafe { (&raw const #sema).read_volatile() != 0 }
                }
                #[cfg(not(#linux))]
                {
                    false
                }
            }

            /// The probe site. Call it through `tracepoints::fire!`, which
            /// evaluates the arguments only when [`is_enabled`] is true.
            #[doc(hidden)]
            #[inline(never)]
            #[cold]
            pub fn __fire(#(#params),*) {
                super::__usdt::#name!(|| #closure_value);
            }

            // Keeps the probe site (and the semaphore it defines) in the
            // binary even where the tracepoint is never fired.
            #[used]
            static __KEEP: fn(#(#param_types),*) = __fire;
        }
    }
}

fn tracepoint_doc(provider: &Provider, tracepoint: &Tracepoint) -> String {
    let mut doc = format!(
        "`{}`: {}\n\n# Arguments\n",
        tracepoint.probe_name(provider),
        tracepoint.doc
    );
    for (i, arg) in tracepoint.args.iter().enumerate() {
        let max = arg
            .ty
            .max_len()
            .map(|n| format!(", max. {n} characters"))
            .unwrap_or_default();
        doc.push_str(&format!(
            "\n{}. `{}: {}` ({}{}): {}",
            i + 1,
            arg.name,
            arg.ty.rust(),
            arg.ty.doc_name(),
            max,
            arg.doc.replace('\n', " ")
        ));
    }
    if tracepoint.args.is_empty() {
        doc.push_str("\nNone.");
    }
    doc
}
