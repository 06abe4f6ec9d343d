//! What the BPF program (`src/bpf/trace.bpf.c`) knows of one probe: where
//! each argument goes in the record and how it is read, as the bytes of
//! its `struct probe_layout`. The layout is the generated programs' own
//! (`tracepoints_codegen::record`), so the records are theirs.

use tracepoints_codegen::model::{ArgType, BytesLen, Tracepoint};
use tracepoints_codegen::record::Record;

/// The most arguments the program reads (`MAX_ARGS`).
pub const MAX_ARGS: usize = 12;
/// The most tracepoints one provider may have (`MAX_PROBES`).
pub const MAX_PROBES: usize = 256;
/// The largest record the program builds (`RECORD_MAX`, less one).
pub const RECORD_MAX: u32 = 65535;
/// The bytes of one `struct probe_layout`.
pub const SIZE: usize = 6 * 4 + MAX_ARGS * 12;

/// `enum arg_kind`.
#[derive(Clone, Copy)]
enum Kind {
    Int = 0,
    Str = 1,
    Fixed = 2,
    Len = 3,
}

/// The `struct probe_layout` of `tracepoint`: native-endian, as the map
/// holds it. The error says why the program cannot carry it.
pub fn probe_layout(tracepoint: &Tracepoint) -> Result<[u8; SIZE], String> {
    if tracepoint.args.len() > MAX_ARGS {
        return Err(format!(
            "{} arguments: the tracer reads at most {MAX_ARGS}",
            tracepoint.args.len()
        ));
    }
    let record = Record::of(tracepoint);
    let offsets = record.offsets(tracepoint);
    let largest = match &record.tail {
        Some(tail) => offsets.args[tail.index] + tail.cap,
        None => offsets.size,
    };
    if largest > RECORD_MAX {
        return Err(format!(
            "records of up to {largest} bytes: the tracer builds records of at most {RECORD_MAX}"
        ));
    }
    let mut bytes = [0u8; SIZE];
    fn put(bytes: &mut [u8], at: usize, value: u32) {
        bytes[at..at + 4].copy_from_slice(&value.to_ne_bytes());
    }
    let tail = record.tail.as_ref();
    put(&mut bytes, 0, tracepoint.index as u32 + 1);
    put(&mut bytes, 4, tracepoint.args.len() as u32);
    put(&mut bytes, 8, offsets.size);
    put(
        &mut bytes,
        12,
        tail.map_or(MAX_ARGS as u32, |t| t.index as u32),
    );
    put(&mut bytes, 16, tail.map_or(0, |t| offsets.args[t.index]));
    put(&mut bytes, 20, tail.map_or(0, |t| t.cap));
    for (i, arg) in tracepoint.args.iter().enumerate() {
        let at = 24 + i * 12;
        let (kind, len_arg) = match arg.ty {
            ArgType::Str { .. } | ArgType::CStr { .. } => (Kind::Str, 0),
            ArgType::Bytes {
                len: BytesLen::Fixed(_),
                ..
            } => (Kind::Fixed, 0),
            ArgType::Bytes {
                len: BytesLen::Arg { index, .. },
                ..
            } => (Kind::Len, index as u8),
            _ => (Kind::Int, 0),
        };
        put(&mut bytes, at, offsets.args[i]);
        put(&mut bytes, at + 4, offsets.sizes[i]);
        bytes[at + 8] = kind as u8;
        bytes[at + 9] = arg.ty.size() as u8;
        bytes[at + 10] = len_arg;
    }
    Ok(bytes)
}
