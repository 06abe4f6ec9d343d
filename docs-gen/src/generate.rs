//! Generating (or checking) every artifact, with the ABI lock: a breaking
//! change to a provider's committed ABI file is refused unless accepted.

use crate::abi::{self, Class};
use crate::cli::GenerateArgs;
use crate::declarations::read_providers;
use crate::emit::{Origin, Output, all_outputs, markdown};
use crate::report::Report;
use crate::write;
use std::path::Path;
use tracepoints_codegen::model::Provider;
use tracepoints_codegen::names::files::{self, DEFAULT_LOG_SCRIPT};

/// Runs a generation (`args.check`: a check) in `dir`.
pub fn run(dir: &Path, args: &GenerateArgs) -> Report {
    let shown_out = args.out.as_deref().expect("--out is required");
    if args.log_script.contains('/') || !args.log_script.ends_with(".bt") {
        return Report::failed(vec![format!(
            "--log-script: `{}` must be a file name ending in .bt",
            args.log_script
        )]);
    }
    // Paths and names go into every generated header.
    let named = args
        .files
        .iter()
        .chain(args.out.as_ref())
        .map(|p| p.to_string_lossy().into_owned())
        .chain([args.log_script.clone()]);
    let controls: Vec<String> = named
        .filter(|name| name.chars().any(char::is_control))
        .map(|name| {
            format!("{name:?}: a path with a control character would break the generated files' headers: rename it")
        })
        .collect();
    if !controls.is_empty() {
        return Report::failed(controls);
    }
    let providers = match read_providers(dir, &args.files) {
        Ok(providers) => providers,
        Err(errors) => return Report::failed(errors),
    };
    let origin = Origin {
        source: args
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        command: command(args),
    };
    let out = dir.join(shown_out);
    let lock = match abi_lock(&out, shown_out, &providers, &origin, args) {
        Ok(lock) => lock,
        Err(errors) => return Report::failed(errors),
    };
    let mut outputs = all_outputs(&providers, &origin, &args.log_script, |provider| {
        lock.version(provider)
    });
    if let Err(error) = embed_docs(&out, shown_out, &mut outputs, &providers, &origin) {
        return Report::failed(vec![error]);
    }
    let mut report = Report {
        lines: lock.changes,
        ..Report::default()
    };
    if args.check {
        report.errors = write::stale(&out, shown_out, &outputs);
        if report.ok() {
            report.summary = format!(
                "{} artifacts in {} are up to date",
                outputs.len(),
                shown_out.display()
            );
        } else {
            report
                .errors
                .push(format!("regenerate with: {}", origin.command));
        }
    } else if let Err(errors) = write::write_all(&out, shown_out, &outputs) {
        report.errors.extend(errors);
    } else {
        report.summary = format!(
            "wrote {} artifacts to {}",
            outputs.len(),
            shown_out.display()
        );
    }
    report
}

/// The ABI version each provider's file is generated at, and the changes
/// from the committed files, one line each.
struct AbiLock {
    versions: Vec<(String, u32)>,
    changes: Vec<String>,
}

impl AbiLock {
    fn version(&self, provider: &str) -> u32 {
        self.versions
            .iter()
            .find(|(name, _)| name == provider)
            .map_or(1, |(_, version)| *version)
    }
}

/// The committed ABI file at `path` (shown as `shown`) and its
/// `abi_version`; the error says what is wrong with the file.
fn committed_abi(path: &Path, shown: &Path) -> Result<(abi::Abi, u32), String> {
    let committed = crate::read::text(path, crate::read::MAX_TEXT_BYTES)
        .map_err(|e| format!("{}: {e}", shown.display()))?;
    let old = abi::Abi::parse(&committed).map_err(|e| {
        format!(
            "{}: {e} (restore it from version control, or delete it to start a new ABI history)",
            shown.display()
        )
    })?;
    let version = u32::try_from(old.abi_version).map_err(|_| {
        format!(
            "{}: abi_version {} is larger than {} (the largest this tool records): restore the file from version control",
            shown.display(),
            old.abi_version,
            u32::MAX
        )
    })?;
    Ok((old, version))
}

/// Compares each provider's ABI with its committed ABI file in `out`, if
/// any. A breaking change is an error unless `--accept-breaking` is given
/// (then the version grows by one) or only a check is asked for (then the
/// stale file is the error).
fn abi_lock(
    out: &Path,
    shown_out: &Path,
    providers: &[Provider],
    origin: &Origin,
    args: &GenerateArgs,
) -> Result<AbiLock, Vec<String>> {
    let mut lock = AbiLock {
        versions: Vec::new(),
        changes: Vec::new(),
    };
    let mut errors = Vec::new();
    for provider in providers {
        let name = files::abi(provider);
        let shown = shown_out.join(&name);
        let path = out.join(&name);
        if !path.exists() {
            // No ABI history yet (or no output directory: writing reports it).
            continue;
        }
        let (old, version) = match committed_abi(&path, &shown) {
            Ok(committed) => committed,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let new = crate::emit::abi::abi(provider, origin, u64::from(version));
        let changes = abi::diff(&old, &new);
        let breaking = changes
            .iter()
            .filter(|c| c.class == Class::Breaking)
            .count();
        lock.changes
            .extend(changes.iter().map(|c| format!("{}: {c}", shown.display())));
        if breaking == 0 || args.check {
            lock.versions.push((provider.name.clone(), version));
        } else if let Some(next) = version.checked_add(1).filter(|_| args.accept_breaking) {
            lock.versions.push((provider.name.clone(), next));
        } else if args.accept_breaking {
            errors.push(format!(
                "{}: abi_version {version} is the last this tool records: a breaking change cannot be recorded; start a new ABI history (a new provider name) instead",
                shown.display()
            ));
        } else {
            errors.extend(
                changes
                    .iter()
                    .filter(|c| c.class == Class::Breaking)
                    .map(|c| format!("{}: {c}", shown.display())),
            );
            errors.push(format!(
                "{}: {breaking} breaking change(s) to the committed ABI of `{}`: nothing written; keep the old ABI, or pass --accept-breaking to record abi_version {}",
                shown.display(),
                provider.name,
                u64::from(version) + 1
            ));
        }
    }
    if errors.is_empty() {
        Ok(lock)
    } else {
        Err(errors)
    }
}

/// When `tracing.md` in `out` is a hand-written page with a generated
/// region (between `<!-- tracepoints:begin -->` and `<!-- tracepoints:end
/// -->`), the output is that page with the region filled in and the rest
/// kept byte for byte, instead of a whole generated page.
fn embed_docs(
    out: &Path,
    shown_out: &Path,
    outputs: &mut [Output],
    providers: &[Provider],
    origin: &Origin,
) -> Result<(), String> {
    let name = files::TRACING_MD;
    let path = out.join(name);
    let shown = shown_out.join(name);
    if !path.is_file() {
        return Ok(());
    }
    let page = crate::read::text(&path, crate::read::MAX_TEXT_BYTES)
        .map_err(|e| format!("{}: {e}", shown.display()))?;
    let region = markdown::region(providers, origin);
    match markdown::fill_region(&page, &region) {
        Ok(None) => Ok(()),
        Ok(Some(filled)) => {
            let output = outputs
                .iter_mut()
                .find(|o| o.name == name)
                .expect("tracing.md is generated");
            output.contents = filled;
            Ok(())
        }
        Err((line, problem)) => Err(format!("{}:{line}: {problem}", shown.display())),
    }
}

/// The command line that regenerates the artifacts, for their headers.
fn command(args: &GenerateArgs) -> String {
    let out = args.out.as_deref().expect("--out is required");
    let mut command = format!("cargo run -p tracepoints-gen -- --out {}", out.display());
    if args.log_script != DEFAULT_LOG_SCRIPT {
        command.push_str(&format!(" --log-script {}", args.log_script));
    }
    for file in &args.files {
        command.push_str(&format!(" {}", file.display()));
    }
    command
}
