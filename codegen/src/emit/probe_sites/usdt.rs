//! The `usdt` crate backend: declares the probes in a hidden module for the
//! crate's `#[provider]` attribute and calls its probe macros. Reached
//! through `::tracepoints::__private::usdt` (feature `usdt`).

use super::{Backend, Emitter, probe_targets};
use crate::model::{ArgType, Provider, Tracepoint};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// See the module docs.
pub struct Usdt;

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
        // A pointer value: the `usdt` crate would serialize a slice as JSON.
        ArgType::Bytes { .. } | ArgType::CStr { .. } => quote!(u64),
    }
}

impl Emitter for Usdt {
    fn provider_items(&self, provider: &Provider) -> TokenStream {
        let provider_name = &provider.name;
        let decls = provider.tracepoints.iter().map(|t| {
            let name = Ident::new(&t.name, t.span);
            let types = t.args.iter().map(|a| usdt_type(a.ty));
            quote! { fn #name(#(_: #types),*) {} }
        });
        let targets = probe_targets(Backend::Usdt);
        quote! {
            #[doc(hidden)]
            #[allow(unused_macros, unused_imports, dead_code)]
            #[::tracepoints::__private::usdt::provider(provider = #provider_name)]
            mod __usdt {
                #(#decls)*
            }

            /// A page-aligned block in `.probes`, where the `usdt` crate puts
            /// its (unaligned) semaphores: it aligns the whole output section
            /// to a page, so no semaphore shares a file page with RELRO.
            #[cfg(#targets)]
            #[used]
            #[unsafe(link_section = ".probes")]
            static __PROBES_PAGE: ::tracepoints::__private::Semaphores<1> =
                ::tracepoints::__private::Semaphores::new();
        }
    }

    fn backend(&self) -> Backend {
        Backend::Usdt
    }

    fn semaphore(&self, provider: &Provider, tracepoint: &Tracepoint) -> TokenStream {
        let sema = format_ident!("__usdt_sema_{}_{}", provider.name, tracepoint.name);
        quote! {{
            // Defined (weak, hidden) by the `usdt` probe site's assembly.
            unsafe extern "C" {
                static #sema: u16;
            }
            &raw const #sema
        }}
    }

    fn fire(&self, _provider: &Provider, tracepoint: &Tracepoint) -> TokenStream {
        let name = Ident::new(&tracepoint.name, tracepoint.span);
        let values: Vec<TokenStream> = tracepoint
            .args
            .iter()
            .map(|a| {
                let ident = super::arg_ident(&a.name, a.span);
                match a.ty {
                    ArgType::Bool => quote!(#ident as u8),
                    ArgType::Bytes { .. } | ArgType::CStr { .. } => {
                        quote!(#ident.as_ptr() as u64)
                    }
                    _ => quote!(#ident),
                }
            })
            .collect();
        // The `usdt` macros take a closure returning the value itself for
        // one argument and a tuple otherwise.
        let value = match values.as_slice() {
            [single] => single.clone(),
            values => quote!((#(#values),*)),
        };
        let prepare = super::prepare_buffers(tracepoint);
        let targets = probe_targets(Backend::Usdt);
        quote! {
            // Referenced here so that the linker keeps the aligned block.
            #[cfg(#targets)]
            ::core::hint::black_box(&super::__PROBES_PAGE);
            #prepare
            super::__usdt::#name!(|| #value);
        }
    }
}
