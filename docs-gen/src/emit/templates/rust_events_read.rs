/// A `T` read from the start of `record`. Sound because `T` is
/// a `repr(C)` struct of integers and byte arrays (valid for any
/// bytes) and the length is checked first.
fn read<T: Copy>(record: &[u8]) -> Option<T> {
    if record.len() < ::core::mem::size_of::<T>() {
        return None;
    }
    Some(unsafe { ::core::ptr::read_unaligned(record.as_ptr().cast::<T>()) })
}
