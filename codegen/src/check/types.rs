//! An argument's type with what its length attributes give: the
//! supported shapes, each length in its range, a buffer's length argument.

use crate::errors::Errors;
use crate::model::{ArgType, BytesDisplay, BytesLen, MAX_BUFFER_CAP, MAX_STR_LEN};
use crate::syntax::ast::{self, LengthValue};
use crate::syntax::types::{TypeShape, type_shape};
use proc_macro2::Span;

/// The argument's type, with what its attributes give: `&str` and `&CStr`
/// take `#[max_len(N)]`; `&[u8]` takes `#[len(N)]`, or `#[len(arg)]` and
/// `#[max_len(N)]`, and optionally `#[hash]`; scalars take none. `None`
/// when the type is unsupported or an attribute is missing or wrong.
pub(super) fn arg_type(
    arg: &ast::Arg,
    siblings: &[ast::Arg],
    errors: &mut Errors,
) -> Option<ArgType> {
    let shape = match type_shape(&arg.ty) {
        Ok(shape) => shape,
        Err(hint) => {
            let shown = written(&arg.ty);
            errors.push_spanned(
                &arg.ty,
                format_args!("unsupported argument type `{shown}`: {hint}"),
            );
            return None;
        }
    };
    let name = &arg.ident;
    match shape {
        TypeShape::Scalar(ty) => {
            for attr in [&arg.attrs.len, &arg.attrs.max_len]
                .into_iter()
                .flatten()
                .map(|l| &l.attr)
                .chain(&arg.attrs.hash)
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
        TypeShape::Str | TypeShape::CStr => string_type(arg, shape, errors),
        TypeShape::Bytes => bytes_type(arg, siblings, errors),
    }
}

/// The type of a `&str` or `&CStr` argument (`shape`): its
/// `#[max_len(N)]`, no `#[len]` nor `#[hash]`.
fn string_type(arg: &ast::Arg, shape: TypeShape, errors: &mut Errors) -> Option<ArgType> {
    let name = &arg.ident;
    let rust = if shape == TypeShape::Str {
        "&str"
    } else {
        "&CStr"
    };
    if let Some(len) = &arg.attrs.len {
        errors.push_spanned(
            &len.attr,
            format_args!(
                "a `{rust}` has a maximum length, not an exact one: write `#[max_len(N)]`"
            ),
        );
        // Without `#[max_len]` too, this error says it all.
        arg.attrs.max_len.as_ref()?;
    }
    if let Some(hash) = &arg.attrs.hash {
        remove(
            hash,
            "`#[hash]` shows a `&[u8]`; a string is shown as text",
            errors,
        );
    }
    let Some(max_len) = &arg.attrs.max_len else {
        errors.push_spanned(
            &arg.ty,
            format_args!(
                "`{rust}` argument `{name}` needs a maximum length: write `#[max_len(N)]` above it (N bytes, at most {MAX_STR_LEN}: what the docs state and readers keep)"
            ),
        );
        return None;
    };
    let max_len = length_value(max_len, MAX_STR_LEN, "#[max_len(68)]", errors)?;
    Some(if shape == TypeShape::Str {
        ArgType::Str { max_len }
    } else {
        ArgType::CStr { max_len }
    })
}

/// Reports `attr` as one to remove, saying `what`.
fn remove(attr: &syn::Attribute, what: &str, errors: &mut Errors) {
    errors.push_spanned(attr, format_args!("remove this attribute: {what}"));
}

/// The type of a `&[u8]` argument: a fixed length, or the name of the
/// argument holding it and the readers' cap.
pub(super) fn bytes_type(
    arg: &ast::Arg,
    siblings: &[ast::Arg],
    errors: &mut Errors,
) -> Option<ArgType> {
    let name = &arg.ident;
    let display = if arg.attrs.hash.is_some() {
        BytesDisplay::Hash
    } else {
        BytesDisplay::Hex
    };
    let Some(len) = &arg.attrs.len else {
        if let Some(max_len) = &arg.attrs.max_len {
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
            if let Some(max_len) = &arg.attrs.max_len {
                errors.push_spanned(
                    &max_len.attr,
                    "remove this attribute: a buffer of fixed length passes exactly `#[len(N)]` bytes, and readers keep them all",
                );
            }
            let len = length_value(len, MAX_STR_LEN, "#[len(32)]", errors)?;
            let len = BytesLen::Fixed(len);
            Some(ArgType::Bytes { len, display })
        }
        LengthValue::Arg(length_name) => {
            if let Some(hash) = &arg.attrs.hash {
                errors.push_spanned(
                    hash,
                    "`#[hash]` shows a buffer of fixed length (a hash is `#[len(32)]`): remove it, or give the buffer a fixed length",
                );
            }
            let Some(max_len) = &arg.attrs.max_len else {
                errors.push_spanned(
                    &len.attr,
                    format_args!(
                        "a buffer whose length is `{length_name}` needs the most bytes readers keep: write `#[max_len(N)]` beside it (at most {MAX_BUFFER_CAP}; Bitcoin Core's tools keep 32568 bytes of a message)"
                    ),
                );
                return None;
            };
            let index = length_arg(arg, siblings, length_name, len.value_span, errors);
            let max_len = length_value(max_len, MAX_BUFFER_CAP, "#[max_len(32568)]", errors)?;
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

/// The position of the argument `name` that holds the length of `buffer`,
/// one of `siblings`: an unsigned integer of the same tracepoint, the
/// length of no earlier buffer. `None` when it is not (reported at `span`).
pub(super) fn length_arg(
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
            let shown = written(&siblings[index].ty);
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
        .filter_map(|a| a.attrs.len.as_ref())
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

/// The number of a length attribute, between 1 and `max`. `None` when
/// it is not (reported) or not a number.
fn length_value(length: &ast::Length, max: u32, example: &str, errors: &mut Errors) -> Option<u32> {
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

/// A type as the user wrote it, for a message: `&[u8]`, not `& [u8]`.
fn written(ty: &syn::Type) -> String {
    quote::ToTokens::to_token_stream(ty)
        .to_string()
        .replace("& ", "&")
}
