//! The rules of doc text: every tracepoint and argument documented, no
//! control character, `{type}` only in an argument's doc and once, each
//! footnote defined, `#[length_doc]` non-empty and on a length.

use super::identifiers::NameKind;
use crate::errors::Errors;
use crate::model::doc::Doc;
use crate::model::{ArgType, Provider, Tracepoint};
use crate::syntax::ast;
use proc_macro2::Span;

/// Every footnote reference (`[^label]`) in the provider's docs has a
/// definition (`[^label]: ...`) somewhere in them: in the module's doc
/// comment, usually, as Markdown puts them at the end of the page.
pub(super) fn footnotes(provider: &Provider, ident: &syn::Ident, errors: &mut Errors) {
    let defined: Vec<&str> = std::iter::once(&provider.doc)
        .chain(provider.tracepoints.iter().flat_map(Tracepoint::texts))
        .flat_map(Doc::definitions)
        .map(|f| f.label.as_str())
        .collect();
    let mut report = |span: Span, doc: Option<&Doc>| {
        let references = doc.map(Doc::references).unwrap_or_default();
        for label in references.iter().filter(|l| !defined.contains(&l.as_str())) {
            errors.push(
                span,
                format_args!(
                    "footnote `[^{label}]` has no definition: add a line `[^{label}]: ...` to the doc comment of module `{ident}`"
                ),
            );
        }
    };
    report(ident.span(), Some(&provider.doc));
    for tracepoint in &provider.tracepoints {
        report(tracepoint.span, Some(&tracepoint.doc));
        report(tracepoint.span, Some(&tracepoint.doc_after));
        for arg in &tracepoint.args {
            report(arg.span, Some(&arg.doc));
            report(arg.span, arg.length_doc.as_ref());
        }
    }
}

/// Every tracepoint and argument has a doc comment: the generated docs
/// must be complete.
pub(super) fn documented(doc: &str, ident: &syn::Ident, kind: NameKind, errors: &mut Errors) {
    if !doc.is_empty() {
        return;
    }
    errors.push(
        ident.span(),
        format_args!(
            "{} `{ident}` has no doc comment: write `{}` above it (the generated tracing.md needs it)",
            kind.word(),
            kind.doc_example()
        ),
    );
}

/// Doc text holds no control character but line breaks and tabs: the
/// generators copy it into comments and strings of five languages, where
/// a carriage return, a NUL or an escape would end a comment, break a file
/// or forge output.
pub(super) fn printable_doc(doc: &str, ident: &syn::Ident, kind: NameKind, errors: &mut Errors) {
    let Some(c) = doc
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
    else {
        return;
    };
    let what = kind.word();
    errors.push(
        ident.span(),
        format_args!(
            "the doc comment of {what} `{ident}` holds the control character U+{:04X}: remove it (the generated readers copy docs into comments and strings)",
            c as u32
        ),
    );
}

/// An argument's doc may place its type with `{type}`, once.
pub(super) fn type_placeholder(doc: &Doc, ident: &syn::Ident, errors: &mut Errors) {
    if doc.type_placeholders() > 1 {
        errors.push(
            ident.span(),
            format_args!(
                "`{{type}}` appears more than once in the doc of `{ident}`: keep one, where the docs show the type (and its length)"
            ),
        );
    }
}

/// `{type}` stands for an argument's type: a tracepoint's text has none.
pub(super) fn no_type_placeholder(doc: &Doc, ident: &syn::Ident, errors: &mut Errors) {
    if doc.type_placeholders() > 0 {
        errors.push(
            ident.span(),
            format_args!(
                "`{{type}}` in the text of tracepoint `{ident}`: it stands for an argument's type, so write it in an argument's doc comment"
            ),
        );
    }
}

/// `#[length_doc = "..."]`: non-empty, printable, on a string or a buffer.
pub(super) fn length_doc(arg: &ast::Arg, ty: ArgType, errors: &mut Errors) -> Option<Doc> {
    let lit = arg.attrs.length_doc.as_ref()?;
    let text = lit.value();
    if !ty.is_pointer() {
        errors.push(
            lit.span(),
            format_args!(
                "remove this: `{}` is `{}`, and only strings and byte buffers have a length to word; put any text about it in its doc comment",
                arg.ident,
                ty.rust()
            ),
        );
        return None;
    }
    if text.trim().is_empty() {
        errors.push(
            lit.span(),
            "the length's wording is empty: write what the docs should say, e.g. `#[length_doc = \"normally up to 68 bytes\"]`, or remove it for the generated clause",
        );
        return None;
    }
    if text.chars().any(char::is_control) {
        errors.push(
            lit.span(),
            "the length's wording is one line of printable text: remove the line breaks and control characters",
        );
        return None;
    }
    Some(Doc::parse(text))
}
