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
        ::core::ptr::copy_nonoverlapping(
            record.as_ptr(),
            value.as_mut_ptr().cast::<u8>(),
            n,
        );
        Some(value.assume_init())
    }
}
