//! The names of a provider's Rust event types: the module's items (with
//! its own helpers, Rust's keywords and prelude) in one scope, the enum's
//! variants in another, and per event struct its fields and its methods.

use super::scope::{Owner, Scope};
use super::words::{RUST_KEYWORDS, RUST_PRELUDE};
use super::{
    UNNAMED_VARIANT, base, camel, length_suffix, owner_of_arg, value_name_key, value_variant,
};
use crate::model::{ArgType, Provider};

/// The module's own helper functions.
pub const MODULE_OWN: &[&str] = &[
    "lost_json",
    "write_number",
    "c_text",
    "write_hex",
    "write_json_string",
];

/// The types `decode` declares in its own arms: the C layout of an event's
/// fixed fields, which a name of the module must not hide there.
pub const DECODE_OWN: &[&str] = &["Head"];

/// The methods the event structs derive (`Clone`, `Copy`, `Debug`): an
/// accessor of that name would hide them.
pub const DERIVED_METHODS: &[&str] = &["clone", "clone_from", "fmt"];

/// Every name of a provider's Rust event types.
#[derive(Debug)]
pub struct Names {
    /// `TRACEPOINTS`: the programs to attach.
    pub tracepoints_table: String,
    /// `MAX_RECORD`: the size of the provider's largest record.
    pub max_record: String,
    /// `RING_BUFFER`: the ring buffer's name.
    pub ring_buffer: String,
    /// `LOST_COUNTER`: the lost counter's name.
    pub lost_counter: String,
    /// `NetEvent`: the enum of events.
    pub event_enum: String,
    /// Per tracepoint, in order.
    pub tracepoints: Vec<TracepointNames>,
}

/// The names of one tracepoint's Rust items.
#[derive(Debug)]
pub struct TracepointNames {
    /// `NET_INBOUND_CONNECTION`: its kind constant.
    pub kind: String,
    /// `NetInboundConnection`: its event struct.
    pub event_type: String,
    /// `InboundConnection`: its variant of the enum.
    pub variant: String,
    /// `kind`: the struct's first field.
    pub kind_field: String,
    /// Per argument, in order.
    pub args: Vec<ArgNames>,
}

/// The names of one argument in the Rust event types.
#[derive(Debug)]
pub struct ArgNames {
    /// Its field: the argument's name.
    pub field: String,
    /// Its typed accessor (strings, buffers and `bool`s have one).
    pub accessor: Option<String>,
    /// The length constant of a string or buffer.
    pub length: Option<String>,
    /// The items of an integer with named values.
    pub named: Option<Named>,
}

/// The Rust items of an integer argument with named values.
#[derive(Debug)]
pub struct Named {
    /// `NetInboundConnectionNetwork`: the enum of its values.
    pub enum_type: String,
    /// The enum's variants, one per named value in order.
    pub variants: Vec<String>,
    /// The variant of a value without a name.
    pub unnamed: String,
    /// `network_name`: the key of the value's name in the JSON line.
    pub json_key: String,
}

impl Names {
    /// The names of `provider`'s Rust event types, each taken from its
    /// scope; the scopes are appended to `scopes`.
    pub fn allocate(provider: &Provider, scopes: &mut Vec<Scope>) -> Names {
        let mut module = Scope::new("the generated Rust event types")
            .reserve(RUST_KEYWORDS, "a Rust keyword")
            .reserve(RUST_PRELUDE, "a name of Rust's prelude")
            .reserve(MODULE_OWN, "a helper the Rust event types define")
            .reserve(DECODE_OWN, "a type the Rust decoder declares");
        let mut variants = Scope::new("the variants of the generated Rust event enum");
        let tracepoints_table = module.reader("TRACEPOINTS", "the Rust table of programs");
        let max_record = module.reader("MAX_RECORD", "the Rust size of the largest record");
        let ring_buffer = module.reader("RING_BUFFER", "the Rust ring buffer name");
        let lost_counter = module.reader("LOST_COUNTER", "the Rust lost counter name");
        let event_enum = module.reader(
            format!("{}Event", camel(&provider.name)),
            "the Rust enum of events",
        );
        let tracepoints = provider
            .tracepoints
            .iter()
            .map(|tracepoint| {
                let owner = Owner::Tracepoint(tracepoint.index);
                let base = base(provider, tracepoint);
                let kind = module.user(base.to_uppercase(), owner);
                let event_type = module.user(camel(&base), owner);
                let variant = variants.user(camel(&tracepoint.name), owner);
                let mut fields =
                    Scope::new(format!("the fields of the Rust struct `{event_type}`"))
                        .reserve(RUST_KEYWORDS, "a Rust keyword");
                let mut methods =
                    Scope::new(format!("the methods of the Rust struct `{event_type}`"))
                        .reserve(DERIVED_METHODS, "a method the struct derives");
                let kind_field = fields.reader("kind", "the event's kind, its first field");
                let mut item = Item {
                    module: &mut module,
                    fields: &mut fields,
                    methods: &mut methods,
                    kind: &kind,
                    event_type: &event_type,
                };
                let args = tracepoint
                    .args
                    .iter()
                    .enumerate()
                    .map(|(i, arg)| item.arg(arg, owner_of_arg(tracepoint, i)))
                    .collect();
                scopes.extend([fields, methods]);
                TracepointNames {
                    kind,
                    event_type,
                    variant,
                    kind_field,
                    args,
                }
            })
            .collect();
        scopes.extend([module, variants]);
        Names {
            tracepoints_table,
            max_record,
            ring_buffer,
            lost_counter,
            event_enum,
            tracepoints,
        }
    }

    /// The names of `provider`'s Rust event types (checked when the
    /// declaration was).
    pub fn of(provider: &Provider) -> Names {
        Names::allocate(provider, &mut Vec::new())
    }
}

/// The scopes one event struct's arguments take their names from, and the
/// struct's own names that theirs derive from.
struct Item<'a> {
    module: &'a mut Scope,
    fields: &'a mut Scope,
    methods: &'a mut Scope,
    kind: &'a str,
    event_type: &'a str,
}

impl Item<'_> {
    /// The names of one argument: its field, its accessor (strings,
    /// buffers, `bool`s and integers with named values have one), its
    /// length constant, and the enum and JSON key of its named values.
    fn arg(&mut self, arg: &crate::model::Arg, owner: Owner) -> ArgNames {
        let has_accessor = !arg.values.is_empty()
            || matches!(
                arg.ty,
                ArgType::Str { .. } | ArgType::CStr { .. } | ArgType::Bool | ArgType::Bytes { .. }
            );
        let field = self.fields.user(arg.name.clone(), owner);
        let named = (!arg.values.is_empty()).then(|| Named {
            enum_type: self
                .module
                .user(format!("{}{}", self.event_type, camel(&arg.name)), owner),
            // Distinct, and never the unnamed one: checked with the values.
            variants: arg.values.iter().map(|v| value_variant(&v.name)).collect(),
            unnamed: UNNAMED_VARIANT.to_string(),
            json_key: self.fields.user(value_name_key(&arg.name), owner),
        });
        ArgNames {
            field,
            accessor: has_accessor.then(|| self.methods.user(arg.name.clone(), owner)),
            named,
            length: length_suffix(arg.ty).map(|suffix| {
                self.module.user(
                    format!("{}_{}_{suffix}", self.kind, arg.name.to_uppercase()),
                    owner,
                )
            }),
        }
    }
}
