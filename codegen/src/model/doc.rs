//! Doc text, parsed once where it is read: a tracepoint's, an argument's
//! or a provider's doc comment, `#[doc_after]` lines, `#[length_doc]`.
//! Every later pass reads the parts from the [`Doc`]: its text (with its
//! paragraphs), where `{type}` places an argument's type, and the
//! footnotes it refers to and defines.

use std::fmt;

/// Where an argument's doc places its type (and its length clause) in the
/// docs: `/// Network of the peer as {type} (1 = IPv4, ...)`.
pub const TYPE_PLACEHOLDER: &str = "{type}";

/// Doc text and its parsed parts. It reads as the text it holds
/// (`Deref<Target = str>`, `Display`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    text: String,
    references: Vec<String>,
    definitions: Vec<Footnote>,
    type_placeholders: usize,
}

/// A footnote definition: a line `[^label]: ...` and the indented lines
/// after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footnote {
    /// The label, without `[^` and `]`.
    pub label: String,
    /// The definition's lines as written, `[^label]:` included.
    pub text: String,
}

impl Doc {
    /// Parses `text`.
    pub fn parse(text: impl Into<String>) -> Doc {
        let text = text.into();
        Doc {
            references: footnote_references(&text),
            definitions: footnote_definitions(&text),
            type_placeholders: text.matches(TYPE_PLACEHOLDER).count(),
            text,
        }
    }

    /// The text as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The labels of the footnotes it refers to (`[^label]`), in order.
    pub fn references(&self) -> &[String] {
        &self.references
    }

    /// The footnotes it defines, in order.
    pub fn definitions(&self) -> &[Footnote] {
        &self.definitions
    }

    /// How many times `{type}` appears.
    pub fn type_placeholders(&self) -> usize {
        self.type_placeholders
    }

    /// The text with its `{type}` (if any) replaced by `ty`.
    pub fn with_type(&self, ty: &str) -> String {
        self.text.replacen(TYPE_PLACEHOLDER, ty, 1)
    }

    /// The text as read away from the generated docs (a listing, a
    /// schema): `{type}` replaced by `ty`, the footnote references
    /// removed (their definitions are not carried along).
    pub fn plain(&self, ty: &str) -> String {
        let mut text = self.with_type(ty);
        for label in &self.references {
            text = text.replace(&format!("[^{label}]"), "");
        }
        text
    }
}

impl std::ops::Deref for Doc {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl From<&str> for Doc {
    fn from(text: &str) -> Doc {
        Doc::parse(text)
    }
}

impl PartialEq<&str> for Doc {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl fmt::Display for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The labels of the footnote references (`[^label]`, not followed by
/// `:`) in `text`, in order.
fn footnote_references(text: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("[^") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(']') else { break };
        let label = &after[..end];
        let definition = after[end + 1..].starts_with(':');
        if !definition && !label.is_empty() && !label.contains(char::is_whitespace) {
            labels.push(label.to_string());
        }
        rest = &after[end + 1..];
    }
    labels
}

/// The footnote definitions in `text`.
fn footnote_definitions(text: &str) -> Vec<Footnote> {
    let mut definitions = Vec::new();
    let mut current: Option<(&str, Vec<&str>)> = None;
    let mut close = |current: &mut Option<(&str, Vec<&str>)>| {
        if let Some((label, lines)) = current.take() {
            definitions.push(Footnote {
                label: label.to_string(),
                text: lines.join("\n"),
            });
        }
    };
    for line in text.lines() {
        let label = line
            .strip_prefix("[^")
            .and_then(|rest| rest.split_once("]:"))
            .map(|(label, _)| label);
        if let Some(label) = label {
            close(&mut current);
            current = Some((label, vec![line]));
        } else if let Some((_, lines)) = &mut current {
            if line.starts_with(' ') && !line.trim().is_empty() {
                lines.push(line);
            } else {
                close(&mut current);
            }
        }
    }
    close(&mut current);
    definitions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footnotes_are_found() {
        let doc = Doc::parse(
            "Address (normally up to 68 bytes[^addr]) and [^two].\n\n[^addr]: An I2P address.\n  Continued.\n[^two]: Second.",
        );
        assert_eq!(doc.references(), ["addr", "two"]);
        let definitions: Vec<(&str, &str)> = doc
            .definitions()
            .iter()
            .map(|f| (f.label.as_str(), f.text.as_str()))
            .collect();
        assert_eq!(
            definitions,
            [
                ("addr", "[^addr]: An I2P address.\n  Continued."),
                ("two", "[^two]: Second.")
            ]
        );
    }

    #[test]
    fn the_type_placeholder_is_counted_and_replaced() {
        let doc = Doc::parse("Network as {type}: 1 = IPv4");
        assert_eq!(doc.type_placeholders(), 1);
        assert_eq!(doc.with_type("`uint32`"), "Network as `uint32`: 1 = IPv4");
    }
}
