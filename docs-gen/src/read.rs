//! Reading the files the CLI is given or finds: only regular files (a FIFO
//! or a device would block or never end), and at most as many bytes as the
//! file's kind can need, so that no input decides how long a run takes or
//! how much memory it uses.

use std::io::Read;
use std::path::Path;

/// The largest ABI file or hand-written page read: one of 10,000
/// tracepoints is a few MiB.
pub const MAX_TEXT_BYTES: u64 = 64 << 20;

/// Why a file could not be read. Its message (`Display`) leaves out the
/// path, which the caller adds.
#[derive(Debug)]
pub enum ReadError {
    /// A FIFO, a device, a directory.
    NotRegular,
    /// Longer than the limit, in bytes.
    TooLarge(u64),
    /// Not UTF-8 (read as text).
    NotText,
    /// What the system said.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotRegular => write!(f, "cannot read: not a regular file"),
            ReadError::TooLarge(limit) => write!(f, "cannot read: larger than {}", size(*limit)),
            ReadError::NotText => write!(f, "cannot read: not UTF-8 text"),
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl From<ReadError> for String {
    fn from(e: ReadError) -> String {
        e.to_string()
    }
}

/// The bytes of `path`, a regular file of at most `limit` bytes.
pub fn regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// [`regular`], as UTF-8 text.
pub fn text(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(regular(path, limit)?).map_err(|_| ReadError::NotText)
}

/// `limit` bytes as people say it (`4 MiB`, `100 bytes`).
fn size(limit: u64) -> String {
    if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
        format!("{} MiB", limit >> 20)
    } else {
        format!("{limit} bytes")
    }
}
