//! Every rule a declaration must follow, checked on the parsed
//! [`ast`] against a backend's [`Limits`], and the lowering of
//! what is valid into the [`model`](crate::model). Each rule is a function
//! of its own that records its errors at the offending token, so a user
//! sees every mistake at once.

use crate::errors::Errors;
use crate::model::{
    Arg, ArgType, BPFTRACE_MAX_ARGS, BytesDisplay, BytesLen, Limits, LogLine, LogPiece,
    MAX_BUFFER_CAP, MAX_NAME_LEN, MAX_STR_LEN, NamedValue, Provider, Tracepoint, Unit,
};
use crate::names::{self, Owner};
use crate::names::{UNNAMED_VARIANT, value_variant};
use crate::syntax::ast::{self, LengthValue};
use crate::syntax::doc::Doc;
use crate::syntax::types::{TypeShape, type_shape};
use proc_macro2::Span;

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

/// Every footnote reference (`[^label]`) in the provider's docs has a
/// definition (`[^label]: ...`) somewhere in them: in the module's doc
/// comment, usually, as Markdown puts them at the end of the page.
fn footnotes(provider: &Provider, ident: &syn::Ident, errors: &mut Errors) {
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

/// No two owners may share a name in one namespace of the generated
/// outputs, the readers' own names and the languages' reserved words
/// included (see [`names`]): each tracepoint or argument that would is
/// refused once, at its token; a provider whose name starts a reserved
/// prefix, once at its name.
fn generated_names(provider: &Provider, ident: &syn::Ident, errors: &mut Errors) {
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
fn describe(provider: &Provider, ident: &syn::Ident, owner: Owner) -> (String, Span, String) {
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
    documented(&arg.doc, &arg.ident, NameKind::Argument, errors);
    printable_doc(&arg.doc, &arg.ident, NameKind::Argument, errors);
    type_placeholder(&arg.doc, &arg.ident, errors);
    let ty = arg_type(arg, siblings, errors)?;
    let length_doc = length_doc(arg, ty, errors);
    let values = named_values(arg, ty, errors);
    let unit = unit(arg, ty, errors);
    Some(Arg {
        name,
        doc: arg.doc.clone(),
        ty,
        length_doc,
        values,
        unit,
        span: arg.ident.span(),
    })
}

/// `#[values(...)]`: on an integer; each value in the type's range and
/// named once, each name a word of letters, digits and underscores given
/// to one value.
fn named_values(arg: &ast::Arg, ty: ArgType, errors: &mut Errors) -> Vec<NamedValue> {
    let Some(values) = &arg.values else {
        return Vec::new();
    };
    let Some((min, max)) = ty.integer_range() else {
        errors.push_spanned(
            &values.attr,
            format_args!(
                "remove this attribute: only integer arguments have named values, `{}` is `{}`",
                arg.ident,
                ty.rust()
            ),
        );
        return Vec::new();
    };
    let mut named: Vec<NamedValue> = Vec::new();
    for entry in &values.entries {
        let name = entry.name.value();
        let value = entry.value;
        let word = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && name.len() <= MAX_NAME_LEN;
        if !(min..=max).contains(&value) {
            errors.push(
                entry.value_span,
                format_args!(
                    "{value} is not a `{}` value ({min} to {max}): name only values `{}` can hold",
                    ty.rust(),
                    arg.ident
                ),
            );
        } else if !word {
            errors.push(
                entry.name.span(),
                format_args!(
                    "`{name}` is not a value name: use ASCII letters, digits and underscores, starting with a letter, at most {MAX_NAME_LEN} characters (e.g. `ipv4`, `IF_NEEDED`)"
                ),
            );
        } else if let Some(other) = named.iter().find(|v| v.value == value) {
            errors.push(
                entry.value_span,
                format_args!(
                    "{value} is named twice (`{}` and `{name}`): keep one name",
                    other.name
                ),
            );
        } else if let Some(other) = named
            .iter()
            .find(|v| v.name != name && value_variant(&v.name) == value_variant(&name))
        {
            errors.push(
                entry.name.span(),
                format_args!(
                    "`{name}` and `{}` would be one variant `{}` of the Rust events' enum: name them apart",
                    other.name,
                    value_variant(&name)
                ),
            );
        } else if ["Self", UNNAMED_VARIANT].contains(&value_variant(&name).as_str()) {
            errors.push(
                entry.name.span(),
                format_args!(
                    "`{name}` would be the Rust variant `{}`, which the events' enum cannot take (`{UNNAMED_VARIANT}` holds values without a name): choose another name",
                    value_variant(&name)
                ),
            );
        } else if let Some(other) = named.iter().find(|v| v.name == name) {
            errors.push(
                entry.name.span(),
                format_args!(
                    "`{name}` names both {} and {value}: give each value its own name",
                    other.value
                ),
            );
        } else {
            named.push(NamedValue { value, name });
        }
    }
    named
}

/// `#[unit = "..."]`: on an integer, one of the known units.
fn unit(arg: &ast::Arg, ty: ArgType, errors: &mut Errors) -> Option<Unit> {
    let lit = arg.unit.as_ref()?;
    if ty.integer_range().is_none() {
        errors.push(
            lit.span(),
            format_args!(
                "remove this: only integer arguments have a unit, `{}` is `{}`",
                arg.ident,
                ty.rust()
            ),
        );
        return None;
    }
    let symbol = lit.value();
    let found = Unit::from_symbol(&symbol);
    if found.is_none() {
        let known: Vec<String> = Unit::ALL
            .iter()
            .map(|u| format!("`{}` ({})", u.symbol(), u.meaning()))
            .collect();
        errors.push(
            lit.span(),
            format_args!(
                "unknown unit `{symbol}`: use one of {}, or say it in the doc comment",
                known.join(", ")
            ),
        );
    }
    found
}

/// An argument's doc may place its type with `{type}`, once.
fn type_placeholder(doc: &Doc, ident: &syn::Ident, errors: &mut Errors) {
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
fn no_type_placeholder(doc: &Doc, ident: &syn::Ident, errors: &mut Errors) {
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
fn length_doc(arg: &ast::Arg, ty: ArgType, errors: &mut Errors) -> Option<Doc> {
    let lit = arg.length_doc.as_ref()?;
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

/// The position of the argument `name` that holds the length of `buffer`,
/// one of `siblings`: an unsigned integer of the same tracepoint, the
/// length of no earlier buffer. `None` when it is not (reported at `span`).
fn length_arg(
    buffer: &ast::Arg,
    siblings: &[ast::Arg],
    name: &str,
    span: Span,
    errors: &mut Errors,
) -> Option<usize> {
    let Some(index) = siblings.iter().position(|a| a.ident == name) else {
        errors.push(
            span,
            format_args!(
                "no argument `{name}` holds the length of `{}`: declare it in this tracepoint (e.g. `{name}: u64`) or write a fixed length, `#[len(32)]`",
                buffer.ident
            ),
        );
        return None;
    };
    match type_shape(&siblings[index].ty) {
        Ok(TypeShape::Scalar(ArgType::U8 | ArgType::U16 | ArgType::U32 | ArgType::U64)) => {}
        // An unsupported type has its own error already.
        Err(_) => return None,
        Ok(_) => {
            let shown = quote::ToTokens::to_token_stream(&siblings[index].ty)
                .to_string()
                .replace("& ", "&");
            errors.push(
                span,
                format_args!(
                    "`{name}` is `{shown}`: the length of a byte buffer is an unsigned integer argument (`u64`, `u32`, `u16` or `u8`)"
                ),
            );
            return None;
        }
    }
    let earlier = siblings.iter().take_while(|a| !std::ptr::eq(*a, buffer));
    let shared = earlier
        .filter_map(|a| a.len.as_ref())
        .any(|len| len.value == LengthValue::Arg(name.to_string()));
    if shared {
        errors.push(
            span,
            format_args!(
                "`{name}` already holds the length of another buffer: give each buffer its own length argument"
            ),
        );
        return None;
    }
    Some(index)
}

/// What an error message calls a named thing.
#[derive(Clone, Copy)]
enum NameKind {
    Provider,
    Tracepoint,
    Argument,
}

/// Checks that a provider or tracepoint name is a USDT identifier that
/// every tracer accepts: lowercase ASCII letters, digits and single
/// underscores, starting with a letter, at most 64 characters.
fn usdt_name(ident: &syn::Ident, kind: NameKind, errors: &mut Errors) {
    let (what, example) = match kind {
        NameKind::Provider => ("provider", "net"),
        _ => ("tracepoint", "inbound_connection"),
    };
    let name = ident.to_string();
    let valid = name.len() <= MAX_NAME_LEN
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
                "`{name}` is not a valid USDT {what} name: use lowercase ASCII letters, digits and single underscores, starting with a letter, at most {MAX_NAME_LEN} characters (e.g. `{example}`)"
            ),
        );
    }
}

/// Every tracepoint and argument has a doc comment: the generated docs
/// must be complete.
fn documented(doc: &str, ident: &syn::Ident, kind: NameKind, errors: &mut Errors) {
    if !doc.is_empty() {
        return;
    }
    let message = match kind {
        NameKind::Argument => format!(
            "argument `{ident}` has no doc comment: write `/// What it holds.` above it (the generated tracing.md needs it)"
        ),
        _ => format!(
            "tracepoint `{ident}` has no doc comment: write `/// When it fires and what it means.` above it (the generated tracing.md needs it)"
        ),
    };
    errors.push(ident.span(), message);
}

/// Doc text holds no control character but line breaks and tabs: the
/// generators copy it into comments and strings of five languages, where
/// a carriage return, a NUL or an escape would end a comment, break a file
/// or forge output.
fn printable_doc(doc: &str, ident: &syn::Ident, kind: NameKind, errors: &mut Errors) {
    let Some(c) = doc
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
    else {
        return;
    };
    let what = match kind {
        NameKind::Provider => "provider",
        NameKind::Tracepoint => "tracepoint",
        NameKind::Argument => "argument",
    };
    errors.push(
        ident.span(),
        format_args!(
            "the doc comment of {what} `{ident}` holds the control character U+{:04X}: remove it (the generated readers copy docs into comments and strings)",
            c as u32
        ),
    );
}

/// An argument name becomes a C field, a Python attribute, a Rust field
/// and a bpftrace variable: snake_case ASCII, so that no macro of the C
/// readers (all uppercase) can replace it. Reserved words and the
/// readers' own names are refused where names are allocated (see
/// [`names`]).
fn arg_name(ident: &syn::Ident, errors: &mut Errors) {
    let name = ident.to_string();
    let snake = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && name.len() <= 64;
    if !snake {
        errors.push(
            ident.span(),
            format_args!(
                "argument name `{name}` must be snake_case: lowercase ASCII letters, digits and single underscores, starting with a letter, at most 64 (it becomes a C field, a Rust field and a bpftrace variable): rename it, e.g. `{}`",
                suggest_snake(&name)
            ),
        );
    }
}

/// `name` in snake_case ASCII, for an error's suggestion.
fn suggest_snake(name: &str) -> String {
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
    let mut out: String = out.chars().take(64).collect();
    if out.is_empty() {
        out.push_str("value");
    }
    out
}

/// The number of a length attribute, between 1 and `max`. `None` when
/// it is not (reported) or not a number.
fn number(length: &ast::Length, max: u32, example: &str, errors: &mut Errors) -> Option<u32> {
    let LengthValue::Number(value) = length.value else {
        if let LengthValue::Arg(name) = &length.value {
            errors.push(
                length.value_span,
                format_args!("write a number of bytes here, not `{name}`: e.g. `{example}`"),
            );
        }
        return None;
    };
    if value == 0 || value > u64::from(max) {
        errors.push(
            length.value_span,
            format_args!("a length is between 1 and {max} bytes: write e.g. `{example}`"),
        );
        return None;
    }
    Some(value as u32)
}

/// The argument's type, with what its attributes give: `&str` and `&CStr`
/// take `#[max_len(N)]`; `&[u8]` takes `#[len(N)]`, or `#[len(arg)]` and
/// `#[max_len(N)]`, and optionally `#[hash]`; scalars take none. `None`
/// when the type is unsupported or an attribute is missing or wrong.
fn arg_type(arg: &ast::Arg, siblings: &[ast::Arg], errors: &mut Errors) -> Option<ArgType> {
    let shape = match type_shape(&arg.ty) {
        Ok(shape) => shape,
        Err(hint) => {
            let shown = quote::ToTokens::to_token_stream(&arg.ty)
                .to_string()
                .replace("& ", "&");
            errors.push_spanned(
                &arg.ty,
                format_args!("unsupported argument type `{shown}`: {hint}"),
            );
            return None;
        }
    };
    let name = &arg.ident;
    let remove = |attr: &syn::Attribute, what: &str, errors: &mut Errors| {
        errors.push_spanned(attr, format_args!("remove this attribute: {what}"));
    };
    match shape {
        TypeShape::Scalar(ty) => {
            for attr in [&arg.len, &arg.max_len]
                .into_iter()
                .flatten()
                .map(|l| &l.attr)
                .chain(&arg.hash)
            {
                remove(
                    attr,
                    &format!(
                        "only `&str`, `&CStr` and `&[u8]` arguments have a length or a display, `{name}` is `{}`",
                        ty.rust()
                    ),
                    errors,
                );
            }
            Some(ty)
        }
        TypeShape::Str | TypeShape::CStr => {
            let rust = if shape == TypeShape::Str {
                "&str"
            } else {
                "&CStr"
            };
            if let Some(len) = &arg.len {
                errors.push_spanned(
                    &len.attr,
                    format_args!(
                        "a `{rust}` has a maximum length, not an exact one: write `#[max_len(N)]`"
                    ),
                );
                // Without `#[max_len]` too, this error says it all.
                arg.max_len.as_ref()?;
            }
            if let Some(hash) = &arg.hash {
                remove(
                    hash,
                    "`#[hash]` shows a `&[u8]`; a string is shown as text",
                    errors,
                );
            }
            let Some(max_len) = &arg.max_len else {
                errors.push_spanned(
                    &arg.ty,
                    format_args!(
                        "`{rust}` argument `{name}` needs a maximum length: write `#[max_len(N)]` above it (N bytes, at most {MAX_STR_LEN}: what the docs state and readers keep)"
                    ),
                );
                return None;
            };
            let max_len = number(max_len, MAX_STR_LEN, "#[max_len(68)]", errors)?;
            Some(if shape == TypeShape::Str {
                ArgType::Str { max_len }
            } else {
                ArgType::CStr { max_len }
            })
        }
        TypeShape::Bytes => bytes_type(arg, siblings, errors),
    }
}

/// The type of a `&[u8]` argument: a fixed length, or the name of the
/// argument holding it and the readers' cap.
fn bytes_type(arg: &ast::Arg, siblings: &[ast::Arg], errors: &mut Errors) -> Option<ArgType> {
    let name = &arg.ident;
    let display = if arg.hash.is_some() {
        BytesDisplay::Hash
    } else {
        BytesDisplay::Hex
    };
    let Some(len) = &arg.len else {
        if let Some(max_len) = &arg.max_len {
            errors.push_spanned(
                &max_len.attr,
                "a byte buffer takes `#[len(N)]` (exactly N bytes) or `#[len(size)] #[max_len(N)]` (as many bytes as the argument `size` says, of which readers keep up to N)",
            );
            return None;
        }
        errors.push_spanned(
            &arg.ty,
            format_args!(
                "`&[u8]` argument `{name}` needs its length: write `#[len(N)]` above it (N bytes, e.g. 32 for a hash), or `#[len(size)] #[max_len(N)]` when the argument `size` holds it"
            ),
        );
        return None;
    };
    match &len.value {
        LengthValue::Number(_) => {
            if let Some(max_len) = &arg.max_len {
                errors.push_spanned(
                    &max_len.attr,
                    "remove this attribute: a buffer of fixed length passes exactly `#[len(N)]` bytes, and readers keep them all",
                );
            }
            let len = number(len, MAX_STR_LEN, "#[len(32)]", errors)?;
            let len = BytesLen::Fixed(len);
            Some(ArgType::Bytes { len, display })
        }
        LengthValue::Arg(length_name) => {
            if let Some(hash) = &arg.hash {
                errors.push_spanned(
                    hash,
                    "`#[hash]` shows a buffer of fixed length (a hash is `#[len(32)]`): remove it, or give the buffer a fixed length",
                );
            }
            let Some(max_len) = &arg.max_len else {
                errors.push_spanned(
                    &len.attr,
                    format_args!(
                        "a buffer whose length is `{length_name}` needs the most bytes readers keep: write `#[max_len(N)]` beside it (at most {MAX_BUFFER_CAP}; Bitcoin Core's tools keep 32568 bytes of a message)"
                    ),
                );
                return None;
            };
            let index = length_arg(arg, siblings, length_name, len.value_span, errors);
            let max_len = number(max_len, MAX_BUFFER_CAP, "#[max_len(32568)]", errors)?;
            Some(ArgType::Bytes {
                len: BytesLen::Arg {
                    index: index?,
                    max_len,
                },
                display,
            })
        }
        LengthValue::Invalid => None,
    }
}

/// Parses a log line: text with `{argument}` references, `{{` and `}}` for
/// literal braces. Only the first [`BPFTRACE_MAX_ARGS`] arguments may be
/// named (bpftrace reads no others).
pub fn log_line(text: &str, args: &[Arg]) -> Result<LogLine, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
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
                let (name, by_name) = match name.strip_suffix(":name") {
                    Some(arg) => (arg.to_string(), true),
                    None => (name, false),
                };
                let index = log_argument(&name, args)?;
                if by_name && args[index].values.is_empty() {
                    return Err(format!(
                        "log line names `{{{name}:name}}`, but `{name}` has no named values: declare them with `#[values(0 = \"...\", ...)]` or write `{{{name}}}` for the number"
                    ));
                }
                if !literal.is_empty() {
                    pieces.push(LogPiece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(if by_name {
                    LogPiece::Name(index)
                } else {
                    LogPiece::Arg(index)
                });
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

/// The index of the argument a log line names in `{name}`.
fn log_argument(name: &str, args: &[Arg]) -> Result<usize, String> {
    if name.contains(':') {
        return Err(format!(
            "format specs are not supported in log lines: write `{{{0}}}` (the printed format follows the argument's type), or `{{{0}:name}}` for the name of a named value",
            name.split(':').next().unwrap_or_default()
        ));
    }
    let Some(index) = args.iter().position(|a| a.name == name) else {
        return Err(if args.is_empty() {
            format!("log line names `{{{name}}}` but this tracepoint has no arguments")
        } else {
            let names: Vec<String> = args.iter().map(|a| format!("{{{}}}", a.name)).collect();
            format!(
                "log line names `{{{name}}}`, which is not an argument of this tracepoint: use one of {}",
                names.join(", ")
            )
        });
    };
    if index >= BPFTRACE_MAX_ARGS {
        return Err(format!(
            "log line names `{{{name}}}`, argument {} of the tracepoint, but bpftrace reads only the first {BPFTRACE_MAX_ARGS} on x86-64: move it among the first {BPFTRACE_MAX_ARGS} arguments or leave it out of the log line",
            index + 1
        ));
    }
    if let Some(length) = args[index]
        .ty
        .length_arg()
        .filter(|&l| l >= BPFTRACE_MAX_ARGS)
    {
        return Err(format!(
            "log line names `{{{name}}}`, whose length is argument {} of the tracepoint, `{}`, which bpftrace cannot read on x86-64 (it reads the first {BPFTRACE_MAX_ARGS}): move `{}` among the first {BPFTRACE_MAX_ARGS} arguments or leave `{{{name}}}` out of the log line",
            length + 1,
            args[length].name,
            args[length].name
        ));
    }
    Ok(index)
}

#[cfg(test)]
mod tests;
