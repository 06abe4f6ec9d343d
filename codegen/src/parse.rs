//! Parsing and validation: a `#[tracepoints::provider] mod name { ... }`
//! declaration becomes a [`Provider`]. The proc-macro and the
//! `tracepoints-gen` CLI both go through [`parse_module`], so both report the
//! same errors.

use crate::errors::Errors;
use crate::model::{
    Arg, ArgType, BPFTRACE_MAX_ARGS, LogLine, LogPiece, MAX_ARGS, MAX_STR_LEN, Provider, Tracepoint,
};
use proc_macro2::TokenStream;
use quote::ToTokens;

/// A parsed declaration: the model plus what the Rust expansion must keep of
/// the user's module (its attributes, visibility and name).
pub struct Declaration {
    /// The model every generator reads.
    pub provider: Provider,
    /// The module's attributes other than its doc comment.
    pub attrs: Vec<syn::Attribute>,
    /// The module's visibility.
    pub vis: syn::Visibility,
    /// The module's name, with its span.
    pub ident: syn::Ident,
}

/// Parses the arguments and item of the `#[tracepoints::provider]`
/// attribute, for a backend that passes at most `max_args` arguments.
pub fn parse_attribute(
    args: TokenStream,
    item: TokenStream,
    max_args: usize,
) -> syn::Result<Declaration> {
    let mut errors = Errors::default();
    if let Some(first) = args.into_iter().next() {
        errors.push(
            first.span(),
            "`#[tracepoints::provider]` takes no arguments: the provider is named after the module, e.g. `#[tracepoints::provider] mod net { ... }`",
        );
    }
    let module: syn::ItemMod = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "`#[tracepoints::provider]` goes on a module of tracepoint declarations, e.g. `mod net { /// doc\n fn inbound_connection(/** doc */ id: i64); }`",
        )
    })?;
    match (errors.finish(()), parse_module_with(&module, max_args)) {
        (Ok(()), parsed) => parsed,
        (Err(mut error), Err(more)) => {
            error.combine(more);
            Err(error)
        }
        (Err(error), Ok(_)) => Err(error),
    }
}

/// Parses a source file and returns every provider declared in it
/// (modules carrying a `#[provider]` or `#[tracepoints::provider]`
/// attribute, at any depth), in source order.
pub fn parse_file(source: &str) -> syn::Result<Vec<Provider>> {
    let file = syn::parse_file(source).map_err(|e| {
        if e.to_string() == "cannot parse string into token stream" {
            syn::Error::new(e.span(), "cannot read this file as Rust tokens: look for an unclosed delimiter or string near here")
        } else {
            e
        }
    })?;
    let mut found = Vec::new();
    let mut errors = Errors::default();
    collect_modules(&file.items, &mut found, &mut errors);
    errors.finish(found)
}

fn collect_modules(items: &[syn::Item], found: &mut Vec<Provider>, errors: &mut Errors) {
    for item in items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.attrs.iter().any(is_provider_attribute) {
            match parse_module(module) {
                Ok(declaration) => found.push(declaration.provider),
                Err(e) => errors.push_error(e),
            }
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

/// Parses and validates one provider module with the default limit of
/// [`MAX_ARGS`] arguments. Every problem found is reported, each at its
/// token.
pub fn parse_module(module: &syn::ItemMod) -> syn::Result<Declaration> {
    parse_module_with(module, MAX_ARGS)
}

/// [`parse_module`] for a backend that passes at most `max_args` arguments.
pub fn parse_module_with(module: &syn::ItemMod, max_args: usize) -> syn::Result<Declaration> {
    let mut errors = Errors::default();
    let name = module.ident.to_string();
    check_usdt_name(&module.ident, "provider", &mut errors);
    let mut attrs = Vec::new();
    for attr in &module.attrs {
        if !attr.path().is_ident("doc") && !is_provider_attribute(attr) {
            attrs.push(attr.clone());
        }
    }
    let doc = doc_text(&module.attrs);
    let mut tracepoints: Vec<Tracepoint> = Vec::new();
    match &module.content {
        None => errors.push(
            module.ident.span(),
            "a provider module declares its tracepoints inline: write `mod net { ... }`, not `mod net;`",
        ),
        Some((brace, items)) => {
            if items.is_empty() {
                errors.push(
                    brace.span.join(),
                    "a provider declares at least one tracepoint, e.g. `/// Fired when ...\nfn inbound_connection(/** Connection ID */ id: i64);`",
                );
            }
            for item in items {
                if let Some(tracepoint) = parse_item(item, max_args, &mut errors) {
                    if tracepoints.iter().any(|t| t.name == tracepoint.name) {
                        errors.push(
                            tracepoint.span,
                            format_args!(
                                "duplicate tracepoint `{}:{}`: each tracepoint of a provider needs its own name",
                                name, tracepoint.name
                            ),
                        );
                    } else {
                        tracepoints.push(tracepoint);
                    }
                }
            }
        }
    }
    errors.finish(Declaration {
        provider: Provider {
            name,
            doc,
            tracepoints,
        },
        attrs,
        vis: module.vis.clone(),
        ident: module.ident.clone(),
    })
}

fn parse_item(item: &syn::Item, max_args: usize, errors: &mut Errors) -> Option<Tracepoint> {
    match item {
        syn::Item::Fn(f) => {
            errors.push_spanned(
                &f.block,
                "a tracepoint declaration has no body: replace `{ ... }` with `;`",
            );
            parse_tracepoint(&f.attrs, &f.vis, &f.sig, max_args, errors)
        }
        syn::Item::Verbatim(tokens) => match syn::parse2::<syn::ForeignItemFn>(tokens.clone()) {
            Ok(f) => parse_tracepoint(&f.attrs, &f.vis, &f.sig, max_args, errors),
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

const NOT_A_TRACEPOINT: &str = "a provider module holds only tracepoint declarations: write `/// doc\nfn name(/** doc */ arg: i64);` and move other items out of the module";

fn parse_tracepoint(
    attrs: &[syn::Attribute],
    vis: &syn::Visibility,
    sig: &syn::Signature,
    max_args: usize,
    errors: &mut Errors,
) -> Option<Tracepoint> {
    let name = sig.ident.to_string();
    check_usdt_name(&sig.ident, "tracepoint", errors);
    if name == "probe" || name == "start" {
        errors.push(
            sig.ident.span(),
            format_args!("a tracepoint cannot be named `{name}` (the `usdt` backend reserves it): choose a name that says what happened, e.g. `{name}_fired`"),
        );
    }
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
    if let Some(t) = &sig.unsafety {
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
            "remove the generic parameters: tracepoint arguments have fixed types (i8..i64, u8..u64, bool, &str)",
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

    let mut doc = String::new();
    let mut log_attr: Option<&syn::Attribute> = None;
    for attr in attrs {
        if attr.path().is_ident("doc") {
            continue;
        } else if attr.path().is_ident("log") {
            if log_attr.is_some() {
                errors.push_spanned(
                    attr,
                    "a tracepoint has at most one `#[log(\"...\")]` line: remove this one",
                );
            } else {
                log_attr = Some(attr);
            }
        } else {
            errors.push_spanned(
                attr,
                "unsupported attribute on a tracepoint: use doc comments (`/// ...`) and an optional `#[log(\"... {arg} ...\")]`",
            );
        }
    }
    doc.push_str(&doc_text(attrs));
    if doc.is_empty() {
        errors.push(
            sig.ident.span(),
            format_args!(
                "tracepoint `{}` has no doc comment: write `/// When it fires and what it means.` above it (the generated tracing.md needs it)",
                name
            ),
        );
    }

    let mut args: Vec<Arg> = Vec::new();
    let mut all_args_valid = true;
    for (index, input) in sig.inputs.iter().enumerate() {
        if index == max_args {
            let at: &dyn ToTokens = match input {
                syn::FnArg::Typed(p) => &p.pat,
                receiver => receiver,
            };
            errors.push_spanned(
                at,
                format_args!(
                    "too many arguments: a tracepoint takes at most {}{}; split it into two tracepoints or drop this one",
                    max_args,
                    if max_args < MAX_ARGS { " with the `usdt` backend" } else { "" }
                ),
            );
        }
        if let Some(arg) = parse_arg(input, errors) {
            if args.iter().any(|a| a.name == arg.name) {
                errors.push(
                    arg.span,
                    format_args!(
                        "duplicate argument `{}`: give each argument its own name",
                        arg.name
                    ),
                );
            }
            args.push(arg);
        } else {
            all_args_valid = false;
        }
    }

    // With an invalid argument, a log line naming it would only repeat the
    // error: check it once the arguments are right.
    let log = log_attr
        .filter(|_| all_args_valid)
        .and_then(|attr| parse_log_attr(attr, &args, errors));
    Some(Tracepoint {
        name,
        doc,
        args,
        log,
        span: sig.ident.span(),
    })
}

fn parse_arg(input: &syn::FnArg, errors: &mut Errors) -> Option<Arg> {
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
    let ident = match &*pat_type.pat {
        syn::Pat::Ident(p)
            if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() =>
        {
            &p.ident
        }
        other => {
            errors.push_spanned(
                other,
                "name this argument with a plain identifier, e.g. `id: i64` (it names the argument in docs and tracer scripts)",
            );
            return None;
        }
    };
    let name = ident.to_string();
    check_arg_name(ident, errors);

    // `#[max_len(N)]` (strings) or `#[len(N)]` (byte buffers): the attribute
    // name, its value and the attribute itself.
    let mut length: Option<(&'static str, u32, &syn::Attribute)> = None;
    let mut length_invalid = false;
    for attr in &pat_type.attrs {
        let kind = if attr.path().is_ident("doc") {
            continue;
        } else if attr.path().is_ident("max_len") {
            "max_len"
        } else if attr.path().is_ident("len") {
            "len"
        } else {
            errors.push_spanned(
                attr,
                "unsupported attribute on a tracepoint argument: use a doc comment (`/// ...`), `#[max_len(N)]` on `&str` and `#[len(N)]` on `&[u8]`",
            );
            continue;
        };
        let example = if kind == "len" {
            "#[len(32)]"
        } else {
            "#[max_len(68)]"
        };
        match attr
            .parse_args::<syn::LitInt>()
            .and_then(|lit| Ok((lit.base10_parse::<u64>()?, lit)))
        {
            Ok((n, lit)) if n == 0 || n > u64::from(MAX_STR_LEN) => {
                length_invalid = true;
                errors.push(
                    lit.span(),
                    format_args!(
                        "`{kind}` must be between 1 and {MAX_STR_LEN} (bpftrace 0.17 reads at most {} bytes behind a pointer): write e.g. `{example}`",
                        MAX_STR_LEN + 1
                    ),
                );
            }
            Ok(_) if length.is_some() => {
                errors.push_spanned(
                    attr,
                    "the length is given twice: keep one `#[max_len(N)]` or `#[len(N)]`",
                );
            }
            Ok((n, _)) => length = Some((kind, n as u32, attr)),
            Err(_) => {
                length_invalid = true;
                errors.push_spanned(
                    attr,
                    format_args!("write the length as a number: `{example}`"),
                );
            }
        }
    }
    let doc = doc_text(&pat_type.attrs);
    if doc.is_empty() {
        errors.push(
            ident.span(),
            format_args!(
                "argument `{}` has no doc comment: write `/// What it holds.` above it (the generated tracing.md needs it)",
                name
            ),
        );
    }

    let ty = parse_type(&pat_type.ty, errors)?;
    let ty = match (ty, length) {
        (ArgType::Str { .. }, Some(("max_len", n, _))) => ArgType::Str { max_len: n },
        (ArgType::Bytes { .. }, Some(("len", n, _))) => ArgType::Bytes { len: n },
        (ArgType::Str { .. }, Some((_, _, attr))) => {
            errors.push_spanned(
                attr,
                "a `&str` has a maximum length, not an exact one: write `#[max_len(N)]`",
            );
            return None;
        }
        (ArgType::Bytes { .. }, Some((_, _, attr))) => {
            errors.push_spanned(
                attr,
                "a byte buffer has an exact length that readers copy: write `#[len(N)]` (shorter values are zero-padded)",
            );
            return None;
        }
        (ArgType::Str { .. } | ArgType::Bytes { .. }, None) if length_invalid => return None,
        (ArgType::Str { .. }, None) => {
            errors.push_spanned(
                &pat_type.ty,
                format_args!(
                    "`&str` argument `{}` needs a maximum length: write `#[max_len(N)]` above it (N characters, used by the docs and tracer readers)",
                    name
                ),
            );
            return None;
        }
        (ArgType::Bytes { .. }, None) => {
            errors.push_spanned(
                &pat_type.ty,
                format_args!(
                    "`&[u8]` argument `{}` needs its length: write `#[len(N)]` above it (N bytes, what readers copy; e.g. 32 for a hash)",
                    name
                ),
            );
            return None;
        }
        (ty, Some((kind, _, attr))) => {
            errors.push_spanned(
                attr,
                format_args!(
                    "remove `#[{kind}]`: only `&str` and `&[u8]` arguments have a length, `{}` is `{}`",
                    name,
                    ty.rust()
                ),
            );
            ty
        }
        (ty, None) => ty,
    };
    Some(Arg {
        name,
        doc,
        ty,
        span: ident.span(),
    })
}

const SUPPORTED_TYPES: &str = "i8, i16, i32, i64, u8, u16, u32, u64, bool, &str or &[u8]";

fn parse_type(ty: &syn::Type, errors: &mut Errors) -> Option<ArgType> {
    let shown = ty.to_token_stream().to_string().replace("& ", "&");
    let hint = match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            if let Some(ident) = p.path.get_ident() {
                if let Some(scalar) = ArgType::from_rust_scalar(&ident.to_string()) {
                    return Some(scalar);
                }
            }
            match p.path.segments.last().map(|s| s.ident.to_string()).as_deref() {
                Some("String") => "write `&str` (with `#[max_len(N)]`) and pass `&s` or `s.as_str()`".to_string(),
                Some("usize") => "write `u64`: USDT arguments have a fixed size".to_string(),
                Some("isize") => "write `i64`: USDT arguments have a fixed size".to_string(),
                Some("f32") | Some("f64") => {
                    "floating-point values are not USDT arguments: pass an integer (e.g. the value scaled to a fixed unit) as `u64` or `i64`".to_string()
                }
                Some("char") => "write `u32` and pass `c as u32`".to_string(),
                Some("u128") | Some("i128") => {
                    "128-bit values do not fit a USDT argument: split it into two `u64` arguments".to_string()
                }
                _ => format!("use one of {SUPPORTED_TYPES}"),
            }
        }
        syn::Type::Reference(r) => {
            let is_str = matches!(&*r.elem, syn::Type::Path(p) if p.path.is_ident("str"));
            if is_str && r.mutability.is_none() && r.lifetime.is_none() {
                return Some(ArgType::Str { max_len: 0 });
            } else if is_str && r.mutability.is_some() {
                "write `&str`: the tracepoint only reads the string".to_string()
            } else if is_str {
                "write `&str` without a lifetime".to_string()
            } else if let syn::Type::Slice(slice) = &*r.elem {
                let is_u8 = matches!(&*slice.elem, syn::Type::Path(p) if p.path.is_ident("u8"));
                if is_u8 && r.mutability.is_none() && r.lifetime.is_none() {
                    return Some(ArgType::Bytes { len: 0 });
                } else if is_u8 {
                    "write `&[u8]`: the tracepoint only reads the bytes".to_string()
                } else {
                    "only byte buffers are passed as slices: write `&[u8]` with `#[len(N)]`"
                        .to_string()
                }
            } else {
                format!("use one of {SUPPORTED_TYPES}")
            }
        }
        _ => format!("use one of {SUPPORTED_TYPES}"),
    };
    errors.push_spanned(
        ty,
        format_args!("unsupported argument type `{shown}`: {hint}"),
    );
    None
}

fn parse_log_attr(attr: &syn::Attribute, args: &[Arg], errors: &mut Errors) -> Option<LogLine> {
    let lit = match attr.parse_args::<syn::LitStr>() {
        Ok(lit) => lit,
        Err(_) => {
            errors.push_spanned(
                attr,
                "write the log line as one string naming arguments in braces: `#[log(\"INBOUND conn from {addr}: id={id}\")]`",
            );
            return None;
        }
    };
    match parse_log_line(&lit.value(), args) {
        Ok(line) => Some(line),
        Err(message) => {
            errors.push(lit.span(), message);
            None
        }
    }
}

/// Parses a log line: text with `{argument}` references, `{{` and `}}` for
/// literal braces.
pub fn parse_log_line(text: &str, args: &[Arg]) -> Result<LogLine, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    let names = || {
        args.iter()
            .map(|a| format!("{{{}}}", a.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => {
                            return Err("unclosed `{` in log line: close it with `}` or write `{{` for a literal brace".to_string());
                        }
                    }
                }
                if name.contains(':') {
                    return Err(format!(
                        "format specs are not supported in log lines: write `{{{}}}`, the printed format follows the argument's type",
                        name.split(':').next().unwrap_or_default()
                    ));
                }
                let Some(index) = args.iter().position(|a| a.name == name) else {
                    return Err(if args.is_empty() {
                        format!("log line names `{{{name}}}` but this tracepoint has no arguments")
                    } else {
                        format!(
                            "log line names `{{{name}}}`, which is not an argument of this tracepoint: use one of {}",
                            names()
                        )
                    });
                };
                if index >= BPFTRACE_MAX_ARGS {
                    return Err(format!(
                        "log line names `{{{name}}}`, argument {} of the tracepoint, but bpftrace reads only the first {BPFTRACE_MAX_ARGS} on x86-64: move it among the first {BPFTRACE_MAX_ARGS} arguments or leave it out of the log line",
                        index + 1
                    ));
                }
                if !literal.is_empty() {
                    pieces.push(LogPiece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(LogPiece::Arg(index));
            }
            '}' => {
                return Err("unmatched `}` in log line: write `}}` for a literal brace".to_string());
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        pieces.push(LogPiece::Text(literal));
    }
    Ok(LogLine { pieces })
}

/// The text of `#[doc = "..."]` attributes: one leading space per line
/// removed, surrounding blank lines trimmed.
fn doc_text(attrs: &[syn::Attribute]) -> String {
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

/// Checks that a provider or tracepoint name is a USDT identifier that every
/// tracer accepts: lowercase ASCII letters, digits and single underscores,
/// starting with a letter, at most 64 characters.
fn check_usdt_name(ident: &syn::Ident, what: &str, errors: &mut Errors) {
    let example = if what == "provider" {
        "net"
    } else {
        "inbound_connection"
    };
    let name = ident.to_string();
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_');
    if !valid {
        errors.push(
            ident.span(),
            format_args!(
                "`{name}` is not a valid USDT {what} name: use lowercase ASCII letters, digits and single underscores, starting with a letter, at most 64 characters (e.g. `{example}`)"
            ),
        );
    }
}

/// Words that would break a generated C struct, bpftrace variable or Python
/// decoder if used as an argument name.
const RESERVED: &[&str] = &[
    // C
    "auto", "char", "double", "float", "int", "long", "register", "short", "signed", "sizeof",
    "switch", "case", "default", "goto", "typedef", "union", "unsigned", "void", "volatile",
    "restrict", "inline", "extern", "static", "const", "enum", "struct", "while", "for", "do",
    "if", "else", "break", "continue", "return", // Python
    "and", "as", "assert", "class", "def", "del", "elif", "except", "finally", "from", "global",
    "import", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "try", "with", "yield",
    "None", "True", "False", // generated code
    "ctx", "event",
];

fn check_arg_name(ident: &syn::Ident, errors: &mut Errors) {
    let name = ident.to_string();
    let ascii = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64;
    if !ascii {
        errors.push(
            ident.span(),
            format_args!(
                "argument name `{name}` must be ASCII letters, digits and underscores, starting with a letter (it becomes a C field and a bpftrace variable)"
            ),
        );
    } else if RESERVED.contains(&name.as_str()) {
        errors.push(
            ident.span(),
            format_args!(
                "argument name `{name}` is a C or Python keyword and would break the generated readers: rename it, e.g. `{name}_value`"
            ),
        );
    }
}

#[cfg(test)]
mod tests;
