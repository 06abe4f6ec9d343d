//! The names of a provider's BCC Python module: module constants and
//! classes in one scope (with the module's own imports, functions and
//! tables, Python's keywords and built-in classes), and each event class's
//! fields in one of its own.

use super::scope::{Owner, Scope};
use super::words::{PYTHON_BUILTIN_CLASSES, PYTHON_KEYWORDS};
use super::{base, camel, owner_of_arg, value_name_key};
use crate::model::Provider;

/// The module's own functions, constants and imported modules, as its
/// fixed part (`bcc_module_head.py`, `bcc_module_functions.py`) names them.
pub const MODULE_OWN: &[&str] = &[
    "ctypes",
    "json",
    "os",
    "signal",
    "stat",
    "struct",
    "sys",
    "tempfile",
    "decode",
    "record_len",
    "_STRING_FIELDS",
    "_strings_end",
    "_kept",
    "as_dict",
    "json_line",
    "lost_events",
    "lost_json",
    "RECORDS_MAGIC",
    "RECORDS_MAGIC_1",
    "RECORDS_TRAILER",
    "MAX_RECORD",
    "POLL_MS",
    "read_records",
    "is_attach_failure",
    "attach_failure",
    "ring_pages",
    "main",
];

/// Every name of a provider's Python module.
#[derive(Debug)]
pub struct Names {
    /// `EVENTS`: kind to (tracepoint, class).
    pub events: String,
    /// `PROBES`: the (tracepoint, BCC function) pairs to enable.
    pub probes: String,
    /// `RING_BUFFER`: the ring buffer's name.
    pub ring_buffer: String,
    /// `LOST_COUNTER`: the lost counter's name.
    pub lost_counter: String,
    /// Per tracepoint, in order.
    pub tracepoints: Vec<TracepointNames>,
}

/// The names of one tracepoint in the Python module.
#[derive(Debug)]
pub struct TracepointNames {
    /// `NET_INBOUND_CONNECTION`: its kind constant.
    pub kind: String,
    /// `NetInboundConnection`: its `ctypes` class.
    pub class: String,
    /// `kind`: the class's first field.
    pub kind_field: String,
    /// Its fields, the arguments' names in order.
    pub fields: Vec<String>,
    /// Per argument, the key of its value's name in `as_dict` (arguments
    /// with named values only).
    pub value_names: Vec<Option<String>>,
}

impl Names {
    /// The names of `provider`'s Python module, each taken from its scope;
    /// the scopes are appended to `scopes`.
    pub fn allocate(provider: &Provider, scopes: &mut Vec<Scope>) -> Names {
        let mut module = Scope::new("the generated Python module")
            .reserve(PYTHON_KEYWORDS, "a Python keyword")
            .reserve(PYTHON_BUILTIN_CLASSES, "a Python built-in name")
            .reserve(MODULE_OWN, "a name the Python module uses itself");
        let events = module.reader("EVENTS", "the Python module's table of events");
        let probes = module.reader("PROBES", "the Python module's table of probes");
        let ring_buffer = module.reader("RING_BUFFER", "the Python module's ring buffer name");
        let lost_counter = module.reader("LOST_COUNTER", "the Python module's lost counter name");
        let tracepoints = provider
            .tracepoints
            .iter()
            .map(|tracepoint| {
                let owner = Owner::Tracepoint(tracepoint.index);
                let base = base(provider, tracepoint);
                let class = module.user(camel(&base), owner);
                let mut fields = Scope::new(format!("the Python class `{class}`"))
                    .reserve(PYTHON_KEYWORDS, "a Python keyword");
                let kind_field = fields.reader("kind", "the event's kind, its first field");
                // Each field, then the key of its value's name in
                // `as_dict` (arguments with named values only).
                let (args, value_names) = tracepoint
                    .args
                    .iter()
                    .enumerate()
                    .map(|(i, arg)| {
                        let owner = owner_of_arg(tracepoint, i);
                        let field = fields.user(arg.name.clone(), owner);
                        let key = (!arg.values.is_empty())
                            .then(|| fields.user(value_name_key(&arg.name), owner));
                        (field, key)
                    })
                    .unzip();
                scopes.push(fields);
                TracepointNames {
                    kind: module.user(base.to_uppercase(), owner),
                    class,
                    kind_field,
                    fields: args,
                    value_names,
                }
            })
            .collect();
        scopes.push(module);
        Names {
            events,
            probes,
            ring_buffer,
            lost_counter,
            tracepoints,
        }
    }

    /// The names of `provider`'s Python module (checked when the
    /// declaration was).
    pub fn of(provider: &Provider) -> Names {
        Names::allocate(provider, &mut Vec::new())
    }
}
