//! The documentation of a tracepoint as every output shows it: its
//! argument list (in the wording of Bitcoin Core's `doc/tracing.md`), the
//! text after the list, and the footnotes its text refers to. `tracing.md`
//! and the rustdoc of the expansion both build on it.

use crate::model::doc::{Doc, TYPE_PLACEHOLDER};
use crate::model::{Arg, ArgType, BytesDisplay, BytesLen, Provider, Tracepoint};

/// One numbered Markdown list item for argument `index` of `args`:
/// `3. Connection type as `pointer to C-style String` (max. length 20
/// bytes)`. The type goes where the doc says `{type}`, else after the
/// doc's first paragraph (`... as `type``); the length clause follows the
/// type, in the declaration's own words when it gives them. Lines of a
/// paragraph are joined; later paragraphs stay, indented under the item.
pub fn arg_item(index: usize, arg: &Arg, args: &[Arg], rust_name: bool) -> String {
    let mut ty = format!("`{}`", arg.ty.doc_name());
    let own_clause = arg.length_doc.as_ref().map(|doc| doc.text().to_string());
    if let Some(clause) = own_clause
        .or_else(|| length_clause(arg, args))
        .or_else(|| arg.meaning())
    {
        ty.push_str(&format!(" ({clause})"));
    }
    let mut paragraphs = paragraphs(&arg.doc);
    if arg.doc.type_placeholders() > 0 {
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

/// The definitions, found anywhere in `provider`'s docs, of the footnotes
/// `tracepoint` refers to, in order of first reference: what a page that
/// shows the tracepoint alone (its rustdoc) needs.
pub fn footnotes_of(provider: &Provider, tracepoint: &Tracepoint) -> Vec<String> {
    let definitions = std::iter::once(&provider.doc)
        .chain(provider.tracepoints.iter().flat_map(Tracepoint::texts))
        .flat_map(Doc::definitions);
    let definitions: Vec<_> = definitions.collect();
    // Definitions in the tracepoint's own text are shown with it already.
    let own: Vec<&str> = tracepoint
        .texts()
        .flat_map(Doc::definitions)
        .map(|f| f.label.as_str())
        .collect();
    let mut wanted: Vec<&str> = Vec::new();
    for label in tracepoint.texts().flat_map(Doc::references) {
        if !wanted.contains(&label.as_str()) && !own.contains(&label.as_str()) {
            wanted.push(label);
        }
    }
    wanted
        .iter()
        .filter_map(|label| {
            definitions
                .iter()
                .find(|f| f.label == *label)
                .map(|f| f.text.clone())
        })
        .collect()
}
