//! Every rule a declaration must follow, checked on the parsed [`ast`]
//! against a backend's [`Limits`], and the lowering of what is valid into
//! the [`model`](crate::model). Each rule is a function of its own that
//! records its errors at the offending token, so a user sees every mistake
//! at once. This file walks a provider, its tracepoints and arguments; the
//! rules live by concern:
//!
//! - `identifiers`: the one rule of a declared name;
//! - `docs`: doc comments, `{type}`, footnotes, `#[length_doc]`;
//! - `types`: argument types and their length attributes;
//! - `attributes`: `#[values(...)]` and `#[unit = "..."]`;
//! - `log_line`: a `#[log]` line's references;
//! - `collisions`: names of the generated outputs that would clash.
//!
//! Every limit comes from the [`model`](crate::model)'s constants.

use crate::errors::Errors;
use crate::model::{Arg, Limits, Provider, Tracepoint};
use crate::syntax::ast;
use attributes::{named_values, unit};
use collisions::generated_names;
use docs::{
    documented, footnotes, length_doc, no_type_placeholder, printable_doc, type_placeholder,
};
use identifiers::{NameKind, arg_name, usdt_name};
use types::arg_type;

/// Checks a parsed provider and returns the model of its valid parts. The
/// model is only meaningful when no error was recorded.
pub fn provider(provider: &ast::Provider, limits: &Limits, errors: &mut Errors) -> Provider {
    let ident = &provider.item.ident;
    usdt_name(ident, NameKind::Provider, errors);
    printable_doc(&provider.doc, ident, NameKind::Provider, errors);
    match provider.body {
        None => errors.push(
            ident.span(),
            "a provider module declares its tracepoints inline: write `mod net { ... }`, not `mod net;`",
        ),
        Some(body) if provider.item_count == 0 => errors.push(
            body,
            "a provider declares at least one tracepoint, e.g. `/// Fired when ...\nfn inbound_connection(/** Connection ID */ id: i64);`",
        ),
        Some(_) => {}
    }
    let mut tracepoints: Vec<Tracepoint> = Vec::new();
    for declared in &provider.tracepoints {
        let tracepoint = self::tracepoint(declared, tracepoints.len(), limits, errors);
        if tracepoints.iter().any(|t| t.name == tracepoint.name) {
            errors.push(
                tracepoint.span,
                format_args!(
                    "duplicate tracepoint `{ident}:{}`: each tracepoint of a provider needs its own name",
                    tracepoint.name
                ),
            );
        } else {
            tracepoints.push(tracepoint);
        }
    }
    let provider = Provider {
        name: ident.to_string(),
        doc: provider.doc.clone(),
        tracepoints,
        embed_docs: provider.embed_docs,
    };
    generated_names(&provider, ident, errors);
    footnotes(&provider, ident, errors);
    provider
}

/// Checks one tracepoint; `index` is its position among the provider's
/// valid tracepoints.
pub fn tracepoint(
    tracepoint: &ast::Tracepoint,
    index: usize,
    limits: &Limits,
    errors: &mut Errors,
) -> Tracepoint {
    let ident = &tracepoint.ident;
    let name = ident.to_string();
    usdt_name(ident, NameKind::Tracepoint, errors);
    if limits.reserved_tracepoint_names.contains(&name.as_str()) {
        errors.push(
            ident.span(),
            format_args!(
                "a tracepoint cannot be named `{name}`{}, which reserves it: choose a name that says what happened, e.g. `{name}_fired`",
                limits.backend_clause
            ),
        );
    }
    documented(&tracepoint.doc, ident, NameKind::Tracepoint, errors);
    printable_doc(&tracepoint.doc, ident, NameKind::Tracepoint, errors);
    if let Some(extra) = tracepoint.args.get(limits.max_args) {
        errors.push(
            extra.ident.span(),
            format_args!(
                "too many arguments: a tracepoint takes at most {}{}; split it into two tracepoints or drop this one",
                limits.max_args, limits.backend_clause
            ),
        );
    }
    let mut args: Vec<Arg> = Vec::new();
    for declared in &tracepoint.args {
        if let Some(arg) = arg(declared, &tracepoint.args, errors) {
            if args.iter().any(|a| a.name == arg.name) {
                errors.push(
                    arg.span,
                    format_args!(
                        "duplicate argument `{}`: give each argument its own name",
                        arg.name
                    ),
                );
            } else {
                args.push(arg);
            }
        }
    }
    let all_args_valid = args.len() == tracepoint.arity;
    // With an invalid argument, a log line naming it would only repeat the
    // error: check it once every argument is right.
    let log = match &tracepoint.log {
        Some(lit) if all_args_valid => match log_line(&lit.value(), &args) {
            Ok(line) => Some(line),
            Err(message) => {
                errors.push(lit.span(), message);
                None
            }
        },
        _ => None,
    };
    no_type_placeholder(&tracepoint.doc, ident, errors);
    no_type_placeholder(&tracepoint.doc_after, ident, errors);
    printable_doc(&tracepoint.doc_after, ident, NameKind::Tracepoint, errors);
    Tracepoint {
        index,
        name,
        doc: tracepoint.doc.clone(),
        doc_after: tracepoint.doc_after.clone(),
        args,
        log,
        span: ident.span(),
    }
}

/// Checks one argument of a tracepoint whose arguments are `siblings`:
/// its name, doc, type and lengths. `None` when its type cannot be passed.
pub fn arg(arg: &ast::Arg, siblings: &[ast::Arg], errors: &mut Errors) -> Option<Arg> {
    let name = arg.ident.to_string();
    arg_name(&arg.ident, errors);
    documented(&arg.attrs.doc, &arg.ident, NameKind::Argument, errors);
    printable_doc(&arg.attrs.doc, &arg.ident, NameKind::Argument, errors);
    type_placeholder(&arg.attrs.doc, &arg.ident, errors);
    let ty = arg_type(arg, siblings, errors)?;
    let length_doc = length_doc(arg, ty, errors);
    let values = named_values(arg, ty, errors);
    let unit = unit(arg, ty, errors);
    Some(Arg {
        name,
        doc: arg.attrs.doc.clone(),
        ty,
        length_doc,
        values,
        unit,
        span: arg.ident.span(),
    })
}

mod attributes;
mod collisions;
mod docs;
mod identifiers;
mod log_line;
mod types;

pub use log_line::log_line;

#[cfg(test)]
mod tests;
