//! The Rust expansion of a provider module: one submodule per tracepoint
//! with `NAME`, `ARG_NAMES`, `is_enabled()` and the typed probe site
//! (`__fire`) that `tracepoints::fire!` calls when a tracer is attached.
//!
//! Each tracepoint has exactly one probe site, inside a never-inlined
//! function, so tracers list one probe per tracepoint. Two backends emit it:
//! [`native`] (our own stapsdt note, the default) and [`usdt`] (the `usdt`
//! crate, for DTrace platforms and as the baseline).

pub mod fallback;
pub mod native;
pub mod usdt;

use crate::abi::note::Note;
use crate::model::{ArgType, BytesLen, Limits, Provider, Tracepoint};
use crate::syntax::ast::ModuleItem;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

/// Which probe-site emitter the expansion uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Our own stapsdt v3 note (`asm!`) on x86-64 and aarch64 Linux: a
    /// 5-byte nop with the red zone kept safe (x86-64) or a 4-byte `nop`
    /// (aarch64), page-aligned semaphores, up to 12 arguments, no
    /// allocation. Probe sites are empty on other targets.
    Native,
    /// The `usdt` crate (feature `usdt` of `tracepoints`): at most 6
    /// arguments, a heap copy of each string per enabled fire.
    Usdt,
}

impl Backend {
    /// What this backend's probe sites can carry.
    pub fn limits(self) -> &'static Limits {
        match self {
            Backend::Native => &Limits::NATIVE,
            Backend::Usdt => &Limits::USDT,
        }
    }
}

/// What a backend emits: items at the top of the provider module, and the
/// body of each tracepoint's `is_enabled` and `__fire`.
trait Emitter {
    fn backend(&self) -> Backend;
    fn provider_items(&self, provider: &Provider) -> TokenStream;
    /// An expression of type `*const u16`: the tracepoint's semaphore.
    fn semaphore(&self, provider: &Provider, tracepoint: &Tracepoint) -> TokenStream;
    fn fire(&self, provider: &Provider, tracepoint: &Tracepoint) -> TokenStream;
}

/// The expansion of a checked `#[tracepoints::provider]` module: `item` is
/// what the user's module keeps, `provider` its model.
pub fn expand(item: &ModuleItem, provider: &Provider, backend: Backend) -> TokenStream {
    let emitter: &dyn Emitter = match backend {
        Backend::Native => &native::Native,
        Backend::Usdt => &usdt::Usdt,
    };
    let ModuleItem { attrs, vis, ident } = item;
    let doc = module_doc(provider);
    let items = emitter.provider_items(provider);
    let tracepoints = provider
        .tracepoints
        .iter()
        .map(|t| tracepoint_module(emitter, provider, t));
    quote! {
        #(#attrs)*
        #[doc = #doc]
        #vis mod #ident {
            #items
            #(#tracepoints)*
        }
    }
}

fn module_doc(provider: &Provider) -> String {
    let mut doc = provider.doc.text().to_string();
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(&format!(
        "Tracepoints of the USDT provider `{}`. Fire one with `tracepoints::fire!(module::tracepoint(args...))`.",
        provider.name
    ));
    doc
}

/// The type of an argument in the firing function.
pub(crate) fn rust_type(ty: ArgType, span: Span) -> TokenStream {
    match ty {
        ArgType::I8 => quote_spanned!(span=> i8),
        ArgType::I16 => quote_spanned!(span=> i16),
        ArgType::I32 => quote_spanned!(span=> i32),
        ArgType::I64 => quote_spanned!(span=> i64),
        ArgType::U8 => quote_spanned!(span=> u8),
        ArgType::U16 => quote_spanned!(span=> u16),
        ArgType::U32 => quote_spanned!(span=> u32),
        ArgType::U64 => quote_spanned!(span=> u64),
        ArgType::Bool => quote_spanned!(span=> bool),
        ArgType::Str { .. } => quote_spanned!(span=> &str),
        ArgType::CStr { .. } => quote_spanned!(span=> &::core::ffi::CStr),
        ArgType::Bytes { .. } => quote_spanned!(span=> &[u8]),
    }
}

/// The statements that turn the arguments into what the probe passes,
/// shared by both backends: a buffer of fixed length becomes a pointer to
/// exactly `len` readable bytes (the slice itself, or a zero-padded stack
/// copy when it is shorter); the argument holding a buffer's length is
/// lowered to the slice's length when it says more.
fn prepare_buffers(tracepoint: &Tracepoint) -> TokenStream {
    let mut prepare = TokenStream::new();
    for arg in &tracepoint.args {
        let ident = arg_ident(&arg.name, arg.span);
        match arg.ty {
            ArgType::Bytes {
                len: BytesLen::Fixed(len),
                ..
            } => {
                let len = len as usize;
                prepare.extend(quote! {
                    let #ident = ::tracepoints::__private::StackBytes::<#len>::new(#ident);
                });
            }
            ArgType::Bytes {
                len: BytesLen::Arg { index, .. },
                ..
            } => {
                let length = &tracepoint.args[index];
                let length = arg_ident(&length.name, length.span);
                prepare.extend(quote! {
                    let #length = ::tracepoints::__private::LengthArg::at_most(#length, #ident.len());
                });
            }
            _ => {}
        }
    }
    prepare
}

/// The identifier of an argument inside `__fire`.
fn arg_ident(name: &str, span: Span) -> Ident {
    Ident::new(name, span)
}

/// `#[cfg]` predicate of the targets where probe sites are real.
fn probe_targets(backend: Backend) -> TokenStream {
    match backend {
        Backend::Native => quote!(all(
            target_os = "linux",
            any(target_arch = "x86_64", target_arch = "aarch64")
        )),
        Backend::Usdt => quote!(all(
            target_os = "linux",
            any(target_arch = "x86_64", target_arch = "aarch64")
        )),
    }
}

/// `is_enabled()` and the `__semaphore()` it reads, on the probe targets.
fn semaphore_items(targets: &TokenStream, semaphore: TokenStream) -> TokenStream {
    quote! {
    /// Whether a tracer is attached to this tracepoint (its USDT
    /// semaphore is raised). Costs one memory load.
    #[inline(always)]
    pub fn is_enabled() -> bool {
        #[cfg(#targets)]
        {
            // SAFETY: the semaphore is a 2-byte counter that lives as
            // long as the program, raised by the kernel.
            unsafe { __semaphore().read_volatile() != 0 }
        }
        #[cfg(not(#targets))]
        {
            false
        }
    }

    /// The USDT semaphore (reference counter) of this tracepoint.
    #[doc(hidden)]
    #[cfg(#targets)]
    #[inline(always)]
    pub fn __semaphore() -> *const u16 {
        #semaphore
    }
    }
}

fn tracepoint_module(
    emitter: &dyn Emitter,
    provider: &Provider,
    tracepoint: &Tracepoint,
) -> TokenStream {
    let name = Ident::new(&tracepoint.name, tracepoint.span);
    let probe_name = tracepoint.probe_name(provider);
    let doc = tracepoint_doc(provider, tracepoint);
    let params = tracepoint.args.iter().map(|a| {
        let ident = arg_ident(&a.name, a.span);
        let ty = rust_type(a.ty, a.span);
        quote!(#ident: #ty)
    });
    let param_types: Vec<_> = tracepoint
        .args
        .iter()
        .map(|a| rust_type(a.ty, a.span))
        .collect();
    let arg_names = tracepoint.args.iter().map(|a| &a.name);
    let targets = probe_targets(emitter.backend());
    let semaphore_items = semaphore_items(&targets, emitter.semaphore(provider, tracepoint));
    let fire = emitter.fire(provider, tracepoint);
    let note = Note::of(provider, tracepoint, provider.embed_docs).assembly();
    quote! {
        #[doc = #doc]
        pub mod #name {
            /// The probe's full name, `provider:tracepoint`.
            pub const NAME: &str = #probe_name;

            /// The argument names in probe order (`arg0`, `arg1`, ...).
            pub const ARG_NAMES: &[&str] = &[#(#arg_names),*];

            #semaphore_items

            /// The probe site. Call it through `tracepoints::fire!`, which
            /// evaluates the arguments only when [`is_enabled`] is true.
            #[doc(hidden)]
            #[inline(never)]
            #[cold]
            #[cfg_attr(#targets, unsafe(link_section = ".text.tracepoints"))]
            #[allow(unused_variables, clippy::too_many_arguments)]
            pub fn __fire(#(#params),*) {
                #fire
            }

            // Aligns this object's `.text.tracepoints` (where `__fire` is)
            // to a page (4 KiB on x86-64, 64 KiB on aarch64, the largest
            // page its kernels use): no probe shares a file page with
            // another segment.
            #[cfg(all(#targets, target_arch = "x86_64"))]
            ::core::arch::global_asm!(
                ".pushsection .text.tracepoints,\"ax\",%progbits",
                ".p2align 12",
                ".popsection",
            );
            #[cfg(all(#targets, target_arch = "aarch64"))]
            ::core::arch::global_asm!(
                ".pushsection .text.tracepoints,\"ax\",%progbits",
                ".p2align 16",
                ".popsection",
            );

            // This tracepoint's ABI (`tracepoints_codegen::abi::note`), for
            // tracers given only the binary.
            #[cfg(#targets)]
            ::core::arch::global_asm!(#note);

            // Keeps the probe site (and the semaphore it names) in the
            // binary even where the tracepoint is never fired.
            #[used]
            static __KEEP: fn(#(#param_types),*) = __fire;
        }
    }
}

/// The rustdoc of a tracepoint's module: its doc, the argument list as
/// `tracing.md` shows it (types and lengths included), the text after the
/// list, and the definitions of the footnotes it refers to.
fn tracepoint_doc(provider: &Provider, tracepoint: &Tracepoint) -> String {
    use crate::emit::docs;
    let mut doc = format!(
        "`{}`: {}\n\n# Arguments\n\n",
        tracepoint.probe_name(provider),
        tracepoint.doc
    );
    doc.push_str(&docs::arg_list(tracepoint, true).unwrap_or_else(|| "None.".to_string()));
    if !tracepoint.doc_after.is_empty() {
        doc.push_str("\n\n");
        doc.push_str(&tracepoint.doc_after);
    }
    for footnote in docs::footnotes_of(provider, tracepoint) {
        doc.push_str("\n\n");
        doc.push_str(&footnote);
    }
    doc
}
