//! The real servers the fleet tests talk to, Debian's `nats-server` and
//! `prometheus`, each started on 127.0.0.1 and a port of its own and
//! stopped when dropped; and the tests' own clients, kept independent of
//! the tracer's crates: a NATS subscriber that speaks the protocol's text
//! lines, and an HTTP GET.

use crate::e2e::{Process, poll};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a server may take to start.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A port free on 127.0.0.1 now (the kernel's pick for port 0), for a
/// server that must be started again on the same port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A `nats-server` on 127.0.0.1.
pub struct NatsServer {
    process: Process,
    port: u16,
}

impl NatsServer {
    /// Starts `nats-server` on `port` and waits until it says it is ready.
    pub fn start(port: u16) -> NatsServer {
        let mut process = Process::spawn(Command::new("nats-server").args([
            "-a",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ]));
        process.wait_for("Server is ready", START_TIMEOUT);
        NatsServer { process, port }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL clients connect to.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL: no goodbye to its clients) and waits until it is
    /// gone.
    pub fn kill(mut self) {
        self.process.signal("KILL");
        assert!(
            self.process.exits_within(START_TIMEOUT),
            "nats-server did not exit after SIGKILL"
        );
    }
}

/// Messages received: `(subject, payload)` each.
type Messages = Mutex<Vec<(String, Vec<u8>)>>;

/// A NATS subscriber: every message on its subject, as `(subject,
/// payload)`, collected by a thread of its own.
pub struct Subscriber {
    messages: Arc<Messages>,
    stream: TcpStream,
}

impl Subscriber {
    /// Subscribes to `subject` (wildcards allowed) on the server at `port`
    /// and returns once the server has confirmed it (a PONG after the SUB).
    pub fn connect(port: u16, subject: &str) -> Subscriber {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to nats-server");
        let mut reader = BufReader::new(stream.try_clone().expect("clone the socket"));
        let mut line = String::new();
        reader.read_line(&mut line).expect("read INFO");
        assert!(line.starts_with("INFO"), "not a NATS server: {line:?}");
        let mut writer = stream.try_clone().expect("clone the socket");
        write!(
            writer,
            "CONNECT {{\"verbose\":false,\"pedantic\":false}}\r\nSUB {subject} 1\r\nPING\r\n"
        )
        .expect("subscribe");
        let messages = Arc::new(Mutex::new(Vec::new()));
        loop {
            line.clear();
            reader.read_line(&mut line).expect("read the PONG");
            assert!(!line.is_empty(), "nats-server closed the connection");
            if line.starts_with("PONG") {
                break;
            }
            assert!(!line.starts_with("-ERR"), "nats-server said {line:?}");
        }
        let collected = Arc::clone(&messages);
        std::thread::spawn(move || collect(reader, writer, &collected));
        Subscriber { messages, stream }
    }

    /// The messages received so far.
    pub fn messages(&self) -> Vec<(String, Vec<u8>)> {
        self.messages.lock().unwrap().clone()
    }

    /// How many messages have been received so far.
    pub fn count(&self) -> usize {
        self.messages.lock().unwrap().len()
    }

    /// Waits up to `timeout` until at least `n` messages have come; returns
    /// whether they did.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        poll(timeout, || self.count() >= n)
    }

    /// The messages' payloads as JSON, with their subjects.
    pub fn json(&self) -> Vec<(String, serde_json::Value)> {
        self.messages()
            .into_iter()
            .map(|(subject, payload)| {
                let value = serde_json::from_slice(&payload).unwrap_or_else(|e| {
                    panic!(
                        "a message on {subject} is not JSON ({e}): {}",
                        String::from_utf8_lossy(&payload)
                    )
                });
                (subject, value)
            })
            .collect()
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// Reads `MSG` lines and their payloads into `messages`, answering the
/// server's PINGs, until the connection ends.
fn collect(mut reader: BufReader<TcpStream>, mut writer: TcpStream, messages: &Messages) {
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line.starts_with("PING") {
            let _ = writer.write_all(b"PONG\r\n");
            continue;
        }
        // MSG <subject> <sid> [reply-to] <#bytes>
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.first() != Some(&"MSG") {
            continue;
        }
        let size: usize = fields.last().and_then(|n| n.parse().ok()).expect("a size");
        let mut payload = vec![0u8; size + 2];
        if reader.read_exact(&mut payload).is_err() {
            return;
        }
        payload.truncate(size);
        messages
            .lock()
            .unwrap()
            .push((fields[1].to_string(), payload));
    }
}

/// `GET http://addr/path`: the status code and the body.
pub fn http_get(addr: &str, path: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("read from {addr}: {e}"))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{addr}{path}: no HTTP response: {response:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{addr}{path}: no status: {head:?}"))?;
    Ok((status, body.to_string()))
}

/// `text` as a URL's query value.
fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A `prometheus` that scrapes one target every second.
pub struct Prometheus {
    process: Process,
    addr: String,
    dir: PathBuf,
}

impl Prometheus {
    /// Starts `prometheus` on a free port, scraping `target` (`host:port`)
    /// every second as job `tracepoints`, and waits until it is ready.
    pub fn start(target: &str) -> Prometheus {
        let dir =
            std::env::temp_dir().join(format!("prometheus-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: tracepoints\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let addr = format!("127.0.0.1:{}", free_port());
        let mut process = Process::spawn(
            Command::new("prometheus")
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join("data").display()
                ))
                .arg(format!("--web.listen-address={addr}")),
        );
        process.wait_for("Server is ready to receive web requests", START_TIMEOUT);
        Prometheus { process, addr, dir }
    }

    /// The result of an instant query: each series' labels and value.
    pub fn query(&self, query: &str) -> Vec<(serde_json::Value, f64)> {
        let path = format!("/api/v1/query?query={}", url_encoded(query));
        let (status, body) = http_get(&self.addr, &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status, 200, "prometheus {query}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("prometheus JSON");
        json["data"]["result"]
            .as_array()
            .unwrap_or_else(|| panic!("prometheus {query}: {body}"))
            .iter()
            .map(|series| {
                let value = series["value"][1]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .expect("a sample value");
                (series["metric"].clone(), value)
            })
            .collect()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        // Its data goes once it has stopped writing it.
        self.process.signal("KILL");
        let _ = self.process.exits_within(START_TIMEOUT);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
