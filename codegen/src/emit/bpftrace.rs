//! bpftrace: a reader script per provider and a logging script built from
//! the declared log lines. Both take the traced binary as their first
//! argument (`$1`).

use super::Origin;
use super::names::files;
use super::out::Out;
use crate::model::{Arg, ArgType, BPFTRACE_MAX_ARGS, LogPiece, Provider, Tracepoint};

/// The string buffer size the scripts need: the longest declared string
/// plus its NUL, or the longest byte buffer. bpftrace cuts strings at
/// `BPFTRACE_STRLEN` bytes (64 by default in 0.17), so the scripts set it
/// in their `#!` line and say so.
pub fn strlen<'a>(providers: impl IntoIterator<Item = &'a Provider>) -> u32 {
    providers
        .into_iter()
        .flat_map(|p| &p.tracepoints)
        .flat_map(|t| &t.args)
        .filter_map(|a| a.ty.buffer_len())
        .max()
        .map_or(64, |n| n.max(64))
}

/// `(cast, printf specifier)` of an argument's value.
fn scalar(ty: ArgType) -> (&'static str, &'static str) {
    match ty {
        ArgType::I8 => ("int8", "%d"),
        ArgType::I16 => ("int16", "%d"),
        ArgType::I32 => ("int32", "%d"),
        ArgType::I64 => ("int64", "%ld"),
        ArgType::U8 | ArgType::Bool => ("uint8", "%u"),
        ArgType::U16 => ("uint16", "%u"),
        ArgType::U32 => ("uint32", "%u"),
        ArgType::U64 => ("uint64", "%lu"),
        ArgType::Str { .. } => ("", "%s"),
        ArgType::Bytes { .. } => ("", "%r"),
    }
}

/// The expression reading argument `index`: `(int64) arg0`, `str(arg1, 68)`.
fn read_expr(arg: &Arg, index: usize) -> String {
    match arg.ty {
        ArgType::Str { max_len } => format!("str(arg{index}, {max_len})"),
        ArgType::Bytes { len } => format!("buf(arg{index}, {len})"),
        ty => format!("({}) arg{index}", scalar(ty).0),
    }
}

/// `text` as the inside of a bpftrace printf format string.
fn format_literal(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '%' => out.push_str("%%"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The `#!` line and the comment every script starts with.
fn header(out: &mut Out, origin: &Origin, providers: &[&Provider], purpose: &str, file: &str) {
    let strlen = strlen(providers.iter().copied());
    let longest = |string: bool| {
        providers
            .iter()
            .flat_map(|p| &p.tracepoints)
            .flat_map(|t| &t.args)
            .filter(|a| matches!(a.ty, ArgType::Str { .. }) == string)
            .filter_map(|a| a.ty.length())
            .max()
    };
    let sizes = match (longest(true), longest(false)) {
        (Some(s), Some(b)) => format!(
            "the longest string here is {s} bytes (and its NUL), the longest byte buffer {b} bytes."
        ),
        (Some(s), None) => format!("the longest string here is {s} bytes (and its NUL)."),
        (None, Some(b)) => format!("the longest byte buffer here is {b} bytes."),
        (None, None) => "no argument here is a string or a byte buffer.".to_string(),
    };
    writeln!(
        out,
        "#!/usr/bin/env -S BPFTRACE_STRLEN={strlen} BPFTRACE_MAX_STRLEN={strlen} bpftrace"
    );
    for line in origin.header_lines() {
        writeln!(out, "// {line}");
    }
    writeln!(out, "//");
    out.comment("//", purpose);
    writeln!(
        out,
        "//
// Run as root with the traced binary as the first argument:
//   BPFTRACE_STRLEN={strlen} bpftrace {file} ./path/to/binary
// or make it executable and run ./{file} ./path/to/binary.
// BPFTRACE_STRLEN={strlen}: bpftrace 0.17 cuts strings and buffers at 64 bytes by
// default; {sizes}
// bpftrace prints a string as it is: a value holding a line break or a terminal
// escape reaches the output as such (bpftrace 0.17 cannot escape it). Where
// values come from peers, read them with the BCC or libbpf reader, whose JSON
// escapes them."
    );
}

/// `printf("FORMAT", values...);` indented by two spaces.
fn printf(out: &mut Out, format: &str, values: &[String]) {
    if values.is_empty() {
        writeln!(out, "  printf(\"{format}\");");
    } else {
        writeln!(out, "  printf(\"{format}\", {});", values.join(", "));
    }
}

/// A reader for every tracepoint of `provider`: each probe block reads every
/// argument into a typed variable and prints them on one line,
/// `provider:name arg=value ...`.
pub fn reader(provider: &Provider, origin: &Origin) -> String {
    let mut out = Out::new();
    header(
        &mut out,
        origin,
        &[provider],
        &format!(
            "Reads every argument of the `{}` tracepoints into a typed variable and prints\n\
             one line per event. A starting point for your own scripts.\n\
             Strings and byte buffers (printed as \\x.. escapes) are printed one per printf:\n\
             bpftrace 0.17 keeps each on the 512-byte BPF stack, and one printf per string\n\
             keeps a probe below that limit.",
            provider.name
        ),
        &files::bpftrace_reader(provider),
    );
    writeln!(out);
    writeln!(out, "BEGIN");
    writeln!(out, "{{");
    writeln!(
        out,
        "  printf(\"Reading {} {} tracepoints\\n\");",
        provider.tracepoints.len(),
        provider.name
    );
    writeln!(out, "}}");
    for tracepoint in &provider.tracepoints {
        let probe = tracepoint.probe_name(provider);
        writeln!(out);
        out.comment("//", &tracepoint.doc);
        writeln!(out, "usdt:$1:{probe}");
        writeln!(out, "{{");
        let readable = &tracepoint.args[..tracepoint.args.len().min(BPFTRACE_MAX_ARGS)];
        for (i, arg) in readable.iter().enumerate() {
            out.comment("  //", &arg.doc);
            writeln!(out, "  ${} = {};", arg.name, read_expr(arg, i));
        }
        for (i, arg) in tracepoint.args.iter().enumerate().skip(BPFTRACE_MAX_ARGS) {
            writeln!(
                out,
                "  // arg{i} `{}`: bpftrace reads only arg0..arg{} on x86-64; use the BCC or libbpf reader.",
                arg.name,
                BPFTRACE_MAX_ARGS - 1
            );
        }
        // One printf per string argument (see the header).
        let mut format = probe;
        let mut values: Vec<String> = Vec::new();
        let mut has_string = false;
        for arg in readable {
            let is_string = arg.ty.buffer_len().is_some();
            if is_string && has_string {
                printf(&mut out, &format, &values);
                format.clear();
                values.clear();
                has_string = false;
            }
            has_string |= is_string;
            format.push_str(&format!(" {}={}", arg.name, scalar(arg.ty).1));
            values.push(format!("${}", arg.name));
        }
        format.push_str("\\n");
        printf(&mut out, &format, &values);
        writeln!(out, "}}");
    }
    out.finish()
}

/// The logging script: one line per event in each tracepoint's declared
/// `#[log(...)]` format, for every tracepoint that declares one.
pub fn log_script(providers: &[Provider], origin: &Origin, file: &str) -> String {
    let logged: Vec<(&Provider, &Tracepoint)> = providers
        .iter()
        .flat_map(|p| p.tracepoints.iter().map(move |t| (p, t)))
        .filter(|(_, t)| t.log.is_some())
        .collect();
    let mut out = Out::new();
    header(
        &mut out,
        origin,
        &providers.iter().collect::<Vec<_>>(),
        "Logs every event of the tracepoints below in their declared log-line format.",
        file,
    );
    let names: Vec<String> = logged.iter().map(|(p, t)| t.probe_name(p)).collect();
    writeln!(out);
    writeln!(out, "BEGIN");
    writeln!(out, "{{");
    writeln!(
        out,
        "  printf(\"Logging {}\\n\");",
        format_literal(&names.join(", "))
    );
    writeln!(out, "}}");
    for (provider, tracepoint) in logged {
        let Some(log) = &tracepoint.log else { continue };
        let mut format = String::new();
        let mut values = Vec::new();
        for piece in &log.pieces {
            match piece {
                LogPiece::Text(text) => format.push_str(&format_literal(text)),
                LogPiece::Arg(index) => {
                    let arg = &tracepoint.args[*index];
                    format.push_str(scalar(arg.ty).1);
                    values.push(read_expr(arg, *index));
                }
            }
        }
        format.push_str("\\n");
        writeln!(out);
        writeln!(out, "usdt:$1:{}", tracepoint.probe_name(provider));
        writeln!(out, "{{");
        if values.is_empty() {
            writeln!(out, "  printf(\"{format}\");");
        } else {
            // One value per line: log lines name many arguments.
            writeln!(
                out,
                "  printf(\"{format}\",\n         {});",
                values.join(",\n         ")
            );
        }
        writeln!(out, "}}");
    }
    out.finish()
}
