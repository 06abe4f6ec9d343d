//! The layout of an event's ring-buffer record, shared by the BCC and
//! libbpf programs and by their Python and Rust decoders.
//!
//! An event struct holds `kind`, then every argument in declaration order,
//! except its *tail*: the variable-length field (a string, or a buffer
//! whose length is another argument) with the largest cap, which goes
//! last. A record is the struct cut after the tail's kept bytes, rounded
//! up to a *size class*: the ring buffer reserves only sizes the verifier
//! knows as constants, and a per-CPU scratch map cannot hold the events
//! over 32 KiB (the kernel's per-CPU allocation unit) that a 32568-byte
//! payload makes. The classes double from [`SMALLEST_CLASS`] and end at
//! the tail's cap, so a record holds at most twice what its tail keeps
//! (and [`SMALLEST_CLASS`] bytes more for an empty one). Every other field
//! keeps its full size.

use crate::model::{ArgType, Tracepoint};

/// What a generated reader's header says of its records.
pub const LAYOUT_NOTE: &str = "A record is its event struct cut after the bytes the last field (a\n\
    string or variable buffer, when the event has one) keeps, rounded up to\n\
    16 bytes doubled (at most the field's cap): decode it by its length.";

/// The smallest room a record leaves for its tail, in bytes.
pub const SMALLEST_CLASS: u32 = 16;

/// How one tracepoint's record is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The arguments' positions in the struct's order (after `kind`).
    pub order: Vec<usize>,
    /// The field a record is cut after, if the event has one.
    pub tail: Option<Tail>,
}

/// The last field of a record, kept only as far as the event fills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// The argument's position.
    pub index: usize,
    /// Whether it is a string (its kept length known only once it is
    /// read: through the scratch map) rather than a buffer whose length
    /// is an argument.
    pub string: bool,
    /// The field's bytes in the full struct (a string's with its NUL).
    pub cap: u32,
    /// The rooms a record can leave for it, ascending, the last `cap`.
    pub classes: Vec<u32>,
}

impl Record {
    /// The layout of `tracepoint`'s record.
    pub fn of(tracepoint: &Tracepoint) -> Record {
        let tail = tracepoint
            .args
            .iter()
            .enumerate()
            .filter_map(|(index, arg)| {
                let string = matches!(arg.ty, ArgType::Str { .. } | ArgType::CStr { .. });
                (string || arg.ty.length_arg().is_some()).then_some((index, string, arg.ty))
            })
            // The largest cap; the first of equals, so the order is stable.
            .fold(None::<(usize, bool, u32)>, |best, (index, string, ty)| {
                let cap = ty.buffer_len().unwrap_or(0);
                match best {
                    Some((_, _, best_cap)) if best_cap >= cap => best,
                    _ => Some((index, string, cap)),
                }
            })
            .filter(|&(_, _, cap)| cap > SMALLEST_CLASS)
            .map(|(index, string, cap)| Tail {
                index,
                string,
                cap,
                classes: classes(cap),
            });
        let order = (0..tracepoint.args.len())
            .filter(|&i| Some(i) != tail.as_ref().map(|t| t.index))
            .chain(tail.as_ref().map(|t| t.index))
            .collect();
        Record { order, tail }
    }
}

/// Where a record's fields lie: the event struct as a C compiler lays it
/// out (each field at the next multiple of its alignment, the struct's
/// size a multiple of its largest alignment), which is what the generated
/// programs reserve and the generated decoders read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offsets {
    /// Each argument's field offset, by argument position (`kind` is a
    /// `u32` at 0).
    pub args: Vec<u32>,
    /// Each argument's field size in bytes, by argument position.
    pub sizes: Vec<u32>,
    /// The size of the whole struct (a record without a tail).
    pub size: u32,
}

impl Record {
    /// The offsets of `tracepoint`'s fields in this layout.
    pub fn offsets(&self, tracepoint: &Tracepoint) -> Offsets {
        let sizes: Vec<u32> = tracepoint.args.iter().map(|a| field_size(a.ty)).collect();
        let align = |i: usize| -> u32 {
            match tracepoint.args[i].ty {
                ArgType::Str { .. } | ArgType::CStr { .. } | ArgType::Bytes { .. } => 1,
                ty => ty.size(),
            }
        };
        let mut args = vec![0; sizes.len()];
        let (mut at, mut largest) = (4u32, 4u32);
        for &i in &self.order {
            at = at.next_multiple_of(align(i));
            largest = largest.max(align(i));
            args[i] = at;
            at += sizes[i];
        }
        Offsets {
            args,
            sizes,
            size: at.next_multiple_of(largest),
        }
    }
}

/// The bytes an argument's field holds: a scalar's size, a string's
/// longest value and its NUL, a buffer's length or cap.
pub fn field_size(ty: ArgType) -> u32 {
    ty.buffer_len().unwrap_or(ty.size())
}

impl Tail {
    /// The room a record leaves for a tail that keeps `kept` bytes: the
    /// smallest of [`Tail::classes`] that holds them.
    pub fn room(&self, kept: u32) -> u32 {
        self.classes
            .iter()
            .copied()
            .find(|&room| room >= kept)
            .unwrap_or(self.cap)
    }
}

/// The rooms for a tail of `cap` bytes: [`SMALLEST_CLASS`] doubled while
/// below `cap`, then `cap`.
fn classes(cap: u32) -> Vec<u32> {
    std::iter::successors(Some(SMALLEST_CLASS), |&room| room.checked_mul(2))
        .take_while(|&room| room < cap)
        .chain([cap])
        .collect()
}

/// The size of `provider`'s largest record (its largest event struct,
/// the tail at its cap): no record of the provider is longer, so a reader
/// of a record file refuses one that claims more.
pub fn largest(provider: &crate::model::Provider) -> u32 {
    provider
        .tracepoints
        .iter()
        .map(|t| Record::of(t).offsets(t).size)
        .max()
        .unwrap_or(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(args: &str) -> Record {
        let source = format!("#[tracepoints::provider] mod net {{ /// d\n fn t({args}); }}");
        let providers = crate::read_source(&source).unwrap();
        Record::of(&providers[0].tracepoints[0])
    }

    #[test]
    fn the_largest_variable_field_goes_last() {
        let r = record(
            "/// d\n id: i64, /// d\n #[max_len(260)] addr: &str, /// d\n #[max_len(20)] conn: &str, /// d\n size: u64, /// d\n #[len(size)] #[max_len(32568)] msg: &[u8], /// d\n n: u32",
        );
        assert_eq!(r.order, [0, 1, 2, 3, 5, 4]);
        let tail = r.tail.unwrap();
        assert_eq!((tail.index, tail.string, tail.cap), (4, false, 32568));
        assert_eq!(
            tail.classes,
            [
                16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32568
            ]
        );
    }

    #[test]
    fn a_string_can_be_the_tail() {
        let r = record("/// d\n #[max_len(260)] addr: &str, /// d\n n: u32");
        assert_eq!(r.order, [1, 0]);
        let tail = r.tail.unwrap();
        assert_eq!((tail.index, tail.string, tail.cap), (0, true, 261));
        assert_eq!(tail.classes, [16, 32, 64, 128, 256, 261]);
    }

    #[test]
    fn short_and_fixed_fields_are_never_cut() {
        let r = record(
            "/// d\n #[max_len(15)] s: &str, /// d\n #[len(32)] #[hash] h: &[u8], /// d\n n: u32",
        );
        assert_eq!((r.order, r.tail), (vec![0, 1, 2], None));
        let r = record("/// d\n #[max_len(16)] s: &str");
        assert_eq!(r.tail.unwrap().classes, [16, 17]);
    }
}
