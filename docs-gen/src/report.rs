//! What a run found, and how the CLI prints it.

/// What a run found: lines for standard output, problems (each a line for
/// standard error; any makes the run fail) and a summary line.
#[derive(Debug, Default)]
pub struct Report {
    /// The report proper (changes, probes), for standard output.
    pub lines: Vec<String>,
    /// Each problem, naming its file (and line and column for declaration
    /// errors).
    pub errors: Vec<String>,
    /// One line saying what was done.
    pub summary: String,
}

/// `text` with every control character shown escaped (`\n`, `\u{1b}`):
/// a message that quotes a file or a binary (a name read from it) must
/// stay one line and must not drive the terminal. The CLI prints every
/// line of a [`Report`] through it.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

impl Report {
    /// A failed run with these problems.
    pub fn failed(errors: Vec<String>) -> Report {
        Report {
            errors,
            ..Report::default()
        }
    }

    /// Whether the run succeeded.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}
