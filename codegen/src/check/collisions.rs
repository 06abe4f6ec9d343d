//! No two names of the generated outputs may clash: each tracepoint or
//! argument whose name would is refused once, at its token, with a name it
//! could take instead.

use crate::errors::Errors;
use crate::model::Provider;
use crate::names::{self, Owner};
use proc_macro2::Span;

/// No two owners may share a name in one namespace of the generated
/// outputs, the readers' own names and the languages' reserved words
/// included (see [`names`]): each tracepoint or argument that would is
/// refused once, at its token; a provider whose name starts a reserved
/// prefix, once at its name.
pub(super) fn generated_names(provider: &Provider, ident: &syn::Ident, errors: &mut Errors) {
    let mut collisions = names::collisions(provider);
    // In declaration order: the provider, then each tracepoint and its
    // arguments.
    collisions.sort_by_key(|c| match c.owner {
        Owner::Provider | Owner::Reader(_) => (0, 0, 0),
        Owner::Tracepoint(t) => (1, t, 0),
        Owner::Arg { tracepoint, arg } => (1, tracepoint, arg + 1),
    });
    let provider_collides = collisions.iter().any(|c| c.owner == Owner::Provider);
    let mut reported: Vec<Owner> = Vec::new();
    for collision in collisions {
        let owner = collision.owner;
        if reported.contains(&owner) || (provider_collides && owner != Owner::Provider) {
            continue;
        }
        reported.push(owner);
        let (name, namespace) = (&collision.name, &collision.namespace);
        let by = match collision.taken_by {
            Owner::Reader(what) => format!("which is {what}"),
            other => format!("as {} is", describe(provider, ident, other).0),
        };
        let (what, span, example) = describe(provider, ident, owner);
        if owner == Owner::Provider {
            errors.push(
                span,
                format_args!(
                    "{what} would start every name of its C readers with `{name}`, {by}: rename it, e.g. `{example}`"
                ),
            );
        } else {
            errors.push(
                span,
                format_args!(
                    "{what} would be named `{name}` in {namespace}, {by}: rename it, e.g. `{example}`"
                ),
            );
        }
    }
}

/// How an error names `owner`, where it points, and a name it could take
/// instead.
pub(super) fn describe(
    provider: &Provider,
    ident: &syn::Ident,
    owner: Owner,
) -> (String, Span, String) {
    let tracepoint = |i: usize| {
        provider
            .tracepoints
            .iter()
            .find(|t| t.index == i)
            .expect("a collision names a tracepoint of the provider")
    };
    match owner {
        Owner::Provider => (
            format!("provider `{}`", provider.name),
            ident.span(),
            format!("node_{}", provider.name),
        ),
        Owner::Tracepoint(i) => {
            let t = tracepoint(i);
            (
                format!("tracepoint `{}`", t.name),
                t.span,
                format!("{}_fired", t.name),
            )
        }
        Owner::Arg { tracepoint: i, arg } => {
            let t = tracepoint(i);
            let a = &t.args[arg];
            (
                format!("argument `{}` of `{}`", a.name, t.name),
                a.span,
                format!("{}_value", a.name),
            )
        }
        Owner::Reader(what) => (what.to_string(), ident.span(), String::new()),
    }
}
