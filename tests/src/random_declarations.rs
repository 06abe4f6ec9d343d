//! A seeded generator of tracepoint declarations for the generative test
//! (`tests/tests/random_declarations.rs`): random providers and tracepoints whose
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
    "key",
    "wakeup",
    "wakeup_flags",
    "ring_pages",
    "poll_ms",
    "tempfile",
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
    "ptrace",
    "attach",
    "tcp",
    "sock",
    "task",
    "seq",
    "file",
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

/// Names for the values of an integer: identifier-like words of both
/// cases, a Rust keyword's and a prelude name's spelling among them.
const VALUE_NAMES: &[&str] = &[
    "unroutable",
    "ipv4",
    "NONE",
    "IF_NEEDED",
    "none",
    "type",
    "Some",
    "x1",
    "a_b",
];

/// Sometimes named values (small numbers, a negative one on a signed
/// type) and sometimes a unit, for an integer type.
fn meaning(rng: &mut Rng, ty: &str) -> String {
    let mut attrs = String::new();
    if ty.starts_with(['i', 'u']) && rng.chance(30) {
        let mut names: Vec<&str> = VALUE_NAMES.to_vec();
        let count = 1 + rng.below(3);
        let mut entries = Vec::new();
        for i in 0..count {
            let name = names.remove(rng.below(names.len()));
            let value = if i == 0 && ty.starts_with('i') {
                -1
            } else {
                i as i64
            };
            entries.push(format!("{value} = \"{name}\""));
        }
        attrs.push_str(&format!(" #[values({})]", entries.join(", ")));
    }
    if ty.starts_with(['i', 'u']) && rng.chance(20) {
        attrs.push_str(&format!(
            " #[unit = \"{}\"]",
            rng.pick(&["ns", "us", "unix_s", "sat"])
        ));
    }
    attrs
}

fn tracepoint(rng: &mut Rng, tracepoint: &str, source: &mut String) {
    let count = rng.below(13);
    let mut args: Vec<(String, String, String)> = Vec::new();
    let mut length_args: Vec<String> = Vec::new();
    let mut names = Vec::new();
    for _ in 0..count {
        let name = fresh(rng, &mut names);
        let (attrs, ty) = arg_type(rng, &length_args);
        let attrs = format!("{attrs}{}", meaning(rng, &ty)).trim().to_string();
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
            .map(|(name, attrs, _)| {
                if attrs.contains("#[values(") && rng.chance(50) {
                    format!("{name}={{{name}:name}}")
                } else {
                    format!("{name}={{{name}}}")
                }
            })
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

/// A program that fires every tracepoint of some accepted declarations
/// with random values (for the end-to-end half of the generative test):
/// its `main.rs`, and what it fires, one JSON event per fire in the fired
/// log's form (`{"tracepoint": "p:t", "args": {...}}`, byte buffers as hex
/// of the bytes passed, strings as text). It waits for a line on stdin,
/// fires each tracepoint `fires` times, and prints `enabled E of N`.
pub fn firing_program(
    declarations: &[(u64, String)],
    providers: &[tracepoints_codegen::model::Provider],
    fires: usize,
) -> (String, Vec<serde_json::Value>) {
    use std::fmt::Write as _;
    let mut main = String::new();
    for (seed, source) in declarations {
        let _ = writeln!(main, "// Declaration of seed {seed}.\n{source}");
    }
    main.push_str(
        "fn main() {\n    let mut line = String::new();\n    let _ = std::io::stdin().read_line(&mut line);\n    let mut enabled = 0u64;\n    let mut fired = 0u64;\n",
    );
    let mut events = Vec::new();
    let seed = declarations.first().map_or(0, |(s, _)| *s);
    let mut rng = Rng::new(seed ^ 0x5eed);
    for provider in providers {
        for tracepoint in &provider.tracepoints {
            for _ in 0..fires {
                let (args, json) = random_args(&mut rng, tracepoint);
                let _ = writeln!(
                    main,
                    "    enabled += u64::from({p}::{t}::is_enabled());\n    fired += 1;\n    tracepoints::fire!({p}::{t}({args}));",
                    p = provider.name,
                    t = tracepoint.name,
                    args = args.join(", ")
                );
                events.push(serde_json::json!({
                    "tracepoint": tracepoint.probe_name(provider),
                    "args": json,
                }));
            }
        }
    }
    main.push_str("    println!(\"enabled {enabled} of {fired}\");\n}\n");
    (main, events)
}

/// Random values for every argument of `tracepoint`: the Rust expressions
/// that pass them, and the fired log's JSON of them.
fn random_args(
    rng: &mut Rng,
    tracepoint: &tracepoints_codegen::model::Tracepoint,
) -> (Vec<String>, serde_json::Map<String, serde_json::Value>) {
    use tracepoints_codegen::model::{ArgType, BytesLen};
    let mut json = serde_json::Map::new();
    // A variable buffer's length is drawn first, so that its length
    // argument passes it (never more than the slice holds).
    let mut lengths: Vec<Option<u64>> = vec![None; tracepoint.args.len()];
    for arg in &tracepoint.args {
        if let ArgType::Bytes {
            len: BytesLen::Arg { index, max_len },
            ..
        } = arg.ty
        {
            let bits = tracepoint.args[index].ty.size() * 8;
            let most = (u64::from(max_len) + 8)
                .min((1u64 << bits.min(63)) - 1)
                .min(300);
            lengths[index] = Some(rng.below(most as usize + 1) as u64);
        }
    }
    let mut exprs = Vec::new();
    for (i, arg) in tracepoint.args.iter().enumerate() {
        let (expr, value) = match arg.ty {
            ArgType::Bool => {
                let b = rng.chance(50);
                (b.to_string(), serde_json::json!(b))
            }
            ArgType::Str { max_len } | ArgType::CStr { max_len } => {
                let len = rng.below((max_len as usize + 8).min(300) + 1);
                let text: String = (0..len)
                    .map(|_| *rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789 %-_.:/{}[]'") as char)
                    .collect();
                let expr = if matches!(arg.ty, ArgType::CStr { .. }) {
                    format!("c{text:?}")
                } else {
                    format!("{text:?}")
                };
                (expr, serde_json::json!(text))
            }
            ArgType::Bytes { len, .. } => {
                let n = match len {
                    BytesLen::Fixed(n) => n as usize + rng.below(3) - 1,
                    BytesLen::Arg { index, .. } => lengths[index].unwrap() as usize,
                };
                let bytes: Vec<u8> = (0..n).map(|_| rng.bits() as u8).collect();
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                (format!("&{bytes:?}"), serde_json::json!(hex))
            }
            ty => {
                let bits = ty.size() * 8;
                let raw = rng.bits() >> (64 - bits);
                match lengths[i] {
                    Some(n) => (format!("{n}"), serde_json::json!(n)),
                    // Named values half the time, so that readers show names.
                    None if !arg.values.is_empty() && rng.chance(50) => {
                        let v = rng.pick(&arg.values).value;
                        let json = if ty.is_signed() {
                            serde_json::json!(v as i64)
                        } else {
                            serde_json::json!(v as u64)
                        };
                        (format!("{v}"), json)
                    }
                    None if ty.is_signed() => {
                        let v = ((raw << (64 - bits)) as i64) >> (64 - bits);
                        (format!("{v}"), serde_json::json!(v))
                    }
                    None => (format!("{raw}"), serde_json::json!(raw)),
                }
            }
        };
        exprs.push(expr);
        json.insert(arg.name.clone(), value);
    }
    (exprs, json)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_seed_gives_one_declaration() {
        assert_eq!(super::declaration(7), super::declaration(7));
        assert_ne!(super::declaration(7), super::declaration(8));
    }
}
