#[tracepoints::provider]
mod coin_selection {
    /// Fired when the wallet starts a second attempt.
    fn attempting_aps_create_tx(
        /// Wallet name
        #[max_len(4096)]
        wallet_name: &CStr,
    );
}

fn main() {
    let name = String::from("hot");
    tracepoints::fire!(coin_selection::attempting_aps_create_tx(&name));
}
