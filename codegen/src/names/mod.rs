//! Every identifier the generated outputs contain, taken from one
//! [`Scope`] per output namespace: the readers' own names, the names the
//! output languages and headers reserve, and the names derived from the
//! declaration (after their mangling: `x_1` and `x1` are both the Python
//! class `NetX1`). The generators read names only from [`c::Names`],
//! [`python::Names`] and [`rust::Names`]; the check calls [`collisions`],
//! which builds the same names through the same scopes, and refuses a
//! declaration that gives one name two owners.
//!
//! Where a reader's own name shares a namespace with names from the
//! declaration, either the scope refuses the collision, or the two are
//! apart by construction: a libbpf handler's parameters start with an
//! underscore ([`c::ArgNames::param`]), bpftrace variables are `$` and the
//! argument's name (a variable buffer's kept length `$_` and the name),
//! and argument names start with a letter.

pub mod c;
pub mod files;
pub mod header_names;
pub mod python;
pub mod rust;
mod scope;
pub mod words;

pub use scope::{Collision, Owner, Scope};

use crate::model::{ArgType, BytesLen, Provider, Tracepoint};

/// Every name two owners would share in one namespace of `provider`'s
/// outputs.
pub fn collisions(provider: &Provider) -> Vec<Collision> {
    let mut scopes = Vec::new();
    c::Names::allocate(provider, &mut scopes);
    python::Names::allocate(provider, &mut scopes);
    rust::Names::allocate(provider, &mut scopes);
    scopes
        .into_iter()
        .flat_map(Scope::into_collisions)
        .collect()
}

/// The event kind value of a tracepoint: its position in the declaration,
/// from 1 (0 is never a valid kind).
pub fn kind_value(tracepoint: &Tracepoint) -> u32 {
    tracepoint.index as u32 + 1
}

/// `net_inbound_connection`: what every name of a tracepoint in every
/// reader is made from (as is, uppercased for its kind constant, in
/// CamelCase for its class and struct).
fn base(provider: &Provider, tracepoint: &Tracepoint) -> String {
    format!("{}_{}", provider.name, tracepoint.name)
}

/// `MAX_LEN` for a string or a variable buffer (the most bytes readers
/// keep), `LEN` for a fixed buffer; `None` for a scalar.
fn length_suffix(ty: ArgType) -> Option<&'static str> {
    match ty {
        ArgType::Str { .. }
        | ArgType::CStr { .. }
        | ArgType::Bytes {
            len: BytesLen::Arg { .. },
            ..
        } => Some("MAX_LEN"),
        ArgType::Bytes { .. } => Some("LEN"),
        _ => None,
    }
}

fn owner_of_arg(tracepoint: &Tracepoint, arg: usize) -> Owner {
    Owner::Arg {
        tracepoint: tracepoint.index,
        arg,
    }
}

/// The Rust variant of a named value: `ipv4` -> `Ipv4`, `IF_NEEDED` ->
/// `IfNeeded` (each part lowercased, then capitalized).
pub fn value_variant(name: &str) -> String {
    camel(&name.to_ascii_lowercase())
}

/// The variant of a named-values enum that holds a value without a name.
pub const UNNAMED_VARIANT: &str = "Unnamed";

/// The key beside an argument's number that holds the name of its value,
/// in the JSON of the BCC and libbpf readers: `network_name`.
pub fn value_name_key(arg: &str) -> String {
    format!("{arg}_name")
}

/// `inbound_connection` -> `InboundConnection`.
fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
