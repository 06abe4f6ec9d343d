//! The fired log: one JSON object per fire, in firing order,
//! `{"tracepoint":"provider:name","args":{...}}` with the arguments as
//! declared and in declared order; byte buffers as lowercase hex of the
//! bytes as passed (internal order). Tests compare what tracers read with
//! it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// One argument value.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// Any integer.
    Int(i128),
    /// A `bool`.
    Bool(bool),
    /// A string.
    Str(&'a str),
    /// A byte buffer.
    Bytes(&'a [u8]),
}

/// A value that can be recorded: every argument type of a declaration.
pub trait ToValue {
    /// The value as the fired log records it.
    fn to_value(&self) -> Value<'_>;
}

macro_rules! int_values {
    ($($ty:ty)*) => {$(
        impl ToValue for $ty {
            fn to_value(&self) -> Value<'_> {
                Value::Int(i128::from(*self))
            }
        }
    )*};
}
int_values!(i8 i16 i32 i64 u8 u16 u32 u64);

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

impl ToValue for &str {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

impl ToValue for &core::ffi::CStr {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self.to_str().expect("UTF-8 C string"))
    }
}

impl ToValue for &[u8] {
    fn to_value(&self) -> Value<'_> {
        Value::Bytes(self)
    }
}

/// Fires a tracepoint and records the fire in a [`FiredLog`]:
/// `fire_and_record!(log, net::misbehaving_connection(id, reason))`. The
/// arguments are evaluated twice when a tracer is attached: pass variables.
#[macro_export]
macro_rules! fire_and_record {
    ($log:expr, $provider:ident :: $tracepoint:ident ( $($arg:expr),* $(,)? )) => {{
        ::tracepoints::fire!($provider::$tracepoint($($arg),*));
        $log.record(
            $provider::$tracepoint::NAME,
            $provider::$tracepoint::ARG_NAMES,
            &[$($crate::fired_log::ToValue::to_value(&$arg)),*],
        );
    }};
}

/// Where fires are recorded, if anywhere.
pub struct FiredLog {
    log: Option<BufWriter<File>>,
}

impl FiredLog {
    /// Creates the log at `path`, or records nothing with `None`. Fails
    /// with the path in the message.
    pub fn open(path: Option<&Path>) -> Result<FiredLog, String> {
        let log = match path {
            Some(path) => {
                Some(BufWriter::new(File::create(path).map_err(|e| {
                    format!("cannot write fired log {}: {e}", path.display())
                })?))
            }
            None => None,
        };
        Ok(FiredLog { log })
    }

    /// Records one fire of `tracepoint` (`provider:name`) with the values of
    /// its arguments `names`, in order.
    pub fn record(&mut self, tracepoint: &str, names: &[&str], values: &[Value]) {
        let Some(log) = &mut self.log else { return };
        assert_eq!(
            names.len(),
            values.len(),
            "{tracepoint}: one value per argument"
        );
        let mut line = format!("{{\"tracepoint\":{},\"args\":{{", json_str(tracepoint));
        for (i, (name, value)) in names.iter().zip(values).enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(&json_str(name));
            line.push(':');
            match value {
                Value::Int(n) => line.push_str(&n.to_string()),
                Value::Bool(b) => line.push_str(&b.to_string()),
                Value::Str(s) => line.push_str(&json_str(s)),
                Value::Bytes(bytes) => {
                    line.push('"');
                    for b in *bytes {
                        line.push_str(&format!("{b:02x}"));
                    }
                    line.push('"');
                }
            }
        }
        line.push_str("}}\n");
        // A failing write is reported by `finish`'s flush.
        let _ = log.write_all(line.as_bytes());
    }

    /// Flushes the log.
    pub fn finish(&mut self) -> io::Result<()> {
        match &mut self.log {
            Some(log) => log.flush(),
            None => Ok(()),
        }
    }
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::json_str;

    #[test]
    fn json_strings_escape_quotes_controls_and_keep_unicode() {
        assert_eq!(json_str("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
