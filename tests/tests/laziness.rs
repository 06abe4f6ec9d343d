//! Arguments of a tracepoint are evaluated only when a tracer is attached.

use std::sync::atomic::{AtomicU32, Ordering};

#[tracepoints::provider]
mod lazy {
    /// Fired by the laziness test.
    fn fired(
        /// A counter value whose computation has a side effect.
        value: u32,
        /// A string whose computation has a side effect.
        #[max_len(16)]
        text: &str,
    );
}

static EVALUATED: AtomicU32 = AtomicU32::new(0);

fn side_effect() -> u32 {
    EVALUATED.fetch_add(1, Ordering::SeqCst) + 1
}

fn fire_100() {
    for _ in 0..100 {
        tracepoints::fire!(lazy::fired(side_effect(), &format!("n={}", side_effect())));
    }
}

#[test]
fn arguments_are_not_evaluated_without_a_tracer_and_are_once_one_attaches() {
    assert!(!lazy::fired::is_enabled());
    fire_100();
    assert_eq!(
        EVALUATED.load(Ordering::SeqCst),
        0,
        "arguments evaluated with no tracer attached"
    );

    // Raise the semaphore the way the kernel does when a tracer attaches
    // (the end-to-end tests attach real tracers to the example node).
    let sema = lazy::fired::__semaphore() as *mut u16;
    unsafe { sema.write_volatile(sema.read_volatile() + 1) };
    assert!(lazy::fired::is_enabled());
    fire_100();
    unsafe { sema.write_volatile(sema.read_volatile() - 1) };
    assert_eq!(
        EVALUATED.load(Ordering::SeqCst),
        200,
        "each argument evaluated once per enabled fire"
    );
    assert!(!lazy::fired::is_enabled());
}

#[test]
fn tracepoint_module_names_the_probe_and_its_arguments() {
    assert_eq!(lazy::fired::NAME, "lazy:fired");
    assert_eq!(lazy::fired::ARG_NAMES, ["value", "text"]);
}
