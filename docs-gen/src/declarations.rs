//! Reading declaration files: each parsed and checked with the passes the
//! macro runs, every error named `file:line:column`.

use crate::read;
use std::path::{Path, PathBuf};
use tracepoints_codegen::model::Provider;

/// Reads, parses and checks every file; errors name `file:line:column`.
pub(crate) fn read_providers(dir: &Path, files: &[PathBuf]) -> Result<Vec<Provider>, Vec<String>> {
    let mut providers: Vec<Provider> = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let source = match read_source_file(&dir.join(file)) {
            Ok(source) => source,
            Err(e) => {
                errors.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        match tracepoints_codegen::read_source(&source) {
            Ok(found) if found.is_empty() => errors.push(format!(
                "{}: no `#[tracepoints::provider]` module found (declare one: `#[tracepoints::provider] mod net {{ ... }}`)",
                file.display()
            )),
            Ok(found) => {
                for provider in found {
                    if providers.iter().any(|p| p.name == provider.name) {
                        errors.push(format!(
                            "{}: provider `{}` is declared twice",
                            file.display(),
                            provider.name
                        ));
                    } else {
                        providers.push(provider);
                    }
                }
            }
            Err(error) => errors.extend(error.into_iter().map(|e| located(file, &e))),
        }
    }
    if errors.is_empty() {
        Ok(providers)
    } else {
        Err(errors)
    }
}

/// The largest declaration file read, in bytes: a real one is a few KiB.
pub const MAX_SOURCE_BYTES: u64 = 4 << 20;

/// Reads a declaration file (or `readelf -n` output): a regular file of
/// at most [`MAX_SOURCE_BYTES`], as UTF-8.
pub(crate) fn read_source_file(path: &Path) -> Result<String, String> {
    read::text(path, MAX_SOURCE_BYTES).map_err(|e| match e {
        read::ReadError::TooLarge(_) => {
            format!("{e}, which no declaration or notes file needs")
        }
        e => e.to_string(),
    })
}

fn located(file: &Path, error: &syn::Error) -> String {
    let start = error.span().start();
    format!(
        "{}:{}:{}: {}",
        file.display(),
        start.line,
        start.column + 1,
        error
    )
}
