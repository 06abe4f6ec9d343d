//! Events to NATS: each event's JSON object published on
//! `PREFIX.<provider>.<tracepoint>` by the `async-nats` client, on a
//! thread of its own, so that the ring buffers are read at the same pace
//! whether the server is fast, slow or gone.
//!
//! Between the reader and the client is one bounded queue: at most
//! `queue_bytes` of messages (by default [`QUEUE_BYTES`]) wait in it. An event that does not fit (the
//! server is slow or away and the queue is full) is not published but
//! counted, per tracepoint, as *unpublished*; the reader never waits. The
//! client reconnects by itself (trying at most a second apart) and
//! holds up to [`CLIENT_MESSAGES`] messages of its own while it does.

use async_nats::{ConnectOptions, Subject};
use bytes::Bytes;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tracepoints_codegen::model::Provider;

/// The most bytes of messages the queue holds by default: what a NATS
/// server that stops reading can cost the tracer in memory (beside the
/// client's own [`CLIENT_MESSAGES`]).
pub const QUEUE_BYTES: usize = 64 << 20;

/// The messages the client itself holds while it writes or reconnects.
pub const CLIENT_MESSAGES: usize = 4096;

/// How long the tracer waits for the first connection before it attaches
/// anyway.
pub const FIRST_CONNECT: Duration = Duration::from_secs(5);

/// How long the tracer, once stopped, tries to publish what is still
/// queued before it counts the rest as unpublished.
pub const FINISH: Duration = Duration::from_secs(5);

/// One event on its way to the server.
struct Message {
    provider: usize,
    tracepoint: usize,
    payload: Bytes,
}

/// Counts per tracepoint, shared by the reader and the publishing thread.
struct Counts {
    /// `[provider][tracepoint]`: handed to the client.
    published: Vec<Vec<AtomicU64>>,
    /// `[provider][tracepoint]`: dropped (queue full, client closed, or
    /// still queued when the tracer stopped).
    unpublished: Vec<Vec<AtomicU64>>,
    /// Bytes in the queue now.
    queued: AtomicUsize,
    /// The most bytes `queued` may reach.
    limit: usize,
    /// Set once the tracer stops: publishing gives up then.
    deadline: Mutex<Option<Instant>>,
}

impl Counts {
    fn new(providers: &[Provider], limit: usize) -> Counts {
        let zeros = || {
            providers
                .iter()
                .map(|p| p.tracepoints.iter().map(|_| AtomicU64::new(0)).collect())
                .collect()
        };
        Counts {
            published: zeros(),
            unpublished: zeros(),
            queued: AtomicUsize::new(0),
            limit,
            deadline: Mutex::new(None),
        }
    }

    fn unpublished(&self, message: &Message) {
        self.unpublished[message.provider][message.tracepoint].fetch_add(1, Ordering::Relaxed);
    }
}

/// What publishing did, per tracepoint, in declaration order:
/// `(provider:name, count)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Events handed to the NATS client (which delivers at most once: an
    /// event written to a connection that then breaks is lost unseen).
    pub published: Vec<(String, u64)>,
    /// Events the tracer read but could not publish.
    pub unpublished: Vec<(String, u64)>,
}

/// Publishes events to one NATS server (or cluster) from a thread of its
/// own.
pub struct Publisher {
    queue: mpsc::UnboundedSender<Message>,
    counts: Arc<Counts>,
    names: Vec<Vec<String>>,
    thread: JoinHandle<()>,
}

impl Publisher {
    /// Connects (in the background: an unreachable server is retried, not
    /// an error) to `url` and publishes the events of `providers` on
    /// `prefix.<provider>.<tracepoint>`, queueing at most `queue_bytes` of
    /// them. An error names what is wrong with `url` or `prefix`.
    pub fn start(
        url: &str,
        prefix: &str,
        providers: &[Provider],
        queue_bytes: usize,
    ) -> Result<Publisher, String> {
        if prefix.is_empty()
            || prefix
                .split('.')
                .any(|token| token.is_empty() || token.contains(['*', '>', ' ', '\t', '\r', '\n']))
        {
            return Err(format!(
                "--subject {prefix:?}: give dot-separated tokens without spaces or wildcards (e.g. `tracepoints` or `fleet.node1`)"
            ));
        }
        let subjects: Vec<Vec<Subject>> = providers
            .iter()
            .map(|p| {
                p.tracepoints
                    .iter()
                    .map(|t| Subject::from(format!("{prefix}.{}.{}", p.name, t.name)))
                    .collect()
            })
            .collect();
        let names = providers
            .iter()
            .map(|p| p.tracepoints.iter().map(|t| t.probe_name(p)).collect())
            .collect();
        let counts = Arc::new(Counts::new(providers, queue_bytes));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("--nats: cannot start the publishing thread: {e}"))?;
        let client = connect(&runtime, url)?;
        let (queue, receiver) = mpsc::unbounded_channel();
        let shared = Arc::clone(&counts);
        let thread = std::thread::Builder::new()
            .name("nats".into())
            .spawn(move || runtime.block_on(publish(client, subjects, receiver, shared)))
            .map_err(|e| format!("--nats: cannot start the publishing thread: {e}"))?;
        Ok(Publisher {
            queue,
            counts,
            names,
            thread,
        })
    }

    /// Queues one event's payload for tracepoint `tracepoint` of provider
    /// `provider` (positions in the providers given to
    /// [`start`](Self::start)); never waits: when the queue is full the
    /// event is counted as unpublished.
    pub fn publish(&self, provider: usize, tracepoint: usize, payload: Vec<u8>) {
        let message = Message {
            provider,
            tracepoint,
            payload: Bytes::from(payload),
        };
        let len = message.payload.len();
        if self.counts.queued.fetch_add(len, Ordering::Relaxed) + len > self.counts.limit {
            self.counts.queued.fetch_sub(len, Ordering::Relaxed);
            self.counts.unpublished(&message);
            return;
        }
        if let Err(mpsc::error::SendError(message)) = self.queue.send(message) {
            self.counts.queued.fetch_sub(len, Ordering::Relaxed);
            self.counts.unpublished(&message);
        }
    }

    /// The events of one tracepoint not published so far.
    pub fn unpublished(&self, provider: usize, tracepoint: usize) -> u64 {
        self.counts.unpublished[provider][tracepoint].load(Ordering::Relaxed)
    }

    /// The counts so far.
    pub fn report(&self) -> Report {
        report(&self.names, &self.counts)
    }

    /// Publishes what is still queued (for at most [`FINISH`]), flushes the
    /// client and returns the final counts.
    pub fn finish(self) -> Report {
        *self.counts.deadline.lock().expect("not poisoned") = Some(Instant::now() + FINISH);
        let Publisher {
            queue,
            counts,
            names,
            thread,
        } = self;
        drop(queue);
        if thread.join().is_err() {
            eprintln!("tracepoints-trace: the NATS publishing thread panicked");
        }
        report(&names, &counts)
    }
}

/// A client of the server at `url`, connecting in the background (an
/// unreachable server is retried, not an error), once it has connected or
/// [`FIRST_CONNECT`] has passed.
fn connect(runtime: &tokio::runtime::Runtime, url: &str) -> Result<async_nats::Client, String> {
    let client = runtime
        .block_on(
            ConnectOptions::new()
                .name("tracepoints-trace")
                .retry_on_initial_connect()
                .max_reconnects(None)
                // Tries again at once, then after 2, 4, ... ms, at most
                // a second apart: a local bus is back soon, and each
                // second away costs a second of events.
                .reconnect_delay_callback(|attempts| {
                    Duration::from_millis((1u64 << attempts.min(10)).min(1000) - 1)
                })
                .client_capacity(CLIENT_MESSAGES)
                .event_callback(|event| async move { eprintln!("NATS: {event}") })
                .connect(url),
        )
        .map_err(|e| format!("--nats {url}: {e}"))?;
    // The first events are published as soon as the tracer attaches
    // when the server is there: wait for it a little.
    let connected = runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + FIRST_CONNECT;
        while client.connection_state() != async_nats::connection::State::Connected {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    });
    if !connected {
        eprintln!(
            "NATS: {url} not reached within {FIRST_CONNECT:?}: tracing, and publishing once it is (what does not fit the queue until then is counted unpublished)"
        );
    }
    Ok(client)
}

/// The counts of `counts` by the tracepoints' `names`.
fn report(names: &[Vec<String>], counts: &Counts) -> Report {
    let list = |counts: &[Vec<AtomicU64>]| -> Vec<(String, u64)> {
        names
            .iter()
            .flatten()
            .zip(counts.iter().flatten())
            .map(|(name, n)| (name.clone(), n.load(Ordering::Relaxed)))
            .collect()
    };
    Report {
        published: list(&counts.published),
        unpublished: list(&counts.unpublished),
    }
}

/// The publishing thread: hands each queued message to the client until
/// the queue is closed, then flushes.
async fn publish(
    client: async_nats::Client,
    subjects: Vec<Vec<Subject>>,
    mut receiver: mpsc::UnboundedReceiver<Message>,
    counts: Arc<Counts>,
) {
    while let Some(message) = receiver.recv().await {
        counts
            .queued
            .fetch_sub(message.payload.len(), Ordering::Relaxed);
        let subject = subjects[message.provider][message.tracepoint].clone();
        let deadline = *counts.deadline.lock().expect("not poisoned");
        let sent = client.publish(subject, message.payload.clone());
        let sent = match deadline {
            None => sent.await.is_ok(),
            Some(deadline) => tokio::time::timeout_at(deadline.into(), sent)
                .await
                .is_ok_and(|r| r.is_ok()),
        };
        if sent {
            counts.published[message.provider][message.tracepoint].fetch_add(1, Ordering::Relaxed);
        } else {
            counts.unpublished(&message);
        }
    }
    let deadline = counts
        .deadline
        .lock()
        .expect("not poisoned")
        .unwrap_or_else(|| Instant::now() + FINISH);
    if !matches!(
        tokio::time::timeout_at(deadline.into(), client.flush()).await,
        Ok(Ok(()))
    ) {
        eprintln!(
            "tracepoints-trace: NATS: could not flush before stopping: the last events published may not have reached the server"
        );
    }
}
