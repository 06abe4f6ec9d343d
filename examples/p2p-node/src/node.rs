//! A small P2P node: real TCP connections on loopback, Bitcoin Core's
//! connection types, inbound slots with eviction, and punishment of peers
//! that send bad messages. It fires the `net` tracepoints where Bitcoin Core
//! does.

use crate::fired::{Fired, Peer};
use crate::wire;
use std::io;
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a read from a peer may block.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Bitcoin Core's limit on entries in one `getdata` message.
const MAX_INV_SZ: u64 = 50_000;
/// Bitcoin Core's limit on headers in one `headers` message.
const MAX_HEADERS_RESULTS: u64 = 2_000;

/// One open connection.
struct Conn {
    id: i64,
    addr: String,
    conn_type: &'static str,
    inbound: bool,
    network: u32,
    established: i64,
    stream: TcpStream,
}

/// What [`Node::receive`] saw.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// A well-formed message, handled.
    Ok,
    /// The peer misbehaved; it was punished and disconnected.
    Misbehaved,
    /// The peer closed the connection; it was cleaned up.
    Closed,
}

/// The node.
pub struct Node {
    listener: TcpListener,
    conns: Vec<Conn>,
    next_id: i64,
    max_inbound: usize,
    fired: Fired,
}

impl Node {
    /// Listens on `127.0.0.1:port` (0 for any free port).
    pub fn bind(port: u16, max_inbound: usize, fired: Fired) -> Result<Node, String> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        Ok(Node {
            listener,
            conns: Vec::new(),
            next_id: 0,
            max_inbound,
            fired,
        })
    }

    /// The address the node listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Opens an outbound connection to `target` (`ip:port` or `host:port`,
    /// kept as given, as Bitcoin Core keeps a manual connection's name).
    pub fn connect(&mut self, target: &str, conn_type: &'static str) -> io::Result<i64> {
        let stream = TcpStream::connect(target)?;
        let network = network_of(stream.peer_addr()?.ip());
        let id = self.add(stream, target.to_string(), conn_type, false, network)?;
        let existing = self.conns.iter().filter(|c| !c.inbound).count() as u64;
        self.fired
            .outbound(id, target, conn_type, network, existing);
        Ok(id)
    }

    /// Accepts one inbound connection, evicting an inbound peer first when
    /// every inbound slot is taken.
    pub fn accept(&mut self) -> io::Result<i64> {
        let (stream, peer) = self.listener.accept()?;
        if self.inbound_count() >= self.max_inbound {
            self.evict();
        }
        let id = self.add(
            stream,
            peer.to_string(),
            "inbound",
            true,
            network_of(peer.ip()),
        )?;
        let existing = self.inbound_count() as u64;
        let conn = self.conn(id);
        let (addr, network) = (conn.addr.clone(), conn.network);
        self.fired.inbound(id, &addr, "inbound", network, existing);
        Ok(id)
    }

    /// Reads and handles one message from connection `id`.
    pub fn receive(&mut self, id: i64) -> io::Result<Received> {
        let message = wire::receive(&mut self.conn_mut(id).stream)?;
        let Some(message) = message else {
            self.disconnect(id);
            return Ok(Received::Closed);
        };
        let (command, payload) = wire::split(&message);
        let (addr, conn_type) = (self.conn(id).addr.clone(), self.conn(id).conn_type);
        let msg_type = String::from_utf8_lossy(command);
        self.fired
            .received(Peer(id, &addr, conn_type), &msg_type, payload);
        match check_message(&message) {
            None if command == b"ping" => {
                self.send(id, "pong", payload)?;
                Ok(Received::Ok)
            }
            None => Ok(Received::Ok),
            Some(reason) => {
                self.fired.misbehaving(id, &reason);
                self.disconnect(id);
                Ok(Received::Misbehaved)
            }
        }
    }

    /// Sends message `command` with `payload` to connection `id`.
    pub fn send(&mut self, id: i64, command: &str, payload: &[u8]) -> io::Result<()> {
        let (addr, conn_type) = (self.conn(id).addr.clone(), self.conn(id).conn_type);
        self.fired
            .sent(Peer(id, &addr, conn_type), command, payload);
        wire::send(&mut self.conn_mut(id).stream, command, payload)
    }

    /// Closes connection `id` and fires `closed_connection` for it.
    pub fn disconnect(&mut self, id: i64) {
        let index = self
            .conns
            .iter()
            .position(|c| c.id == id)
            .expect("open connection id");
        let conn = self.conns.remove(index);
        let _ = conn.stream.shutdown(Shutdown::Both);
        drop(conn.stream);
        self.fired.closed(
            conn.id,
            &conn.addr,
            conn.conn_type,
            conn.network,
            conn.established,
        );
    }

    /// Closes every connection, oldest first, and flushes the fired log.
    pub fn shutdown(mut self) -> Result<(), String> {
        while let Some(id) = self.conns.first().map(|c| c.id) {
            self.disconnect(id);
        }
        self.fired
            .finish()
            .map_err(|e| format!("cannot write fired log: {e}"))
    }

    fn add(
        &mut self,
        stream: TcpStream,
        addr: String,
        conn_type: &'static str,
        inbound: bool,
        network: u32,
    ) -> io::Result<i64> {
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        let id = self.next_id;
        self.next_id += 1;
        let established = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.conns.push(Conn {
            id,
            addr,
            conn_type,
            inbound,
            network,
            established,
            stream,
        });
        Ok(id)
    }

    /// Evicts the youngest inbound peer (Bitcoin Core ends its eviction
    /// selection among the youngest connections).
    fn evict(&mut self) {
        let Some(conn) = self.conns.iter().filter(|c| c.inbound).max_by_key(|c| c.id) else {
            return;
        };
        let (id, addr, conn_type, network, established) = (
            conn.id,
            conn.addr.clone(),
            conn.conn_type,
            conn.network,
            conn.established,
        );
        self.fired
            .evicted(id, &addr, conn_type, network, established);
        self.disconnect(id);
    }

    fn inbound_count(&self) -> usize {
        self.conns.iter().filter(|c| c.inbound).count()
    }

    fn conn(&self, id: i64) -> &Conn {
        self.conns
            .iter()
            .find(|c| c.id == id)
            .expect("open connection id")
    }

    fn conn_mut(&mut self, id: i64) -> &mut Conn {
        self.conns
            .iter_mut()
            .find(|c| c.id == id)
            .expect("open connection id")
    }
}

/// Bitcoin Core's network ids: 0 unroutable (loopback, private), 1 IPv4,
/// 2 IPv6.
fn network_of(ip: IpAddr) -> u32 {
    match ip {
        IpAddr::V4(v4)
            if v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() =>
        {
            0
        }
        IpAddr::V4(_) => 1,
        IpAddr::V6(v6) if v6.is_loopback() || v6.is_unspecified() => 0,
        IpAddr::V6(_) => 2,
    }
}

/// The reason a message is punished, if it is.
pub fn check_message(message: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let (command, payload) = text.split_once(' ').unwrap_or((&text, ""));
    let count = || payload.trim().parse::<u64>().ok();
    match command {
        "ping" | "pong" | "version" | "verack" | "addr" => None,
        "getdata" => match count() {
            Some(n) if n <= MAX_INV_SZ => None,
            Some(n) => Some(format!("getdata message size = {n}")),
            None => Some("getdata message malformed".to_string()),
        },
        "headers" => match count() {
            Some(n) if n <= MAX_HEADERS_RESULTS => None,
            Some(n) => Some(format!("headers message size = {n}")),
            None => Some("headers message malformed".to_string()),
        },
        "reject" => Some(format!("peer rejected our message: {payload}")),
        _ => Some(format!("unsupported message '{text}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::check_message;

    #[test]
    fn oversized_getdata_and_headers_are_punished_with_bitcoin_core_reasons() {
        assert_eq!(check_message(b"getdata 50000"), None);
        assert_eq!(
            check_message(b"getdata 50001").as_deref(),
            Some("getdata message size = 50001")
        );
        assert_eq!(
            check_message(b"headers 2001").as_deref(),
            Some("headers message size = 2001")
        );
        assert_eq!(check_message(b"ping").as_deref(), None);
    }

    #[test]
    fn unknown_messages_are_echoed_in_the_reason() {
        assert_eq!(
            check_message(b"%s%n \"x\"").as_deref(),
            Some("unsupported message '%s%n \"x\"'")
        );
    }
}
