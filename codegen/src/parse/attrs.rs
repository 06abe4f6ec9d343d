//! The attributes of a tracepoint and of an argument, each read into an
//! `Option` field that may be set once (a second one is an error at its
//! token, as serde_derive's `Attr::set` does).

use crate::ast::{Length, LengthValue};
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
    /// `#[len(N)]` or `#[len(arg)]`.
    pub len: Option<Length>,
    /// `#[max_len(N)]`.
    pub max_len: Option<Length>,
    /// `#[hash]`.
    pub hash: Option<syn::Attribute>,
}

const ARG_ATTRS: &str = "use a doc comment (`/// ...`), `#[max_len(N)]` on `&str` and `&CStr`, `#[len(N)]` or `#[len(length_arg)] #[max_len(N)]` on `&[u8]`, and `#[hash]` on a `&[u8]` shown as a hash";

impl ArgAttrs {
    /// Reads doc comments, the length attributes and `#[hash]`; reports
    /// anything else.
    pub fn parse(attrs: &[syn::Attribute], errors: &mut Errors) -> ArgAttrs {
        let mut len = None;
        let mut max_len = None;
        let mut hash = None;
        for attr in attrs {
            let path = attr.path();
            if path.is_ident("doc") {
                continue;
            } else if path.is_ident("hash") {
                if !matches!(attr.meta, syn::Meta::Path(_)) {
                    errors.push_spanned(attr, "write `#[hash]` alone, without arguments");
                }
                let duplicate = "`#[hash]` is given twice: keep one";
                set_once(&mut hash, attr.clone(), attr, duplicate, errors);
            } else if path.is_ident("len") {
                let found = length(attr, true, errors);
                let duplicate = "the length is given twice: keep one `#[len(...)]`";
                set_once(&mut len, found, attr, duplicate, errors);
            } else if path.is_ident("max_len") {
                let found = length(attr, false, errors);
                let duplicate = "the maximum length is given twice: keep one `#[max_len(N)]`";
                set_once(&mut max_len, found, attr, duplicate, errors);
            } else {
                errors.push_spanned(
                    attr,
                    format_args!("unsupported attribute on a tracepoint argument: {ARG_ATTRS}"),
                );
            }
        }
        ArgAttrs {
            doc: doc_text(attrs),
            len,
            max_len,
            hash,
        }
    }
}

/// Reads `#[len(N)]`, `#[len(name)]` (when `names` is allowed) or
/// `#[max_len(N)]`.
fn length(attr: &syn::Attribute, names: bool, errors: &mut Errors) -> Length {
    let value = match attr.parse_args::<syn::Lit>() {
        Ok(syn::Lit::Int(lit)) => lit
            .base10_parse::<u64>()
            .ok()
            .map(|n| (LengthValue::Number(n), lit.span())),
        Ok(_) => None,
        Err(_) if names => attr
            .parse_args::<syn::Ident>()
            .ok()
            .map(|ident| (LengthValue::Arg(ident.to_string()), ident.span())),
        Err(_) => None,
    };
    value.map_or_else(
        || {
            let hint = if names {
                "write the length as a number of bytes or the name of the argument that holds it: `#[len(32)]`, `#[len(msg_size)]`"
            } else {
                "write the maximum length as a number of bytes: `#[max_len(68)]`"
            };
            errors.push_spanned(attr, hint);
            Length {
                value: LengthValue::Invalid,
                value_span: proc_macro2::Span::call_site(),
                attr: attr.clone(),
            }
        },
        |(value, value_span)| Length {
            value,
            value_span,
            attr: attr.clone(),
        },
    )
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
