//! Parsing: Rust tokens into the [`ast`]. The parser reports only
//! what the syntax tree cannot hold (a body, `async`, a `self` argument, a
//! malformed or repeated attribute, an item that is not a tracepoint); every
//! rule about what it holds lives in [`crate::check`].

mod attrs;

use crate::errors::Errors;
use crate::syntax::ast;
use attrs::TracepointAttrs;
use proc_macro2::TokenStream;

/// Parses the arguments and item of the `#[tracepoints::provider]`
/// attribute. `None` when the item is not a module at all (the error is
/// recorded).
pub fn attribute(
    args: TokenStream,
    item: TokenStream,
    errors: &mut Errors,
) -> Option<ast::Provider> {
    let embed_docs = options(args, errors);
    if let Err(error) = within_limits(&item, MAX_CHAIN) {
        errors.push_error(error);
        return None;
    }
    match syn::parse2::<syn::ItemMod>(item) {
        Ok(module) => Some(ast::Provider {
            embed_docs,
            ..module_item(&module, errors)
        }),
        Err(e) => {
            errors.push(
                e.span(),
                "`#[tracepoints::provider]` goes on a module of tracepoint declarations, e.g. `mod net { /// doc\n fn inbound_connection(/** doc */ id: i64); }`",
            );
            None
        }
    }
}

const PROVIDER_OPTIONS: &str = "`#[tracepoints::provider]` takes one option, `embed_docs = false` (the binary carries its tracepoints' ABI without their docs); the provider is named after the module, e.g. `#[tracepoints::provider] mod net { ... }`";

/// The attribute's arguments: nothing, or `embed_docs = false` (or
/// `true`, the default). Returns whether the binary's ABI keeps the docs.
fn options(args: TokenStream, errors: &mut Errors) -> bool {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = args.into_iter().collect();
    match tokens.as_slice() {
        [] => true,
        [
            TokenTree::Ident(name),
            TokenTree::Punct(eq),
            TokenTree::Ident(value),
        ] if name == "embed_docs"
            && eq.as_char() == '='
            && (value == "true" || value == "false") =>
        {
            value == "true"
        }
        [first, ..] => {
            errors.push(first.span(), PROVIDER_OPTIONS);
            true
        }
    }
}

/// Parses a source file and returns every provider module in it (modules
/// carrying a `#[provider]` or `#[tracepoints::provider]` attribute, at any
/// depth), in source order. Only a file that is not Rust is an `Err`; other
/// problems are recorded in `errors`.
pub fn file(source: &str, errors: &mut Errors) -> syn::Result<Vec<ast::Provider>> {
    let tokens: TokenStream = without_shebang(source).parse().map_err(|e: proc_macro2::LexError| {
        syn::Error::new(e.span(), "cannot read this file as Rust tokens: look for an unclosed delimiter or string near here")
    })?;
    within_limits(&tokens, MAX_CHAIN_IN_FILE)?;
    let file: syn::File = syn::parse2(tokens)?;
    let mut found = Vec::new();
    collect_modules(&file.items, &mut found, errors);
    Ok(found)
}

/// The source without a byte-order mark and a `#!` first line (not `#![`),
/// as rustc reads it.
fn without_shebang(source: &str) -> &str {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if source.starts_with("#!") && !source.starts_with("#![") {
        source.find('\n').map_or("", |end| &source[end..])
    } else {
        source
    }
}

/// How deeply brackets may nest in a file or declaration. Real ones nest a
/// few levels; the parser recurses per level, and thousands would overflow
/// its stack.
pub const MAX_DEPTH: usize = 128;

/// How many tokens may chain in a declaration (the macro's input) without
/// a `,` or `;` between them, counting those of the enclosing chains: the
/// parser recurses once for each of many forms (`&&&T`, `Vec<Vec<T>>`,
/// `!!x`, `a = a = b`, `1 + 1 + 1`, `fn() -> fn()`), and a few hundred
/// levels overflow a proc macro's stack in a debug build. A declaration's
/// chains are a few tokens long.
pub const MAX_CHAIN: usize = 128;

/// The same for a whole file read by `tracepoints-gen`, which may hold
/// other code (a long builder chain, say) and parses on a stack of its own
/// large enough for this many.
pub const MAX_CHAIN_IN_FILE: usize = 2048;

/// An error at the first group nested deeper than [`MAX_DEPTH`] or the
/// first token that makes a chain longer than `max_chain` (see
/// [`MAX_CHAIN`]). Walks the tokens with a stack of its own, so any input
/// is safe to check. An attribute (`#[...]`) adds nothing to a chain (the
/// parser reads a list of them without recursing), and a block (`{...}`)
/// ends one unless an operator, `else` or `as` continues it.
fn within_limits(tokens: &TokenStream, max_chain: usize) -> syn::Result<()> {
    use proc_macro2::{Delimiter, TokenTree};
    // Each level: its tokens, the chain it continues, its own run.
    let mut stack = vec![(tokens.clone().into_iter().peekable(), 0usize, 0usize)];
    while let Some(level) = stack.len().checked_sub(1) {
        let depth = level + 1;
        let (tokens, inherited, run) = &mut stack[level];
        let Some(token) = tokens.next() else {
            stack.pop();
            continue;
        };
        let attribute = matches!(&token, TokenTree::Punct(p) if p.as_char() == '#')
            && matches!(tokens.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket);
        match &token {
            TokenTree::Punct(p) if matches!(p.as_char(), ',' | ';') => *run = 0,
            _ if attribute => {
                // The `[...]` that follows is checked as a group of its own.
                let Some(TokenTree::Group(group)) = tokens.next() else {
                    unreachable!("peeked");
                };
                let chain = *inherited + *run;
                if depth > MAX_DEPTH {
                    return Err(too_deep(&group));
                }
                stack.push((group.stream().into_iter().peekable(), chain, 0));
            }
            _ => {
                *run += 1;
                let chain = *inherited + *run;
                if chain > max_chain {
                    return Err(syn::Error::new(
                        token.span(),
                        format_args!(
                            "more than {max_chain} tokens chain here without a `,` or `;` (each `&`, `<`, operator or keyword nests the parse one level): no declaration needs that many; simplify the code"
                        ),
                    ));
                }
                if let TokenTree::Group(group) = &token {
                    if depth > MAX_DEPTH {
                        return Err(too_deep(group));
                    }
                    let continued = match tokens.peek() {
                        Some(TokenTree::Punct(p)) => p.as_char() != '#',
                        Some(TokenTree::Ident(i)) => i == "else" || i == "as",
                        _ => false,
                    };
                    if group.delimiter() == Delimiter::Brace && !continued {
                        *run = 0;
                    }
                    stack.push((group.stream().into_iter().peekable(), chain, 0));
                }
            }
        }
    }
    Ok(())
}

/// The error at a group nested deeper than [`MAX_DEPTH`].
fn too_deep(group: &proc_macro2::Group) -> syn::Error {
    syn::Error::new(
        group.span_open(),
        format_args!(
            "brackets nest deeper than {MAX_DEPTH} levels here: no declaration needs that many; simplify the code"
        ),
    )
}

fn collect_modules(items: &[syn::Item], found: &mut Vec<ast::Provider>, errors: &mut Errors) {
    for item in items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if let Some(attr) = module.attrs.iter().find(|a| is_provider_attribute(a)) {
            // The options the macro takes, read the same way.
            let embed_docs = match &attr.meta {
                syn::Meta::Path(_) => true,
                syn::Meta::List(list) => options(list.tokens.clone(), errors),
                syn::Meta::NameValue(_) => {
                    errors.push_spanned(&attr.meta, PROVIDER_OPTIONS);
                    true
                }
            };
            found.push(ast::Provider {
                embed_docs,
                ..module_item(module, errors)
            });
        } else if let Some((_, items)) = &module.content {
            collect_modules(items, found, errors);
        }
    }
}

/// Whether an attribute is `#[provider]` or `#[tracepoints::provider]`.
pub fn is_provider_attribute(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    path.segments.last().is_some_and(|s| s.ident == "provider")
        && (path.segments.len() == 1
            || (path.segments.len() == 2 && path.segments[0].ident == "tracepoints"))
}

/// Parses one provider module.
pub fn module_item(module: &syn::ItemMod, errors: &mut Errors) -> ast::Provider {
    let attrs = module
        .attrs
        .iter()
        .filter(|attr| !attr.path().is_ident("doc") && !is_provider_attribute(attr))
        .cloned()
        .collect();
    let mut tracepoints = Vec::new();
    if let Some((_, items)) = &module.content {
        tracepoints.extend(
            items
                .iter()
                .filter_map(|item| tracepoint_item(item, errors)),
        );
    }
    ast::Provider {
        item: ast::ModuleItem {
            attrs,
            vis: module.vis.clone(),
            ident: module.ident.clone(),
        },
        doc: crate::model::doc::Doc::parse(attrs::doc_text(&module.attrs)),
        body: module.content.as_ref().map(|(brace, _)| brace.span.join()),
        item_count: module.content.as_ref().map_or(0, |(_, items)| items.len()),
        tracepoints,
        embed_docs: true,
    }
}

const NOT_A_TRACEPOINT: &str = "a provider module holds only tracepoint declarations: write `/// doc\nfn name(/** doc */ arg: i64);` and move other items out of the module";

fn tracepoint_item(item: &syn::Item, errors: &mut Errors) -> Option<ast::Tracepoint> {
    match item {
        syn::Item::Fn(f) => {
            errors.push_spanned(
                &f.block,
                "a tracepoint declaration has no body: replace `{ ... }` with `;`",
            );
            Some(tracepoint(&f.attrs, &f.vis, &f.sig, errors))
        }
        // A bodyless `fn name(...);` is not an item syn knows in a module.
        syn::Item::Verbatim(tokens) => match syn::parse2::<syn::ForeignItemFn>(tokens.clone()) {
            Ok(f) => Some(tracepoint(&f.attrs, &f.vis, &f.sig, errors)),
            Err(_) => {
                errors.push_spanned(item, NOT_A_TRACEPOINT);
                None
            }
        },
        _ => {
            errors.push_spanned(item, NOT_A_TRACEPOINT);
            None
        }
    }
}

fn tracepoint(
    attrs: &[syn::Attribute],
    vis: &syn::Visibility,
    sig: &syn::Signature,
    errors: &mut Errors,
) -> ast::Tracepoint {
    signature_shape(vis, sig, errors);
    let TracepointAttrs {
        doc,
        log,
        doc_after,
    } = TracepointAttrs::parse(attrs, errors);
    let args = sig
        .inputs
        .iter()
        .filter_map(|input| arg(input, errors))
        .collect();
    ast::Tracepoint {
        ident: sig.ident.clone(),
        doc,
        log,
        doc_after,
        args,
        arity: sig.inputs.len(),
    }
}

/// Everything a tracepoint's signature may not have: each is written
/// `fn name(args);` and nothing else.
fn signature_shape(vis: &syn::Visibility, sig: &syn::Signature, errors: &mut Errors) {
    if !matches!(vis, syn::Visibility::Inherited) {
        errors.push_spanned(
            vis,
            "remove this visibility: a tracepoint is as visible as its provider module",
        );
    }
    if let Some(t) = &sig.constness {
        errors.push(
            t.span,
            "remove `const`: a tracepoint declaration is a plain `fn name(args);`",
        );
    }
    if let Some(t) = &sig.asyncness {
        errors.push(
            t.span,
            "remove `async`: tracepoints fire synchronously, write `fn name(args);`",
        );
    }
    if let syn::Safety::Unsafe(t) = &sig.safety {
        errors.push(
            t.span,
            "remove `unsafe`: firing a tracepoint is safe, write `fn name(args);`",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.push_spanned(abi, "remove the ABI: write `fn name(args);`");
    }
    if !sig.generics.params.is_empty() {
        errors.push_spanned(
            &sig.generics,
            "remove the generic parameters: tracepoint arguments have fixed types (i8..i64, u8..u64, bool, &str, &[u8])",
        );
    }
    if let Some(w) = &sig.generics.where_clause {
        errors.push_spanned(w, "remove the `where` clause: tracepoints are not generic");
    }
    if let Some(v) = &sig.variadic {
        errors.push_spanned(
            v,
            "remove `...`: a tracepoint has a fixed list of typed arguments",
        );
    }
    if let syn::ReturnType::Type(_, ty) = &sig.output {
        errors.push_spanned(
            ty,
            "remove the return type: a tracepoint returns nothing, write `fn name(args);`",
        );
    }
}

fn arg(input: &syn::FnArg, errors: &mut Errors) -> Option<ast::Arg> {
    let pat_type = match input {
        syn::FnArg::Receiver(r) => {
            errors.push_spanned(
                r,
                "remove `self`: a tracepoint is a free declaration, write `fn name(id: i64, ...);`",
            );
            return None;
        }
        syn::FnArg::Typed(p) => p,
    };
    let attrs = ast::ArgAttrs::parse(&pat_type.attrs, errors);
    match &*pat_type.pat {
        syn::Pat::Ident(p)
            if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() =>
        {
            Some(ast::Arg {
                ident: p.ident.clone(),
                ty: (*pat_type.ty).clone(),
                attrs,
            })
        }
        other => {
            errors.push_spanned(
                other,
                "name this argument with a plain identifier, e.g. `id: i64` (it names the argument in docs and tracer scripts)",
            );
            None
        }
    }
}
