//! The matrix's provider, in a library. Its binaries carry its ABI
//! without the docs (the option a user takes to keep binaries small).

#[tracepoints::provider(embed_docs = false)]
pub mod mx {
    /// Fired once per call of `fire`, with the call's index.
    fn fired(
        /// The index of the fire
        n: u64,
    );
}

/// Fires `mx:fired` `count` times; returns how many of them a tracer was
/// attached for.
pub fn fire(count: u64) -> u64 {
    let mut enabled = 0;
    for n in 0..count {
        enabled += u64::from(mx::fired::is_enabled());
        tracepoints::fire!(mx::fired(n));
    }
    enabled
}
