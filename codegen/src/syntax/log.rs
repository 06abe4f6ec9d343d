//! A `#[log = "..."]` line as written: text with `{argument}` and
//! `{argument:name}` references, `{{` and `}}` for literal braces. Which
//! arguments exist is the check's business ([`crate::check::log_line`]).

/// A piece of a log line as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text, its braces unescaped.
    Text(String),
    /// `{name}` (an argument's value) or `{name:name}` (`by_name`: the
    /// name of its value); `name` as written, which may hold a `:`.
    Reference {
        /// What stands between the braces, without a `:name` suffix.
        name: String,
        /// Whether the suffix `:name` was written.
        by_name: bool,
    },
}

/// The pieces of `text` up to its first error, and that error: a `{` never
/// closed, a `}` never opened. A reader of the pieces reports its own
/// errors first, as they come earlier in the line.
pub fn parse(text: &str) -> (Vec<Piece>, Option<String>) {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => {
                            return (pieces, Some("unclosed `{` in log line: close it with `}` or write `{{` for a literal brace".to_string()));
                        }
                    }
                }
                let (name, by_name) = match name.strip_suffix(":name") {
                    Some(arg) => (arg.to_string(), true),
                    None => (name, false),
                };
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Reference { name, by_name });
            }
            '}' => {
                return (
                    pieces,
                    Some("unmatched `}` in log line: write `}}` for a literal brace".to_string()),
                );
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    (pieces, None)
}
