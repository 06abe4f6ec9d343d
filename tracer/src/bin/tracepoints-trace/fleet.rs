//! What `--nats` and `--metrics` add to a trace: the publisher, the
//! metrics server, and keeping their counts in step with the ring's.

use crate::args::Trace;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tracepoints_codegen::model::Provider;
use tracepoints_trace::attach::Tracer;
use tracepoints_trace::{decode, metrics, publish};

/// Where events go beside the output: NATS (`--nats`) and the metrics
/// (`--metrics`).
pub(crate) struct Fleet {
    publisher: Option<publish::Publisher>,
    metrics: Option<Arc<metrics::Metrics>>,
    /// `"node":"NAME",`: the first member of each published event.
    node: Vec<u8>,
    /// When the metrics last took the lost and unpublished counts.
    synced: std::cell::Cell<Instant>,
}

/// How often the metrics take the counts kept by the BPF program and the
/// publisher.
pub(crate) const SYNC: Duration = Duration::from_secs(1);

impl Fleet {
    /// Connects to NATS and serves the metrics, as `args` asks.
    pub(crate) fn start(args: &Trace, tracer: &Tracer) -> Result<Fleet, String> {
        let providers: Vec<Provider> = tracer
            .decoders()
            .iter()
            .map(|d| d.provider().clone())
            .collect();
        let publisher = match &args.nats {
            Some(url) => {
                let publisher = publish::Publisher::start(
                    url,
                    &args.subject,
                    &providers,
                    args.nats_queue.map_or(publish::QUEUE_BYTES, |b| b as usize),
                )?;
                eprintln!(
                    "Publishing to {url} on {}.<provider>.<tracepoint>",
                    args.subject
                );
                Some(publisher)
            }
            None => None,
        };
        let metrics = match &args.metrics {
            Some(addr) => {
                let metrics =
                    Arc::new(metrics::Metrics::new(&providers.iter().collect::<Vec<_>>()));
                let bound = metrics.serve(addr)?;
                eprintln!("Serving metrics at http://{bound}/metrics");
                Some(metrics)
            }
            None => None,
        };
        let name = args.node.clone().unwrap_or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_default()
        });
        let mut node = b"\"node\":".to_vec();
        decode::write_json_string(&mut node, &name);
        node.push(b',');
        Ok(Fleet {
            publisher,
            metrics,
            node,
            synced: std::cell::Cell::new(Instant::now()),
        })
    }

    /// Counts and publishes one event of provider `provider`.
    pub(crate) fn event(&self, provider: usize, decoder: &decode::Decoder, event: &decode::Event) {
        if let Some(metrics) = &self.metrics {
            metrics.event(provider, event);
        }
        if let Some(publisher) = &self.publisher {
            let mut members = self.node.clone();
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            members.extend_from_slice(format!("\"time_unix_ns\":{now},").as_bytes());
            let mut payload = Vec::with_capacity(256);
            decoder.write_json_after(event, &members, &mut payload);
            publisher.publish(provider, event.tracepoint, payload);
        }
    }

    /// Gives the metrics the lost and unpublished counts, once a
    /// [`SYNC`] (or now, when `now`).
    pub(crate) fn sync(&self, tracer: &Tracer, now: bool) -> Result<(), String> {
        let Some(metrics) = &self.metrics else {
            return Ok(());
        };
        if !now && self.synced.get().elapsed() < SYNC {
            return Ok(());
        }
        self.synced.set(Instant::now());
        for (i, decoder) in tracer.decoders().iter().enumerate() {
            let lost = tracer.lost_by_kind(i)?;
            for (t, lost) in lost
                .iter()
                .enumerate()
                .take(decoder.provider().tracepoints.len())
            {
                let unpublished = self.publisher.as_ref().map_or(0, |p| p.unpublished(i, t));
                metrics.set_totals(i, t, *lost, unpublished);
            }
        }
        Ok(())
    }

    /// Publishes what is queued and returns what publishing did (`None`
    /// without `--nats`).
    pub(crate) fn finish(self, tracer: &Tracer) -> Result<Option<publish::Report>, String> {
        self.sync(tracer, true)?;
        Ok(self.publisher.map(publish::Publisher::finish))
    }
}
