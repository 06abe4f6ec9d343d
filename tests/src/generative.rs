//! A seeded generator of tracepoint declarations for the generative test
//! (`tests/tests/generative.rs`): random providers and tracepoints whose
//! names are drawn to stress every namespace of the readers (C, Python and
//! Rust keywords and predefined names, the readers' own names, the names
//! of the headers they include, near-collisions after each mangling), with
//! every argument form, length and count. Many are invalid on purpose:
//! the check must refuse those with errors, and every declaration it
//! accepts must yield readers that build.

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same declaration on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.bits() % n as u64) as usize
    }

    /// True with probability `percent` %.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Words with a meaning somewhere in the readers: keywords and built-ins
/// of C, Python and Rust, the readers' own names and locals, names of the
/// kernel, libbpf and BCC headers, bpftrace built-ins, and the halves of
/// names that collide once joined (`into` + `iterator`, `bpf` + `h`).
const LOADED: &[&str] = &[
    "int",
    "char",
    "long",
    "sizeof",
    "struct",
    "union",
    "bool",
    "true",
    "false",
    "unix",
    "linux",
    "null",
    "class",
    "from",
    "def",
    "lambda",
    "none",
    "yield",
    "global",
    "gen",
    "fn",
    "match",
    "move",
    "ref",
    "box",
    "dyn",
    "clone",
    "fmt",
    "clone_from",
    "kind",
    "kinds",
    "event",
    "events",
    "lost",
    "zero",
    "ctx",
    "ptr",
    "n",
    "len",
    "len_",
    "trace",
    "license",
    "bpf",
    "h",
    "bpf_h",
    "event_kind",
    "into",
    "iterator",
    "to",
    "string",
    "process",
    "lookup_error",
    "value",
    "error",
    "pt",
    "regs",
    "xdp",
    "md",
    "sk",
    "buff",
    "map",
    "lookup_elem",
    "ringbuf",
    "submit",
    "probe_read",
    "user",
    "usdt",
    "readarg",
    "decode",
    "as_dict",
    "lost_events",
    "main",
    "sys",
    "json",
    "os",
    "signal",
    "ctypes",
    "write_hex",
    "c_text",
    "lost_json",
    "write_number",
    "tracepoints",
    "ring_buffer",
    "lost_counter",
    "probes",
    "some",
    "option",
    "result",
    "vec",
    "copy",
    "send",
    "sync",
    "default",
    "debug",
    "hash",
    "str",
    "u8",
    "u64",
    "i32",
    "arg0",
    "arg6",
    "retval",
    "pid",
    "comm",
    "tid",
    "nsecs",
    "printf",
    "begin",
    "end",
    "r15",
    "rsp",
    "cs",
    "eflags",
    "errno",
    "max_len",
    "x",
    "x1",
    "x_1",
    "a",
    "a_b",
    "b",
    "b_c",
    "c",
    "id",
    "msg",
    "size",
    "peer",
    "net",
    "addr",
    "_",
    "a__b",
    "A",
    "Id",
];

/// A name: now and then a loaded word or two joined (their mangled forms
/// meet other names), else random letters and digits in USDT's shape.
fn name(rng: &mut Rng) -> String {
    match rng.below(100) {
        0..=5 => rng.pick(LOADED).to_string(),
        6..=9 => format!("{}_{}", rng.pick(LOADED), rng.pick(LOADED)),
        _ => {
            let len = 1 + rng.below(8);
            let mut name = String::new();
            for i in 0..len {
                let c = *rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789_");
                let c = match c {
                    b'0'..=b'9' | b'_' if i == 0 => b'a',
                    b'_' if i + 1 == len || name.ends_with('_') => b'x',
                    c => c,
                };
                name.push(c as char);
            }
            name
        }
    }
}

/// A name not in `taken` (drawn again until it is), then taken.
fn fresh(rng: &mut Rng, taken: &mut Vec<String>) -> String {
    loop {
        let name = name(rng);
        if !taken.contains(&name) {
            taken.push(name.clone());
            return name;
        }
    }
}

/// Doc texts: plain, placing the type, hostile to every comment and
/// string syntax the readers use, with a footnote.
const DOCS: &[&str] = &[
    "A value",
    "A value as {type}, in the middle",
    "Text with */ and /* and \\\"quotes\\\", a backslash \\\\ and %s %d %n",
    "Braces {} {{ }} and ''' triple \\\"\\\"\\\" quotes",
    "First paragraph.\\n\\nSecond paragraph with `code`.",
    "Refers to a footnote[^note]",
    "Non-ASCII: café, ₿, 日本",
];

/// One argument: its attributes and its type, and whether it can hold a
/// buffer's length (an unsigned integer).
fn arg_type(rng: &mut Rng, length_args: &[String]) -> (String, String) {
    let caps = [1u32, 2, 8, 20, 68, 128, 199, 200, 255, 1024, 4096];
    match rng.below(14) {
        0 => (String::new(), "i8".into()),
        1 => (String::new(), "i16".into()),
        2 => (String::new(), "i32".into()),
        3 => (String::new(), "i64".into()),
        4 => (String::new(), "u8".into()),
        5 => (String::new(), "u16".into()),
        6 => (String::new(), "u32".into()),
        7 => (String::new(), "u64".into()),
        8 => (String::new(), "bool".into()),
        9 => (format!("#[max_len({})]", rng.pick(&caps)), "&str".into()),
        10 => (format!("#[max_len({})]", rng.pick(&caps)), "&CStr".into()),
        11 => {
            let hash = if rng.chance(50) { " #[hash]" } else { "" };
            let len = rng.pick(&[1u32, 4, 16, 32, 64]);
            (format!("#[len({len})]{hash}"), "&[u8]".into())
        }
        _ if !length_args.is_empty() => {
            let length = rng.pick(length_args).clone();
            let cap = rng.pick(&[1u32, 16, 200, 4096, 32568]);
            (
                format!("#[len({length})] #[max_len({cap})]"),
                "&[u8]".into(),
            )
        }
        _ => (format!("#[max_len({})]", rng.pick(&caps)), "&str".into()),
    }
}

/// The source of one declaration file: one or two providers.
pub fn declaration(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut source = format!("// Generated declaration, seed {seed}.\n");
    let mut providers = Vec::new();
    for _ in 0..1 + rng.below(2) {
        let provider = fresh(&mut rng, &mut providers);
        source.push_str(&format!(
            "/// Provider of seed {seed}.\n///\n/// [^note]: A footnote.\n#[tracepoints::provider]\nmod {provider} {{\n"
        ));
        let mut tracepoints = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let name = fresh(&mut rng, &mut tracepoints);
            tracepoint(&mut rng, &name, &mut source);
        }
        source.push_str("}\n");
    }
    source
}

fn tracepoint(rng: &mut Rng, tracepoint: &str, source: &mut String) {
    let count = rng.below(13);
    let mut args: Vec<(String, String, String)> = Vec::new();
    let mut length_args: Vec<String> = Vec::new();
    let mut names = Vec::new();
    for _ in 0..count {
        let name = fresh(rng, &mut names);
        let (attrs, ty) = arg_type(rng, &length_args);
        if ty.starts_with('u') && !length_args.contains(&name) {
            length_args.push(name.clone());
        }
        args.push((name, attrs, ty));
    }
    source.push_str(&format!("    /// {}\n", rng.pick(DOCS)));
    if rng.chance(30) && !args.is_empty() {
        let shown: Vec<String> = args
            .iter()
            .take(6)
            .filter(|(_, _, ty)| ty != "&[u8]")
            .map(|(name, _, _)| format!("{name}={{{name}}}"))
            .collect();
        source.push_str(&format!("    #[log(\"LOG {}\")]\n", shown.join(" ")));
    }
    source.push_str(&format!("    fn {tracepoint}(\n"));
    for (name, attrs, ty) in &args {
        source.push_str(&format!("        /// {}\n", rng.pick(DOCS)));
        if !attrs.is_empty() {
            source.push_str(&format!("        {attrs}\n"));
        }
        source.push_str(&format!("        {name}: {ty},\n"));
    }
    source.push_str("    );\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_seed_gives_one_declaration() {
        assert_eq!(super::declaration(7), super::declaration(7));
        assert_ne!(super::declaration(7), super::declaration(8));
    }
}
