//! The attributes of a tracepoint and of an argument, each read into an
//! `Option` field that may be set once (a second one is an error at its
//! token, as serde_derive's `Attr::set` does).

use crate::ast::{Length, LengthKind};
use crate::errors::Errors;

/// The attributes of a tracepoint declaration.
pub struct TracepointAttrs {
    /// The doc comment's text.
    pub doc: String,
    /// `#[log("...")]`.
    pub log: Option<syn::LitStr>,
}

impl TracepointAttrs {
    /// Reads doc comments and `#[log]`; reports anything else.
    pub fn parse(attrs: &[syn::Attribute], errors: &mut Errors) -> TracepointAttrs {
        let mut log = None;
        for attr in attrs {
            if attr.path().is_ident("doc") {
                continue;
            } else if attr.path().is_ident("log") {
                match attr.parse_args::<syn::LitStr>() {
                    Ok(lit) => set_once(
                        &mut log,
                        lit,
                        attr,
                        "a tracepoint has at most one `#[log(\"...\")]` line: remove this one",
                        errors,
                    ),
                    Err(_) => errors.push_spanned(
                        attr,
                        "write the log line as one string naming arguments in braces: `#[log(\"INBOUND conn from {addr}: id={id}\")]`",
                    ),
                }
            } else {
                errors.push_spanned(
                    attr,
                    "unsupported attribute on a tracepoint: use doc comments (`/// ...`) and an optional `#[log(\"... {arg} ...\")]`",
                );
            }
        }
        TracepointAttrs {
            doc: doc_text(attrs),
            log,
        }
    }
}

/// The attributes of a tracepoint argument.
pub struct ArgAttrs {
    /// The doc comment's text.
    pub doc: String,
    /// `#[max_len(N)]` or `#[len(N)]`.
    pub length: Option<Length>,
}

impl ArgAttrs {
    /// Reads doc comments and one length attribute; reports anything else.
    pub fn parse(attrs: &[syn::Attribute], errors: &mut Errors) -> ArgAttrs {
        let mut length = None;
        for attr in attrs {
            let kind = if attr.path().is_ident("doc") {
                continue;
            } else if attr.path().is_ident("max_len") {
                LengthKind::MaxLen
            } else if attr.path().is_ident("len") {
                LengthKind::Len
            } else {
                errors.push_spanned(
                    attr,
                    "unsupported attribute on a tracepoint argument: use a doc comment (`/// ...`), `#[max_len(N)]` on `&str` and `#[len(N)]` on `&[u8]`",
                );
                continue;
            };
            let parsed = attr
                .parse_args::<syn::LitInt>()
                .and_then(|lit| Ok((lit.base10_parse::<u64>()?, lit.span())));
            let (value, value_span) = match parsed {
                Ok((n, span)) => (Some(n), span),
                Err(_) => {
                    errors.push_spanned(
                        attr,
                        format_args!("write the length as a number: `{}`", kind.example()),
                    );
                    (None, proc_macro2::Span::call_site())
                }
            };
            let found = Length {
                kind,
                value,
                value_span,
                attr: attr.clone(),
            };
            set_once(
                &mut length,
                found,
                attr,
                "the length is given twice: keep one `#[max_len(N)]` or `#[len(N)]`",
                errors,
            );
        }
        ArgAttrs {
            doc: doc_text(attrs),
            length,
        }
    }
}

/// Stores `value` in an empty `slot`; a second value is an error at `attr`.
fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    attr: &syn::Attribute,
    duplicate: &str,
    errors: &mut Errors,
) {
    if slot.is_some() {
        errors.push_spanned(attr, duplicate);
    } else {
        *slot = Some(value);
    }
}

/// The text of `#[doc = "..."]` attributes: one leading space per line
/// removed, surrounding blank lines trimmed.
pub fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                for line in s.value().lines() {
                    lines.push(
                        line.strip_prefix(' ')
                            .unwrap_or(line)
                            .trim_end()
                            .to_string(),
                    );
                }
            }
        }
    }
    lines.join("\n").trim().to_string()
}
