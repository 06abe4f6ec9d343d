//! Firing the `net` tracepoints (declared in `core-tracepoints`, with
//! Bitcoin Core's ABI), and the `--fired-log` record of every fire that
//! tests compare tracers against.

use core_tracepoints::fire_and_record;
use core_tracepoints::fired_log::FiredLog;
use core_tracepoints::net;
use std::io;
use std::path::Path;

/// A method that fires one of the four connection tracepoints (they share
/// their argument list but for the type of the last: a count, `u64`, or a
/// time, `i64` as Core's binary passes it) and records it.
macro_rules! connection_tracepoint {
    ($(#[$doc:meta])* $method:ident => $tracepoint:ident, $last:ty) => {
        $(#[$doc])*
        pub fn $method(&mut self, id: i64, addr: &str, conn_type: &str, network: u32, last: $last) {
            fire_and_record!(self.log, net::$tracepoint(id, addr, conn_type, network, last));
        }
    };
}

/// Fires tracepoints and records each fire when a log file was given.
pub struct Fired {
    log: FiredLog,
}

impl Fired {
    /// Opens the fired log, if any. Fails with the path in the message.
    pub fn open(path: Option<&Path>) -> Result<Fired, String> {
        Ok(Fired {
            log: FiredLog::open(path)?,
        })
    }

    /// Flushes the fired log.
    pub fn finish(&mut self) -> io::Result<()> {
        self.log.finish()
    }

    connection_tracepoint! {
        /// Fires `net:inbound_connection`; `last` is the inbound count.
        inbound => inbound_connection, u64
    }
    connection_tracepoint! {
        /// Fires `net:outbound_connection`; `last` is the outbound count.
        outbound => outbound_connection, u64
    }
    connection_tracepoint! {
        /// Fires `net:closed_connection`; `last` is the establishment time.
        closed => closed_connection, i64
    }
    connection_tracepoint! {
        /// Fires `net:evicted_inbound_connection`; `last` is the
        /// establishment time.
        evicted => evicted_inbound_connection, i64
    }

    /// Fires `net:misbehaving_connection`.
    pub fn misbehaving(&mut self, id: i64, message: &str) {
        fire_and_record!(self.log, net::misbehaving_connection(id, message));
    }

    /// Fires `net:inbound_message` for a message of type `msg_type` with
    /// payload `msg` received from connection `peer_id`.
    pub fn received(&mut self, peer: Peer, msg_type: &str, msg: &[u8]) {
        let Peer(peer_id, addr, conn_type) = peer;
        let msg_size = msg.len() as u64;
        fire_and_record!(
            self.log,
            net::inbound_message(peer_id, addr, conn_type, msg_type, msg_size, msg)
        );
    }

    /// Fires `net:outbound_message` for a message sent to a peer.
    pub fn sent(&mut self, peer: Peer, msg_type: &str, msg: &[u8]) {
        let Peer(peer_id, addr, conn_type) = peer;
        let msg_size = msg.len() as u64;
        fire_and_record!(
            self.log,
            net::outbound_message(peer_id, addr, conn_type, msg_type, msg_size, msg)
        );
    }
}

/// A peer as the message tracepoints name it: id, address, connection type.
#[derive(Clone, Copy)]
pub struct Peer<'a>(pub i64, pub &'a str, pub &'a str);

/// Whether the five connection tracepoints have a tracer attached (what
/// `log_p2p_connections.bt` attaches to; the message tracepoints fire
/// whenever a tracer is attached to them too).
pub fn all_enabled() -> bool {
    net::inbound_connection::is_enabled()
        && net::outbound_connection::is_enabled()
        && net::closed_connection::is_enabled()
        && net::evicted_inbound_connection::is_enabled()
        && net::misbehaving_connection::is_enabled()
}
