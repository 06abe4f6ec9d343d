//! A built binary's probes as the stapsdt notes describe them: read from
//! the ELF file with the `object` crate (its headers, notes and the
//! segments they point into, never the whole file), or from the notes alone
//! as `readelf -n` prints them (a binary on another machine).

use object::read::elf::{ElfFile64, FileHeader, ProgramHeader, SectionHeader};
use std::path::Path;
use tracepoints_codegen::abi::Abi;
use tracepoints_codegen::abi::note::{self, Note, OWNER, TYPE};

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

/// The architectures whose probe operands `verify` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// x86-64: operands in AT&T syntax (`%reg`, `off(%reg)`, `$const`).
    X86_64,
    /// aarch64: `xN`, `sp`, `[reg]`, `[reg, off]` or a constant.
    Aarch64,
    /// Any other (`e_machine`): operands are not checked.
    Other(u16),
}

impl Machine {
    /// The largest page the architecture's Linux kernels use, the unit in
    /// which segments may share a file page: 4 KiB on x86-64, 64 KiB on
    /// aarch64 (whose kernels run with 4, 16 or 64 KiB pages).
    pub fn page_size(self) -> u64 {
        match self {
            Machine::Aarch64 => 65536,
            Machine::X86_64 | Machine::Other(_) => 4096,
        }
    }

    /// Why the operand of an argument spec (`%rdi` of `-8@%rdi`) is not one
    /// that libbpf's, BCC's and bpftrace's parsers of this architecture all
    /// take, if it is not.
    pub fn operand_problem(self, operand: &str) -> Option<String> {
        let constant = |s: &str| s.strip_prefix('-').unwrap_or(s).parse::<u64>().is_ok();
        match self {
            Machine::X86_64 => {
                let ok = operand.starts_with('%')
                    || operand.strip_prefix('$').is_some_and(constant)
                    || (operand.contains("(%") && operand.ends_with(')'));
                (!ok).then(|| "not an x86-64 register, memory operand or constant".to_string())
            }
            Machine::Aarch64 => {
                let register = |r: &str| {
                    r == "sp"
                        || r.strip_prefix('x')
                            .and_then(|n| n.parse::<u8>().ok())
                            .is_some_and(|n| n <= 30)
                };
                let ok = register(operand)
                    || constant(operand)
                    || operand
                        .strip_prefix('[')
                        .and_then(|m| m.strip_suffix(']'))
                        .is_some_and(|m| match m.split_once(',') {
                            Some((reg, off)) => register(reg.trim()) && constant(off.trim()),
                            None => register(m.trim()),
                        });
                (!ok).then(|| {
                    "not an aarch64 operand the tracers parse: an `x0`..`x30` or `sp` register, `[reg]`, `[reg, offset]` or a constant (libbpf and BCC take no `w` register)".to_string()
                })
            }
            Machine::Other(_) => None,
        }
    }
}

/// What `verify` reads of a binary: its probes and, when it read the ELF
/// file itself, the layout facts the checks need.
pub struct Binary {
    /// The architecture the binary is for.
    pub machine: Machine,
    /// Every stapsdt note, in file order.
    pub notes: Vec<SdtNote>,
    /// The providers whose ABI the binary carries (`.note.tracepoints`,
    /// see `tracepoints_codegen::abi::note`): empty when it carries none,
    /// the problem when its notes are malformed or do not fit together.
    pub embedded: Result<Vec<Abi>, String>,
    /// The sections and segments; `None` for notes read from `readelf -n`
    /// output, which does not show them (their checks are skipped).
    pub(crate) layout: Option<Layout>,
}

/// Where a binary's sections and segments lie in its file.
pub(crate) struct Layout {
    /// Whether the binary has a `.stapsdt.base` section.
    pub(crate) has_stapsdt_base: bool,
    /// The file pages the RELRO segment maps.
    pub(crate) relro_pages: Option<std::ops::Range<u64>>,
    /// Loaded segments as (virtual address, file offset, file size).
    pub(crate) loads: Vec<(u64, u64, u64)>,
}

/// The file pages of `page` bytes that `size` bytes at file `offset` touch.
pub fn file_pages(offset: u64, size: u64, page: u64) -> std::ops::Range<u64> {
    offset / page..(offset + size).div_ceil(page)
}

impl Binary {
    /// Reads an ELF64 file (executable, PIE or shared library).
    pub fn read(path: &Path) -> Result<Binary, String> {
        // Only what the checks look at is read (headers, notes), through a
        // cache of the regular file: a FIFO or device is refused, and a
        // large binary costs no more memory than a small one.
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
        if !meta.is_file() {
            return Err("cannot read: not a regular file".into());
        }
        let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
        let cache = object::ReadCache::new(file);
        Binary::parse(&cache, meta.len())
    }

    /// Reads an ELF64 file held in memory (every check of [`Binary::read`]
    /// but the file's kind).
    pub fn from_bytes(bytes: &[u8]) -> Result<Binary, String> {
        Binary::parse(bytes, bytes.len() as u64)
    }

    /// The binary in `data`, a file of `len` bytes.
    fn parse<'data, R: object::ReadRef<'data>>(data: R, len: u64) -> Result<Binary, String> {
        let elf = ElfFile64::<object::Endianness, R>::parse(data)
            .map_err(|e| format!("not an ELF64 file: {e}"))?;
        let endian = elf.endian();
        if !object::Endian::is_little_endian(endian) {
            return Err(
                "a big-endian ELF file: only little-endian binaries (x86-64, aarch64) are checked"
                    .into(),
            );
        }
        let header = elf.elf_header();
        let machine = match header.e_machine(endian) {
            object::elf::EM_X86_64 => Machine::X86_64,
            object::elf::EM_AARCH64 => Machine::Aarch64,
            other => Machine::Other(other),
        };
        let page = machine.page_size();
        let found = read_sections(header, endian, data)?;
        let (relro_pages, loads) = read_segments(header, endian, data, len, page)?;
        Ok(Binary {
            machine,
            notes: found.notes,
            embedded: found.embedded,
            layout: Some(Layout {
                has_stapsdt_base: found.has_stapsdt_base,
                relro_pages,
                loads,
            }),
        })
    }

    /// The probes of a binary as `readelf -n BIN` (binutils or LLVM) prints
    /// its `.note.stapsdt` notes: the checks of argument count, sizes,
    /// signs, operands and semaphore alignment apply; those of the file's
    /// layout cannot. The architecture is the one the operands are written
    /// for. Errors name the line (1-based).
    pub fn from_readelf(text: &str) -> Result<Binary, String> {
        let notes = parse_readelf(text)?;
        let operands = || notes.iter().flat_map(|n| &n.args).map(|a| operand(a));
        let machine = if operands().any(|o| o.contains('%')) {
            Machine::X86_64
        } else if operands().any(|o| Machine::Aarch64.operand_problem(o).is_none()) {
            Machine::Aarch64
        } else {
            Machine::Other(0)
        };
        Ok(Binary {
            machine,
            notes,
            embedded: Ok(Vec::new()),
            layout: None,
        })
    }

    /// Whether the binary has a `.stapsdt.base` section (`None` when only
    /// its notes are known).
    pub fn has_stapsdt_base(&self) -> Option<bool> {
        self.layout.as_ref().map(|l| l.has_stapsdt_base)
    }

    /// The file page holding the byte at virtual address `address`, through
    /// the loaded segment that maps it (`None` when none holds it in the
    /// file).
    fn file_page_of(&self, address: u64) -> Option<u64> {
        let (vaddr, offset, _) = self
            .layout
            .as_ref()?
            .loads
            .iter()
            .find(|(vaddr, _, size)| (*vaddr..vaddr + size).contains(&address))?;
        Some((address - vaddr + offset) / self.machine.page_size())
    }

    /// How many loaded segments map the file page holding the byte at
    /// virtual address `address` (`None` when no segment holds it in the
    /// file).
    pub fn segments_mapping_page_of(&self, address: u64) -> Option<usize> {
        let page = self.file_page_of(address)?;
        Some(
            self.layout
                .as_ref()?
                .loads
                .iter()
                .filter(|(_, offset, size)| {
                    file_pages(*offset, *size, self.machine.page_size()).contains(&page)
                })
                .count(),
        )
    }

    /// Whether the byte at virtual address `address` is in a file page that
    /// the RELRO segment maps too (`None` when no loaded segment holds it
    /// in the file).
    pub fn shares_relro_page(&self, address: u64) -> Option<bool> {
        let page = self.file_page_of(address)?;
        let relro = self.layout.as_ref()?.relro_pages.as_ref();
        Some(relro.is_some_and(|r| r.contains(&page)))
    }
}

/// What a binary's sections hold for the checks.
struct Sections {
    notes: Vec<SdtNote>,
    embedded: Result<Vec<Abi>, String>,
    has_stapsdt_base: bool,
}

type Header = object::elf::FileHeader64<object::Endianness>;

fn bad(e: object::read::Error) -> String {
    format!("malformed ELF file: {e}")
}

/// The stapsdt notes, the carried ABI and whether `.stapsdt.base` exists;
/// a note of another owner in the notes' own sections is damage, named
/// with its offset.
fn read_sections<'data, R: object::ReadRef<'data>>(
    header: &Header,
    endian: object::Endianness,
    data: R,
) -> Result<Sections, String> {
    let sections = header.sections(endian, data).map_err(bad)?;
    let mut notes = Vec::new();
    let mut abi_notes = Vec::new();
    let mut abi_problem = None;
    let mut has_stapsdt_base = false;
    for section in sections.iter() {
        let name = sections.section_name(endian, section).map_err(bad)?;
        if name == b".stapsdt.base" {
            has_stapsdt_base = true;
        }
        // The notes' own sections hold nothing else: a note of another
        // owner there is one whose size fields were damaged.
        let only = match name {
            b".note.stapsdt" => Some(("stapsdt", 3)),
            b".note.tracepoints" => Some((OWNER, TYPE)),
            _ => None,
        };
        let Some(mut found) = section.notes(endian, data).map_err(bad)? else {
            continue;
        };
        let align = if section.sh_addralign(endian) == 8 {
            8
        } else {
            4
        };
        let mut offset = section.sh_offset(endian);
        while let Some(note) = found.next().map_err(bad)? {
            let at = offset;
            offset += 12
                + u64::from(note.n_namesz(endian)).next_multiple_of(align)
                + u64::from(note.n_descsz(endian)).next_multiple_of(align);
            let owner = (note.name(), note.n_type(endian));
            if let Some((want, kind)) = only
                && owner != (want.as_bytes(), kind)
            {
                return Err(format!(
                    "malformed ELF file: the note at offset {at:#x} in `{}` is not a {want} note (its sizes are damaged?)",
                    String::from_utf8_lossy(name)
                ));
            }
            if owner == (OWNER.as_bytes(), TYPE) {
                match Note::parse(note.desc()) {
                    Ok(abi) => abi_notes.push(abi),
                    Err(e) => abi_problem = abi_problem.or(Some(e)),
                }
            } else if owner == (b"stapsdt".as_slice(), 3) {
                notes.push(parse_note(note.desc()).ok_or_else(|| {
                    format!("malformed ELF file: the stapsdt note at offset {at:#x} is malformed")
                })?);
            }
        }
    }
    Ok(Sections {
        notes,
        embedded: match abi_problem {
            Some(problem) => Err(problem),
            None => note::providers(abi_notes),
        },
        has_stapsdt_base,
    })
}

/// The file pages of the RELRO segment and the loaded segments, each
/// checked to lie inside the file (`len` bytes) and the address space.
#[allow(clippy::type_complexity)]
fn read_segments<'data, R: object::ReadRef<'data>>(
    header: &Header,
    endian: object::Endianness,
    data: R,
    len: u64,
    page: u64,
) -> Result<(Option<std::ops::Range<u64>>, Vec<(u64, u64, u64)>), String> {
    let segments = header.program_headers(endian, data).map_err(bad)?;
    // Every segment the checks use lies inside the file and the
    // address space: no sum below can overflow.
    for (i, p) in segments.iter().enumerate() {
        let (offset, size, vaddr) = (p.p_offset(endian), p.p_filesz(endian), p.p_vaddr(endian));
        let inside = offset.checked_add(size).is_some_and(|end| end <= len)
            && vaddr.checked_add(size).is_some();
        if !inside && [object::elf::PT_LOAD, object::elf::PT_GNU_RELRO].contains(&p.p_type(endian))
        {
            return Err(format!(
                "malformed ELF file: program header {i} (offset {offset:#x}, {size:#x} bytes) reaches past the end of the file"
            ));
        }
    }
    let relro_pages = segments
        .iter()
        .find(|p| p.p_type(endian) == object::elf::PT_GNU_RELRO)
        .map(|p| file_pages(p.p_offset(endian), p.p_filesz(endian), page));
    let loads = segments
        .iter()
        .filter(|p| p.p_type(endian) == object::elf::PT_LOAD)
        .map(|p| (p.p_vaddr(endian), p.p_offset(endian), p.p_filesz(endian)))
        .collect();
    Ok((relro_pages, loads))
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

/// The operand of an argument spec: `%rdi` of `-8@%rdi` (the whole spec
/// when it has no size).
pub(crate) fn operand(spec: &str) -> &str {
    spec.split_once('@').map_or(spec, |(_, o)| o)
}

/// The stapsdt notes in `readelf -n` output: each probe is a `Provider:`
/// line, then `Name:`, `Location: PC, Base: B, Semaphore: S` and
/// `Arguments:` (absent or empty for a probe without arguments).
fn parse_readelf(text: &str) -> Result<Vec<SdtNote>, String> {
    let mut notes: Vec<SdtNote> = Vec::new();
    // The line of the `Provider:` that opened each note, for messages.
    let mut opened = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        let value = value.trim();
        let current = notes.last_mut();
        let missing = || format!("line {number}: `{key}:` before any `Provider:` line");
        match key {
            "Provider" => {
                notes.push(SdtNote {
                    pc: 0,
                    base: 0,
                    semaphore: 0,
                    provider: value.to_string(),
                    name: String::new(),
                    args: Vec::new(),
                });
                opened.push(number);
            }
            "Name" => current.ok_or_else(missing)?.name = value.to_string(),
            "Location" => {
                let note = current.ok_or_else(missing)?;
                let mut fields = value.split(',').map(str::trim);
                let mut address = |label: &str| -> Result<u64, String> {
                    let field = fields.next().unwrap_or_default();
                    let hex = if label.is_empty() {
                        Some(field)
                    } else {
                        field.strip_prefix(label).map(str::trim)
                    };
                    hex.and_then(|h| h.strip_prefix("0x"))
                        .and_then(|h| u64::from_str_radix(h, 16).ok())
                        .ok_or_else(|| {
                            format!(
                                "line {number}: expected `Location: 0x..., Base: 0x..., Semaphore: 0x...`, found `{}`",
                                line.trim()
                            )
                        })
                };
                note.pc = address("")?;
                note.base = address("Base:")?;
                note.semaphore = address("Semaphore:")?;
            }
            "Arguments" => {
                current.ok_or_else(missing)?.args =
                    value.split_whitespace().map(String::from).collect();
            }
            _ => {}
        }
    }
    for (note, line) in notes.iter().zip(opened) {
        if note.name.is_empty() {
            return Err(format!(
                "line {line}: a probe of provider `{}` with no `Name:` line",
                note.provider
            ));
        }
    }
    if notes.is_empty() {
        return Err("no stapsdt probe found: expected the output of `readelf -n BIN`, with `Provider:`, `Name:`, `Location:` and `Arguments:` lines".into());
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::Machine;

    #[test]
    fn operands_the_tracers_parse_pass() {
        for operand in ["%rdi", "%r14d", "-24(%rbp)", "$5", "$-1"] {
            assert_eq!(Machine::X86_64.operand_problem(operand), None, "{operand}");
        }
        for operand in [
            "x0",
            "x30",
            "sp",
            "[x1]",
            "[sp, 16]",
            "[x29, -8]",
            "42",
            "-1",
        ] {
            assert_eq!(Machine::Aarch64.operand_problem(operand), None, "{operand}");
        }
    }

    #[test]
    fn operands_the_tracers_refuse_fail() {
        for operand in ["w0", "x31", "xzr", "[w1, 8]", "[x1, x2]", "%x0", ""] {
            let problem = Machine::Aarch64.operand_problem(operand);
            assert!(
                problem.is_some_and(|p| p.contains("no `w` register")),
                "{operand}"
            );
        }
        for operand in ["x0", "rdi", "$rdi"] {
            assert!(
                Machine::X86_64.operand_problem(operand).is_some(),
                "{operand}"
            );
        }
    }

    #[test]
    fn readelf_output_parses() {
        let text = "Displaying notes found in: .note.stapsdt\n  stapsdt  0x3c  NT_STAPSDT\n    Provider: p\n    Name: one\n    Location: 0x10, Base: 0x20, Semaphore: 0x32\n    Arguments: -8@%rdi 8@16(%rsp)\n  stapsdt  0x30  NT_STAPSDT\n    Provider: p\n    Name: none\n    Location: 0x18, Base: 0x20, Semaphore: 0x0\n    Arguments: \n";
        let binary = super::Binary::from_readelf(text).unwrap();
        assert_eq!(binary.machine, Machine::X86_64);
        let [one, none] = &binary.notes[..] else {
            panic!("{:?}", binary.notes)
        };
        assert_eq!((one.pc, one.base, one.semaphore), (0x10, 0x20, 0x32));
        assert_eq!(one.args, ["-8@%rdi", "8@16(%rsp)"]);
        assert_eq!((none.name.as_str(), none.args.len()), ("none", 0));
        assert_eq!(binary.has_stapsdt_base(), None);
    }

    #[test]
    fn malformed_readelf_output_names_its_line() {
        let from = |text: &str| super::Binary::from_readelf(text).err().unwrap();
        assert!(from("nothing here").starts_with("no stapsdt probe found"));
        assert_eq!(
            from("Name: x"),
            "line 1: `Name:` before any `Provider:` line"
        );
        assert_eq!(
            from("Provider: p\nName: x\nLocation: 0x1, Base: zz, Semaphore: 0x2"),
            "line 3: expected `Location: 0x..., Base: 0x..., Semaphore: 0x...`, found `Location: 0x1, Base: zz, Semaphore: 0x2`"
        );
        assert_eq!(
            from("Provider: p\nLocation: 0x1, Base: 0x0, Semaphore: 0x2"),
            "line 1: a probe of provider `p` with no `Name:` line"
        );
    }

    #[test]
    fn aarch64_pages_are_its_kernels_largest() {
        assert_eq!(Machine::Aarch64.page_size(), 65536);
        assert_eq!(Machine::X86_64.page_size(), 4096);
        assert_eq!(super::file_pages(65535, 2, 65536), 0..2);
    }
}
