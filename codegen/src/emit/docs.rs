//! The documentation of a tracepoint as every output shows it: its
//! argument list (in the wording of Bitcoin Core's `doc/tracing.md`), the
//! text after the list, and the footnotes its text refers to. `tracing.md`
//! and the rustdoc of the expansion both build on it.

use crate::model::{Arg, ArgType, BytesDisplay, BytesLen, Provider, Tracepoint};

pub use crate::model::TYPE_PLACEHOLDER;

/// One numbered Markdown list item for argument `index` of `args`:
/// `3. Connection type as `pointer to C-style String` (max. length 20
/// bytes)`. The type goes where the doc says `{type}`, else after the
/// doc's first paragraph (`... as `type``); the length clause follows the
/// type, in the declaration's own words when it gives them. Lines of a
/// paragraph are joined; later paragraphs stay, indented under the item.
pub fn arg_item(index: usize, arg: &Arg, args: &[Arg], rust_name: bool) -> String {
    let mut ty = format!("`{}`", arg.ty.doc_name());
    if let Some(clause) = arg.length_doc.clone().or_else(|| length_clause(arg, args)) {
        ty.push_str(&format!(" ({clause})"));
    }
    let mut paragraphs = paragraphs(&arg.doc);
    if arg.doc.contains(TYPE_PLACEHOLDER) {
        for paragraph in &mut paragraphs {
            *paragraph = paragraph.replacen(TYPE_PLACEHOLDER, &ty, 1);
        }
    } else if let Some(first) = paragraphs.first_mut() {
        first.push_str(&format!(" as {ty}"));
    }
    let marker = format!("{}. ", index + 1);
    let indent = " ".repeat(marker.len());
    let mut item = marker;
    if rust_name {
        item.push_str(&format!("`{}: {}`: ", arg.name, arg.ty.rust()));
    }
    item.push_str(&paragraphs.join(&format!("\n\n{indent}")));
    item
}

/// What the docs say about an argument's length and display, e.g. `max.
/// length 68 bytes`; `None` for a scalar. One wording for `tracing.md` and
/// rustdoc.
pub fn length_clause(arg: &Arg, args: &[Arg]) -> Option<String> {
    Some(match arg.ty {
        ArgType::Str { max_len } => {
            format!("max. length {max_len} bytes; the probe passes at most {max_len}")
        }
        ArgType::CStr { max_len } => format!("passed whole; readers keep up to {max_len} bytes"),
        ArgType::Bytes { len, display } => {
            let shown = match display {
                BytesDisplay::Hex => "",
                BytesDisplay::Hash => {
                    " in internal byte order, shown reversed as hex like Bitcoin hashes"
                }
            };
            match len {
                BytesLen::Fixed(len) => {
                    format!("{len} bytes{shown}; shorter values are zero-padded")
                }
                BytesLen::Arg { index, max_len } => format!(
                    "`{0}` bytes, never more than the slice holds: the probe lowers `{0}` to the slice's length; readers keep up to {max_len} bytes",
                    args[index].name
                ),
            }
        }
        _ => return None,
    })
}

/// The paragraphs of `text`, each with its lines joined by spaces.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// The argument list of `tracepoint`, one item per line, or `None` when it
/// takes no arguments; with `rust_name` (for rustdoc), each item starts
/// with the parameter as `fire!` takes it (`addr: &str`).
pub fn arg_list(tracepoint: &Tracepoint, rust_name: bool) -> Option<String> {
    if tracepoint.args.is_empty() {
        return None;
    }
    let items: Vec<String> = tracepoint
        .args
        .iter()
        .enumerate()
        .map(|(i, arg)| arg_item(i, arg, &tracepoint.args, rust_name))
        .collect();
    Some(items.join("\n"))
}

/// Every text of a tracepoint that may hold footnote references or
/// definitions: its doc, its text after the list, each argument's doc and
/// length wording.
pub fn texts(tracepoint: &Tracepoint) -> impl Iterator<Item = &str> {
    [tracepoint.doc.as_str(), tracepoint.doc_after.as_str()]
        .into_iter()
        .chain(
            tracepoint
                .args
                .iter()
                .flat_map(|a| std::iter::once(a.doc.as_str()).chain(a.length_doc.as_deref())),
        )
}

/// The labels of the footnote references (`[^label]`, not followed by
/// `:`) in `text`, in order.
pub fn footnote_references(text: &str) -> Vec<&str> {
    let mut labels = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("[^") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(']') else { break };
        let label = &after[..end];
        let definition = after[end + 1..].starts_with(':');
        if !definition && !label.is_empty() && !label.contains(char::is_whitespace) {
            labels.push(label);
        }
        rest = &after[end + 1..];
    }
    labels
}

/// The footnote definitions in `text`: `(label, the definition's lines)`,
/// a definition being a line that starts with `[^label]:` and the
/// indented lines after it.
pub fn footnote_definitions(text: &str) -> Vec<(&str, String)> {
    let mut definitions: Vec<(&str, String)> = Vec::new();
    let mut current: Option<(&str, Vec<&str>)> = None;
    for line in text.lines() {
        let label = line
            .strip_prefix("[^")
            .and_then(|rest| rest.split_once("]:"))
            .map(|(label, _)| label);
        if let Some(label) = label {
            if let Some((label, lines)) = current.take() {
                definitions.push((label, lines.join("\n")));
            }
            current = Some((label, vec![line]));
        } else if let Some((_, lines)) = &mut current {
            if line.starts_with(' ') && !line.trim().is_empty() {
                lines.push(line);
            } else {
                let (label, lines) = current.take().expect("a definition");
                definitions.push((label, lines.join("\n")));
            }
        }
    }
    if let Some((label, lines)) = current {
        definitions.push((label, lines.join("\n")));
    }
    definitions
}

/// The definitions, found anywhere in `provider`'s docs, of the footnotes
/// `tracepoint` refers to, in order of first reference: what a page that
/// shows the tracepoint alone (its rustdoc) needs.
pub fn footnotes_of(provider: &Provider, tracepoint: &Tracepoint) -> Vec<String> {
    let all_texts =
        std::iter::once(provider.doc.as_str()).chain(provider.tracepoints.iter().flat_map(texts));
    let definitions: Vec<(&str, String)> = all_texts.flat_map(footnote_definitions).collect();
    // Definitions in the tracepoint's own text are shown with it already.
    let own: Vec<&str> = texts(tracepoint)
        .flat_map(footnote_definitions)
        .map(|(label, _)| label)
        .collect();
    let mut wanted: Vec<&str> = Vec::new();
    for label in texts(tracepoint).flat_map(footnote_references) {
        if !wanted.contains(&label) && !own.contains(&label) {
            wanted.push(label);
        }
    }
    wanted
        .iter()
        .filter_map(|label| {
            definitions
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, d)| d.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footnotes_are_found() {
        let text = "Address (normally up to 68 bytes[^addr]) and [^two].\n\n[^addr]: An I2P address.\n  Continued.\n[^two]: Second.";
        assert_eq!(footnote_references(text), ["addr", "two"]);
        assert_eq!(
            footnote_definitions(text),
            [
                ("addr", "[^addr]: An I2P address.\n  Continued.".to_string()),
                ("two", "[^two]: Second.".to_string())
            ]
        );
    }
}
