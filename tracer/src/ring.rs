//! A BPF ring buffer read in user space without libbpf's reader: the
//! same memory (the consumer position page, the producer position page
//! and the data pages mapped twice), but the consumer position published
//! once per batch of records instead of after every record.
//!
//! Why: the kernel reads the consumer position at every reserve. A reader
//! that stores it after each record moves that cache line from the
//! reader's CPU to the traced thread's at nearly every fire, a miss the
//! traced program pays inside its probe. Published once per batch (or
//! each time a quarter of the ring has been read, so the space comes back
//! in time), the line moves once per poll.
//!
//! The layout is the kernel's (`kernel/bpf/ringbuf.c`): each record has
//! an 8-byte header (its length, with bit 31 set while the producer still
//! writes it and bit 30 when it was discarded, then a page offset), its
//! bytes, and padding to 8 bytes.

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// Set in a record's length while its producer has not submitted it.
const BUSY: u32 = 1 << 31;
/// Set in a record's length when its producer discarded it.
const DISCARD: u32 = 1 << 30;
/// The bytes of a record's header.
const HEADER: u64 = 8;

/// One ring buffer, mapped.
pub struct Ring {
    fd: RawFd,
    consumer: *mut u8,
    producer: *mut u8,
    page: usize,
    size: u64,
}

impl Ring {
    /// Maps the ring buffer map `fd` of `size` bytes (its `max_entries`).
    pub fn new(fd: BorrowedFd<'_>, size: u32) -> Result<Ring, String> {
        let fd = fd.as_raw_fd();
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let size = u64::from(size);
        // SAFETY: mapping a ring buffer map's fd as the kernel documents
        // it: the consumer page read-write, the rest read-only.
        let consumer = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                page,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        if consumer == libc::MAP_FAILED {
            return Err(format!(
                "map the ring buffer: {}",
                std::io::Error::last_os_error()
            ));
        }
        let length = page + 2 * size as usize;
        // SAFETY: as above.
        let producer = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                length,
                libc::PROT_READ,
                libc::MAP_SHARED,
                fd,
                page as libc::off_t,
            )
        };
        if producer == libc::MAP_FAILED {
            let error = std::io::Error::last_os_error();
            // SAFETY: mapped above with this length.
            unsafe { libc::munmap(consumer, page) };
            return Err(format!("map the ring buffer: {error}"));
        }
        Ok(Ring {
            fd,
            consumer: consumer.cast(),
            producer: producer.cast(),
            page,
            size,
        })
    }

    fn consumer_pos(&self) -> &AtomicU64 {
        // SAFETY: the first word of the consumer page, 8-byte aligned,
        // mapped for as long as `self` lives.
        unsafe { &*self.consumer.cast::<AtomicU64>() }
    }

    fn producer_pos(&self) -> &AtomicU64 {
        // SAFETY: as above, of the producer page.
        unsafe { &*self.producer.cast::<AtomicU64>() }
    }

    /// Calls `each` with every record submitted and not yet read, in order,
    /// then publishes how far it read. Returns the records read.
    pub fn consume(&self, mut each: impl FnMut(&[u8])) -> usize {
        let mask = self.size - 1;
        // SAFETY: the data pages follow the producer page.
        let data = unsafe { self.producer.add(self.page) };
        let mut read = 0;
        let mut consumer = self.consumer_pos().load(Ordering::Acquire);
        let mut published = consumer;
        loop {
            let producer = self.producer_pos().load(Ordering::Acquire);
            if consumer >= producer {
                break;
            }
            while consumer < producer {
                // SAFETY: a header lies at every record's start, inside the
                // data pages (the offset is masked by the ring's size).
                let header = unsafe { data.add((consumer & mask) as usize) };
                // SAFETY: 8-byte aligned, as every record starts.
                let len = unsafe { &*header.cast::<AtomicU32>() }.load(Ordering::Acquire);
                if len & BUSY != 0 {
                    // Not submitted yet: the next poll reads on from here.
                    self.consumer_pos().store(consumer, Ordering::Release);
                    return read;
                }
                let bytes = u64::from(len & !(BUSY | DISCARD));
                if len & DISCARD == 0 {
                    // SAFETY: the record's bytes follow its header; the
                    // data pages are mapped twice, so a record that wraps
                    // is contiguous here.
                    let record = unsafe {
                        std::slice::from_raw_parts(header.add(HEADER as usize), bytes as usize)
                    };
                    each(record);
                    read += 1;
                }
                consumer += (bytes + HEADER).next_multiple_of(8);
                // Give the space back in time on a ring that fills.
                if consumer - published >= self.size / 4 {
                    self.consumer_pos().store(consumer, Ordering::Release);
                    published = consumer;
                }
            }
        }
        self.consumer_pos().store(consumer, Ordering::Release);
        read
    }
}

/// Waits up to `timeout` for a program to wake the reader of any of
/// `rings` (a forced wakeup, or a ring holding data when the wait begins);
/// a signal ends the wait early.
pub fn wait_any(rings: &[Ring], timeout: Duration) {
    let mut polls: Vec<libc::pollfd> = rings
        .iter()
        .map(|ring| libc::pollfd {
            fd: ring.fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: `polls` holds `polls.len()` valid pollfds.
    unsafe {
        libc::poll(
            polls.as_mut_ptr(),
            polls.len() as libc::nfds_t,
            timeout.as_millis() as libc::c_int,
        )
    };
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: unmapping what `new` mapped, with the same lengths.
        unsafe {
            libc::munmap(self.consumer.cast(), self.page);
            libc::munmap(self.producer.cast(), self.page + 2 * self.size as usize);
        }
    }
}
