//! An enabled fire allocates nothing with the native backend: strings reach
//! the tracer through a bounded stack copy. (The `usdt` backend copies each
//! string into a new heap buffer per fire; this test records that too.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts the allocations of the threads that asked for it (see
/// [`allocations_of`]); other threads (the test harness's) allocate
/// uncounted.
struct Counting;

thread_local! {
    /// This thread's allocations while it counts them; `None` when it does
    /// not. (A `const` thread-local without a destructor: reading it
    /// never allocates.)
    static ALLOCATIONS: Cell<Option<usize>> = const { Cell::new(None) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get().map(|n| n + 1)));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` made on this thread.
fn allocations_of(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|n| n.set(Some(0)));
    f();
    ALLOCATIONS.with(|n| n.take()).expect("counting")
}

#[tracepoints::provider]
mod alloc_probe {
    /// Fired by the allocation test.
    fn connection(
        /// Connection ID
        id: i64,
        /// Address
        #[max_len(68)]
        addr: &str,
        /// Connection type
        #[max_len(20)]
        conn_type: &str,
        /// Network
        network: u32,
    );
}

#[test]
fn an_enabled_fire_allocates_nothing() {
    let addr = String::from("127.0.0.1:8333");
    // Raise the semaphore as the kernel does for an attached tracer.
    let sema = alloc_probe::connection::__semaphore() as *mut u16;
    unsafe { sema.write_volatile(1) };
    assert!(alloc_probe::connection::is_enabled());

    const FIRES: usize = 1000;
    let allocations = allocations_of(|| {
        for id in 0..FIRES as i64 {
            tracepoints::fire!(alloc_probe::connection(id, &addr, "outbound-full-relay", 1));
        }
    });
    unsafe { sema.write_volatile(0) };

    if cfg!(feature = "usdt") {
        // The `usdt` crate concatenates each `&str` with a NUL into a Vec.
        assert_eq!(
            allocations,
            2 * FIRES,
            "usdt backend: one Vec per string argument per fire"
        );
    } else {
        assert_eq!(
            allocations, 0,
            "native backend: no heap allocation per fire"
        );
    }
}
