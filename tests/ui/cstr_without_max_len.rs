#[tracepoints::provider]
mod coin_selection {
    /// Fired when the wallet starts a second attempt.
    fn attempting_aps_create_tx(
        /// Wallet name
        wallet_name: &CStr,
    );
}

fn main() {}
