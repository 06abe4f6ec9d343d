//! Rust twins of the C event structs, for a libbpf-rs (or any Rust) loader
//! of the libbpf program: `#[repr(C)]` structs, an enum of a provider's
//! events with `decode` for a ring-buffer record, and `to_json`. Built with
//! `quote!` and printed with prettyplease.

use super::Origin;
use super::out::{Comment, Out};
use super::record::{LAYOUT_NOTE, Record};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;
use tracepoints_codegen::model::{Arg, ArgType, BytesDisplay, BytesLen, Provider, Tracepoint};
use tracepoints_codegen::names::rust::{self, Names};
use tracepoints_codegen::names::{c, files, kind_value};

/// The Rust module text for `provider`'s events.
pub fn module(provider: &Provider, origin: &Origin) -> String {
    let p = &provider.name;
    let names = Names::of(provider);
    let c_names = c::Names::of(provider);
    let mut out = Out::new();
    out.header(origin, Comment::Slashes, &[]);
    out.comment(
        "//",
        &format!(
            "\nEvents of the `{p}` tracepoints as the libbpf program `{program}` writes\n\
             them to its `{rb}` ring buffer: `#[repr(C)]` twins of `{header}`.\n\
             Include it in a loader with `include!(\"{file}\");` or as a module.\n\
             {LAYOUT_NOTE}",
            program = files::libbpf_program(provider),
            rb = c_names.ring_buffer,
            header = files::libbpf_header(provider),
            file = files::rust_events(provider),
        ),
    );
    // Each group printed on its own, so a blank line separates them.
    for group in item_groups(provider, &names, &c_names) {
        let file: syn::File = syn::parse2(group).expect("generated event items parse");
        writeln!(out);
        out.push_str(&prettyplease::unparse(&file));
    }
    out.finish()
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// One `#[doc]` attribute per line of `text`, as `///` comments print.
fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        let line = if line.trim().is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// The type of an argument's field.
fn field_type(arg: &Arg) -> TokenStream {
    match arg.ty {
        ArgType::Bool => quote!(u8),
        ArgType::Str { max_len } | ArgType::CStr { max_len } => {
            let n = Literal::u32_unsuffixed(max_len);
            quote!([u8; #n + 1])
        }
        ArgType::Bytes { .. } => {
            let n = Literal::u32_unsuffixed(arg.ty.length().unwrap_or(0));
            quote!([u8; #n])
        }
        ty => {
            let ty = ident(ty.rust());
            quote!(#ty)
        }
    }
}

/// The module's items in groups: the constants, the program table, each
/// struct, the enum, its `impl`, each helper function.
fn item_groups(provider: &Provider, names: &Names, c_names: &c::Names) -> Vec<TokenStream> {
    let mut groups = vec![
        constants(provider, names),
        program_table(provider, names, c_names),
    ];
    groups.extend(
        provider
            .tracepoints
            .iter()
            .zip(&names.tracepoints)
            .zip(&c_names.tracepoints)
            .map(|((tracepoint, t), c)| event_struct(provider, tracepoint, t, c)),
    );
    groups.push(event_enum(provider, names));
    groups.push(event_impl(provider, names));
    groups.extend(helpers());
    groups
}

/// Each tracepoint's event kind, and each string's and buffer's length.
fn constants(provider: &Provider, names: &Names) -> TokenStream {
    let mut consts = Vec::new();
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        let kind = ident(&t.kind);
        let kind_value = Literal::u32_unsuffixed(kind_value(tracepoint));
        let kind_doc = format!(" `kind` of a `{}` event.", tracepoint.probe_name(provider));
        consts.push(quote! {
            #[doc = #kind_doc]
            pub const #kind: u32 = #kind_value;
        });
        for (arg, a) in tracepoint.args.iter().zip(&t.args) {
            let (Some(name), Some(n)) = (&a.length, arg.ty.length()) else {
                continue;
            };
            let what = match arg.ty {
                ArgType::Bytes {
                    len: BytesLen::Fixed(_),
                    ..
                } => "Length of",
                _ => "Longest",
            };
            let length_doc = format!(" {what} `{}` kept, in bytes.", arg.name);
            let name = ident(name);
            let n = Literal::u32_unsuffixed(n);
            consts.push(quote! {
                #[doc = #length_doc]
                pub const #name: usize = #n;
            });
        }
    }
    quote!(#(#consts)*)
}

/// `TRACEPOINTS`, `RING_BUFFER`, `LOST_COUNTER`: what a loader attaches
/// and reads.
fn program_table(provider: &Provider, names: &Names, c_names: &c::Names) -> TokenStream {
    let rows = provider
        .tracepoints
        .iter()
        .zip(&c_names.tracepoints)
        .map(|(tracepoint, c)| {
            let (p, t) = (&provider.name, &tracepoint.name);
            let program = &c.event_struct;
            quote!((#p, #t, #program))
        });
    let ring_buffer = &c_names.ring_buffer;
    let lost_counter = &c_names.lost_counter;
    let tracepoints_const = ident(&names.tracepoints_table);
    let max_record_const = ident(&names.max_record);
    let max_record = Literal::u32_unsuffixed(tracepoints_codegen::record::largest(provider));
    let ring_buffer_const = ident(&names.ring_buffer);
    let lost_counter_const = ident(&names.lost_counter);
    quote! {
        /// Every tracepoint as (provider, tracepoint, BPF program name): attach
        /// each program with `bpf_program__attach_usdt` / libbpf-rs `attach_usdt`.
        pub const #tracepoints_const: &[(&str, &str, &str)] = &[#(#rows),*];

        /// The size of the largest record (the largest event struct, its
        /// last field at its cap): a reader of a record file refuses a
        /// record that claims more.
        pub const #max_record_const: usize = #max_record;

        /// The ring buffer the events arrive in.
        pub const #ring_buffer_const: &str = #ring_buffer;

        /// The per-CPU array counting the events the full ring buffer
        /// dropped, one `u64` per CPU at each event's kind (key `i + 1` for
        /// the tracepoint at index `i` of the table above; key 0 unused): sum
        /// each over the CPUs on exit and report them, e.g. with
        /// [`lost_json`].
        pub const #lost_counter_const: &str = #lost_counter;

        /// `{"lost":N,"lost_by_tracepoint":{"provider:tracepoint":n,...}}`, the
        /// line a reader prints on exit: `lost[i]` is the count of the
        /// tracepoint at index `i` of the table above, `N` their sum.
        pub fn lost_json(lost: &[u64]) -> String {
            let by_tracepoint: Vec<String> = #tracepoints_const
                .iter()
                .zip(lost)
                .map(|((provider, tracepoint, _), n)| format!("\"{provider}:{tracepoint}\":{n}"))
                .collect();
            let total: u64 = lost.iter().sum();
            let by_tracepoint = by_tracepoint.join(",");
            format!("{{\"lost\":{total},\"lost_by_tracepoint\":{{{by_tracepoint}}}}}")
        }
    }
}

/// A tracepoint's event: the `#[repr(C)]` twin of its C event struct, or,
/// for an event whose record is cut after its tail (see [`Record`]), the
/// same fields with the tail a slice borrowed from the record, so that
/// decoding copies no more than the record holds.
fn event_struct(
    provider: &Provider,
    tracepoint: &Tracepoint,
    names: &rust::Tracepoint,
    c_names: &c::Tracepoint,
) -> TokenStream {
    let record = Record::of(tracepoint);
    let tail = record.tail.as_ref().map(|t| t.index);
    let layout = match tail {
        None => format!("`struct {}`", c_names.event_struct),
        Some(i) => format!(
            "`struct {}`, `{}` borrowed from the record",
            c_names.event_struct, tracepoint.args[i].name
        ),
    };
    let struct_doc = doc(&format!(
        "`{}` ({layout}):\n{}",
        tracepoint.probe_name(provider),
        tracepoint.doc
    ));
    let event_type = ident(&names.event_type);
    // A tail borrows from the record; every other field is its C twin.
    let (repr, generics) = match tail {
        None => (quote!(#[repr(C)]), quote!()),
        Some(_) => (quote!(), quote!(<'a>)),
    };
    let of_any = match tail {
        None => quote!(),
        Some(_) => quote!(<'_>),
    };
    let kind_field_doc = format!(" Always [`{}`].", names.kind);
    let kind_field = ident(&names.kind_field);
    let fields = record
        .order
        .iter()
        .map(|&i| event_field(&tracepoint.args[i], &names.args[i], &record, i));
    let accessors: Vec<TokenStream> = tracepoint
        .args
        .iter()
        .zip(&names.args)
        .filter_map(|(arg, a)| accessor(arg, a, tracepoint, names))
        .collect();
    let accessors = (!accessors.is_empty()).then(|| {
        quote! {
            impl #event_type #of_any {
                #(#accessors)*
            }
        }
    });
    let value_enums = tracepoint
        .args
        .iter()
        .zip(&names.args)
        .filter_map(|(arg, a)| value_enum(provider, tracepoint, arg, a.named.as_ref()?));
    quote! {
        #struct_doc
        #repr
        #[derive(Clone, Copy, Debug)]
        pub struct #event_type #generics {
            #[doc = #kind_field_doc]
            pub #kind_field: u32,
            #(#fields)*
        }

        #accessors

        #(#value_enums)*
    }
}

/// One field of an event struct: the argument's C twin, or for the
/// record's tail (argument `index`), a slice of the record.
fn event_field(arg: &Arg, names: &rust::Arg, record: &Record, index: usize) -> TokenStream {
    let name = ident(&names.field);
    let (field_doc, ty) = match &record.tail {
        Some(t) if t.index == index => {
            let held = if t.string {
                "its bytes up to its NUL"
            } else {
                "the bytes kept"
            };
            let doc = doc(&format!("{}\n({held}, in the record)", arg.plain_doc()));
            (doc, quote!(&'a [u8]))
        }
        _ => (doc(&arg.plain_doc()), field_type(arg)),
    };
    quote! { #field_doc pub #name: #ty, }
}

/// The enum of an integer argument's named values, with a variant for a
/// value without a name (never an error: a newer program may fire one).
fn value_enum(
    provider: &Provider,
    tracepoint: &Tracepoint,
    arg: &Arg,
    named: &rust::Named,
) -> Option<TokenStream> {
    let enum_type = ident(&named.enum_type);
    let ty = field_type(arg);
    let unnamed = ident(&named.unnamed);
    let enum_doc = format!(
        " The named values of `{}`'s `{}`.",
        tracepoint.probe_name(provider),
        arg.name
    );
    let unnamed_doc = format!(" A value of `{}` the declaration gives no name.", arg.name);
    let variants: Vec<Ident> = named.variants.iter().map(|v| ident(v)).collect();
    let docs: Vec<String> = arg
        .values
        .iter()
        .map(|v| format!(" `{}` = {}", v.name, v.value))
        .collect();
    let numbers: Vec<TokenStream> = arg
        .values
        .iter()
        .map(|v| v.value.to_string().parse().expect("a number is a token"))
        .collect();
    let value_names: Vec<&str> = arg.values.iter().map(|v| v.name.as_str()).collect();
    Some(quote! {
        #[doc = #enum_doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum #enum_type {
            #(#[doc = #docs] #variants,)*
            #[doc = #unnamed_doc]
            #unnamed(#ty),
        }

        impl #enum_type {
            /// The variant of a value as the probe passed it.
            pub fn from_value(value: #ty) -> Self {
                match value {
                    #(#numbers => Self::#variants,)*
                    other => Self::#unnamed(other),
                }
            }

            /// The value as the probe passes it.
            pub fn value(self) -> #ty {
                match self {
                    #(Self::#variants => #numbers,)*
                    Self::#unnamed(value) => value,
                }
            }

            /// The value's declared name; `None` for a value without one.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    #(Self::#variants => Some(#value_names),)*
                    Self::#unnamed(_) => None,
                }
            }
        }
    })
}

/// A typed accessor for a string, buffer or `bool` field: the string up to
/// its NUL as text, the bytes passed (a variable buffer cut to its length),
/// the `bool`.
fn accessor(
    arg: &Arg,
    names: &rust::Arg,
    tracepoint: &Tracepoint,
    tracepoint_names: &rust::Tracepoint,
) -> Option<TokenStream> {
    let method = ident(names.accessor.as_ref()?);
    let name = ident(&names.field);
    // A tail is a slice already (see `event_struct`).
    let is_tail = Record::of(tracepoint)
        .tail
        .is_some_and(|t| std::ptr::eq(&tracepoint.args[t.index], arg));
    let (doc, returns, body) = match arg.ty {
        ArgType::Str { .. } | ArgType::CStr { .. } => {
            let doc = format!(
                " `{}` up to its NUL, as text (invalid UTF-8 replaced).",
                arg.name
            );
            let bytes = if is_tail {
                quote!(self.#name)
            } else {
                quote!(&self.#name)
            };
            (
                doc,
                quote!(::std::borrow::Cow<'_, str>),
                quote!(c_text(#bytes)),
            )
        }
        ArgType::Bytes {
            len: BytesLen::Arg { index, .. },
            ..
        } => {
            let length = ident(&tracepoint_names.args[index].field);
            let doc = format!(
                " The bytes of `{}` the reader kept: `{}` of them, at most its cap.",
                arg.name, tracepoint.args[index].name
            );
            let body = quote!(&self.#name[..self.#name.len().min(self.#length as usize)]);
            (doc, quote!(&[u8]), body)
        }
        ArgType::Bytes { display, .. } => {
            let order = match display {
                BytesDisplay::Hash => " in internal order (shown reversed, as a hash)",
                BytesDisplay::Hex => "",
            };
            let doc = format!(" The bytes of `{}`{order}.", arg.name);
            (doc, quote!(&[u8]), quote!(&self.#name))
        }
        _ if names.named.is_some() => {
            let enum_type = ident(&names.named.as_ref()?.enum_type);
            let doc = format!(" `{}` as its named value.", arg.name);
            let body = quote!(#enum_type::from_value(self.#name));
            (doc, quote!(#enum_type), body)
        }
        ArgType::Bool => {
            let doc = format!(" `{}`, passed as one byte.", arg.name);
            (doc, quote!(bool), quote!(self.#name != 0))
        }
        _ => return None,
    };
    Some(quote! {
        #[doc = #doc]
        pub fn #method(&self) -> #returns {
            #body
        }
    })
}

/// The enum of a provider's events, a variant per tracepoint.
fn event_enum(provider: &Provider, names: &Names) -> TokenStream {
    let event_enum = ident(&names.event_enum);
    let doc = format!(" One decoded event of the `{}` tracepoints.", provider.name);
    let variants = provider
        .tracepoints
        .iter()
        .zip(&names.tracepoints)
        .map(|(tracepoint, t)| {
            let variant_doc = format!(" `{}`", tracepoint.probe_name(provider));
            let variant = ident(&t.variant);
            let event_type = ident(&t.event_type);
            let borrows = Record::of(tracepoint).tail.map(|_| quote!(<'a>));
            quote! { #[doc = #variant_doc] #variant(#event_type #borrows), }
        });
    let borrows = borrows(provider).then(|| quote!(<'a>));
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug)]
        #[allow(clippy::enum_variant_names)]
        pub enum #event_enum #borrows {
            #(#variants)*
        }
    }
}

/// Whether some event of `provider` borrows its tail from the record (so
/// the enum of events has a lifetime).
fn borrows(provider: &Provider) -> bool {
    provider
        .tracepoints
        .iter()
        .any(|t| Record::of(t).tail.is_some())
}

/// `decode`, `tracepoint` and `to_json` of the event enum.
fn event_impl(provider: &Provider, names: &Names) -> TokenStream {
    let event_enum = ident(&names.event_enum);
    let mut decode_arms = Vec::new();
    let mut name_arms = Vec::new();
    let mut json_arms = Vec::new();
    for (tracepoint, t) in provider.tracepoints.iter().zip(&names.tracepoints) {
        let probe = tracepoint.probe_name(provider);
        let variant = ident(&t.variant);
        decode_arms.push(decode_arm(tracepoint, t, &event_enum, &variant));
        name_arms.push(quote! { #event_enum::#variant(_) => #probe, });
        let (binding, writes) = json_writes(&probe, tracepoint, t);
        json_arms.push(quote! {
            #event_enum::#variant(#binding) => { #(#writes)* }
        });
    }
    let (generics, record_type) = if borrows(provider) {
        (quote!(<'a>), quote!(&'a [u8]))
    } else {
        (quote!(), quote!(&[u8]))
    };
    let of = &generics;
    let record_readers = record_readers(borrows(provider));
    quote! {
        impl #generics #event_enum #of {
            /// Decodes one ring-buffer record; `None` for an unknown kind or a
            /// record shorter than what it holds. A record whose event ends in
            /// a string or a variable buffer stops after that field's kept bytes
            /// (rounded up to a size class): the event borrows that field from
            /// the record, and copies only the fields before it.
            pub fn decode(record: #record_type) -> Option<#event_enum #of> {
                #record_readers
                match read::<u32>(record)? {
                    #(#decode_arms)*
                    _ => None,
                }
            }

            /// The tracepoint's full name, `provider:name`.
            pub fn tracepoint(&self) -> &'static str {
                match self {
                    #(#name_arms)*
                }
            }

            /// The event as one JSON object, `{"tracepoint": ..., "args": {...}}`;
            /// strings up to their NUL, decoded as UTF-8 (lossy).
            pub fn to_json(self) -> String {
                let mut out = String::with_capacity(256);
                self.write_json(&mut out);
                out
            }

            /// Appends [`to_json`](Self::to_json)'s text to `out`, without
            /// allocating more than `out` needs: for readers that print many
            /// events per poll.
            pub fn write_json(&self, out: &mut String) {
                match self {
                    #(#json_arms)*
                }
            }
        }
    }
}

/// The functions `decode` reads a record with: `read`, and `read_cut`
/// when some event of the provider borrows its tail (`cut`).
fn record_readers(cut: bool) -> TokenStream {
    let read_cut = cut.then(|| {
        quote! {
            /// A `T` from a record of `at` bytes or more, where `T` is a
            /// record's fields before its tail (`at` its offset): what
            /// follows them, `T`'s padding, reads as zero. Sound for the
            /// same reasons as `read`.
            fn read_cut<T: Copy>(record: &[u8], at: usize) -> Option<T> {
                if record.len() < at {
                    return None;
                }
                let mut value = ::core::mem::MaybeUninit::<T>::zeroed();
                let n = record.len().min(::core::mem::size_of::<T>());
                unsafe {
                    ::core::ptr::copy_nonoverlapping(record.as_ptr(), value.as_mut_ptr().cast::<u8>(), n);
                    Some(value.assume_init())
                }
            }
        }
    });
    quote! {
        /// A `T` read from the start of `record`. Sound because `T` is
        /// a `repr(C)` struct of integers and byte arrays (valid for any
        /// bytes) and the length is checked first.
        fn read<T: Copy>(record: &[u8]) -> Option<T> {
            if record.len() < ::core::mem::size_of::<T>() {
                return None;
            }
            Some(unsafe { ::core::ptr::read_unaligned(record.as_ptr().cast::<T>()) })
        }
        #read_cut
    }
}

/// The `decode` arm of one tracepoint: a record holding the whole struct,
/// or for a record with a tail (see [`Record`]) the fields before the tail
/// (read through `Head`, their C layout) and at least the tail's kept
/// bytes, which the event borrows.
fn decode_arm(
    tracepoint: &Tracepoint,
    t: &rust::Tracepoint,
    event_enum: &Ident,
    variant: &Ident,
) -> TokenStream {
    let kind = ident(&t.kind);
    let event_type = ident(&t.event_type);
    let record = Record::of(tracepoint);
    let strings = fixed_strings(tracepoint, t, &record);
    let Some(tail) = record.tail else {
        if strings.is_empty() {
            return quote! { #kind => read(record).map(#event_enum::#variant), };
        }
        return quote! {
            #kind => read::<#event_type>(record)
                .filter(|event| #(event.#strings.contains(&0))&&*)
                .map(#event_enum::#variant),
        };
    };
    let damaged = (!strings.is_empty()).then(|| {
        quote! {
            if !(#(head.#strings.contains(&0))&&*) {
                return None;
            }
        }
    });
    let kind_field = ident(&t.kind_field);
    let head: Vec<(Ident, TokenStream)> = record
        .order
        .iter()
        .filter(|&&i| i != tail.index)
        .map(|&i| (ident(&t.args[i].field), field_type(&tracepoint.args[i])))
        .collect();
    // Only fixed names are bound here (`record`, `at`, `head`, `held`,
    // `nul`, `kept`, `tail`): the fields are named only as fields.
    // The tail is bytes (alignment 1): it starts right after the last
    // fixed field, where the C struct puts it.
    let (last, last_type) = head
        .last()
        .map_or((&kind_field, quote!(u32)), |(f, ty)| (f, ty.clone()));
    let (fields, types): (Vec<&Ident>, Vec<&TokenStream>) =
        head.iter().map(|(f, ty)| (f, ty)).unzip();
    let field = ident(&t.args[tail.index].field);
    let cap = Literal::usize_unsuffixed(tail.cap as usize);
    let taken = tail_tokens(tracepoint, t, tail.index, tail.string, &cap);
    quote! {
        #kind => {
            #[repr(C)]
            #[derive(Clone, Copy)]
            struct Head {
                #kind_field: u32,
                #(#fields: #types,)*
            }
            let at = ::core::mem::offset_of!(Head, #last) + ::core::mem::size_of::<#last_type>();
            let head = read_cut::<Head>(record, at)?;
            #damaged
            #taken
            Some(#event_enum::#variant(#event_type {
                #kind_field: head.#kind_field,
                #(#fields: head.#fields,)*
                #field: tail,
            }))
        }
    }
}

/// The statements of a decode arm that take the tail (the last field,
/// cut where the record ends): a string up to its NUL, which lies inside
/// the record and the cap, or a buffer's kept bytes.
fn tail_tokens(
    tracepoint: &Tracepoint,
    t: &rust::Tracepoint,
    index: usize,
    string: bool,
    cap: &Literal,
) -> TokenStream {
    if string {
        // Up to its NUL, which lies inside the record and the cap.
        quote! {
            let held = &record[at..];
            let nul = held[..held.len().min(#cap)].iter().position(|&b| b == 0)?;
            let tail = &held[..nul];
        }
    } else {
        let length = ident(
            &t.args[tracepoint.args[index]
                .ty
                .length_arg()
                .expect("a variable buffer has a length")]
            .field,
        );
        // Its kept bytes: the length argument's, at most the cap.
        quote! {
            let kept = usize::try_from(head.#length).map_or(#cap, |n| n.min(#cap));
            let tail = record.get(at..at + kept)?;
        }
    }
}

/// The fixed string fields of `tracepoint`'s record (the tail aside): each
/// holds its NUL (the BPF programs always write one), and a field without
/// one makes its record damaged.
fn fixed_strings(tracepoint: &Tracepoint, t: &rust::Tracepoint, record: &Record) -> Vec<Ident> {
    tracepoint
        .args
        .iter()
        .enumerate()
        .filter(|&(i, arg)| {
            matches!(arg.ty, ArgType::Str { .. } | ArgType::CStr { .. })
                && record.tail.as_ref().is_none_or(|tail| tail.index != i)
        })
        .map(|(i, _)| ident(&t.args[i].field))
        .collect()
}

/// The statements that append one event's JSON to `out` (the event bound
/// to `e`), and the pattern that binds it.
fn json_writes(
    probe: &str,
    tracepoint: &Tracepoint,
    t: &rust::Tracepoint,
) -> (TokenStream, Vec<TokenStream>) {
    // The object's text up to each value: `{"tracepoint":"p:n","args":{"a":`.
    let mut writes = Vec::new();
    let mut prefix = format!("{{\"tracepoint\":\"{probe}\",\"args\":{{");
    for (arg, a) in tracepoint.args.iter().zip(&t.args) {
        let field = ident(&a.field);
        let method = ident(a.accessor.as_deref().unwrap_or(&a.field));
        prefix.push_str(&format!("\"{}\":", arg.name));
        let text = std::mem::replace(&mut prefix, ",".to_string());
        writes.push(quote!(out.push_str(#text);));
        writes.push(match arg.ty {
            ArgType::Str { .. } | ArgType::CStr { .. } => {
                quote!(write_json_string(out, &e.#method());)
            }
            ArgType::Bytes {
                display: BytesDisplay::Hash,
                ..
            } => quote!(write_hex(out, e.#method(), true);),
            ArgType::Bytes { .. } => quote!(write_hex(out, e.#method(), false);),
            ArgType::Bool => quote!(out.push_str(if e.#method() { "true" } else { "false" });),
            _ => quote!(write_number(out, e.#field);),
        });
        if let Some(named) = &a.named {
            // The value's name beside its number: `"network_name":"ipv4"`.
            let key = format!(",\"{}\":", named.json_key);
            writes.push(quote! {
                out.push_str(#key);
                match e.#method().name() {
                    Some(name) => write_json_string(out, name),
                    None => out.push_str("null"),
                }
            });
        }
    }
    let end = if tracepoint.args.is_empty() {
        format!("{prefix}}}}}")
    } else {
        "}}".to_string()
    };
    writes.push(quote!(out.push_str(#end);));
    let binding = if tracepoint.args.is_empty() {
        quote!(_)
    } else {
        quote!(e)
    };
    (binding, writes)
}

/// The JSON helpers `to_json` uses.
fn helpers() -> [TokenStream; 4] {
    [
        quote! {
        /// Appends an integer.
        #[allow(dead_code)]
        fn write_number(out: &mut String, n: impl ::core::fmt::Display) {
            let _ = ::core::fmt::Write::write_fmt(out, format_args!("{n}"));
        }
        },
        quote! {
        /// A C string field up to its NUL, as text (invalid UTF-8 replaced).
        #[allow(dead_code)]
        fn c_text(bytes: &[u8]) -> ::std::borrow::Cow<'_, str> {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            String::from_utf8_lossy(&bytes[..end])
        }
        },
        quote! {
        /// Appends `bytes` (in reverse order if `reversed`, as a hash
        /// shows) as a JSON string of lowercase hex digits, 256 bytes at a
        /// time: a payload may be 32 KB.
        #[allow(dead_code)]
        fn write_hex(out: &mut String, bytes: &[u8], reversed: bool) {
            fn digits<'a>(out: &mut String, part: impl Iterator<Item = &'a u8>) {
                /// The two digits of every byte.
                const PAIRS: [[u8; 2]; 256] = {
                    let digits = b"0123456789abcdef";
                    let mut pairs = [[0u8; 2]; 256];
                    let mut b = 0;
                    while b < 256 {
                        pairs[b] = [digits[b >> 4], digits[b & 0xf]];
                        b += 1;
                    }
                    pairs
                };
                let mut text = [[0u8; 2]; 256];
                let mut used = 0;
                for (pair, &b) in text.iter_mut().zip(part) {
                    *pair = PAIRS[usize::from(b)];
                    used += 1;
                }
                let text = text.as_flattened();
                let used = used * 2;
                out.push_str(::core::str::from_utf8(&text[..used]).expect("hex digits are ASCII"));
            }
            out.reserve(bytes.len() * 2 + 2);
            out.push('"');
            if reversed {
                bytes.rchunks(256).for_each(|part| digits(out, part.iter().rev()));
            } else {
                bytes.chunks(256).for_each(|part| digits(out, part.iter()));
            }
            out.push('"');
        }
        },
        quote! {
            /// Appends `text` as a JSON string literal.
            #[allow(dead_code)]
            fn write_json_string(out: &mut String, text: &str) {
                out.push('"');
                for c in text.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => {
                            let _ = ::core::fmt::Write::write_fmt(out, format_args!("\\u{:04x}", c as u32));
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
        },
    ]
}

#[cfg(test)]
mod tests {
    use tracepoints_codegen::names::rust::{DECODE_OWN, MODULE_OWN};

    /// Every function the module defines at its top level is one its
    /// scope reserves for it.
    #[test]
    fn the_module_defines_only_functions_its_scope_reserves() {
        let source = "#[tracepoints::provider] mod net { /// d\n fn t(/// d\n #[max_len(8)] s: &str, /// d\n #[len(4)] #[hash] h: &[u8], /// d\n b: bool); }";
        let providers = tracepoints_codegen::read_source(source).unwrap();
        let origin = super::Origin {
            source: "test".into(),
            command: "test".into(),
        };
        let text = super::module(&providers[0], &origin);
        let defined: Vec<&str> = text
            .lines()
            .filter_map(|line| line.strip_prefix("fn ").or(line.strip_prefix("pub fn ")))
            .map(|rest| rest.split(['(', '<']).next().unwrap())
            .collect();
        assert_eq!(defined.len(), MODULE_OWN.len(), "{defined:?}");
        for name in &defined {
            assert!(MODULE_OWN.contains(name), "`{name}` is not in MODULE_OWN");
        }
    }

    /// Every type `decode` declares in its arms is one the module's scope
    /// reserves for it: a name from the declaration cannot hide it there,
    /// nor be hidden by it.
    #[test]
    fn decode_declares_only_types_the_scope_reserves() {
        let source = "#[tracepoints::provider] mod net { /// d\n fn t(/// d\n #[max_len(80)] s: &str, /// d\n n: u32); /// d\n fn u(/// d\n size: u64, /// d\n #[len(size)] #[max_len(100)] b: &[u8]); }";
        let providers = tracepoints_codegen::read_source(source).unwrap();
        let origin = super::Origin {
            source: "test".into(),
            command: "test".into(),
        };
        let text = super::module(&providers[0], &origin);
        let declared: Vec<&str> = text
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("struct "))
            .map(|rest| rest.split([' ', '<']).next().unwrap())
            .collect();
        assert_eq!(declared, ["Head", "Head"], "one per event with a tail");
        for name in &declared {
            assert!(DECODE_OWN.contains(name), "`{name}` is not in DECODE_OWN");
        }
    }
}
