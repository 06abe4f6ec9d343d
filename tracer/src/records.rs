//! Record files (`tracepoints-trace --write`, `net-tracer --write`, the
//! BCC logger's `--write`): one provider's ring-buffer records as they
//! came, for `--read` to decode later. Writing costs a copy per record; a
//! capture keeps up with rates at which printing every payload as hex
//! does not.
//!
//! Layout: the line `tracepoints records 2`, the provider's name on a line
//! of its own, then one frame per record (its length as a little-endian
//! `u32`, then its bytes), and last a trailer: the length `u32::MAX`, then
//! the events the ring buffer dropped as a little-endian `u64`, the number
//! of event kinds as a `u32` and the dropped events of each kind (from
//! kind 1) as `u64`s. Version 1 files, whose trailer ends after the total,
//! are read too. A file without its trailer is one whose tracer did not
//! finish.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};

/// The first line of every capture.
const MAGIC: &str = "tracepoints records 2";
/// The first line of a capture whose trailer holds the total only.
const MAGIC_1: &str = "tracepoints records 1";
/// The most event kinds a trailer may list (a provider has a few dozen).
const MAX_KINDS: u32 = 4096;
/// The longest record a file may hold: far more than any program writes
/// (a record holds at most one buffer of at most 1 MiB), far less than a
/// length a damaged file could claim.
const MAX_RECORD: u32 = 8 << 20;

/// What a reader knows of the provider a record file names: the size of
/// its largest record and its number of tracepoints (the counts a
/// trailer holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The size of the largest record.
    pub largest: u32,
    /// How many tracepoints the provider has.
    pub kinds: usize,
}

/// The events a capture's tracer lost: in all, and of each kind (from kind
/// 1; `None` in a version 1 capture).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    /// The total.
    pub total: u64,
    /// Per kind, when the capture says.
    pub by_kind: Option<Vec<u64>>,
}
/// Why a trailer could not be read.
enum Trailer {
    /// The file ended (or could not be read) inside it.
    Cut(std::io::Error),
    /// It does not fit the provider: what is wrong.
    Damaged(String),
}

/// The lost counts of a trailer, after its marker: a version 1 file's
/// total only, else the total and one count per tracepoint (`kinds` of
/// them, whose sum is the total).
fn trailer(input: &mut impl Read, version_1: bool, kinds: usize) -> Result<Lost, Trailer> {
    let total = u64::from_le_bytes(bytes(input)?);
    if version_1 {
        let by_kind = None;
        return Ok(Lost { total, by_kind });
    }
    let count = u32::from_le_bytes(bytes(input)?);
    if count > MAX_KINDS || count as usize != kinds {
        return Err(Trailer::Damaged(format!(
            "a trailer of {count} tracepoints' counts, but the provider has {kinds}"
        )));
    }
    let by_kind = (0..count)
        .map(|_| bytes(input).map(u64::from_le_bytes))
        .collect::<Result<Vec<_>, _>>()?;
    let sum = by_kind.iter().try_fold(0u64, |sum, &n| sum.checked_add(n));
    if sum != Some(total) {
        return Err(Trailer::Damaged(format!(
            "a trailer whose total lost ({total}) is not the sum of its counts"
        )));
    }
    let by_kind = Some(by_kind);
    Ok(Lost { total, by_kind })
}

/// The next `N` bytes of a trailer.
fn bytes<const N: usize>(input: &mut impl Read) -> Result<[u8; N], Trailer> {
    let mut bytes = [0u8; N];
    input.read_exact(&mut bytes).map_err(Trailer::Cut)?;
    Ok(bytes)
}

/// The most bytes of a record file's header or provider line read.
const LINE: u64 = 256;

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

    /// Writes the trailer with the count of lost events of each kind (from
    /// kind 1): the capture is complete.
    pub fn finish(&mut self, lost: &[u64]) -> Result<(), String> {
        self.buffer.extend_from_slice(&TRAILER.to_le_bytes());
        self.buffer
            .extend_from_slice(&lost.iter().sum::<u64>().to_le_bytes());
        self.buffer
            .extend_from_slice(&(lost.len() as u32).to_le_bytes());
        for n in lost {
            self.buffer.extend_from_slice(&n.to_le_bytes());
        }
        self.flush()?;
        self.file
            .sync_all()
            .map_err(|e| format!("{}: {e}", self.path))
    }
}

/// Calls `each` with the provider's name and every record of the capture
/// at `path`, in order; returns the provider's name and the lost count
/// of its trailer. `limits` gives, for the provider the file names, its
/// [`Limits`] (or refuses the provider): a record that claims more than
/// the largest is refused as damage before anything is read into memory,
/// as is a trailer of another number of counts or whose total is not
/// their sum.
pub fn read(
    path: &str,
    limits: impl FnOnce(&str) -> Result<Limits, String>,
    mut each: impl FnMut(&str, &[u8]) -> Result<(), String>,
) -> Result<(String, Lost), String> {
    // A FIFO or a device would block or never end.
    let regular = std::fs::metadata(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    if !regular.is_file() {
        return Err(format!("{path}: cannot read: not a regular file"));
    }
    let file = File::open(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let mut input = BufReader::with_capacity(BATCH, file);
    // The two lines are short: read at most LINE bytes of each (a file
    // that is not a record file may have no newline for megabytes).
    let mut line = |what: &str| -> Result<String, String> {
        let mut line = Vec::new();
        (&mut input)
            .take(LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("{path}: {e}"))?;
        let line = String::from_utf8_lossy(&line).into_owned();
        let Some(line) = line.strip_suffix('\n') else {
            return Err(format!("{path}: no {what} line: not a record file"));
        };
        if line.ends_with('\r') {
            return Err(format!(
                "{path}: its lines end in CRLF: it was copied as text, which damages records; copy it as binary"
            ));
        }
        Ok(line.to_string())
    };
    let magic = line("header")?;
    if magic != MAGIC && magic != MAGIC_1 {
        return Err(format!(
            "{path}: starts with {magic:?}, not `{MAGIC}`: not a record file"
        ));
    }
    let provider = line("provider")?;
    let limits = limits(&provider)?;
    let largest = limits.largest.min(MAX_RECORD);
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
            let lost =
                trailer(&mut input, magic == MAGIC_1, limits.kinds).map_err(|e| match e {
                    Trailer::Cut(e) => cut(e),
                    Trailer::Damaged(what) => format!("{path}: {what}: a damaged file"),
                })?;
            return Ok((provider, lost));
        }
        if len > largest {
            return Err(format!(
                "{path}: record {} claims {len} bytes, more than the largest `{provider}` record ({largest}): a damaged file",
                count + 1
            ));
        }
        record.resize(len as usize, 0);
        input.read_exact(&mut record).map_err(cut)?;
        each(&provider, &record)?;
        count += 1;
    }
}
