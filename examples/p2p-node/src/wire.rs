//! The node's wire format: each message is a little-endian `u32` length
//! followed by that many bytes, `command` then an optional space and payload.

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// The largest message accepted, in bytes.
pub const MAX_MESSAGE: u32 = 4096;

/// Writes one message.
pub fn send(stream: &mut TcpStream, command: &str, payload: &[u8]) -> io::Result<()> {
    let mut body = command.as_bytes().to_vec();
    if !payload.is_empty() {
        body.push(b' ');
        body.extend_from_slice(payload);
    }
    stream.write_all(&(body.len() as u32).to_le_bytes())?;
    stream.write_all(&body)
}

/// A message's command and payload (empty when there is none).
pub fn split(message: &[u8]) -> (&[u8], &[u8]) {
    match message.iter().position(|&b| b == b' ') {
        Some(space) => (&message[..space], &message[space + 1..]),
        None => (message, &[]),
    }
}

/// Reads one message; `Ok(None)` when the peer closed the connection.
pub fn receive(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match stream.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len);
    if len > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("message of {len} bytes"),
        ));
    }
    let mut body = vec![0u8; len as usize];
    stream.read_exact(&mut body)?;
    Ok(Some(body))
}
