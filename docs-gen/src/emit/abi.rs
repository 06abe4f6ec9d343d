//! The ABI file of a provider (`net.abi.json`): the provider's
//! [`Abi`] (its format is documented in
//! `tracepoints_codegen::abi`) with the file's origin, as text.

use super::out::Origin;
use crate::abi::Abi;
use tracepoints_codegen::model::Provider;

/// The ABI of `provider` at `abi_version`.
pub fn abi(provider: &Provider, origin: &Origin, abi_version: u64) -> Abi {
    let generated_by = format!("tracepoints-gen from {}; do not edit", origin.source);
    Abi::of(provider, generated_by, origin.command.clone(), abi_version)
}

/// The ABI file of `provider` at `abi_version`, as text.
pub fn file(provider: &Provider, origin: &Origin, abi_version: u32) -> String {
    abi(provider, origin, u64::from(abi_version)).to_text()
}
