//! The one writer every text generator writes through: `write!` and
//! `writeln!` work on it directly and cannot fail (the inherent
//! `write_fmt` shadows `fmt::Write`'s), so generators hold no `let _ =`.

use super::Origin;
use std::fmt::{self, Write as _};

/// How a generated file writes a comment line.
#[derive(Debug, Clone, Copy)]
pub enum Comment {
    /// `// ...`: bpftrace and Rust.
    Slashes,
    /// `# ...`: Python.
    Hash,
    /// `/* ... */`: C.
    CBlock,
    /// `<!-- ... -->`: Markdown.
    Html,
}

/// A generated file being written.
#[derive(Default)]
pub struct Out {
    text: String,
}

impl Out {
    /// An empty file.
    pub fn new() -> Out {
        Out::default()
    }

    /// What `write!`/`writeln!` call.
    pub fn write_fmt(&mut self, args: fmt::Arguments<'_>) {
        // Writing into a String cannot fail.
        self.text.write_fmt(args).expect("write to a String");
    }

    /// Appends `text` as is.
    pub fn push_str(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Appends every line of `text`, each prefixed with `prefix` (e.g.
    /// `// `), so no line can leave a line comment. Blank lines get the
    /// prefix without its trailing space.
    pub fn comment(&mut self, prefix: &str, text: &str) {
        for line in text.lines() {
            self.text.push_str(prefix.trim_end());
            if !line.trim().is_empty() {
                self.text.push(' ');
                self.text.push_str(line.trim_end());
            }
            self.text.push('\n');
        }
    }

    /// Writes the "generated, do not edit" lines of `origin` in `style`,
    /// then `more` (a purpose line, say) the same way: the one header every
    /// generated file starts with.
    pub fn header(&mut self, origin: &Origin, style: Comment, more: &[&str]) {
        let lines = origin.header_lines();
        for line in lines.iter().map(String::as_str).chain(more.iter().copied()) {
            match style {
                Comment::Slashes => self.comment("//", line),
                Comment::Hash => self.comment("#", line),
                Comment::CBlock => {
                    let text = super::c_comment_text(line);
                    self.write_fmt(format_args!("/* {text} */\n"));
                }
                Comment::Html => {
                    // Only `-->` ends an HTML comment.
                    let text = line.replace("-->", "- ->");
                    self.write_fmt(format_args!("<!-- {text} -->\n"));
                }
            }
        }
    }

    /// The file's text.
    pub fn finish(self) -> String {
        self.text
    }
}
