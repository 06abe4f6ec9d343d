//! The attributes of a tracepoint and of an argument, each read into an
//! `Option` field that may be set once (a second one is an error at its
//! token, as serde_derive's `Attr::set` does).

use crate::errors::Errors;
use crate::model::doc::Doc;
use crate::syntax::ast::{ArgAttrs, Length, LengthValue, ValueEntry, Values};

/// The attributes of a tracepoint declaration.
pub struct TracepointAttrs {
    /// The doc comment.
    pub doc: Doc,
    /// `#[log("...")]`.
    pub log: Option<syn::LitStr>,
    /// The `#[doc_after = "..."]` lines, joined.
    pub doc_after: Doc,
}

impl TracepointAttrs {
    /// Reads doc comments, `#[log]` and `#[doc_after]`; reports anything
    /// else.
    pub fn parse(attrs: &[syn::Attribute], errors: &mut Errors) -> TracepointAttrs {
        let mut log = None;
        let mut doc_after = Vec::new();
        for attr in attrs {
            if attr.path().is_ident("doc") {
                continue;
            } else if attr.path().is_ident("doc_after") {
                match string_value(attr) {
                    Some(lit) => doc_after.push(lit.value()),
                    None => errors.push_spanned(
                        attr,
                        "write the text that follows the argument list as a string: `#[doc_after = \"Note: ...\"]` (one attribute per line)",
                    ),
                }
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
                    "unsupported attribute on a tracepoint: use doc comments (`/// ...`), an optional `#[log(\"... {arg} ...\")]` and `#[doc_after = \"...\"]` lines (text after the argument list)",
                );
            }
        }
        TracepointAttrs {
            doc: Doc::parse(doc_text(attrs)),
            log,
            doc_after: Doc::parse(trim_lines(doc_after.iter().flat_map(|text| lines(text)))),
        }
    }
}

const ARG_ATTRS: &str = "use a doc comment (`/// ...`), `#[max_len(N)]` on `&str` and `&CStr`, `#[len(N)]` or `#[len(length_arg)] #[max_len(N)]` on `&[u8]`, `#[hash]` on a `&[u8]` shown as a hash, `#[length_doc = \"...\"]` for your own wording of a length, and `#[values(0 = \"name\", ...)]` and `#[unit = \"us\"]` on an integer";

const VALUES_FORM: &str = "write the named values as `#[values(0 = \"unroutable\", 1 = \"ipv4\")]`: a number, `=` and a name for each";

impl ArgAttrs {
    /// Reads doc comments, the length attributes and `#[hash]`; reports
    /// anything else.
    pub fn parse(attrs: &[syn::Attribute], errors: &mut Errors) -> ArgAttrs {
        let mut len = None;
        let mut max_len = None;
        let mut hash = None;
        let mut length_doc = None;
        let mut values = None;
        let mut unit = None;
        for attr in attrs {
            let path = attr.path();
            if path.is_ident("doc") {
                continue;
            } else if path.is_ident("doc_after") {
                errors.push_spanned(
                    attr,
                    "`#[doc_after]` goes on the tracepoint (text after its argument list), not on an argument: put this text in the argument's doc comment, or move the attribute above the `fn`",
                );
            } else if path.is_ident("length_doc") {
                match string_value(attr) {
                    Some(lit) => {
                        let duplicate = "the length's wording is given twice: keep one `#[length_doc = \"...\"]`";
                        set_once(&mut length_doc, lit, attr, duplicate, errors);
                    }
                    None => errors.push_spanned(
                        attr,
                        "write the length's wording as a string: `#[length_doc = \"normally up to 68 bytes\"]`",
                    ),
                }
            } else if path.is_ident("values") {
                if let Some(found) = named_values(attr, errors) {
                    let duplicate = "the named values are given twice: keep one `#[values(...)]`";
                    set_once(&mut values, found, attr, duplicate, errors);
                }
            } else if path.is_ident("unit") {
                match string_value(attr) {
                    Some(lit) => {
                        let duplicate = "the unit is given twice: keep one `#[unit = \"...\"]`";
                        set_once(&mut unit, lit, attr, duplicate, errors);
                    }
                    None => {
                        errors.push_spanned(attr, "write the unit as a string: `#[unit = \"us\"]`")
                    }
                }
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
            doc: Doc::parse(doc_text(attrs)),
            len,
            max_len,
            hash,
            length_doc,
            values,
            unit,
        }
    }
}

/// Reads `#[values(0 = "unroutable", -1 = "none", ...)]`: at least one
/// entry; what the entries say is checked against the type later.
fn named_values(attr: &syn::Attribute, errors: &mut Errors) -> Option<Values> {
    let parsed = attr.parse_args_with(|input: syn::parse::ParseStream| {
        let mut entries = Vec::new();
        while !input.is_empty() {
            let minus: Option<syn::Token![-]> = input.parse()?;
            let number: syn::LitInt = input.parse()?;
            input.parse::<syn::Token![=]>()?;
            let name: syn::LitStr = input.parse()?;
            let magnitude = number.base10_parse::<i128>()?;
            entries.push(ValueEntry {
                value: if minus.is_some() {
                    -magnitude
                } else {
                    magnitude
                },
                value_span: number.span(),
                name,
            });
            if input.is_empty() {
                break;
            }
            input.parse::<syn::Token![,]>()?;
        }
        Ok(entries)
    });
    match parsed {
        Ok(entries) if entries.is_empty() => {
            errors.push_spanned(attr, VALUES_FORM);
            None
        }
        Ok(entries) => Some(Values {
            entries,
            attr: attr.clone(),
        }),
        Err(e) => {
            errors.push(e.span(), VALUES_FORM);
            None
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

/// The string of a `#[name = "..."]` attribute.
fn string_value(attr: &syn::Attribute) -> Option<syn::LitStr> {
    match &attr.meta {
        syn::Meta::NameValue(syn::MetaNameValue {
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(lit),
                    ..
                }),
            ..
        }) => Some(lit.clone()),
        _ => None,
    }
}

/// The lines of one `#[doc]` string: an empty string (a blank `///`
/// line) is one empty line, not none.
fn lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        return vec![String::new()];
    }
    text.lines()
        .map(|line| {
            line.strip_prefix(' ')
                .unwrap_or(line)
                .trim_end()
                .to_string()
        })
        .collect()
}

/// `lines` joined, blank lines around them removed, blank lines between
/// paragraphs kept.
fn trim_lines(lines: impl IntoIterator<Item = String>) -> String {
    let lines: Vec<String> = lines.into_iter().collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |i| i + 1);
    lines[start..end].join("\n")
}

/// The text of `#[doc = "..."]` attributes: one leading space per line
/// removed, blank lines between paragraphs kept, blank lines around the
/// text removed.
pub fn doc_text(attrs: &[syn::Attribute]) -> String {
    trim_lines(
        attrs
            .iter()
            .filter(|attr| attr.path().is_ident("doc"))
            .filter_map(string_value)
            .flat_map(|lit| lines(&lit.value())),
    )
}
