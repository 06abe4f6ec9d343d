//! `tracing.md` in the format of Bitcoin Core's `doc/tracing.md`.

use super::out::Origin;
use super::out::{Comment, Out};
use tracepoints_codegen::emit::docs;
use tracepoints_codegen::model::Provider;

/// The tracepoint documentation of every provider.
pub fn tracing_md(providers: &[Provider], origin: &Origin) -> String {
    let mut out = Out::new();
    out.header(origin, Comment::Html, &[]);
    // The page's fixed introduction.
    out.push_str(include_str!("templates/tracing_intro.md"));
    writeln!(out);
    out.push_str(&section(providers));
    out.finish()
}

/// The documentation of every provider and tracepoint, without a page
/// around it: what `tracing.md` holds under "Tracepoint documentation",
/// and what `tracepoints-gen` puts between the markers of a hand-written
/// page (see [`fill_region`]).
pub fn section(providers: &[Provider]) -> String {
    let mut out = Out::new();
    for (i, provider) in providers.iter().enumerate() {
        if i > 0 {
            writeln!(out);
        }
        writeln!(out, "### Context `{}`", provider.name);
        if !provider.doc.is_empty() {
            writeln!(out);
            writeln!(out, "{}", provider.doc);
        }
        for tracepoint in &provider.tracepoints {
            writeln!(out);
            writeln!(out, "#### Tracepoint `{}`", tracepoint.probe_name(provider));
            writeln!(out);
            writeln!(out, "{}", tracepoint.doc);
            writeln!(out);
            match docs::arg_list(tracepoint, false) {
                Some(list) => {
                    writeln!(out, "Arguments passed:");
                    writeln!(out, "{list}");
                }
                None => writeln!(out, "No arguments are passed."),
            }
            if !tracepoint.doc_after.is_empty() {
                writeln!(out);
                writeln!(out, "{}", tracepoint.doc_after);
            }
        }
    }
    out.finish()
}

/// The line that opens the generated region of a hand-written page.
pub const REGION_BEGIN: &str = "<!-- tracepoints:begin -->";
/// The line that closes it.
pub const REGION_END: &str = "<!-- tracepoints:end -->";

/// A hand-written Markdown page with its region between [`REGION_BEGIN`]
/// and [`REGION_END`] (each alone on its line) replaced by `region`,
/// everything else byte for byte. `Ok(None)` when the page has no markers;
/// an error (its 1-based line and what is wrong) when they are not one
/// begin followed by one end.
pub fn fill_region(page: &str, region: &str) -> Result<Option<String>, (usize, String)> {
    let marker_lines = |marker: &str| -> Vec<usize> {
        page.lines()
            .enumerate()
            .filter(|(_, line)| line.trim_end() == marker)
            .map(|(i, _)| i)
            .collect()
    };
    let (begins, ends) = (marker_lines(REGION_BEGIN), marker_lines(REGION_END));
    let (begin, end) = match (begins.as_slice(), ends.as_slice()) {
        ([], []) => return Ok(None),
        ([begin], [end]) if begin < end => (*begin, *end),
        ([begin], [end]) => {
            return Err((
                end + 1,
                format!(
                    "`{REGION_END}` comes before `{REGION_BEGIN}` (line {})",
                    begin + 1
                ),
            ));
        }
        ([], [end, ..]) => {
            return Err((
                end + 1,
                format!("`{REGION_END}` without a `{REGION_BEGIN}` line before it"),
            ));
        }
        ([begin, ..], []) => {
            return Err((
                begin + 1,
                format!("`{REGION_BEGIN}` without a `{REGION_END}` line after it"),
            ));
        }
        ([_, second, ..], _) => {
            return Err((
                second + 1,
                format!("a second `{REGION_BEGIN}`: a page has one generated region"),
            ));
        }
        (_, [_, second, ..]) => {
            return Err((
                second + 1,
                format!("a second `{REGION_END}`: a page has one generated region"),
            ));
        }
    };
    // Byte offsets of the two marker lines' ends and starts.
    let line_start = |n: usize| -> usize { page.split_inclusive('\n').take(n).map(str::len).sum() };
    let after_begin = line_start(begin + 1);
    let before_end = line_start(end);
    let mut filled = String::with_capacity(page.len() + region.len());
    filled.push_str(&page[..after_begin]);
    if !filled.ends_with('\n') {
        filled.push('\n');
    }
    filled.push_str(region);
    filled.push_str(&page[before_end..]);
    Ok(Some(filled))
}

/// What `tracepoints-gen` writes between the markers: a "generated" note
/// and the [`section`], with blank lines around it.
pub fn region(providers: &[Provider], origin: &Origin) -> String {
    let mut out = Out::new();
    out.header(origin, Comment::Html, &[]);
    writeln!(
        out,
        "<!-- Everything from here to the end marker is generated; the rest of the page is not. -->"
    );
    writeln!(out);
    out.push_str(&section(providers));
    writeln!(out);
    out.finish()
}
