//! The native backend: our own SystemTap v3 probe site on x86-64 and
//! aarch64 Linux.
//!
//! - On x86-64 the probe instruction is a 5-byte nop (`0f 1f 44 00 00`):
//!   kernels with the uprobe nop5 optimization replace it with a `call` to
//!   a trampoline instead of a trap. That call writes below the stack
//!   pointer, so the site moves `rsp` 128 bytes down around it (the red
//!   zone stays intact) and the `asm!` does not claim `nostack`.
//! - On aarch64 it is the 4-byte `nop`; the kernel single-steps the
//!   instruction out of line and writes nothing below `sp`.
//! - Every argument is a register operand (up to 12 fit); the note spells
//!   each with its signed size, like Bitcoin Core's: `size@%reg` on x86-64
//!   (the register of the value's size), `size@xN` on aarch64: always a
//!   64-bit `x` register, the only kind both libbpf's and BCC's aarch64
//!   parsers take (bpftrace uses one or the other, by version), holding
//!   the value sign- or zero-extended to 64 bits so that a reader of the
//!   whole register reads it too.
//! - A `&str` is copied into a bounded stack buffer (max length + NUL), not
//!   the heap, and passed as a pointer value; a `&CStr` and a `&[u8]` pass
//!   the caller's pointer (a fixed-length buffer shorter than its length is
//!   zero-padded on the stack first).
//! - The semaphores of a provider live in one page-aligned static (4 KiB
//!   on x86-64, 64 KiB on aarch64, the largest page its kernels use) in the
//!   `.probes` section: no semaphore shares a file page with RELRO, so a
//!   tracer attached before the program starts raises the counter the
//!   program reads, whatever the linker's layout.

use super::{Backend, Emitter, arg_ident, probe_targets};
use crate::model::{ArgType, Provider, Tracepoint};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// See the module docs.
pub struct Native;

/// One architecture's probe site: its probe instruction and how it passes
/// arguments.
#[derive(Clone, Copy)]
enum Arch {
    X86_64,
    Aarch64,
}

impl Arch {
    /// The `#[cfg]` predicate of this architecture's Linux targets.
    fn target(self) -> TokenStream {
        match self {
            Arch::X86_64 => quote!(all(target_os = "linux", target_arch = "x86_64")),
            Arch::Aarch64 => quote!(all(target_os = "linux", target_arch = "aarch64")),
        }
    }

    /// The probe instruction (local label `990`) and what surrounds it.
    /// On x86-64 a 5-byte nop between the red-zone guard (an optimized
    /// uprobe `call`s from there and so pushes below `rsp`); on aarch64
    /// the 4-byte `nop`.
    fn probe_instruction(self) -> TokenStream {
        match self {
            Arch::X86_64 => quote! {
                "lea -128(%rsp), %rsp",
                "990: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00",
                "lea 128(%rsp), %rsp",
            },
            Arch::Aarch64 => quote!("990: nop",),
        }
    }

    /// The `asm!` options: x86-64 keeps AT&T syntax (the note's operands
    /// are `%reg`) and may not claim `nostack` (the red-zone guard moves
    /// `rsp`). `readonly`: a tracer reads the string buffers through the
    /// argument pointers at the probe instruction.
    fn options(self) -> TokenStream {
        match self {
            Arch::X86_64 => quote!(options(att_syntax, readonly, preserves_flags)),
            Arch::Aarch64 => quote!(options(readonly, nostack, preserves_flags)),
        }
    }

    /// The operand and the note's spec for argument `i`, with the signed
    /// size of [`ArgType::sdt_size`]. x86-64: the value in a register of
    /// its size, `size@%reg`. aarch64: the value widened to 64 bits (sign-
    /// or zero-extended), `size@xN`.
    fn operand(self, i: usize, ident: &Ident, ty: ArgType) -> (TokenStream, String) {
        let size = ty.sdt_size();
        if let ArgType::Str { .. } | ArgType::CStr { .. } | ArgType::Bytes { .. } = ty {
            return (quote!(in(reg) #ident.as_ptr()), format!("{size}@{{{i}}}"));
        }
        match self {
            Arch::X86_64 => {
                // The register name of the operand's size: `%rax`, `%eax`,
                // `%ax`, `%al`.
                let modifier = match ty.size() {
                    4 => ":e",
                    2 => ":x",
                    _ => "",
                };
                let operand = match ty {
                    ArgType::Bool => quote!(in(reg_byte) #ident as u8),
                    ArgType::I8 | ArgType::U8 => quote!(in(reg_byte) #ident),
                    _ => quote!(in(reg) #ident),
                };
                (operand, format!("{size}@{{{i}{modifier}}}"))
            }
            Arch::Aarch64 => {
                let wide = if size < 0 {
                    quote!(#ident as i64)
                } else {
                    quote!(#ident as u64)
                };
                (quote!(in(reg) #wide), format!("{size}@{{{i}}}"))
            }
        }
    }

    /// The probe site of `tracepoint` on this architecture: the probe
    /// instruction, its stapsdt note (the runtime's
    /// `__private::stapsdt_note!`, documented field by field) naming the
    /// semaphore `sema` + 2 × index, and the `_.stapsdt.base` it refers to.
    fn probe_site(self, provider: &Provider, tracepoint: &Tracepoint) -> TokenStream {
        let (operands, specs): (Vec<_>, Vec<_>) = tracepoint
            .args
            .iter()
            .enumerate()
            .map(|(i, arg)| self.operand(i, &arg_ident(&arg.name, arg.span), arg.ty))
            .unzip();
        let semaphore = format!("{{sema}}+{}", 2 * tracepoint.index);
        let (provider, name, args) = (&provider.name, &tracepoint.name, specs.join(" "));
        let instruction = self.probe_instruction();
        let options = self.options();
        let target = self.target();
        quote! {
            #[cfg(#target)]
            // SAFETY: the probe instruction is a nop (x86-64 moves rsp
            // down and back up around it) and the rest is a note.
            unsafe {
                ::core::arch::asm!(
                    #instruction
                    ::tracepoints::__private::stapsdt_note!(
                        pc = "990b",
                        base = "_.stapsdt.base",
                        semaphore = #semaphore,
                        provider = #provider,
                        name = #name,
                        args = #args,
                    ),
                    ::tracepoints::__private::stapsdt_base!(),
                    #(#operands,)*
                    sema = sym super::__SEMAPHORES,
                    #options
                );
            }
        }
    }
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
        for arg in &tracepoint.args {
            if let ArgType::Str { max_len } = arg.ty {
                let ident = arg_ident(&arg.name, arg.span);
                let size = max_len as usize + 1;
                prepare.push(quote! {
                    let #ident = ::tracepoints::__private::StackCStr::<#size>::new(#ident);
                });
            }
        }
        let sites = [Arch::X86_64, Arch::Aarch64].map(|arch| arch.probe_site(provider, tracepoint));
        quote! {
            #[cfg(#targets)]
            {
                #(#prepare)*
                #(#sites)*
            }
        }
    }
}
