//! Firing the `net` tracepoints, and the `--fired-log` record of every fire
//! (one JSON object per line, in firing order) that tests compare tracers
//! against.

use crate::probes::net;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// One argument value, for the fired log.
enum Value<'a> {
    Int(i128),
    Str(&'a str),
}

/// A method that fires one of the four connection tracepoints (they share
/// their argument list) and records it.
macro_rules! connection_tracepoint {
    ($(#[$doc:meta])* $method:ident => $tracepoint:ident) => {
        $(#[$doc])*
        pub fn $method(&mut self, id: i64, addr: &str, conn_type: &str, network: u32, last: u64) {
            tracepoints::fire!(net::$tracepoint(id, addr, conn_type, network, last));
            self.record(
                net::$tracepoint::NAME,
                net::$tracepoint::ARG_NAMES,
                &conn_values(id, addr, conn_type, network, last),
            );
        }
    };
}

/// Fires tracepoints and records each fire when a log file was given.
pub struct Fired {
    log: Option<BufWriter<File>>,
}

impl Fired {
    /// Opens the fired log, if any. Fails with the path in the message.
    pub fn open(path: Option<&Path>) -> Result<Fired, String> {
        let log = match path {
            Some(path) => {
                Some(BufWriter::new(File::create(path).map_err(|e| {
                    format!("cannot write fired log {}: {e}", path.display())
                })?))
            }
            None => None,
        };
        Ok(Fired { log })
    }

    /// Flushes the fired log.
    pub fn finish(&mut self) -> io::Result<()> {
        match &mut self.log {
            Some(log) => log.flush(),
            None => Ok(()),
        }
    }

    fn record(&mut self, name: &str, names: &[&str], values: &[Value]) {
        let Some(log) = &mut self.log else { return };
        let mut line = format!("{{\"tracepoint\":{},\"args\":{{", json_str(name));
        for (i, (name, value)) in names.iter().zip(values).enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(&json_str(name));
            line.push(':');
            match value {
                Value::Int(n) => line.push_str(&n.to_string()),
                Value::Str(s) => line.push_str(&json_str(s)),
            }
        }
        line.push_str("}}\n");
        // A failing log write is reported by `finish`'s flush at the end.
        let _ = log.write_all(line.as_bytes());
    }

    connection_tracepoint! {
        /// Fires `net:inbound_connection`; `last` is the inbound count.
        inbound => inbound_connection
    }
    connection_tracepoint! {
        /// Fires `net:outbound_connection`; `last` is the outbound count.
        outbound => outbound_connection
    }
    connection_tracepoint! {
        /// Fires `net:closed_connection`; `last` is the establishment time.
        closed => closed_connection
    }
    connection_tracepoint! {
        /// Fires `net:evicted_inbound_connection`; `last` is the
        /// establishment time.
        evicted => evicted_inbound_connection
    }

    /// Fires `net:misbehaving_connection`.
    pub fn misbehaving(&mut self, id: i64, message: &str) {
        tracepoints::fire!(net::misbehaving_connection(id, message));
        self.record(
            net::misbehaving_connection::NAME,
            net::misbehaving_connection::ARG_NAMES,
            &[Value::Int(id.into()), Value::Str(message)],
        );
    }
}

fn conn_values<'a>(
    id: i64,
    addr: &'a str,
    conn_type: &'a str,
    network: u32,
    last: u64,
) -> [Value<'a>; 5] {
    [
        Value::Int(id.into()),
        Value::Str(addr),
        Value::Str(conn_type),
        Value::Int(network.into()),
        Value::Int(last.into()),
    ]
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

/// Whether every `net` tracepoint has a tracer attached.
pub fn all_enabled() -> bool {
    net::inbound_connection::is_enabled()
        && net::outbound_connection::is_enabled()
        && net::closed_connection::is_enabled()
        && net::evicted_inbound_connection::is_enabled()
        && net::misbehaving_connection::is_enabled()
}

#[cfg(test)]
mod tests {
    use super::json_str;

    #[test]
    fn json_strings_escape_quotes_controls_and_keep_unicode() {
        assert_eq!(json_str("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
