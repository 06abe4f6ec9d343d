//! Written argument types, classified: a supported shape, or a hint
//! saying what to write instead.

use crate::model::ArgType;

/// A supported argument type before its length is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeShape {
    /// An integer or `bool`.
    Scalar(ArgType),
    /// `&str`.
    Str,
    /// `&CStr` (`core::ffi::CStr`, also spelled with `std::ffi::`).
    CStr,
    /// `&[u8]`.
    Bytes,
}

const SUPPORTED_TYPES: &str = "i8, i16, i32, i64, u8, u16, u32, u64, bool, &str, &CStr or &[u8]";

/// Classifies a written type: a supported shape, or a hint saying what to
/// write instead.
pub fn type_shape(ty: &syn::Type) -> Result<TypeShape, String> {
    let is_path = |ty: &syn::Type, name: &str| matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident(name));
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            if let Some(scalar) = p
                .path
                .get_ident()
                .and_then(|ident| ArgType::from_rust_scalar(&ident.to_string()))
            {
                return Ok(TypeShape::Scalar(scalar));
            }
            let last = p.path.segments.last().map(|s| s.ident.to_string());
            Err(match last.as_deref() {
                Some("String") => "write `&str` (with `#[max_len(N)]`) and pass `&s` or `s.as_str()`".into(),
                Some("usize") => "write `u64`: USDT arguments have a fixed size".into(),
                Some("isize") => "write `i64`: USDT arguments have a fixed size".into(),
                Some("f32" | "f64") => "floating-point values are not USDT arguments: pass an integer (e.g. the value scaled to a fixed unit) as `u64` or `i64`".into(),
                Some("char") => "write `u32` and pass `c as u32`".into(),
                Some("u128" | "i128") => "128-bit values do not fit a USDT argument: split it into two `u64` arguments".into(),
                _ => format!("use one of {SUPPORTED_TYPES}"),
            })
        }
        syn::Type::Reference(r) => {
            let plain = r.mutability.is_none() && r.lifetime.is_none();
            match &*r.elem {
                elem if is_path(elem, "str") => {
                    if plain {
                        Ok(TypeShape::Str)
                    } else if r.mutability.is_some() {
                        Err("write `&str`: the tracepoint only reads the string".into())
                    } else {
                        Err("write `&str` without a lifetime".into())
                    }
                }
                syn::Type::Path(p) if p.qself.is_none() && is_cstr(&p.path) => {
                    if plain {
                        Ok(TypeShape::CStr)
                    } else {
                        Err("write `&CStr`: the tracepoint only reads the string, and without a lifetime".into())
                    }
                }
                syn::Type::Slice(slice) if is_path(&slice.elem, "u8") => {
                    if plain {
                        Ok(TypeShape::Bytes)
                    } else {
                        Err("write `&[u8]`: the tracepoint only reads the bytes".into())
                    }
                }
                syn::Type::Slice(_) => Err(
                    "only byte buffers are passed as slices: write `&[u8]` with `#[len(N)]`".into(),
                ),
                _ => Err(format!("use one of {SUPPORTED_TYPES}")),
            }
        }
        _ => Err(format!("use one of {SUPPORTED_TYPES}")),
    }
}

/// `CStr`, `core::ffi::CStr` or `std::ffi::CStr` (with or without a
/// leading `::`).
fn is_cstr(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let plain = path.segments.iter().all(|s| s.arguments.is_none());
    plain
        && match segments.as_slice() {
            [last] => last == "CStr" && path.leading_colon.is_none(),
            [krate, ffi, last] => {
                matches!(krate.as_str(), "core" | "std") && ffi == "ffi" && last == "CStr"
            }
            _ => false,
        }
}
