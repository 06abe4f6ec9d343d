//! Metrics for Prometheus, generated from the ABI: what the declaration
//! says of each tracepoint and argument decides which metrics exist, and
//! the `prometheus-client` crate writes them in the OpenMetrics text
//! format that Prometheus scrapes.
//!
//! - `tracepoints_events_total{provider,tracepoint}`: events read;
//!   `tracepoints_lost_total{...}`: events the ring buffer had no room for;
//!   `tracepoints_unpublished_total{...}`: events read but not published
//!   to NATS.
//! - An integer argument with named values (`#[values]`):
//!   `tracepoints_<provider>_<tracepoint>_<arg>_total{<arg>="<name>"}`, a
//!   series per named value and per unnamed value seen (its number), at
//!   most [`UNNAMED`] of those, the rest as `other`: never a label from a
//!   free-form string.
//! - An integer argument with a unit (`#[unit]`): a histogram in the
//!   Prometheus base unit: durations in `_seconds`, sizes in `_bytes`;
//!   virtual bytes, weight units and satoshis as they are (`_vbytes`,
//!   `_weight_units`, `_satoshis`); a point in time (`unix_s`) as the age
//!   it had when the event was read (`_age_seconds`).

use crate::decode::{Event, Value};
use prometheus_client::encoding::text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit as MetricUnit};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tracepoints_codegen::model::{Arg, Provider, Tracepoint, Unit};

/// The most unnamed values of one argument that get a series of their
/// own; any further value is counted as `other`.
pub const UNNAMED: usize = 16;

type Labels = Vec<(String, String)>;

/// The metrics of one argument.
enum ArgMetric {
    /// Neither named values nor a unit.
    None,
    /// A counter per value.
    Values {
        name: String,
        family: Family<Labels, Counter>,
        named: Vec<(i128, Counter)>,
        unnamed: Mutex<Vec<i128>>,
    },
    /// A histogram of the value times `scale` (its age when `age`).
    Histogram {
        histogram: Histogram,
        scale: f64,
        age: bool,
    },
}

/// The metrics of one tracepoint.
struct TracepointMetrics {
    events: Counter,
    lost: Counter,
    unpublished: Counter,
    args: Vec<ArgMetric>,
}

/// Every metric of the traced providers, updated as events are read.
pub struct Metrics {
    registry: Registry,
    /// `[provider][tracepoint]`.
    tracepoints: Vec<Vec<TracepointMetrics>>,
}

/// A metric name made of declared names: anything but ASCII letters,
/// digits and `_` becomes `_`.
fn metric_name(parts: &[&str]) -> String {
    parts
        .join("_")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The unit, scale, buckets and name suffix of a histogram of `unit`.
fn histogram_of(unit: Unit) -> (MetricUnit, f64, Vec<f64>, bool) {
    let seconds: Vec<f64> = exponential_buckets(1e-6, 4.0, 14).collect();
    match unit {
        Unit::Nanoseconds => (MetricUnit::Seconds, 1e-9, seconds, false),
        Unit::Microseconds => (MetricUnit::Seconds, 1e-6, seconds, false),
        Unit::Milliseconds => (MetricUnit::Seconds, 1e-3, seconds, false),
        Unit::Seconds => (MetricUnit::Seconds, 1.0, seconds, false),
        // Ages of a second to two years.
        Unit::UnixSeconds => (
            MetricUnit::Seconds,
            1.0,
            exponential_buckets(1.0, 4.0, 14).collect(),
            true,
        ),
        // 16 bytes to 64 MiB: a ping to the largest message.
        Unit::Bytes => (
            MetricUnit::Bytes,
            1.0,
            exponential_buckets(16.0, 4.0, 12).collect(),
            false,
        ),
        // 64 to 16 million: a transaction to a block's limit.
        Unit::VirtualBytes => (
            MetricUnit::Other("vbytes".into()),
            1.0,
            exponential_buckets(64.0, 4.0, 10).collect(),
            false,
        ),
        Unit::WeightUnits => (
            MetricUnit::Other("weight_units".into()),
            1.0,
            exponential_buckets(64.0, 4.0, 10).collect(),
            false,
        ),
        // 100 satoshis to every bitcoin there will be.
        Unit::Satoshis => (
            MetricUnit::Other("satoshis".into()),
            1.0,
            exponential_buckets(100.0, 10.0, 14).collect(),
            false,
        ),
    }
}

impl ArgMetric {
    /// The metric of `arg` of `tracepoint`, registered in `registry`.
    fn of(
        registry: &mut Registry,
        provider: &Provider,
        tracepoint: &Tracepoint,
        arg: &Arg,
    ) -> Self {
        let probe = tracepoint.probe_name(provider);
        let base = metric_name(&["tracepoints", &provider.name, &tracepoint.name, &arg.name]);
        if !arg.values.is_empty() {
            let family = Family::<Labels, Counter>::default();
            let label = metric_name(&[&arg.name]);
            let named = arg
                .values
                .iter()
                .map(|v| {
                    let labels = vec![(label.clone(), v.name.clone())];
                    (v.value, family.get_or_create(&labels).clone())
                })
                .collect();
            registry.register(
                base,
                format!("`{probe}` events by the value of `{}`", arg.name),
                family.clone(),
            );
            return ArgMetric::Values {
                name: label,
                family,
                named,
                unnamed: Mutex::new(Vec::new()),
            };
        }
        let Some(unit) = arg.unit else {
            return ArgMetric::None;
        };
        let (metric_unit, scale, buckets, age) = histogram_of(unit);
        let histogram = Histogram::new(buckets);
        let declared = unit.meaning();
        let (name, help) = if age {
            (
                format!("{base}_age"),
                format!(
                    "`{probe}`: the age of `{}` ({declared}) when the event was read, in seconds",
                    arg.name
                ),
            )
        } else if scale != 1.0 {
            (
                base,
                format!(
                    "`{probe}`: `{}` in seconds (declared in {declared})",
                    arg.name
                ),
            )
        } else {
            (base, format!("`{probe}`: `{}` in {declared}", arg.name))
        };
        registry.register_with_unit(name, help, metric_unit, histogram.clone());
        ArgMetric::Histogram {
            histogram,
            scale,
            age,
        }
    }

    /// Counts `value` (a point in time's age from now).
    fn record(&self, value: i128) {
        match self {
            ArgMetric::None => {}
            ArgMetric::Values {
                name,
                family,
                named,
                unnamed,
            } => {
                if let Some((_, counter)) = named.iter().find(|(v, _)| *v == value) {
                    counter.inc();
                    return;
                }
                let mut seen = unnamed.lock().expect("not poisoned");
                let label = if seen.contains(&value) || seen.len() < UNNAMED {
                    if !seen.contains(&value) {
                        seen.push(value);
                    }
                    value.to_string()
                } else {
                    "other".to_string()
                };
                family.get_or_create(&vec![(name.clone(), label)]).inc();
            }
            ArgMetric::Histogram {
                histogram,
                scale,
                age,
            } => {
                let value = value as f64 * scale;
                if *age {
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0.0, |d| d.as_secs_f64());
                    histogram.observe(now - value);
                } else {
                    histogram.observe(value);
                }
            }
        }
    }
}

impl Metrics {
    /// The metrics of `providers` (indexed as the tracer's decoders).
    pub fn new(providers: &[&Provider]) -> Metrics {
        let mut registry = Registry::default();
        let per_tracepoint = |name: &str, help: &str, registry: &mut Registry| {
            let family = Family::<Labels, Counter>::default();
            registry.register(name, help, family.clone());
            family
        };
        let events = per_tracepoint(
            "tracepoints_events",
            "Events read from the ring buffer",
            &mut registry,
        );
        let lost = per_tracepoint(
            "tracepoints_lost",
            "Events dropped because the ring buffer was full",
            &mut registry,
        );
        let unpublished = per_tracepoint(
            "tracepoints_unpublished",
            "Events read but not published to NATS (its queue was full or it was unreachable)",
            &mut registry,
        );
        let tracepoints = providers
            .iter()
            .map(|provider| {
                provider
                    .tracepoints
                    .iter()
                    .map(|t| {
                        let labels = vec![
                            ("provider".to_string(), provider.name.clone()),
                            ("tracepoint".to_string(), t.name.clone()),
                        ];
                        TracepointMetrics {
                            events: events.get_or_create(&labels).clone(),
                            lost: lost.get_or_create(&labels).clone(),
                            unpublished: unpublished.get_or_create(&labels).clone(),
                            args: t
                                .args
                                .iter()
                                .map(|a| ArgMetric::of(&mut registry, provider, t, a))
                                .collect(),
                        }
                    })
                    .collect()
            })
            .collect();
        Metrics {
            registry,
            tracepoints,
        }
    }

    /// Counts one event of provider `provider`.
    pub fn event(&self, provider: usize, event: &Event) {
        let Some(metrics) = self.tracepoints[provider].get(event.tracepoint) else {
            return;
        };
        metrics.events.inc();
        for (metric, value) in metrics.args.iter().zip(&event.values) {
            if let Value::Int(v) = value {
                metric.record(*v);
            }
        }
    }

    /// Sets the lost and unpublished counts of one tracepoint to totals
    /// kept elsewhere (the BPF program's counters, the publisher's).
    pub fn set_totals(&self, provider: usize, tracepoint: usize, lost: u64, unpublished: u64) {
        let metrics = &self.tracepoints[provider][tracepoint];
        for (counter, total) in [(&metrics.lost, lost), (&metrics.unpublished, unpublished)] {
            let now = counter.get();
            if total > now {
                counter.inc_by(total - now);
            }
        }
    }

    /// The metrics in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        text::encode(&mut out, &self.registry).expect("writing to a String");
        out
    }

    /// The metrics as a table a person reads: a line per metric, its
    /// name as Prometheus stores it (a counter with `_total`, a histogram
    /// by its base name), its labels, its type and its help.
    pub fn describe(&self) -> String {
        let text = self.encode();
        let mut out = String::new();
        let mut help = "";
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                help = rest.split_once(' ').map_or("", |(_, h)| h);
            }
            let Some(rest) = line.strip_prefix("# TYPE ") else {
                continue;
            };
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, ""));
            let sample = if kind == "counter" {
                format!("{name}_total")
            } else {
                name.to_string()
            };
            // The label names of the family's first sample (but `le`).
            let labels: Vec<&str> = text
                .lines()
                .find(|l| {
                    l.starts_with(&format!("{sample}{{"))
                        || l.starts_with(&format!("{name}_bucket{{"))
                })
                .and_then(|l| l.split_once('{')?.1.split_once('}'))
                .map(|(labels, _)| {
                    labels
                        .split(',')
                        .filter_map(|pair| pair.split_once('=').map(|(k, _)| k))
                        .filter(|k| *k != "le")
                        .collect()
                })
                .unwrap_or_default();
            let labels = if labels.is_empty() {
                String::new()
            } else {
                format!("{{{}}}", labels.join(","))
            };
            out.push_str(&format!("{sample}{labels} {kind}: {help}\n"));
        }
        out
    }

    /// Serves the metrics at `http://addr/metrics` from a thread of its
    /// own; an error names the address it could not listen on.
    pub fn serve(self: &Arc<Self>, addr: &str) -> Result<std::net::SocketAddr, String> {
        let server = tiny_http::Server::http(addr).map_err(|e| format!("--metrics {addr}: {e}"))?;
        let bound = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| format!("--metrics {addr}: not an IP address"))?;
        let metrics = Arc::clone(self);
        std::thread::Builder::new()
            .name("metrics".into())
            .spawn(move || {
                for request in server.incoming_requests() {
                    let path = request.url().split('?').next().unwrap_or_default();
                    let response = if path == "/metrics" {
                        let content_type = tiny_http::Header::from_bytes(
                            "Content-Type",
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )
                        .expect("a valid header");
                        tiny_http::Response::from_string(metrics.encode()).with_header(content_type)
                    } else {
                        tiny_http::Response::from_string("Metrics are at /metrics\n")
                            .with_status_code(404)
                    };
                    let _ = request.respond(response);
                }
            })
            .map_err(|e| format!("--metrics: cannot start the serving thread: {e}"))?;
        Ok(bound)
    }
}
