//! Reading the files the CLI is given or finds: only regular files (a FIFO
//! or a device would block or never end), and at most as many bytes as the
//! file's kind can need, so that no input decides how long a run takes or
//! how much memory it uses.

use std::io::Read;
use std::path::Path;

/// The largest ABI file or hand-written page read: one of 10,000
/// tracepoints is a few MiB.
pub const MAX_TEXT_BYTES: u64 = 64 << 20;

/// The bytes of `path`, a regular file of at most `limit` bytes; the error
/// says what is wrong (`cannot read: not a regular file`) without the
/// path, which the caller adds.
pub fn regular(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("cannot read: not a regular file".into());
    }
    let too_big = || format!("cannot read: larger than {}", size(limit));
    if meta.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// [`regular`], as UTF-8 text.
pub fn text(path: &Path, limit: u64) -> Result<String, String> {
    String::from_utf8(regular(path, limit)?).map_err(|_| "cannot read: not UTF-8 text".to_string())
}

/// `limit` bytes as people say it (`4 MiB`, `100 bytes`).
fn size(limit: u64) -> String {
    if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
        format!("{} MiB", limit >> 20)
    } else {
        format!("{limit} bytes")
    }
}
