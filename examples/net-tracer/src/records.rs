//! The capture file of `net-tracer --write`: ring-buffer records as they
//! came, for `--read` to decode later.
//!
//! Layout: the line `tracepoints records 1`, the provider's name on a line
//! of its own, then one frame per record (its length as a little-endian
//! `u32`, then its bytes), and last a trailer: the length `u32::MAX`, then
//! the events the ring buffer dropped as a little-endian `u64`. A file
//! without its trailer is one whose tracer did not finish.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};

/// The first line of every capture.
const MAGIC: &str = "tracepoints records 1";
/// The length that marks the trailer.
const TRAILER: u32 = u32::MAX;
/// Bytes buffered before they are written.
const BATCH: usize = 1 << 20;

/// Appends records to a capture file.
pub struct Writer {
    path: String,
    file: File,
    buffer: Vec<u8>,
}

impl Writer {
    /// Creates (or empties) `path` and writes the header for `provider`.
    pub fn create(path: &str, provider: &str) -> Result<Writer, String> {
        let file = File::create(path).map_err(|e| format!("{path}: {e}"))?;
        let mut buffer = Vec::with_capacity(2 * BATCH);
        buffer.extend_from_slice(format!("{MAGIC}\n{provider}\n").as_bytes());
        Ok(Writer {
            path: path.to_string(),
            file,
            buffer,
        })
    }

    /// Appends one record, writing the batch out once it is full.
    pub fn record(&mut self, record: &[u8]) -> Result<(), String> {
        let len = u32::try_from(record.len())
            .ok()
            .filter(|&n| n != TRAILER)
            .ok_or_else(|| format!("{}: a record of {} bytes", self.path, record.len()))?;
        self.buffer.extend_from_slice(&len.to_le_bytes());
        self.buffer.extend_from_slice(record);
        if self.buffer.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes out what is buffered.
    pub fn flush(&mut self) -> Result<(), String> {
        self.file
            .write_all(&self.buffer)
            .map_err(|e| format!("{}: {e}", self.path))?;
        self.buffer.clear();
        Ok(())
    }

    /// Writes the trailer with the count of `lost` events: the capture is
    /// complete.
    pub fn finish(&mut self, lost: u64) -> Result<(), String> {
        self.buffer.extend_from_slice(&TRAILER.to_le_bytes());
        self.buffer.extend_from_slice(&lost.to_le_bytes());
        self.flush()?;
        self.file
            .sync_all()
            .map_err(|e| format!("{}: {e}", self.path))
    }
}

/// Calls `each` with the provider's name and every record of the capture
/// at `path`, in order; returns the provider's name and the lost count
/// of its trailer.
pub fn read(
    path: &str,
    mut each: impl FnMut(&str, &[u8]) -> Result<(), String>,
) -> Result<(String, u64), String> {
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut input = BufReader::with_capacity(BATCH, file);
    let mut line = |what: &str| -> Result<String, String> {
        let mut line = String::new();
        input
            .read_line(&mut line)
            .map_err(|e| format!("{path}: {e}"))?;
        line.pop()
            .filter(|&c| c == '\n')
            .map(|_| line)
            .ok_or_else(|| format!("{path}: no {what} line: not a capture of net-tracer --write"))
    };
    let magic = line("header")?;
    if magic != MAGIC {
        return Err(format!(
            "{path}: starts with `{magic}`, not `{MAGIC}`: not a capture of net-tracer --write"
        ));
    }
    let provider = line("provider")?;
    let mut record = Vec::new();
    let mut count = 0u64;
    loop {
        let mut len = [0u8; 4];
        let cut = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => format!(
                "{path}: ends after {count} records without its trailer: its tracer did not finish"
            ),
            _ => format!("{path}: {e}"),
        };
        input.read_exact(&mut len).map_err(cut)?;
        let len = u32::from_le_bytes(len);
        if len == TRAILER {
            let mut lost = [0u8; 8];
            input.read_exact(&mut lost).map_err(cut)?;
            return Ok((provider, u64::from_le_bytes(lost)));
        }
        record.resize(len as usize, 0);
        input.read_exact(&mut record).map_err(cut)?;
        each(&provider, &record)?;
        count += 1;
    }
}
