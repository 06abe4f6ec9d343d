//! The syntax tree of a declaration, as [`crate::syntax::parse`] reads it: what the
//! user wrote, with the tokens each rule of [`crate::check`] points at. It
//! holds whatever parsed, valid or not; the checks decide what is valid and
//! lower it into the [`crate::model`].

use proc_macro2::Span;

/// A `#[tracepoints::provider] mod name { ... }` declaration.
pub struct Provider {
    /// What the Rust expansion keeps of the user's module.
    pub item: ModuleItem,
    /// The module's doc comment (may be empty).
    pub doc: crate::model::doc::Doc,
    /// The braces of an inline module; `None` for `mod name;`.
    pub body: Option<Span>,
    /// How many items the module holds, tracepoints or not.
    pub item_count: usize,
    /// The tracepoint declarations that parsed, in source order.
    pub tracepoints: Vec<Tracepoint>,
    /// Whether the ABI the binary carries keeps the docs
    /// (`#[tracepoints::provider(embed_docs = false)]` leaves them out).
    pub embed_docs: bool,
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
    pub doc: crate::model::doc::Doc,
    /// `#[log("...")]`, if given.
    pub log: Option<syn::LitStr>,
    /// The text of its `#[doc_after = "..."]` lines (empty when none).
    pub doc_after: crate::model::doc::Doc,
    /// The arguments that parsed, in order.
    pub args: Vec<Arg>,
    /// How many arguments were written, including any that did not parse.
    pub arity: usize,
}

/// One `/// doc  #[attr] name: Type` argument.
pub struct Arg {
    /// The argument's name.
    pub ident: syn::Ident,
    /// Its type as written.
    pub ty: syn::Type,
    /// Its doc comment and attributes.
    pub attrs: ArgAttrs,
}

/// What is written above an argument: its doc comment and attributes.
pub struct ArgAttrs {
    /// Its doc comment (empty when missing).
    pub doc: crate::model::doc::Doc,
    /// `#[len(N)]` or `#[len(arg)]`, if given.
    pub len: Option<Length>,
    /// `#[max_len(N)]`, if given.
    pub max_len: Option<Length>,
    /// `#[hash]`, if given.
    pub hash: Option<syn::Attribute>,
    /// `#[length_doc = "..."]`, if given.
    pub length_doc: Option<syn::LitStr>,
    /// `#[values(0 = "unroutable", ...)]`, if given.
    pub values: Option<Values>,
    /// `#[unit = "us"]`, if given.
    pub unit: Option<syn::LitStr>,
}

/// A `#[values(0 = "unroutable", 1 = "ipv4")]` attribute: names for some
/// values of an integer argument.
pub struct Values {
    /// The entries as written, in order.
    pub entries: Vec<ValueEntry>,
    /// The whole attribute, for errors about it.
    pub attr: syn::Attribute,
}

/// One `value = "name"` of a [`Values`] attribute.
pub struct ValueEntry {
    /// The number, its sign applied.
    pub value: i128,
    /// Where the number was written.
    pub value_span: Span,
    /// The name.
    pub name: syn::LitStr,
}

/// A length attribute on an argument: `#[len(32)]`, `#[len(msg_size)]`,
/// `#[max_len(68)]`.
pub struct Length {
    /// What it holds.
    pub value: LengthValue,
    /// The value's span (or the attribute's when it did not parse).
    pub value_span: Span,
    /// The whole attribute, for errors about it.
    pub attr: syn::Attribute,
}

/// What a length attribute holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LengthValue {
    /// A number of bytes.
    Number(u64),
    /// The name of another argument (`#[len(msg_size)]`).
    Arg(String),
    /// Neither (already reported by the parser).
    Invalid,
}
