//! Runtime pieces of the native probe sites: the page-aligned semaphore
//! block of a provider and the bounded stack copy that turns a `&str` into
//! a C string without allocating.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;

/// The USDT semaphores of one provider: a 2-byte counter per tracepoint,
/// raised by the kernel while a tracer is attached.
///
/// Page-aligned so that no semaphore shares a file page with the RELRO
/// segment: the kernel raises semaphores of a program that starts while a
/// tracer is attached in the mapping of the file page that holds them, and
/// a page shared with RELRO is mapped twice. The page is the largest the
/// target's kernels use: 4 KiB on x86-64, 64 KiB on aarch64 (whose kernels
/// run with 4, 16 or 64 KiB pages), so a provider's block is that large.
#[cfg_attr(not(target_arch = "aarch64"), repr(C, align(4096)))]
#[cfg_attr(target_arch = "aarch64", repr(C, align(65536)))]
pub struct Semaphores<const N: usize>([UnsafeCell<u16>; N]);

// SAFETY: the counters are only written by the kernel (uprobe reference
// counters) and read with volatile loads.
unsafe impl<const N: usize> Sync for Semaphores<N> {}

impl<const N: usize> Semaphores<N> {
    /// All counters at zero.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Semaphores([const { UnsafeCell::new(0) }; N])
    }

    /// Counter `index`; read it with `read_volatile`.
    #[inline(always)]
    pub const fn get(&self, index: usize) -> *const u16 {
        self.0[index].get()
    }
}

/// A NUL-terminated copy of at most `N - 1` bytes of a string, on the stack.
pub struct StackCStr<const N: usize> {
    bytes: [MaybeUninit<u8>; N],
}

impl<const N: usize> StackCStr<N> {
    /// Copies the first `N - 1` bytes of `s` (all of it when shorter) and a
    /// NUL. A tracer reads up to the first NUL, so an interior NUL ends the
    /// string early.
    #[inline(always)]
    pub fn new(s: &str) -> Self {
        let mut bytes = [const { MaybeUninit::uninit() }; N];
        let len = s.len().min(N - 1);
        // SAFETY: `len` bytes fit in `bytes`, with room for the NUL at `len`.
        unsafe {
            core::ptr::copy_nonoverlapping(s.as_ptr(), bytes.as_mut_ptr().cast::<u8>(), len);
        }
        bytes[len] = MaybeUninit::new(0);
        StackCStr { bytes }
    }

    /// The C string, valid while `self` lives.
    #[inline(always)]
    pub fn as_ptr(&self) -> *const u8 {
        self.bytes.as_ptr().cast()
    }
}

/// Exactly `N` readable bytes for a tracer: the slice itself when it holds
/// at least `N` bytes, else a zero-padded copy on the stack.
pub enum StackBytes<'a, const N: usize> {
    /// The caller's bytes (at least `N`).
    Borrowed(&'a [u8]),
    /// A short value, zero-padded to `N` bytes.
    Padded([u8; N]),
}

impl<'a, const N: usize> StackBytes<'a, N> {
    /// Borrows `bytes` or pads a copy of it.
    #[inline(always)]
    pub fn new(bytes: &'a [u8]) -> Self {
        if bytes.len() >= N {
            StackBytes::Borrowed(bytes)
        } else {
            let mut padded = [0u8; N];
            padded[..bytes.len()].copy_from_slice(bytes);
            StackBytes::Padded(padded)
        }
    }

    /// A pointer to `N` readable bytes, valid while `self` lives.
    #[inline(always)]
    pub fn as_ptr(&self) -> *const u8 {
        match self {
            StackBytes::Borrowed(bytes) => bytes.as_ptr(),
            StackBytes::Padded(bytes) => bytes.as_ptr(),
        }
    }
}

/// An unsigned integer argument that holds a byte buffer's length: the
/// probe passes it through `at_most(slice.len())`, never more than the
/// slice holds, so no reader goes past the slice.
pub trait LengthArg: Copy {
    /// `self`, or `len` when that is smaller.
    fn at_most(self, len: usize) -> Self;
}

macro_rules! length_arg {
    ($($ty:ty)*) => {$(
        impl LengthArg for $ty {
            #[inline(always)]
            fn at_most(self, len: usize) -> Self {
                // A `len` beyond the type's range cannot be below `self`.
                match <$ty>::try_from(len) {
                    Ok(len) if len < self => len,
                    _ => self,
                }
            }
        }
    )*};
}
length_arg!(u8 u16 u32 u64);

#[cfg(test)]
mod tests {
    use super::*;

    fn read(c: &StackCStr<5>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut p = c.as_ptr();
        unsafe {
            while *p != 0 {
                out.push(*p);
                p = p.add(1);
            }
        }
        out
    }

    #[test]
    fn short_strings_are_copied_whole_and_long_ones_cut() {
        assert_eq!(read(&StackCStr::<5>::new("abc")), b"abc");
        assert_eq!(read(&StackCStr::<5>::new("abcd")), b"abcd");
        assert_eq!(read(&StackCStr::<5>::new("abcdefgh")), b"abcd");
        assert_eq!(read(&StackCStr::<5>::new("")), b"");
    }

    #[test]
    fn byte_buffers_are_borrowed_or_zero_padded() {
        let long = [7u8; 40];
        let borrowed = StackBytes::<32>::new(&long);
        assert_eq!(
            borrowed.as_ptr(),
            long.as_ptr(),
            "no copy of a long enough value"
        );
        let short = StackBytes::<4>::new(&[1, 2]);
        assert_eq!(
            unsafe { core::slice::from_raw_parts(short.as_ptr(), 4) },
            [1, 2, 0, 0]
        );
    }

    #[test]
    fn a_length_never_exceeds_the_slice() {
        assert_eq!(10u64.at_most(4), 4);
        assert_eq!(3u64.at_most(4), 3);
        assert_eq!(200u8.at_most(1000), 200);
        assert_eq!(u16::MAX.at_most(70_000), u16::MAX);
        assert_eq!(0u32.at_most(0), 0);
    }

    #[test]
    fn semaphores_are_page_aligned_and_start_lowered() {
        static S: Semaphores<3> = Semaphores::new();
        let page = if cfg!(target_arch = "aarch64") {
            65536
        } else {
            4096
        };
        assert_eq!(core::mem::align_of::<Semaphores<3>>(), page);
        assert_eq!(unsafe { S.get(2).read_volatile() }, 0);
    }
}
