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
//!   the heap, and passed as a pointer value; a `&CStr` and a `&[u8]` pass
//!   the caller's pointer (a fixed-length buffer shorter than its length is
//!   zero-padded on the stack first).
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

/// The probe site's assembly: the probe instruction (local label `990`),
/// a 5-byte nop, between the red-zone guard (an optimized uprobe `call`s
/// from there and so pushes below `rsp`), then its stapsdt note and the
/// `_.stapsdt.base` it refers to. The note's template, documented field by
/// field, is the runtime's `__private::stapsdt_note!`; `semaphore` is the
/// semaphore's address (an operand expression), `args` the argument specs
/// (`-8@%rdi 8@%rsi ...`).
fn probe_site_asm(semaphore: &str, provider: &str, name: &str, args: &str) -> TokenStream {
    quote! {
        "lea -128(%rsp), %rsp",
        "990: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00",
        "lea 128(%rsp), %rsp",
        ::tracepoints::__private::stapsdt_note!(
            pc = "990b",
            base = "_.stapsdt.base",
            semaphore = #semaphore,
            provider = #provider,
            name = #name,
            args = #args,
        ),
        ::tracepoints::__private::stapsdt_base!(),
    }
}

/// The operand and the note's spec for argument `i`: the value in a
/// register of its size, `size@%reg` with the signed size of
/// [`ArgType::sdt_size`].
fn operand(i: usize, ident: &proc_macro2::Ident, ty: ArgType) -> (TokenStream, String) {
    let size = ty.sdt_size();
    // The register name of the operand's size: `%rax`, `%eax`, `%ax`, `%al`.
    let modifier = match ty.size() {
        4 => ":e",
        2 => ":x",
        _ => "",
    };
    let operand = match ty {
        ArgType::Str { .. } | ArgType::CStr { .. } | ArgType::Bytes { .. } => {
            quote!(in(reg) #ident.as_ptr())
        }
        ArgType::Bool => quote!(in(reg_byte) #ident as u8),
        ArgType::I8 | ArgType::U8 => quote!(in(reg_byte) #ident),
        _ => quote!(in(reg) #ident),
    };
    (operand, format!("{size}@{{{i}{modifier}}}"))
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

    fn semaphore(&self, _provider: &Provider, tracepoint: &Tracepoint) -> TokenStream {
        let index = tracepoint.index;
        quote!(super::__SEMAPHORES.get(#index))
    }

    fn fire(&self, provider: &Provider, tracepoint: &Tracepoint) -> TokenStream {
        let targets = probe_targets(Backend::Native);
        let mut prepare = vec![super::prepare_buffers(tracepoint)];
        let mut operands = Vec::new();
        let mut specs = Vec::new();
        for (i, arg) in tracepoint.args.iter().enumerate() {
            let ident = arg_ident(&arg.name, arg.span);
            if let ArgType::Str { max_len } = arg.ty {
                let size = max_len as usize + 1;
                prepare.push(quote! {
                    let #ident = ::tracepoints::__private::StackCStr::<#size>::new(#ident);
                });
            }
            let (operand, spec) = operand(i, &ident, arg.ty);
            operands.push(operand);
            specs.push(spec);
        }
        // Each semaphore is a u16 in the provider's array.
        let semaphore = format!("{{sema}}+{}", 2 * tracepoint.index);
        let template = probe_site_asm(
            &semaphore,
            &provider.name,
            &tracepoint.name,
            &specs.join(" "),
        );
        quote! {
            #[cfg(#targets)]
            {
                #(#prepare)*
                // SAFETY: the asm moves rsp down and back up around a nop
                // and records a note. `readonly`: a tracer reads the string
                // buffers through the argument pointers at the nop.
                unsafe {
                    ::core::arch::asm!(
                        #template
                        #(#operands,)*
                        sema = sym super::__SEMAPHORES,
                        options(att_syntax, readonly, preserves_flags)
                    );
                }
            }
        }
    }
}
