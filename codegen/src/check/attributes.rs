//! What an integer argument's `#[values(...)]` and `#[unit = "..."]`
//! may say.

use crate::errors::Errors;
use crate::model::{ArgType, MAX_NAME_LEN, NamedValue, Unit};
use crate::names::{UNNAMED_VARIANT, value_variant};
use crate::syntax::ast;

/// `#[values(...)]`: on an integer; each value in the type's range and
/// named once, each name a word of letters, digits and underscores given
/// to one value.
pub(super) fn named_values(arg: &ast::Arg, ty: ArgType, errors: &mut Errors) -> Vec<NamedValue> {
    let Some(values) = &arg.attrs.values else {
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
pub(super) fn unit(arg: &ast::Arg, ty: ArgType, errors: &mut Errors) -> Option<Unit> {
    let lit = arg.attrs.unit.as_ref()?;
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
