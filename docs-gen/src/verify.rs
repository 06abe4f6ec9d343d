//! `tracepoints-gen verify`: checks a built binary's probes (see
//! [`crate::binary`]) against the declaration, or against the ABI the
//! binary carries.

use crate::abi::{self, Abi};
use crate::binary::{Binary, SdtNote, operand};
use crate::declarations::{read_providers, read_source_file};
use crate::report::Report;
use std::path::{Path, PathBuf};
use tracepoints_codegen::model::Provider;

/// What `verify` reads the probes from.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    /// An ELF file.
    Binary(&'a Path),
    /// `readelf -n` output.
    Notes(&'a Path),
}

/// Runs `verify` on `target` in `dir`, against the declarations in `files`
/// or, without any, the ABI the binary carries.
pub(crate) fn run(dir: &Path, target: Target, files: &[PathBuf]) -> Report {
    let (binary_path, read) = match target {
        Target::Binary(path) => (path, Binary::read(&dir.join(path))),
        Target::Notes(path) => (
            path,
            read_source_file(&dir.join(path)).and_then(|text| Binary::from_readelf(&text)),
        ),
    };
    let binary = match read {
        Ok(binary) => binary,
        Err(e) => return Report::failed(vec![format!("{}: {e}", binary_path.display())]),
    };
    let in_binary = |e: String| vec![format!("{}: {e}", binary_path.display())];
    let embedded = match &binary.embedded {
        Ok(embedded) => embedded,
        Err(e) => return Report::failed(in_binary(format!("its tracepoint ABI: {e}"))),
    };
    let (providers, embedded_problems) = if files.is_empty() {
        if embedded.is_empty() {
            return Report::failed(in_binary(
                "carries no tracepoint ABI (no `.note.tracepoints`: built without the tracepoints crate, with `readelf -n` output, or the section removed): give the declaration's files".into(),
            ));
        }
        match embedded.iter().map(Abi::provider).collect() {
            Ok(providers) => (providers, Vec::new()),
            Err(e) => return Report::failed(in_binary(format!("its tracepoint ABI: {e}"))),
        }
    } else {
        match read_providers(dir, files) {
            Ok(providers) => {
                let problems = embedded_differences(embedded, &providers);
                (providers, problems)
            }
            Err(errors) => return Report::failed(errors),
        }
    };
    let (mut problems, others) = check(&binary, &providers);
    // A difference the probes already show is said once, by the probes.
    let shown: Vec<String> = problems.clone();
    problems.extend(
        embedded_problems
            .into_iter()
            .filter(|(probe, _)| !shown.iter().any(|p| p.starts_with(&format!("{probe}:"))))
            .map(|(_, problem)| problem),
    );
    let declared: usize = providers.iter().map(|p| p.tracepoints.len()).sum();
    let mut report = Report {
        lines: others
            .iter()
            .map(|probe| format!("{probe}: in the binary, of a provider not declared here"))
            .collect(),
        errors: problems
            .into_iter()
            .map(|p| format!("{}: {p}", binary_path.display()))
            .collect(),
        ..Report::default()
    };
    if report.ok() {
        report.summary = format!(
            "{}: all {declared} declared tracepoints present, with the declared argument sizes and usable semaphores{}",
            binary_path.display(),
            match (target, files.is_empty()) {
                (Target::Binary(_), true) => " (declared by the ABI the binary carries)",
                (Target::Binary(_), false) => "",
                (Target::Notes(_), _) => " (from its notes: the file's layout is not checked)",
            }
        );
    }
    report
}

/// Where the ABI a binary carries breaks a tracer written for the
/// declaration (the binary was built from another version of it), each
/// with its probe (`provider:tracepoint`). Providers the binary carries no
/// ABI for are not compared.
fn embedded_differences(embedded: &[Abi], providers: &[Provider]) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for provider in providers {
        let Some(carried) = embedded.iter().find(|a| a.provider == provider.name) else {
            continue;
        };
        let declared = Abi::of(provider, String::new(), String::new(), 0);
        for change in abi::diff(&declared, carried) {
            if change.class == abi::Class::Breaking {
                let probe = change
                    .place
                    .splitn(3, ':')
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(":");
                problems.push((
                    probe,
                    format!(
                        "the ABI the binary carries differs from the declaration: {}: {}",
                        change.place, change.what
                    ),
                ));
            }
        }
    }
    problems
}

/// Every problem of `binary` against `providers`, one message each, and the
/// probes it has of providers not declared here (not problems: a binary
/// may link other providers).
pub fn check(binary: &Binary, providers: &[Provider]) -> (Vec<String>, Vec<String>) {
    check_with(binary, providers, Checks::Shipped)
}

/// The problems that keep a tracer from reading `binary` as `providers`
/// declare it (probes missing or undeclared, argument counts, sizes and
/// operands), without those of how the binary was built (its layout, its
/// semaphores), which `verify` reports to the binary's makers.
pub fn check_readable(binary: &Binary, providers: &[Provider]) -> Vec<String> {
    check_with(binary, providers, Checks::Readable).0
}

/// Which checks [`check_with`] makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checks {
    /// Everything `verify` checks of a binary to ship.
    Shipped,
    /// What a tracer needs to read it.
    Readable,
}

fn check_with(
    binary: &Binary,
    providers: &[Provider],
    checks: Checks,
) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    for provider in providers {
        for tracepoint in &provider.tracepoints {
            let probe = tracepoint.probe_name(provider);
            let notes: Vec<&SdtNote> = binary
                .notes
                .iter()
                .filter(|n| n.provider == provider.name && n.name == tracepoint.name)
                .collect();
            if notes.is_empty() {
                problems.push(format!(
                    "{probe}: declared, but the binary has no such probe"
                ));
            }
            for note in notes {
                problems.extend(check_note(binary, &probe, tracepoint, note, checks));
            }
        }
        for note in &binary.notes {
            if note.provider == provider.name && provider.tracepoint(&note.name).is_none() {
                problems.push(format!(
                    "{}:{}: in the binary, but not declared",
                    note.provider, note.name
                ));
            }
        }
    }
    if checks == Checks::Shipped
        && binary.notes.iter().any(|n| n.base != 0)
        && binary.has_stapsdt_base() == Some(false)
    {
        problems.push("the notes name a .stapsdt.base, but the binary has no such section".into());
    }
    let mut others: Vec<String> = binary
        .notes
        .iter()
        .filter(|n| !providers.iter().any(|p| p.name == n.provider))
        .map(|n| format!("{}:{}", n.provider, n.name))
        .collect();
    others.dedup();
    (problems, others)
}

fn check_note(
    binary: &Binary,
    probe: &str,
    tracepoint: &tracepoints_codegen::model::Tracepoint,
    note: &SdtNote,
    checks: Checks,
) -> Vec<String> {
    let mut problems = Vec::new();
    let sizes = note.arg_sizes();
    if sizes.len() != tracepoint.args.len() {
        problems.push(format!(
            "{probe}: the binary passes {} arguments, the declaration {}",
            sizes.len(),
            tracepoint.args.len()
        ));
    }
    for (i, spec) in note.args.iter().enumerate() {
        let operand = operand(spec);
        if let Some(problem) = binary.machine.operand_problem(operand) {
            problems.push(format!(
                "{probe}: argument {} is passed as `{spec}`: `{operand}` is {problem}",
                i + 1
            ));
        }
    }
    for (i, (arg, size)) in tracepoint.args.iter().zip(&sizes).enumerate() {
        let declared = i64::from(arg.ty.sdt_size());
        if *size != Some(declared) {
            let passed = size.map_or_else(|| "no size".to_string(), |s| s.to_string());
            problems.push(format!(
                "{probe}: argument {} `{}`: the binary passes size {passed} (`{}`), the declaration {declared} (`{}`)",
                i + 1,
                arg.name,
                note.args[i],
                arg.ty.rust()
            ));
        }
    }
    if checks == Checks::Readable {
        return problems;
    }
    if binary.layout.is_some() {
        problems.extend(check_layout(binary, probe, note));
    }
    let semaphore = note.semaphore;
    if semaphore == 0 {
        problems.push(format!(
            "{probe}: no semaphore: the probe site cannot tell whether a tracer is attached"
        ));
    } else if !semaphore.is_multiple_of(2) {
        problems.push(format!(
            "{probe}: semaphore at {semaphore:#x} is not 2-byte aligned"
        ));
    }
    problems
}

/// The problems of where a probe and its semaphore lie in the file.
fn check_layout(binary: &Binary, probe: &str, note: &SdtNote) -> Vec<String> {
    let mut problems = Vec::new();
    match binary.segments_mapping_page_of(note.pc) {
        Some(1) => {}
        Some(n) => problems.push(format!(
            "{probe}: the probe at {:#x} is in a file page {n} segments map: after a tracer attached before the program started detaches, the kernel lowers the semaphore twice and leaks the uprobe",
            note.pc
        )),
        None => problems.push(format!(
            "{probe}: the probe at {:#x} is not in a loaded, file-backed segment",
            note.pc
        )),
    }
    let semaphore = note.semaphore;
    if semaphore != 0 && semaphore.is_multiple_of(2) {
        match binary.shares_relro_page(semaphore) {
            Some(false) => {}
            Some(true) => problems.push(format!(
                "{probe}: semaphore at {semaphore:#x} is in a file page RELRO also maps: a tracer attached before the program starts raises a copy the program never reads"
            )),
            None => problems.push(format!(
                "{probe}: semaphore at {semaphore:#x} is not in a loaded, file-backed segment"
            )),
        }
    }
    problems
}
