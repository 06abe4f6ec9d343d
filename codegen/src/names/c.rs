//! The names of a provider's C readers: the BCC program, the libbpf
//! program and its header. One translation unit each, with the same event
//! types, so one set of scopes serves all three:
//!
//! - the file scope (identifiers and macros): maps, the license, the
//!   header guard, each tracepoint's kind constant, program and BCC
//!   function, each length `#define`, and what the headers declare
//!   ([`header_names`], listed from the real headers
//!   by a test, and the `bpf_`/`BPF_` prefixes);
//! - the struct tags: each event struct and the kind enum;
//! - each event struct's members: `kind`, then the arguments.
//!
//! Inside a handler, every name the readers declare is one of
//! [`Locals`]; the parameters a libbpf handler takes are the arguments'
//! names after an underscore ([`ArgNames::param`]), which no local, map or
//! helper starts with and no argument can be (argument names start with a
//! letter): the two cannot meet.

use super::header_names;
use super::scope::{Owner, Scope};
use super::words::C_KEYWORDS;
use super::{base, length_suffix, owner_of_arg};
use crate::model::{Provider, Tracepoint};

/// Every name of a provider's C readers.
#[derive(Debug)]
pub struct Names {
    /// `net_events`: the ring buffer map.
    pub ring_buffer: String,
    /// `net_lost`: the per-CPU count of events the full ring buffer
    /// dropped.
    pub lost_counter: String,
    /// `net_scratch`: the per-CPU map a string is read into before its
    /// record is reserved, and the tag of its value struct.
    pub scratch: String,
    /// `net_wakeup`: the map holding where in the ring buffer the next
    /// forced wakeup of the reader may come.
    pub wakeup: String,
    /// `net_wakeup_flags`: the function that picks a record's submit
    /// flags (wake the reader or not).
    pub wakeup_flags: String,
    /// `NET_RING_PAGES`: the BCC program's ring buffer size in pages (a
    /// macro its loader may define).
    pub ring_pages: String,
    /// `LICENSE`: the libbpf program's license variable.
    pub license: String,
    /// `NET_BPF_H`: the libbpf header's include guard.
    pub header_guard: String,
    /// `net_event_kind`: the enum of event kinds (a tag).
    pub kind_enum: String,
    /// Per tracepoint, in order.
    pub tracepoints: Vec<TracepointNames>,
}

/// The names of one tracepoint's C items.
#[derive(Debug)]
pub struct TracepointNames {
    /// `NET_INBOUND_CONNECTION`: its kind constant.
    pub kind: String,
    /// `net_inbound_connection`: its event struct's tag, and the name of
    /// its libbpf program.
    pub event_struct: String,
    /// `trace_net_inbound_connection`: its BCC function.
    pub bcc_function: String,
    /// `put_net_inbound_connection`: the function that reserves, fills
    /// and submits a record of a given size.
    pub put_function: String,
    /// `kind`: the event struct's first member.
    pub kind_field: String,
    /// Per argument, in order.
    pub args: Vec<ArgNames>,
}

/// The names of one argument in the C readers.
#[derive(Debug)]
pub struct ArgNames {
    /// Its member of the event struct: the argument's name.
    pub field: String,
    /// `NET_INBOUND_CONNECTION_ADDR_MAX_LEN` or `..._LEN`: the length
    /// `#define` of a string or buffer.
    pub length: Option<String>,
    /// `_addr`: its parameter in a libbpf handler.
    pub param: String,
}

/// The locals and parameters of every probe handler that are the readers'
/// own (none starts with an underscore).
#[derive(Debug, Clone, Copy)]
pub struct Locals {
    /// The registers of the probe (BPF_USDT's and BCC's fixed name).
    pub ctx: &'static str,
    /// The event being filled.
    pub event: &'static str,
    /// The key 0 of a one-entry map.
    pub zero: &'static str,
    /// The key of the lost counter: the event's kind.
    pub key: &'static str,
    /// The lost counter's slot.
    pub lost: &'static str,
    /// How many bytes of a variable buffer are copied.
    pub len: &'static str,
    /// The pointer a BCC handler reads a string or buffer through.
    pub ptr: &'static str,
    /// The bytes a record leaves for its last field (a constant per call).
    pub room: &'static str,
    /// How many bytes of the record's last field are kept.
    pub kept: &'static str,
    /// Where the record's last field is copied from.
    pub from: &'static str,
    /// The scratch map's slot a string is read into first.
    pub scratch: &'static str,
}

/// The handlers' own locals.
pub const LOCALS: Locals = Locals {
    ctx: "ctx",
    event: "event",
    zero: "zero",
    key: "key",
    lost: "lost",
    len: "n",
    ptr: "ptr",
    room: "room",
    kept: "kept",
    from: "from",
    scratch: "scratch",
};

impl Names {
    /// The names of `provider`'s C readers, each taken from its scope;
    /// the scopes are appended to `scopes` (see
    /// [`collisions`](super::collisions)).
    pub fn allocate(provider: &Provider, scopes: &mut Vec<Scope>) -> Names {
        let p = &provider.name;
        let mut file = Scope::new("the generated C readers")
            .reserve(C_KEYWORDS, "a C keyword or predefined name")
            .reserve(
                header_names::IDENTIFIERS,
                "a name of the headers the C readers include",
            )
            .reserve_prefix("bpf_", "a name prefix of the libbpf and BCC headers")
            .reserve_prefix("BPF_", "a name prefix of the libbpf and BCC headers");
        let mut tags = Scope::new("the struct tags of the generated C readers").reserve(
            header_names::TAGS,
            "a tag of the headers the C readers include",
        );
        // Every C name of the provider starts so: a reserved prefix there
        // is the provider's to change.
        file.user(format!("{p}_"), Owner::Provider);
        let ring_buffer = file.reader(format!("{p}_events"), "the ring buffer map");
        let lost_counter = file.reader(format!("{p}_lost"), "the lost-event counter map");
        let scratch = file.reader(format!("{p}_scratch"), "the string scratch map");
        tags.reader(scratch.clone(), "the string scratch map's value");
        let wakeup = file.reader(format!("{p}_wakeup"), "the wakeup policy's map");
        let wakeup_flags = file.reader(format!("{p}_wakeup_flags"), "the wakeup policy's function");
        let ring_pages = file.reader(
            format!("{}_RING_PAGES", p.to_uppercase()),
            "the BCC ring buffer's size in pages",
        );
        let license = file.reader("LICENSE", "the libbpf program's license");
        let header_guard = file.reader(
            format!("{}_BPF_H", p.to_uppercase()),
            "the libbpf header's include guard",
        );
        let kind_enum = tags.reader(format!("{p}_event_kind"), "the enum of event kinds");
        let tracepoints = provider
            .tracepoints
            .iter()
            .map(|tracepoint| {
                TracepointNames::allocate(provider, tracepoint, &mut file, &mut tags, scopes)
            })
            .collect();
        scopes.extend([file, tags]);
        Names {
            ring_buffer,
            lost_counter,
            scratch,
            wakeup,
            wakeup_flags,
            ring_pages,
            license,
            header_guard,
            kind_enum,
            tracepoints,
        }
    }

    /// The names of `provider`'s C readers (checked when the declaration
    /// was).
    pub fn of(provider: &Provider) -> Names {
        Names::allocate(provider, &mut Vec::new())
    }
}

impl TracepointNames {
    fn allocate(
        provider: &Provider,
        tracepoint: &Tracepoint,
        file: &mut Scope,
        tags: &mut Scope,
        scopes: &mut Vec<Scope>,
    ) -> TracepointNames {
        let owner = Owner::Tracepoint(tracepoint.index);
        let base = base(provider, tracepoint);
        let kind = file.user(base.to_uppercase(), owner);
        let event_struct = file.user(base.clone(), owner);
        tags.user(base.clone(), owner);
        let bcc_function = file.user(format!("trace_{base}"), owner);
        let put_function = file.user(format!("put_{base}"), owner);
        let mut members = Scope::new(format!("the C struct `{base}`"))
            .reserve(C_KEYWORDS, "a C keyword or predefined name");
        let kind_field = members.reader("kind", "the event's kind, its first member");
        let args = tracepoint
            .args
            .iter()
            .enumerate()
            .map(|(i, arg)| {
                let owner = owner_of_arg(tracepoint, i);
                let length = length_suffix(arg.ty).map(|suffix| {
                    file.user(
                        format!("{kind}_{}_{suffix}", arg.name.to_uppercase()),
                        owner,
                    )
                });
                ArgNames {
                    field: members.user(arg.name.clone(), owner),
                    length,
                    param: format!("_{}", arg.name),
                }
            })
            .collect();
        scopes.push(members);
        TracepointNames {
            kind,
            event_struct,
            bcc_function,
            put_function,
            kind_field,
            args,
        }
    }
}
