//! The one rule of a declared name (provider, tracepoint, argument):
//! lowercase ASCII letters, digits and single underscores, starting with a
//! letter, at most [`MAX_NAME_LEN`] characters; a USDT name also ends in a
//! letter or digit.

use crate::errors::Errors;
use crate::model::MAX_NAME_LEN;

/// What a declared name names, for its messages.
#[derive(Clone, Copy)]
pub(super) enum NameKind {
    Provider,
    Tracepoint,
    Argument,
}

impl NameKind {
    /// The word a message calls it by.
    pub(super) fn word(self) -> &'static str {
        match self {
            NameKind::Provider => "provider",
            NameKind::Tracepoint => "tracepoint",
            NameKind::Argument => "argument",
        }
    }

    /// A name of its kind, for a message's example.
    fn example(self) -> &'static str {
        match self {
            NameKind::Provider => "net",
            NameKind::Tracepoint => "inbound_connection",
            NameKind::Argument => "peer_id",
        }
    }

    /// The doc comment a message suggests for it.
    pub(super) fn doc_example(self) -> &'static str {
        match self {
            NameKind::Argument => "/// What it holds.",
            _ => "/// When it fires and what it means.",
        }
    }
}

/// The rule every declared name follows: lowercase ASCII letters, digits
/// and single underscores, starting with a letter, at most
/// [`MAX_NAME_LEN`] characters.
fn is_snake_case(name: &str) -> bool {
    name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
}

/// Checks that a provider or tracepoint name is a USDT identifier that
/// every tracer accepts: snake_case (see [`is_snake_case`]), not ending in
/// `_`.
pub(super) fn usdt_name(ident: &syn::Ident, kind: NameKind, errors: &mut Errors) {
    let name = ident.to_string();
    if !is_snake_case(&name) || name.ends_with('_') {
        errors.push(
            ident.span(),
            format_args!(
                "`{name}` is not a valid USDT {} name: use lowercase ASCII letters, digits and single underscores, starting with a letter, at most {MAX_NAME_LEN} characters (e.g. `{}`)",
                kind.word(),
                kind.example()
            ),
        );
    }
}

/// An argument name becomes a C field, a Python attribute, a Rust field
/// and a bpftrace variable: snake_case (see [`is_snake_case`]), so that no
/// macro of the C readers (all uppercase) can replace it. Reserved words
/// and the readers' own names are refused where names are allocated (see
/// [`crate::names`]).
pub(super) fn arg_name(ident: &syn::Ident, errors: &mut Errors) {
    let name = ident.to_string();
    if !is_snake_case(&name) {
        errors.push(
            ident.span(),
            format_args!(
                "argument name `{name}` must be snake_case: lowercase ASCII letters, digits and single underscores, starting with a letter, at most {MAX_NAME_LEN} (it becomes a C field, a Rust field and a bpftrace variable): rename it, e.g. `{}`",
                suggest_snake(&name)
            ),
        );
    }
}

/// `name` in snake_case ASCII, for an error's suggestion.
pub(super) fn suggest_snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        }
    }
    let mut out = out
        .trim_start_matches(|c: char| !c.is_ascii_lowercase())
        .to_string();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    let mut out: String = out.chars().take(MAX_NAME_LEN).collect();
    if out.is_empty() {
        out.push_str("value");
    }
    out
}
