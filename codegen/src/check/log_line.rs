//! A `#[log]` line's argument references resolved against the tracepoint's
//! arguments: each one declared, among those bpftrace reads.

use crate::model::{Arg, BPFTRACE_MAX_ARGS, LogLine, LogPiece};
use crate::syntax::log::{self, Piece};

/// A log line's pieces (see [`log::parse`]) with each reference resolved
/// to its argument. Only the first [`BPFTRACE_MAX_ARGS`] arguments may be
/// named (bpftrace reads no others).
pub fn log_line(text: &str, args: &[Arg]) -> Result<LogLine, String> {
    let (written, error) = log::parse(text);
    let mut pieces = Vec::new();
    for piece in written {
        match piece {
            Piece::Text(text) => pieces.push(LogPiece::Text(text)),
            Piece::Reference { name, by_name } => {
                let index = log_argument(&name, args)?;
                if by_name && args[index].values.is_empty() {
                    return Err(format!(
                        "log line names `{{{name}:name}}`, but `{name}` has no named values: declare them with `#[values(0 = \"...\", ...)]` or write `{{{name}}}` for the number"
                    ));
                }
                pieces.push(if by_name {
                    LogPiece::Name(index)
                } else {
                    LogPiece::Arg(index)
                });
            }
        }
    }
    match error {
        Some(error) => Err(error),
        None => Ok(LogLine { pieces }),
    }
}

/// The index of the argument a log line names in `{name}`.
fn log_argument(name: &str, args: &[Arg]) -> Result<usize, String> {
    if name.contains(':') {
        return Err(format!(
            "format specs are not supported in log lines: write `{{{0}}}` (the printed format follows the argument's type), or `{{{0}:name}}` for the name of a named value",
            name.split(':').next().unwrap_or_default()
        ));
    }
    let Some(index) = args.iter().position(|a| a.name == name) else {
        return Err(if args.is_empty() {
            format!("log line names `{{{name}}}` but this tracepoint has no arguments")
        } else {
            let names: Vec<String> = args.iter().map(|a| format!("{{{}}}", a.name)).collect();
            format!(
                "log line names `{{{name}}}`, which is not an argument of this tracepoint: use one of {}",
                names.join(", ")
            )
        });
    };
    if index >= BPFTRACE_MAX_ARGS {
        return Err(format!(
            "log line names `{{{name}}}`, argument {} of the tracepoint, but bpftrace reads only the first {BPFTRACE_MAX_ARGS} on x86-64: move it among the first {BPFTRACE_MAX_ARGS} arguments or leave it out of the log line",
            index + 1
        ));
    }
    if let Some(length) = args[index]
        .ty
        .length_arg()
        .filter(|&l| l >= BPFTRACE_MAX_ARGS)
    {
        return Err(format!(
            "log line names `{{{name}}}`, whose length is argument {} of the tracepoint, `{}`, which bpftrace cannot read on x86-64 (it reads the first {BPFTRACE_MAX_ARGS}): move `{}` among the first {BPFTRACE_MAX_ARGS} arguments or leave `{{{name}}}` out of the log line",
            length + 1,
            args[length].name,
            args[length].name
        ));
    }
    Ok(index)
}
