//! Records decoded by the model alone: the typed values of an event, and
//! the JSON object and log line the generated readers print for it.

use std::borrow::Cow;
use std::io::Write;
use tracepoints_codegen::model::{
    Arg, ArgType, BytesDisplay, BytesLen, LogPiece, Provider, Tracepoint,
};
use tracepoints_codegen::names::rust;
use tracepoints_codegen::record::{Offsets, Record};

/// One argument's value as the record holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// An integer of any declared width and sign.
    Int(i128),
    /// A `bool`.
    Bool(bool),
    /// A string's bytes up to its NUL ([`Value::text`] reads them as
    /// text).
    Str(&'a [u8]),
    /// The bytes of a buffer the record kept, in the order passed.
    Bytes(&'a [u8]),
}

impl Value<'_> {
    /// A string's bytes as text, invalid UTF-8 replaced; `None` for any
    /// other value.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::Str(bytes) => Some(String::from_utf8_lossy(bytes)),
            _ => None,
        }
    }
}

/// One decoded event: the tracepoint (its position in the provider) and
/// its arguments' values in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// The tracepoint's position in its provider's declaration.
    pub tracepoint: usize,
    /// The values, one per argument.
    pub values: Vec<Value<'a>>,
}

/// How to decode and print the records of one provider: its model, its
/// record layouts and the JSON keys of named values, worked out once.
pub struct Decoder {
    provider: Provider,
    layouts: Vec<(Record, Offsets)>,
    names: rust::Names,
}

impl Decoder {
    /// The decoder of `provider`'s records.
    pub fn new(provider: Provider) -> Decoder {
        let layouts = provider
            .tracepoints
            .iter()
            .map(|t| {
                let record = Record::of(t);
                let offsets = record.offsets(t);
                (record, offsets)
            })
            .collect();
        let names = rust::Names::of(&provider);
        Decoder {
            provider,
            layouts,
            names,
        }
    }

    /// The provider.
    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// The event in `record`, or `None` when the record is not one of the
    /// provider's (an unknown kind, or shorter than its fixed fields).
    pub fn decode<'a>(&self, record: &'a [u8]) -> Option<Event<'a>> {
        let kind = u32::from_ne_bytes(record.get(..4)?.try_into().ok()?);
        let index = usize::try_from(kind).ok()?.checked_sub(1)?;
        let tracepoint = self.provider.tracepoints.get(index)?;
        let (layout, offsets) = &self.layouts[index];
        let tail = layout.tail.as_ref().map(|t| t.index);
        // Every field but the tail whole; the tail as far as the record goes.
        let head = (0..tracepoint.args.len())
            .filter(|&i| Some(i) != tail)
            .map(|i| offsets.args[i] + offsets.sizes[i])
            .max()
            .unwrap_or(4)
            .max(4) as usize;
        let needed = if tail.is_some() {
            head
        } else {
            offsets.size as usize
        };
        if record.len() < needed {
            return None;
        }
        if !holds_its_values(record, offsets, tracepoint) {
            return None;
        }
        let values = (0..tracepoint.args.len())
            .map(|i| value(record, offsets, tracepoint, i))
            .collect();
        Some(Event {
            tracepoint: index,
            values,
        })
    }

    /// The tracepoint's full name, `provider:name`.
    pub fn probe_name(&self, event: &Event) -> String {
        self.provider.tracepoints[event.tracepoint].probe_name(&self.provider)
    }

    /// Appends the event's JSON object, as the generated readers print it:
    /// `{"tracepoint":"p:t","args":{...}}`, an integer with named values
    /// followed by its name (`"network_name":"ipv4"` or `null`), buffers
    /// as lowercase hex (a hash reversed). Bytes, not a `String`: a
    /// reader appends many events to one output buffer.
    pub fn write_json(&self, event: &Event, out: &mut Vec<u8>) {
        self.write_json_after(event, b"", out);
    }

    /// [`write_json`](Self::write_json) with `members` (JSON members, each
    /// followed by a comma: `"node":"a",`) first in the object.
    pub fn write_json_after(&self, event: &Event, members: &[u8], out: &mut Vec<u8>) {
        let tracepoint = &self.provider.tracepoints[event.tracepoint];
        let names = &self.names.tracepoints[event.tracepoint];
        out.push(b'{');
        out.extend_from_slice(members);
        let _ = write!(
            out,
            "\"tracepoint\":\"{}\",\"args\":{{",
            tracepoint.probe_name(&self.provider)
        );
        for (i, ((arg, value), n)) in tracepoint
            .args
            .iter()
            .zip(&event.values)
            .zip(&names.args)
            .enumerate()
        {
            if i > 0 {
                out.push(b',');
            }
            let _ = write!(out, "\"{}\":", arg.name);
            write_value(arg, value, out);
            if let (Some(named), Value::Int(v)) = (&n.named, value) {
                let _ = write!(out, ",\"{}\":", named.json_key);
                match arg.value_name(*v) {
                    Some(name) => write_json_string(out, name),
                    None => out.extend_from_slice(b"null"),
                }
            }
        }
        out.extend_from_slice(b"}}");
    }

    /// The event's log line (the declaration's `#[log]`), `None` when its
    /// tracepoint declares none: values as the bpftrace log script prints
    /// them (strings as their bytes), a named value by its name where the
    /// line asks for it.
    pub fn log_line(&self, event: &Event) -> Option<Vec<u8>> {
        let tracepoint = &self.provider.tracepoints[event.tracepoint];
        let line = tracepoint.log.as_ref()?;
        let mut out = Vec::new();
        for piece in &line.pieces {
            match piece {
                LogPiece::Text(text) => out.extend_from_slice(text.as_bytes()),
                LogPiece::Arg(i) => write_plain(&event.values[*i], &tracepoint.args[*i], &mut out),
                LogPiece::Name(i) => match (&event.values[*i], &tracepoint.args[*i]) {
                    (Value::Int(v), arg) if arg.value_name(*v).is_some() => {
                        out.extend_from_slice(arg.value_name(*v).unwrap_or_default().as_bytes())
                    }
                    (value, arg) => write_plain(value, arg, &mut out),
                },
            }
        }
        Some(out)
    }
}

/// Field `i` of `record`, as far as the record goes.
fn field<'a>(record: &'a [u8], offsets: &Offsets, i: usize) -> &'a [u8] {
    let start = (offsets.args[i] as usize).min(record.len());
    let end = (start + offsets.sizes[i] as usize).min(record.len());
    &record[start..end]
}

/// Integer argument `i` of `record`, sign-extended as declared.
fn int(record: &[u8], offsets: &Offsets, tracepoint: &Tracepoint, i: usize) -> i128 {
    let arg = &tracepoint.args[i];
    let bytes = field(record, offsets, i);
    let mut raw = [0u8; 8];
    let n = bytes.len().min(8);
    raw[..n].copy_from_slice(&bytes[..n]);
    let value = u64::from_ne_bytes(raw);
    let bits = 8 * arg.ty.size();
    if arg.ty.is_signed() && bits < 64 {
        let shift = 64 - bits;
        i128::from(((value << shift) as i64) >> shift)
    } else if arg.ty.is_signed() {
        i128::from(value as i64)
    } else {
        i128::from(value)
    }
}

/// Whether `record` holds what its values say it does. A string field
/// holds its NUL, and a buffer whose length is an argument holds that
/// many bytes (at most its cap; a negative length is, as the BPF programs
/// read it, a huge one): the BPF programs always write them so, and a
/// record that does not is damaged.
fn holds_its_values(record: &[u8], offsets: &Offsets, tracepoint: &Tracepoint) -> bool {
    tracepoint
        .args
        .iter()
        .enumerate()
        .all(|(i, arg)| match arg.ty {
            ArgType::Str { .. } | ArgType::CStr { .. } => field(record, offsets, i).contains(&0),
            ArgType::Bytes {
                len: BytesLen::Arg { index, .. },
                ..
            } => {
                let kept =
                    u64::try_from(int(record, offsets, tracepoint, index)).unwrap_or(u64::MAX);
                field(record, offsets, i).len() as u64 >= kept.min(u64::from(offsets.sizes[i]))
            }
            _ => true,
        })
}

/// Argument `i` of `record` as a value.
fn value<'a>(record: &'a [u8], offsets: &Offsets, tracepoint: &Tracepoint, i: usize) -> Value<'a> {
    let bytes = field(record, offsets, i);
    match tracepoint.args[i].ty {
        ArgType::Bool => Value::Bool(bytes.first().is_some_and(|&b| b != 0)),
        ArgType::Str { .. } | ArgType::CStr { .. } => {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            Value::Str(&bytes[..end])
        }
        ArgType::Bytes {
            len: BytesLen::Arg { index, .. },
            ..
        } => {
            // The length as the generated decoders take it: the value's
            // bits as an unsigned size.
            let len = int(record, offsets, tracepoint, index) as u64 as usize;
            Value::Bytes(&bytes[..bytes.len().min(len)])
        }
        ArgType::Bytes { .. } => Value::Bytes(bytes),
        _ => Value::Int(int(record, offsets, tracepoint, i)),
    }
}

/// A value in a log line as the bpftrace log script prints it: numbers
/// and strings as they are, a `bool` as `0` or `1`, a fixed buffer as hex
/// (a hash reversed), a variable one as hex bytes between spaces.
fn write_plain(value: &Value, arg: &Arg, out: &mut Vec<u8>) {
    match value {
        Value::Int(v) => out.extend_from_slice(v.to_string().as_bytes()),
        Value::Bool(b) => out.push(b'0' + u8::from(*b)),
        Value::Str(bytes) => out.extend_from_slice(bytes),
        Value::Bytes(bytes) if arg.ty.length_arg().is_some() => {
            let pairs: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            out.extend_from_slice(pairs.join(" ").as_bytes());
        }
        Value::Bytes(bytes) => out.extend_from_slice(hex(bytes, is_hash(arg)).as_bytes()),
    }
}

fn is_hash(arg: &Arg) -> bool {
    matches!(
        arg.ty,
        ArgType::Bytes {
            display: BytesDisplay::Hash,
            ..
        }
    )
}

fn write_value(arg: &Arg, value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Str(bytes) => write_json_string(out, &String::from_utf8_lossy(bytes)),
        Value::Bytes(bytes) => {
            out.push(b'"');
            write_hex(out, bytes, is_hash(arg));
            out.push(b'"');
        }
    }
}

/// The two lowercase hex digits of every byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    let digits = b"0123456789abcdef";
    let mut pairs = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        pairs[b] = [digits[b >> 4], digits[b & 0xf]];
        b += 1;
    }
    pairs
};

/// Appends lowercase hex of `bytes`, in reverse order for a hash, 256
/// bytes at a time (a payload may be 32 KB).
pub fn write_hex(out: &mut Vec<u8>, bytes: &[u8], reversed: bool) {
    fn digits<'a>(out: &mut Vec<u8>, part: impl Iterator<Item = &'a u8>) {
        let mut text = [0u8; 512];
        let mut used = 0;
        for &b in part {
            text[used..used + 2].copy_from_slice(&HEX_PAIRS[usize::from(b)]);
            used += 2;
        }
        out.extend_from_slice(&text[..used]);
    }
    out.reserve(2 * bytes.len());
    if reversed {
        for chunk in bytes.rchunks(256) {
            digits(out, chunk.iter().rev());
        }
    } else {
        for chunk in bytes.chunks(256) {
            digits(out, chunk.iter());
        }
    }
}

/// Lowercase hex of `bytes`, in reverse order for a hash.
pub fn hex(bytes: &[u8], reversed: bool) -> String {
    let mut out = Vec::new();
    write_hex(&mut out, bytes, reversed);
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// `text` as a JSON string: quotes, backslashes and control characters
/// escaped, as the generated readers escape them.
pub fn write_json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    out.push(b'"');
}
