//! The syntax tree of a declaration, as [`crate::parse`] reads it: what the
//! user wrote, with the tokens each rule of [`crate::check`] points at. It
//! holds whatever parsed, valid or not; the checks decide what is valid and
//! lower it into the [`crate::model`].

use proc_macro2::Span;

/// A `#[tracepoints::provider] mod name { ... }` declaration.
pub struct Provider {
    /// What the Rust expansion keeps of the user's module.
    pub item: ModuleItem,
    /// The module's doc comment (may be empty).
    pub doc: String,
    /// The braces of an inline module; `None` for `mod name;`.
    pub body: Option<Span>,
    /// How many items the module holds, tracepoints or not.
    pub item_count: usize,
    /// The tracepoint declarations that parsed, in source order.
    pub tracepoints: Vec<Tracepoint>,
}

/// The parts of the user's module that its expansion keeps.
pub struct ModuleItem {
    /// The module's attributes other than its doc comment and the
    /// `#[provider]` attribute.
    pub attrs: Vec<syn::Attribute>,
    /// The module's visibility.
    pub vis: syn::Visibility,
    /// The module's name: the provider's name.
    pub ident: syn::Ident,
}

/// One `fn name(args);` of a provider module.
pub struct Tracepoint {
    /// The tracepoint's name.
    pub ident: syn::Ident,
    /// Its doc comment (empty when missing).
    pub doc: String,
    /// `#[log("...")]`, if given.
    pub log: Option<syn::LitStr>,
    /// The arguments that parsed, in order.
    pub args: Vec<Arg>,
    /// How many arguments were written, including any that did not parse.
    pub arity: usize,
}

/// One `/// doc  #[attr] name: Type` argument.
pub struct Arg {
    /// The argument's name.
    pub ident: syn::Ident,
    /// Its doc comment (empty when missing).
    pub doc: String,
    /// Its type as written.
    pub ty: syn::Type,
    /// `#[max_len(N)]` or `#[len(N)]`, if given.
    pub length: Option<Length>,
}

/// A length attribute on an argument.
pub struct Length {
    /// Which attribute it is.
    pub kind: LengthKind,
    /// The number written; `None` when it was not a number (already
    /// reported by the parser).
    pub value: Option<u64>,
    /// The number's span (or the attribute's when it is not a number).
    pub value_span: Span,
    /// The whole attribute, for errors about it.
    pub attr: syn::Attribute,
}

/// `#[max_len(N)]` or `#[len(N)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthKind {
    /// `#[max_len(N)]`: the most bytes of a `&str` readers keep.
    MaxLen,
    /// `#[len(N)]`: the exact number of bytes of a `&[u8]` readers copy.
    Len,
}

impl LengthKind {
    /// The attribute's name.
    pub fn attr_name(self) -> &'static str {
        match self {
            LengthKind::MaxLen => "max_len",
            LengthKind::Len => "len",
        }
    }

    /// An example of the attribute, for error messages.
    pub fn example(self) -> &'static str {
        match self {
            LengthKind::MaxLen => "#[max_len(68)]",
            LengthKind::Len => "#[len(32)]",
        }
    }
}
