//! The ABI a binary carries: one ELF note per tracepoint, which the
//! provider macro emits next to the probe site, so that a tracer given
//! only the binary knows every argument's name, type, length, unit and
//! named values.
//!
//! The notes live in `.note.tracepoints`, a section that is not loaded
//! (no `SHF_ALLOC`): the linker's `--gc-sections` does not remove it,
//! `strip` keeps it as it keeps `.note.stapsdt`, and it costs the running
//! program nothing. Each note is
//!
//! | field | size | value |
//! |---|---|---|
//! | namesz | 4 | 12, the length of `"tracepoints\0"` |
//! | descsz | 4 | the length of the description |
//! | type | 4 | [`TYPE`], 1 |
//! | name | 12 | `"tracepoints\0"` |
//! | desc | descsz | a [`Note`] in compact JSON (UTF-8, no NUL) |
//!
//! with the description padded to 4 bytes. A note holds its provider's
//! name, the tracepoint's position in the declaration and the number of
//! tracepoints the provider declares, so a reader puts the provider back
//! together ([`providers`]) and knows when a note is missing.

use super::{Abi, FORMAT, TracepointAbi};
use crate::model::{Provider, Tracepoint};
use serde::{Deserialize, Serialize};

/// The section that holds the notes.
pub const SECTION: &str = ".note.tracepoints";

/// The notes' owner (their `name` field), without its NUL.
pub const OWNER: &str = "tracepoints";

/// The notes' type: a [`Note`] in JSON.
pub const TYPE: u32 = 1;

/// One tracepoint's embedded ABI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The ABI format's version, [`FORMAT`].
    pub format: u32,
    /// The provider's name.
    pub provider: String,
    /// The tracepoint's position in the provider's declaration, from 0.
    pub index: usize,
    /// How many tracepoints the provider declares.
    pub count: usize,
    /// The tracepoint.
    pub tracepoint: TracepointAbi,
}

impl Note {
    /// The note of `tracepoint` of `provider`, with its docs or without.
    pub fn of(provider: &Provider, tracepoint: &Tracepoint, docs: bool) -> Note {
        let abi = TracepointAbi::of(tracepoint);
        Note {
            format: FORMAT,
            provider: provider.name.clone(),
            index: tracepoint.index,
            count: provider.tracepoints.len(),
            tracepoint: if docs { abi } else { abi.without_docs() },
        }
    }

    /// The note's description: compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a note serializes to memory")
    }

    /// Reads a note's description; the error says what is wrong.
    pub fn parse(desc: &[u8]) -> Result<Note, String> {
        let note: Note =
            serde_json::from_slice(desc).map_err(|e| format!("not a tracepoint ABI note: {e}"))?;
        if note.format != FORMAT {
            return Err(format!(
                "ABI format {}, but this reader reads format {FORMAT}",
                note.format
            ));
        }
        if note.index >= note.count {
            return Err(format!(
                "{}:{}: position {} of {} tracepoints",
                note.provider, note.tracepoint.name, note.index, note.count
            ));
        }
        Ok(note)
    }

    /// The assembly (for `global_asm!`) that emits this note into
    /// [`SECTION`]. The description is spelled with octal escapes for
    /// every byte but letters, digits and spaces, so that neither the
    /// assembler nor `asm!`'s `{}` placeholders see anything of it.
    pub fn assembly(&self) -> String {
        let mut desc = String::new();
        for byte in self.to_json().bytes() {
            if byte.is_ascii_alphanumeric() || byte == b' ' || byte == b'_' {
                desc.push(char::from(byte));
            } else {
                desc.push_str(&format!("\\{byte:03o}"));
            }
        }
        // Numeric labels of 0s and 1s only read as binary numbers on x86.
        format!(
            ".pushsection {SECTION}, \"\", \"note\"\n\
             .balign 4\n\
             .4byte 982f-981f, 984f-983f, {TYPE}\n\
             981: .asciz \"{OWNER}\"\n\
             982: .balign 4\n\
             983: .ascii \"{desc}\"\n\
             984: .balign 4\n\
             .popsection\n"
        )
    }
}

/// The providers the notes of one binary describe, in order of name, each
/// with its tracepoints in declaration order. A note that appears twice
/// counts once; the error names what does not fit together (two different
/// notes at one position, a missing position, different counts).
pub fn providers(mut notes: Vec<Note>) -> Result<Vec<Abi>, String> {
    notes.sort_by(|a, b| (&a.provider, a.index).cmp(&(&b.provider, b.index)));
    notes.dedup();
    let mut abis: Vec<(Abi, usize)> = Vec::new();
    for note in notes {
        let probe = format!("{}:{}", note.provider, note.tracepoint.name);
        if abis
            .last()
            .is_none_or(|(abi, _)| abi.provider != note.provider)
        {
            abis.push((
                Abi {
                    format: FORMAT,
                    generated_by: "embedded in the binary".into(),
                    regenerate: String::new(),
                    provider: note.provider.clone(),
                    // Known only to the ABI files; 0 says "not given".
                    abi_version: 0,
                    tracepoints: Vec::new(),
                },
                note.count,
            ));
        }
        let (abi, count) = abis.last_mut().expect("pushed above");
        let next = abi.tracepoints.len();
        if note.count != *count {
            return Err(format!(
                "{probe}: says `{}` has {} tracepoints, another note says {count}",
                note.provider, note.count
            ));
        }
        if note.index < next {
            return Err(format!(
                "{probe}: two different notes describe tracepoint {} of `{}`",
                note.index, note.provider
            ));
        }
        if note.index > next {
            return Err(format!(
                "`{}`: no note describes tracepoint {next} (of {count})",
                note.provider
            ));
        }
        if abi
            .tracepoints
            .iter()
            .any(|t| t.name == note.tracepoint.name)
        {
            return Err(format!("{probe}: described at two positions"));
        }
        abi.tracepoints.push(note.tracepoint);
    }
    abis.into_iter()
        .map(|(abi, count)| {
            if abi.tracepoints.len() == count {
                Ok(abi)
            } else {
                Err(format!(
                    "`{}`: no note describes tracepoint {} (of {count})",
                    abi.provider,
                    abi.tracepoints.len()
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"
        #[tracepoints::provider]
        mod net {
            /// A message arrived.
            #[log("{peer} sent {size} bytes on {network:name} {{ok}}")]
            fn message(
                /// Peer
                peer: i64,
                /// Network
                #[values(1 = "ipv4", 2 = "ipv6")]
                network: u32,
                /// Size
                #[unit = "bytes"]
                size: u64,
                /// Bytes
                #[len(size)]
                #[max_len(4096)]
                data: &[u8],
            );
            /// Closed.
            fn closed(
                /// Hash
                #[len(32)]
                #[hash]
                id: &[u8],
                /// Why
                #[max_len(40)]
                why: &str,
            );
        }
    "#;

    fn provider() -> Provider {
        crate::read_source(SOURCE).unwrap().remove(0)
    }

    fn notes(docs: bool) -> Vec<Note> {
        let provider = provider();
        let mut notes: Vec<Note> = provider
            .tracepoints
            .iter()
            .map(|t| Note::of(&provider, t, docs))
            .collect();
        // As a binary may hold them: any order, a note twice.
        notes.reverse();
        notes.push(notes[0].clone());
        notes
    }

    #[test]
    fn notes_read_back_as_the_declarations_abi() {
        let read: Vec<Note> = notes(true)
            .iter()
            .map(|n| Note::parse(n.to_json().as_bytes()).unwrap())
            .collect();
        let abis = providers(read).unwrap();
        let declared = Abi::of(&provider(), String::new(), String::new(), 0);
        assert_eq!(abis.len(), 1);
        assert_eq!(abis[0].tracepoints, declared.tracepoints);
        // And back into the model, which gives the same ABI again.
        let model = abis[0].provider().unwrap();
        let again = Abi::of(&model, String::new(), String::new(), 0);
        assert_eq!(again.tracepoints, declared.tracepoints);
        assert_eq!(
            model.tracepoints[0].log,
            provider().tracepoints[0].log,
            "the log line"
        );
    }

    #[test]
    fn notes_without_docs_keep_everything_else() {
        let abis = providers(notes(false)).unwrap();
        let declared = Abi::of(&provider(), String::new(), String::new(), 0);
        let without: Vec<TracepointAbi> = declared
            .tracepoints
            .into_iter()
            .map(TracepointAbi::without_docs)
            .collect();
        assert_eq!(abis[0].tracepoints, without);
        assert!(abis[0].tracepoints.iter().all(|t| t.doc.is_empty()));
    }

    #[test]
    fn the_assembly_spells_the_description_without_braces_or_quotes() {
        let note = &notes(true)[0];
        let assembly = note.assembly();
        assert!(!assembly.contains(['{', '}']), "{assembly}");
        let desc = assembly.split(".ascii \"").nth(1).unwrap();
        let desc = desc.split('"').next().unwrap();
        // Undo the octal escapes: the JSON comes back.
        let mut bytes = Vec::new();
        let mut rest = desc.as_bytes();
        while let Some((&first, tail)) = rest.split_first() {
            if first == b'\\' {
                let digits = std::str::from_utf8(&tail[..3]).unwrap();
                bytes.push(u8::from_str_radix(digits, 8).unwrap());
                rest = &tail[3..];
            } else {
                bytes.push(first);
                rest = tail;
            }
        }
        assert_eq!(String::from_utf8(bytes).unwrap(), note.to_json());
    }

    #[test]
    fn notes_that_do_not_fit_together_are_refused() {
        let mut missing = notes(true);
        missing.retain(|n| n.index != 0);
        assert_eq!(
            providers(missing).unwrap_err(),
            "`net`: no note describes tracepoint 0 (of 2)"
        );
        let mut last_missing = notes(true);
        last_missing.retain(|n| n.index != 1);
        assert_eq!(
            providers(last_missing).unwrap_err(),
            "`net`: no note describes tracepoint 1 (of 2)"
        );
        let mut conflicting = notes(true);
        conflicting[0].tracepoint.args.pop();
        assert!(
            providers(conflicting)
                .unwrap_err()
                .contains("two different notes describe tracepoint"),
        );
        let mut counts = notes(true);
        counts[0].count = 3;
        assert!(providers(counts).unwrap_err().contains("another note says"));
    }

    #[test]
    fn malformed_descriptions_are_errors() {
        assert!(
            Note::parse(b"{")
                .unwrap_err()
                .starts_with("not a tracepoint ABI note")
        );
        let mut note = notes(true).remove(0);
        note.format = 2;
        assert_eq!(
            Note::parse(note.to_json().as_bytes()).unwrap_err(),
            "ABI format 2, but this reader reads format 1"
        );
        note.format = FORMAT;
        note.index = 2;
        assert_eq!(
            Note::parse(note.to_json().as_bytes()).unwrap_err(),
            "net:closed: position 2 of 2 tracepoints"
        );
    }
}
