//! `tracepoints-gen abi-diff OLD NEW`: every change between two versions
//! of one provider's ABI file, classified; a breaking one fails unless
//! NEW's `abi_version` is higher.

use crate::abi;
use crate::read;
use crate::report::Report;
use std::path::Path;

/// Runs `abi-diff` on `old` and `new` in `dir`.
pub(crate) fn run(dir: &Path, old: &Path, new: &Path) -> Report {
    let read = |path: &Path| {
        read::text(&dir.join(path), read::MAX_TEXT_BYTES)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|text| abi::Abi::parse(&text).map_err(|e| format!("{}: {e}", path.display())))
            // Every name and value as a declaration allows: the report
            // prints them, so none may carry a line or an escape of its own.
            .and_then(|abi| match abi.provider() {
                Ok(_) => Ok(abi),
                Err(e) => Err(format!("{}: {e}", path.display())),
            })
    };
    let (old_abi, new_abi) = match (read(old), read(new)) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => return Report::failed(o.err().into_iter().chain(n.err()).collect()),
    };
    if old_abi.provider != new_abi.provider {
        return Report::failed(vec![format!(
            "{} describes provider `{}`, {} provider `{}`: compare two versions of one provider's ABI file",
            old.display(),
            old_abi.provider,
            new.display(),
            new_abi.provider
        )]);
    }
    let changes = abi::diff(&old_abi, &new_abi);
    let breaking = changes
        .iter()
        .filter(|c| c.class == abi::Class::Breaking)
        .count();
    let mut report = Report {
        lines: changes.iter().map(ToString::to_string).collect(),
        ..Report::default()
    };
    let versions = format!(
        "abi_version {} -> {}",
        old_abi.abi_version, new_abi.abi_version
    );
    if breaking > 0 && new_abi.abi_version <= old_abi.abi_version {
        report.errors.push(format!(
            "{breaking} breaking change(s) to `{}` not acknowledged ({versions}): keep the old ABI, or regenerate with `--accept-breaking`, which raises abi_version",
            new_abi.provider
        ));
    } else {
        report.summary = format!(
            "{} change(s) to `{}`, {breaking} breaking{} ({versions})",
            changes.len(),
            new_abi.provider,
            if breaking > 0 { ", acknowledged" } else { "" }
        );
    }
    report
}
