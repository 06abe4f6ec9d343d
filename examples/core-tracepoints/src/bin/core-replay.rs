//! `core-replay`: fires every one of Bitcoin Core's 20 tracepoints (16 with
//! the `usdt` backend, which leaves out `mempool`) with realistic values, in
//! a fixed order, for tracers to read.
//!
//! ```text
//! core-replay [--fired-log FILE] [--wait] [--flood SECONDS [--rate N] [--events KIND]]
//! ```
//!
//! `--wait` reads one line from standard input before firing (a tracer
//! harness writes it once its tracer is attached); `--fired-log` writes one
//! JSON object per fire (see `core_tracepoints::fired_log`). `--flood`
//! fires one tracepoint instead, for SECONDS, as fast as it can or N times
//! a second, and prints `fired N` and `payload B` (the payload bytes a
//! reader keeps of them, at most 32568 a message): the reader benchmarks of
//! `scripts/bench/probe-cost.sh` and `scripts/bench/reader-throughput.sh`. `--events` picks
//! what it fires (see [`Flood`]): `connections` (the default), `pings` or
//! `messages`.

use core_tracepoints::fire_and_record;
use core_tracepoints::fired_log::FiredLog;
#[cfg(not(feature = "usdt"))]
use core_tracepoints::mempool;
use core_tracepoints::{coin_selection, net, utxocache, validation};
use std::ffi::CString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: core-replay [--fired-log FILE] [--wait] [--flood SECONDS [--rate N] [--events KIND]]
  --fired-log FILE  write one JSON object per fired tracepoint to FILE
  --wait            read one line from standard input before firing
  --flood SECONDS   fire one tracepoint for SECONDS (fast as possible, or N
                    times a second with --rate N) and print `fired N` and
                    `payload B` (the payload bytes kept of them)
  --events KIND     what --flood fires: `connections` (net:inbound_connection,
                    the default), `pings` (net:inbound_message, 8-byte pings)
                    or `messages` (net:inbound_message, a mix of sizes)";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("core-replay: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut fired_log = None;
    let mut wait = false;
    let mut flood: Option<f64> = None;
    let mut rate: Option<f64> = None;
    let mut events = Flood::Connections;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--fired-log" => {
                let path = args.next().ok_or("`--fired-log` needs a file")?;
                fired_log = Some(PathBuf::from(path));
            }
            "--wait" => wait = true,
            "--flood" => flood = Some(number(args.next(), "--flood")?),
            "--rate" => rate = Some(number(args.next(), "--rate")?),
            "--events" => {
                events = match args.next().as_deref() {
                    Some("connections") => Flood::Connections,
                    Some("pings") => Flood::Pings,
                    Some("messages") => Flood::Messages,
                    _ => {
                        return Err(format!(
                            "`--events` takes `connections`, `pings` or `messages`\n{USAGE}"
                        ));
                    }
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let mut log = FiredLog::open(fired_log.as_deref())?;
    if wait {
        eprintln!("core-replay: waiting for a line on standard input");
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
    }
    if let Some(seconds) = flood {
        let (fired, payload) = events.run(Duration::from_secs_f64(seconds), rate);
        println!("fired {fired}");
        println!("payload {payload}");
        return Ok(());
    }
    replay_net(&mut log);
    replay_validation(&mut log);
    replay_utxocache(&mut log);
    replay_coin_selection(&mut log);
    #[cfg(not(feature = "usdt"))]
    replay_mempool(&mut log);
    log.finish()
        .map_err(|e| format!("cannot write fired log: {e}"))
}

/// A positive number given after `flag`.
fn number(value: Option<String>, flag: &str) -> Result<f64, String> {
    value
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|n| *n > 0.0)
        .ok_or_else(|| format!("`{flag}` takes a positive number\n{USAGE}"))
}

/// What `--flood` fires.
#[derive(Debug, Clone, Copy)]
enum Flood {
    /// `net:inbound_connection`: no payload, about 100 bytes of values.
    Connections,
    /// `net:inbound_message` with an 8-byte `ping` payload.
    Pings,
    /// `net:inbound_message`, cycling through [`MESSAGE_MIX`].
    Messages,
}

/// The message mix of `--events messages`, one cycle of 20 messages (type,
/// payload bytes), loosely shaped like a relaying node's inbound traffic:
/// 8 pings and pongs of 8 bytes; 6 `inv`s of 37 bytes times 1 to 6
/// entries; 3 `addrv2`s and 2 `headers` of 1 to 4 KB; 1 block of 40000
/// bytes, which readers keep 32568 bytes of. A cycle carries 53201 bytes,
/// 45769 of them kept: 2288 kept bytes a message on average.
const MESSAGE_MIX: [(&str, usize); 20] = [
    ("ping", 8),
    ("inv", 37),
    ("pong", 8),
    ("inv", 74),
    ("addrv2", 1000),
    ("ping", 8),
    ("inv", 111),
    ("pong", 8),
    ("headers", 1620),
    ("ping", 8),
    ("inv", 148),
    ("addrv2", 2500),
    ("pong", 8),
    ("inv", 185),
    ("block", 40000),
    ("ping", 8),
    ("inv", 222),
    ("headers", 3240),
    ("pong", 8),
    ("addrv2", 4000),
];

/// The most payload bytes the generated readers keep of a message.
const KEPT: usize = 32568;

/// The time now, in nanoseconds since the UNIX epoch.
fn unix_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

impl Flood {
    /// Fires for `duration`, as fast as it can or at `rate` fires a
    /// second (paced against the clock); returns how many fires a tracer
    /// was attached to, and the payload bytes readers keep of them.
    fn run(self, duration: Duration, rate: Option<f64>) -> (u64, u64) {
        let addr = "127.0.0.1:8333";
        let largest = MESSAGE_MIX.iter().map(|&(_, n)| n).max().unwrap_or(0);
        let payload = bytes(1, largest);
        let start = Instant::now();
        let (mut fired, mut kept) = (0u64, 0u64);
        let mut sent = 0u64;
        while start.elapsed() < duration {
            if let Some(rate) = rate {
                // Fire the ones due by now, then check the clock again.
                let due = (start.elapsed().as_secs_f64() * rate) as u64;
                if sent >= due {
                    // Sleep, not spin: the CPU time a run takes is what its
                    // fires cost (scripts/bench/reader-cost.sh measures it).
                    std::thread::sleep(Duration::from_micros(50));
                    continue;
                }
            }
            let (msg_type, size) = match self {
                Flood::Connections => ("", 0),
                Flood::Pings => ("ping", 8),
                Flood::Messages => MESSAGE_MIX[sent as usize % MESSAGE_MIX.len()],
            };
            sent += 1;
            let enabled = match self {
                Flood::Connections => net::inbound_connection::is_enabled(),
                _ => net::inbound_message::is_enabled(),
            };
            if enabled {
                fired += 1;
                kept += size.min(KEPT) as u64;
            }
            let id = fired as i64;
            match self {
                Flood::Connections => {
                    tracepoints::fire!(net::inbound_connection(id, addr, "inbound", 0, 1))
                }
                // A ping's 8 bytes are its fire time (UNIX nanoseconds,
                // little-endian): the delay from fire to print is measured
                // from them (scripts/bench/reader-cost.sh).
                Flood::Pings => tracepoints::fire!(net::inbound_message(
                    id,
                    addr,
                    "inbound",
                    msg_type,
                    size as u64,
                    &unix_nanos().to_le_bytes()
                )),
                Flood::Messages => {
                    let msg: &[u8] = &payload[..size];
                    tracepoints::fire!(net::inbound_message(
                        id,
                        addr,
                        "inbound",
                        msg_type,
                        size as u64,
                        msg
                    ))
                }
            }
        }
        (fired, kept)
    }
}

/// `n` bytes of a deterministic pseudo-random stream seeded by `seed`.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A 32-byte hash in internal byte order from its usual (reversed) hex.
fn hash(display_hex: &str) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..display_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&display_hex[i..i + 2], 16).expect("hex"))
        .collect();
    bytes.reverse();
    bytes
}

/// A host name of `len` bytes with a port, as a manual connection gives it.
fn host_name(len: usize) -> String {
    let port = ":8333";
    let labels = "node.peer-operator.example.".repeat(10);
    format!("{}{port}", &labels[..len - port.len()]).replace(".:", "x:")
}

fn replay_net(log: &mut FiredLog) {
    let long_host = host_name(71);
    let longer_host = host_name(73);
    let peers: [(i64, &str, &str, u32); 3] = [
        (7, "127.0.0.1:8333", "outbound-full-relay", 1),
        (8, "[2001:db8::17]:8333", "inbound", 2),
        (9, &long_host, "manual", 1),
    ];
    let (existing, established) = (3u64, 1_700_000_000i64);
    for (id, addr, conn_type, network) in peers {
        if conn_type == "inbound" {
            fire_and_record!(
                log,
                net::inbound_connection(id, addr, conn_type, network, existing)
            );
        } else {
            fire_and_record!(
                log,
                net::outbound_connection(id, addr, conn_type, network, existing)
            );
        }
    }
    let longer: &str = &longer_host;
    fire_and_record!(
        log,
        net::outbound_connection(10i64, longer, "manual", 0u32, 4u64)
    );
    // Messages of 8, 100, 4000 and 40000 bytes, both ways.
    for (i, size) in [8usize, 100, 4000, 40000].into_iter().enumerate() {
        let (id, addr, conn_type, _) = peers[i % peers.len()];
        let payload = bytes(i as u64 + 1, size);
        let msg: &[u8] = &payload;
        let msg_size = size as u64;
        let msg_type = ["ping", "inv", "addrv2", "block"][i];
        fire_and_record!(
            log,
            net::inbound_message(id, addr, conn_type, msg_type, msg_size, msg)
        );
        let msg_type = ["pong", "getdata", "headers", "cmpctblock"][i];
        fire_and_record!(
            log,
            net::outbound_message(id, addr, conn_type, msg_type, msg_size, msg)
        );
    }
    let reason = "headers message size = 2001";
    fire_and_record!(log, net::misbehaving_connection(8i64, reason));
    let (id, addr, conn_type, network) = peers[1];
    fire_and_record!(
        log,
        net::evicted_inbound_connection(id, addr, conn_type, network, established)
    );
    for (id, addr, conn_type, network) in peers {
        fire_and_record!(
            log,
            net::closed_connection(id, addr, conn_type, network, established)
        );
    }
}

fn replay_validation(log: &mut FiredLog) {
    let blocks = [
        (
            "00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054",
            1u64,
        ),
        (
            "000000000000000000016a9a6a1e49c5e6c4c3c2ee1c7a3d0e3b2fd45ab61e2c",
            17,
        ),
        (
            "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5",
            50,
        ),
    ];
    for (i, (display, millis)) in blocks.into_iter().enumerate() {
        let block = hash(display);
        let block_hash: &[u8] = &block;
        let height = 840_000 + i as i32;
        let (transactions, inputs, sigops) = (3_050u64 + i as u64, 7_112i32, 12_680i64);
        // Connecting the block: what the duration measures.
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(millis));
        let duration = start.elapsed().as_nanos() as i64;
        fire_and_record!(
            log,
            validation::block_connected(block_hash, height, transactions, inputs, sigops, duration)
        );
    }
}

fn replay_utxocache(log: &mut FiredLog) {
    let outputs = [
        (
            "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
            0u32,
            0u32,
            5_000_000_000i64,
            true,
        ),
        (
            "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16",
            1,
            170,
            4_000_000_000,
            false,
        ),
    ];
    for (display, vout, height, value, is_coinbase) in outputs {
        let tx = hash(display);
        let txid: &[u8] = &tx;
        fire_and_record!(log, utxocache::add(txid, vout, height, value, is_coinbase));
        fire_and_record!(
            log,
            utxocache::spent(txid, vout, height, value, is_coinbase)
        );
        fire_and_record!(
            log,
            utxocache::uncache(txid, vout, height, value, is_coinbase)
        );
    }
    let (duration, mode, coins, memory) = (95_312i64, 2u32, 1_204_554u64, 167_772_160u64);
    fire_and_record!(log, utxocache::flush(duration, mode, coins, memory, false));
    fire_and_record!(log, utxocache::flush(12i64, 4u32, 0u64, 0u64, true));
}

fn replay_coin_selection(log: &mut FiredLog) {
    let long_name = CString::new("wallet-of-a-long-name/".repeat(12)[..248].to_string())
        .expect("no NUL in the name");
    let short_name = CString::new("hot").expect("no NUL in the name");
    for name in [long_name.as_c_str(), short_name.as_c_str()] {
        fire_and_record!(
            log,
            coin_selection::selected_coins(name, "bnb", 100_000i64, -2_048i64, 100_350i64)
        );
        fire_and_record!(
            log,
            coin_selection::normal_create_tx_internal(name, true, 1_410i64, 1i32)
        );
        fire_and_record!(log, coin_selection::attempting_aps_create_tx(name));
        fire_and_record!(
            log,
            coin_selection::aps_create_tx_internal(name, false, true, 2_820i64, -1i32)
        );
    }
}

#[cfg(not(feature = "usdt"))]
fn replay_mempool(log: &mut FiredLog) {
    let first = hash("e1a2d5a9e4d3c2b1a0f9e8d7c6b5a49382716054f3e2d1c0b9a8f7e6d5c4b3a2");
    let second = hash("0b3f2a96a75c5e30b0cb1e6e7b0c84f1a7f5e3d9c2b1a0f9e8d7c6b5a4938271");
    let (replaced_txid, replacement_txid): (&[u8], &[u8]) = (&first, &second);
    let entry_time = 1_700_000_123u64;
    fire_and_record!(log, mempool::added(replaced_txid, 141i32, 282i64));
    fire_and_record!(
        log,
        mempool::replaced(
            replaced_txid,
            141i32,
            282i64,
            entry_time,
            replacement_txid,
            141i32,
            1_410i64,
            true
        )
    );
    fire_and_record!(
        log,
        mempool::removed(replaced_txid, "replaced", 141i32, 282i64, entry_time)
    );
    fire_and_record!(log, mempool::added(replacement_txid, 141i32, 1_410i64));
    let reason = "min relay fee not met, 100 < 141 (mempool-min-fee-not-met: the transaction pays less than the mempool's current minimum)";
    fire_and_record!(log, mempool::rejected(replaced_txid, reason));
}
