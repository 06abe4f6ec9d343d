//! The deterministic demo scenario: every connection is a real TCP
//! connection on loopback, opened, used and closed in a fixed order.

use crate::node::{Node, Received};
use crate::wire;
use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};

/// What a peer sends that the node punishes, with hostile text the tracer
/// scripts must print safely (format specifiers, quotes, a newline,
/// non-ASCII).
pub const HOSTILE_MESSAGE: &str = "%s%n%d \"quoted\" 'single'\nnewline caf\u{e9} \u{2713}";

/// Inbound slots of the demo node: the fourth inbound peer evicts one.
pub const MAX_INBOUND: usize = 3;

/// Runs the scenario: 4 outbound connections (full-relay, block-relay-only,
/// a manual one by host name, a feeler), 7 inbound peers with one eviction,
/// five misbehaving peers, closes by peers and by us; every connection is
/// closed before it returns.
pub fn run(node: &mut Node) -> Result<(), String> {
    scenario(node).map_err(|e| format!("demo scenario failed: {e}"))
}

fn scenario(node: &mut Node) -> io::Result<()> {
    // Outbound: the remote side is a listener of our own on loopback.
    let remote = TcpListener::bind("127.0.0.1:0")?;
    let remote_port = remote.local_addr()?.port();
    let remote_addr = format!("127.0.0.1:{remote_port}");
    let full_relay = node.connect(&remote_addr, "outbound-full-relay")?;
    let (full_relay_remote, _) = remote.accept()?;
    node.connect(&remote_addr, "block-relay-only")?;
    let _block_relay_remote = remote.accept()?;
    node.connect(&format!("localhost:{remote_port}"), "manual")?;
    let _manual_remote = remote.accept()?;
    let feeler = node.connect(&remote_addr, "feeler")?;
    let _feeler_remote = remote.accept()?;
    node.disconnect(feeler); // a feeler only checks that the peer is up

    // Inbound: three peers fill the slots, a fourth evicts the youngest.
    let target = node.local_addr()?;
    let mut peers = Vec::new();
    for _ in 0..4 {
        let peer = TcpStream::connect(target)?;
        let id = node.accept()?;
        peers.push((id, peer));
    }
    let (first, _) = peers[0];
    let (second, _) = peers[1];
    let (fourth, _) = peers[3];

    // Messages: a ping the node answers with a pong (both carry the same
    // nonce), a large `addr`, and the node's own `version` to a peer.
    send(&mut peers[0].1, "ping", "8a2f71c90d3e45b6")?;
    expect(node.receive(first)?, Received::Ok)?;
    wire::receive(&mut peers[0].1)?; // the pong
    send(&mut peers[0].1, "addr", &large_addr_payload())?;
    expect(node.receive(first)?, Received::Ok)?;
    node.send(full_relay, "version", b"70016 /p2p-node:0.1.0/")?;

    // Misbehaving peers, punished and disconnected.
    send(&mut peers[0].1, "getdata", "50001")?;
    expect(node.receive(first)?, Received::Misbehaved)?;
    send(&mut peers[1].1, HOSTILE_MESSAGE, "")?;
    expect(node.receive(second)?, Received::Misbehaved)?;
    for payload in [
        ("headers", "2001".to_string()),
        ("reject", about_100_chars()),
        ("x".repeat(150).leak() as &str, String::new()),
    ] {
        let mut peer = TcpStream::connect(target)?;
        let id = node.accept()?;
        send(&mut peer, payload.0, &payload.1)?;
        expect(node.receive(id)?, Received::Misbehaved)?;
    }

    // Closed by the peers: an inbound one and the outbound full-relay one.
    peers[3].1.shutdown(Shutdown::Both)?;
    expect(node.receive(fourth)?, Received::Closed)?;
    full_relay_remote.shutdown(Shutdown::Both)?;
    expect(node.receive(full_relay)?, Received::Closed)?;
    Ok(())
}

/// The payload of a `reject` whose punishment reason is 100 characters, within
/// `misbehaving_connection`'s 128.
fn about_100_chars() -> String {
    let prefix = "peer rejected our message: ".len();
    "block 00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054 is invalid!!"
        [..100 - prefix]
        .to_string()
}

/// An `addr` payload of 4000 bytes: addresses, one per line.
fn large_addr_payload() -> String {
    let mut payload = String::new();
    let mut i = 0u32;
    while payload.len() < 4000 {
        payload.push_str(&format!(
            "10.{}.{}.{}:8333\n",
            i / 65536 % 256,
            i / 256 % 256,
            i % 256
        ));
        i += 1;
    }
    payload.truncate(4000);
    payload
}

fn send(peer: &mut TcpStream, command: &str, payload: &str) -> io::Result<()> {
    wire::send(peer, command, payload.as_bytes())
}

fn expect(got: Received, want: Received) -> io::Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "expected {want:?} from the node, got {got:?}"
        )))
    }
}
