//! A second crate firing the provider of `mx-probes`.

/// Fires `mx:fired` `count` times from this crate; returns how many of them
/// a tracer was attached for.
pub fn fire(count: u64) -> u64 {
    let mut enabled = 0;
    for n in 0..count {
        enabled += u64::from(mx_probes::mx::fired::is_enabled());
        tracepoints::fire!(mx_probes::mx::fired(n));
    }
    enabled
}
