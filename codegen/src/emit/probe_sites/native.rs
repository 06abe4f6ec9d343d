//! The native backend: our own SystemTap v3 probe site on x86-64 Linux.
//!
//! - The probe instruction is a 5-byte nop (`0f 1f 44 00 00`): kernels with
//!   the uprobe nop5 optimization replace it with a `call` to a trampoline
//!   instead of a trap. That call writes below the stack pointer, so the
//!   site moves `rsp` 128 bytes down around it (the red zone stays intact)
//!   and the `asm!` does not claim `nostack`.
//! - Every argument is a register operand (up to 12 fit); the note spells
//!   each as `size@%reg` with its signed size, like Bitcoin Core's.
//! - A `&str` is copied into a bounded stack buffer (max length + NUL), not
//!   the heap, and passed as a pointer value.
//! - The semaphores of a provider live in one page-aligned static in the
//!   `.probes` section: no semaphore shares a file page with RELRO, so a
//!   tracer attached before the program starts raises the counter the
//!   program reads, whatever the linker's layout.

use super::{Backend, Emitter, arg_ident, probe_targets};
use crate::model::{ArgType, Provider, Tracepoint};
use proc_macro2::TokenStream;
use quote::quote;

/// See the module docs.
pub struct Native;

fn index_of(provider: &Provider, tracepoint: &Tracepoint) -> usize {
    provider
        .tracepoints
        .iter()
        .position(|t| t.name == tracepoint.name)
        .expect("declared tracepoint")
}

impl Emitter for Native {
    fn provider_items(&self, provider: &Provider) -> TokenStream {
        let count = provider.tracepoints.len();
        let targets = probe_targets(Backend::Native);
        quote! {
            /// The USDT semaphores of this provider, one per tracepoint in
            /// declaration order, raised by the kernel while tracers are
            /// attached.
            #[cfg(#targets)]
            #[used]
            #[unsafe(link_section = ".probes")]
            static __SEMAPHORES: ::tracepoints::__private::Semaphores<#count> =
                ::tracepoints::__private::Semaphores::new();
        }
    }

    fn backend(&self) -> Backend {
        Backend::Native
    }

    fn semaphore(&self, provider: &Provider, tracepoint: &Tracepoint) -> TokenStream {
        let index = index_of(provider, tracepoint);
        quote!(super::__SEMAPHORES.get(#index))
    }

    fn fire(&self, provider: &Provider, tracepoint: &Tracepoint) -> TokenStream {
        let targets = probe_targets(Backend::Native);
        let mut prepare = Vec::new();
        let mut operands = Vec::new();
        let mut specs = Vec::new();
        for (i, arg) in tracepoint.args.iter().enumerate() {
            let ident = arg_ident(&arg.name, arg.span);
            let sign = if arg.ty.is_signed() { "-" } else { "" };
            let (operand, spec) = match arg.ty {
                ArgType::Str { max_len } => {
                    let size = max_len as usize + 1;
                    prepare.push(quote! {
                        let #ident = ::tracepoints::__private::StackCStr::<#size>::new(#ident);
                    });
                    (quote!(in(reg) #ident.as_ptr()), format!("8@{{{i}}}"))
                }
                ArgType::Bytes { .. } => {
                    prepare.extend(super::bytes_prepare(arg));
                    (quote!(in(reg) #ident.as_ptr()), format!("8@{{{i}}}"))
                }
                ArgType::I64 | ArgType::U64 => (quote!(in(reg) #ident), format!("{sign}8@{{{i}}}")),
                ArgType::I32 | ArgType::U32 => {
                    (quote!(in(reg) #ident), format!("{sign}4@{{{i}:e}}"))
                }
                ArgType::I16 | ArgType::U16 => {
                    (quote!(in(reg) #ident), format!("{sign}2@{{{i}:x}}"))
                }
                ArgType::I8 | ArgType::U8 => {
                    (quote!(in(reg_byte) #ident), format!("{sign}1@{{{i}}}"))
                }
                ArgType::Bool => (quote!(in(reg_byte) #ident as u8), format!("1@{{{i}}}")),
            };
            operands.push(operand);
            specs.push(spec);
        }
        let semaphore = format!(".8byte {{sema}}+{}", 2 * index_of(provider, tracepoint));
        let names = format!(
            ".asciz \"{}\"\n.asciz \"{}\"",
            provider.name, tracepoint.name
        );
        let args = format!(".asciz \"{}\"", specs.join(" "));
        quote! {
            #[cfg(#targets)]
            {
                #(#prepare)*
                // SAFETY: the asm moves rsp down and back up around a nop
                // and records a note. `readonly`: a tracer reads the string
                // buffers through the argument pointers at the nop.
                unsafe {
                    ::core::arch::asm!(
                        "lea -128(%rsp), %rsp",
                        "990: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00",
                        "lea 128(%rsp), %rsp",
                        ".pushsection .note.stapsdt, \"\", \"note\"",
                        ".balign 4",
                        ".4byte 992f-991f, 994f-993f, 3",
                        "991: .asciz \"stapsdt\"",
                        "992: .balign 4",
                        "993: .8byte 990b",
                        ".8byte _.stapsdt.base",
                        #semaphore,
                        #names,
                        #args,
                        "994: .balign 4",
                        ".popsection",
                        ".ifndef _.stapsdt.base",
                        ".pushsection .stapsdt.base, \"aGR\", \"progbits\", .stapsdt.base, comdat",
                        ".weak _.stapsdt.base",
                        ".hidden _.stapsdt.base",
                        "_.stapsdt.base: .space 1",
                        ".size _.stapsdt.base, 1",
                        ".popsection",
                        ".endif",
                        #(#operands,)*
                        sema = sym super::__SEMAPHORES,
                        options(att_syntax, readonly, preserves_flags)
                    );
                }
            }
        }
    }
}
