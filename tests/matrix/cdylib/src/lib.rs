//! The provider in a shared library loaded with `dlopen`.

/// Fires `mx:fired` `count` times; returns how many of them a tracer was
/// attached for.
#[unsafe(no_mangle)]
pub extern "C" fn mx_fire(count: u64) -> u64 {
    mx_probes::fire(count)
}

/// Whether a tracer is attached to `mx:fired`.
#[unsafe(no_mangle)]
pub extern "C" fn mx_enabled() -> bool {
    mx_probes::mx::fired::is_enabled()
}
