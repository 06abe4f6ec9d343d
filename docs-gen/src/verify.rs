//! `tracepoints-gen verify`: checks a built binary's stapsdt notes against
//! the declaration, reading the ELF file with the `object` crate.

use object::read::elf::{ElfFile64, FileHeader, ProgramHeader, SectionHeader};
use std::path::Path;
use tracepoints_codegen::model::Provider;

/// One stapsdt v3 probe as its ELF note describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdtNote {
    /// Address of the probe instruction.
    pub pc: u64,
    /// Address of `.stapsdt.base` as the note records it (0 when unused).
    pub base: u64,
    /// Address of the semaphore (0 when the probe has none).
    pub semaphore: u64,
    /// Provider name.
    pub provider: String,
    /// Probe name.
    pub name: String,
    /// Argument specs, e.g. `["-8@%rdi", "8@%rsi"]`.
    pub args: Vec<String>,
}

impl SdtNote {
    /// The size of each argument as its spec gives it (`-8` for `-8@%rdi`);
    /// `None` for a spec without a size.
    pub fn arg_sizes(&self) -> Vec<Option<i64>> {
        self.args
            .iter()
            .map(|a| a.split_once('@').and_then(|(size, _)| size.parse().ok()))
            .collect()
    }
}

/// What `verify` reads of a binary: its probes and the layout facts the
/// checks need.
pub struct Binary {
    /// Every stapsdt note, in file order.
    pub notes: Vec<SdtNote>,
    /// Whether the binary has a `.stapsdt.base` section.
    pub has_stapsdt_base: bool,
    /// The file pages the RELRO segment maps.
    relro_pages: Option<std::ops::Range<u64>>,
    /// Loaded segments as (virtual address, file offset, file size).
    loads: Vec<(u64, u64, u64)>,
}

/// The file pages `size` bytes at file `offset` touch.
pub fn file_pages(offset: u64, size: u64) -> std::ops::Range<u64> {
    offset / 4096..(offset + size).div_ceil(4096)
}

impl Binary {
    /// Reads an ELF64 file (executable, PIE or shared library).
    pub fn read(path: &Path) -> Result<Binary, String> {
        let data = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
        let elf = ElfFile64::<object::Endianness>::parse(&*data)
            .map_err(|e| format!("not an ELF64 file: {e}"))?;
        let endian = elf.endian();
        let header = elf.elf_header();
        let bad = |e: object::read::Error| format!("malformed ELF file: {e}");
        let sections = header.sections(endian, &*data).map_err(bad)?;
        let mut notes = Vec::new();
        let mut has_stapsdt_base = false;
        for section in sections.iter() {
            if sections.section_name(endian, section).map_err(bad)? == b".stapsdt.base" {
                has_stapsdt_base = true;
            }
            let Some(mut found) = section.notes(endian, &*data).map_err(bad)? else {
                continue;
            };
            while let Some(note) = found.next().map_err(bad)? {
                if note.name() != b"stapsdt" || note.n_type(endian) != 3 {
                    continue;
                }
                notes.push(parse_note(note.desc()).ok_or("a malformed stapsdt note")?);
            }
        }
        let segments = header.program_headers(endian, &*data).map_err(bad)?;
        let relro_pages = segments
            .iter()
            .find(|p| p.p_type(endian) == object::elf::PT_GNU_RELRO)
            .map(|p| file_pages(p.p_offset(endian), p.p_filesz(endian)));
        let loads = segments
            .iter()
            .filter(|p| p.p_type(endian) == object::elf::PT_LOAD)
            .map(|p| (p.p_vaddr(endian), p.p_offset(endian), p.p_filesz(endian)))
            .collect();
        Ok(Binary {
            notes,
            has_stapsdt_base,
            relro_pages,
            loads,
        })
    }

    /// The file page holding the byte at virtual address `address`, through
    /// the loaded segment that maps it (`None` when none holds it in the
    /// file).
    fn file_page_of(&self, address: u64) -> Option<u64> {
        let (vaddr, offset, _) = self
            .loads
            .iter()
            .find(|(vaddr, _, size)| (*vaddr..vaddr + size).contains(&address))?;
        Some((address - vaddr + offset) / 4096)
    }

    /// How many loaded segments map the file page holding the byte at
    /// virtual address `address` (`None` when no segment holds it in the
    /// file).
    pub fn segments_mapping_page_of(&self, address: u64) -> Option<usize> {
        let page = self.file_page_of(address)?;
        Some(
            self.loads
                .iter()
                .filter(|(_, offset, size)| file_pages(*offset, *size).contains(&page))
                .count(),
        )
    }

    /// Whether the byte at virtual address `address` is in a file page that
    /// the RELRO segment maps too (`None` when no loaded segment holds it
    /// in the file).
    pub fn shares_relro_page(&self, address: u64) -> Option<bool> {
        let page = self.file_page_of(address)?;
        Some(self.relro_pages.as_ref().is_some_and(|r| r.contains(&page)))
    }
}

/// A note's description: pc, base, semaphore, then three NUL-terminated
/// strings.
fn parse_note(desc: &[u8]) -> Option<SdtNote> {
    let word = |i: usize| -> Option<u64> {
        Some(u64::from_le_bytes(
            desc.get(i * 8..i * 8 + 8)?.try_into().ok()?,
        ))
    };
    let mut strings = desc
        .get(24..)?
        .split(|&b| b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned());
    Some(SdtNote {
        pc: word(0)?,
        base: word(1)?,
        semaphore: word(2)?,
        provider: strings.next()?,
        name: strings.next()?,
        args: strings
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .map(String::from)
            .collect(),
    })
}

/// Every problem of `binary` against `providers`, one message each, and the
/// probes it has of providers not declared here (not problems: a binary
/// may link other providers).
pub fn check(binary: &Binary, providers: &[Provider]) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    for provider in providers {
        for tracepoint in &provider.tracepoints {
            let probe = tracepoint.probe_name(provider);
            let notes: Vec<&SdtNote> = binary
                .notes
                .iter()
                .filter(|n| n.provider == provider.name && n.name == tracepoint.name)
                .collect();
            if notes.is_empty() {
                problems.push(format!(
                    "{probe}: declared, but the binary has no such probe"
                ));
            }
            for note in notes {
                problems.extend(check_note(binary, &probe, tracepoint, note));
            }
        }
        for note in &binary.notes {
            if note.provider == provider.name && provider.tracepoint(&note.name).is_none() {
                problems.push(format!(
                    "{}:{}: in the binary, but not declared",
                    note.provider, note.name
                ));
            }
        }
    }
    if binary.notes.iter().any(|n| n.base != 0) && !binary.has_stapsdt_base {
        problems.push("the notes name a .stapsdt.base, but the binary has no such section".into());
    }
    let mut others: Vec<String> = binary
        .notes
        .iter()
        .filter(|n| !providers.iter().any(|p| p.name == n.provider))
        .map(|n| format!("{}:{}", n.provider, n.name))
        .collect();
    others.dedup();
    (problems, others)
}

fn check_note(
    binary: &Binary,
    probe: &str,
    tracepoint: &tracepoints_codegen::model::Tracepoint,
    note: &SdtNote,
) -> Vec<String> {
    let mut problems = Vec::new();
    let sizes = note.arg_sizes();
    if sizes.len() != tracepoint.args.len() {
        problems.push(format!(
            "{probe}: the binary passes {} arguments, the declaration {}",
            sizes.len(),
            tracepoint.args.len()
        ));
    }
    for (i, (arg, size)) in tracepoint.args.iter().zip(&sizes).enumerate() {
        let declared = i64::from(arg.ty.sdt_size());
        if *size != Some(declared) {
            let passed = size.map_or_else(|| "no size".to_string(), |s| s.to_string());
            problems.push(format!(
                "{probe}: argument {} `{}`: the binary passes size {passed} (`{}`), the declaration {declared} (`{}`)",
                i + 1,
                arg.name,
                note.args[i],
                arg.ty.rust()
            ));
        }
    }
    match binary.segments_mapping_page_of(note.pc) {
        Some(1) => {}
        Some(n) => problems.push(format!(
            "{probe}: the probe at {:#x} is in a file page {n} segments map: after a tracer attached before the program started detaches, the kernel lowers the semaphore twice and leaks the uprobe",
            note.pc
        )),
        None => problems.push(format!(
            "{probe}: the probe at {:#x} is not in a loaded, file-backed segment",
            note.pc
        )),
    }
    let semaphore = note.semaphore;
    if semaphore == 0 {
        problems.push(format!(
            "{probe}: no semaphore: the probe site cannot tell whether a tracer is attached"
        ));
    } else if !semaphore.is_multiple_of(2) {
        problems.push(format!(
            "{probe}: semaphore at {semaphore:#x} is not 2-byte aligned"
        ));
    } else {
        match binary.shares_relro_page(semaphore) {
            Some(false) => {}
            Some(true) => problems.push(format!(
                "{probe}: semaphore at {semaphore:#x} is in a file page RELRO also maps: a tracer attached before the program starts raises a copy the program never reads"
            )),
            None => problems.push(format!(
                "{probe}: semaphore at {semaphore:#x} is not in a loaded, file-backed segment"
            )),
        }
    }
    problems
}
