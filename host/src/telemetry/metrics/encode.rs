//! The pieces [`super::Metrics`] registers with `prometheus-client` beyond its plain counters
//! and gauge: a lock-free histogram, fixed label sets of counters, the per-model request
//! counts, and the counters the telemetry sinks keep.

use super::{HistogramValues, load};
use arc_swap::ArcSwap;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Histogram bucket upper bounds, in seconds.
pub const BUCKETS: [f64; 14] = [0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0];

/// Most distinct (route, status, model) label sets kept; later ones count under model `other`
/// (the model label comes from clients, so its cardinality must be bounded).
pub const MAX_LABEL_SETS: usize = 512;

/// Longest model label kept (in characters).
const MAX_MODEL_LABEL: usize = 128;

/// A fixed-bucket histogram of durations whose observation is three atomic adds; clones share.
/// (`prometheus_client::metrics::histogram::Histogram` takes a mutex per observation, which
/// issue 31 rules out on the request path.)
#[derive(Debug, Clone, Default)]
pub struct DurationHistogram(Arc<Cells>);

#[derive(Debug, Default)]
struct Cells {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl DurationHistogram {
    /// Records one duration.
    pub fn observe(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.0.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.0.count.fetch_add(1, Ordering::Relaxed);
        self.0.sum_nanos.fetch_add(u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The values now.
    pub fn read(&self) -> HistogramValues {
        HistogramValues { buckets: std::array::from_fn(|i| load(&self.0.buckets[i])), count: load(&self.0.count), sum: load(&self.0.sum_nanos) as f64 / 1e9 }
    }
}

impl EncodeMetric for DurationHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let values = self.read();
        let buckets: Vec<(f64, u64)> = BUCKETS.iter().copied().zip(values.buckets).collect();
        encoder.encode_histogram::<NoLabelSet>(values.sum, values.count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// A counter family whose label values are known up front: one counter per value.
#[derive(Debug)]
pub struct LabelledCounters<const N: usize> {
    name: &'static str,
    help: &'static str,
    label: &'static str,
    counters: [(&'static str, Counter); N],
}

impl<const N: usize> LabelledCounters<N> {
    /// `name` (without `_total`), its help text, the label's name, and a counter per value.
    pub fn new(name: &'static str, help: &'static str, label: &'static str, counters: [(&'static str, &Counter); N]) -> Self {
        Self { name, help, label, counters: counters.map(|(value, counter)| (value, counter.clone())) }
    }
}

impl<const N: usize> Collector for LabelledCounters<N> {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut family = encoder.encode_descriptor(self.name, self.help, None, MetricType::Counter)?;
        for (value, counter) in &self.counters {
            counter.encode(family.encode_family(&[(self.label, *value)])?)?;
        }
        Ok(())
    }
}

/// The latency histogram of each route, shown for the routes that served a request.
#[derive(Debug)]
pub struct RouteLatency {
    pub routes: &'static [&'static str],
    pub histograms: Arc<[DurationHistogram]>,
}

impl Collector for RouteLatency {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let help = "Time to the response headers (streams: to the first event).";
        let mut family = encoder.encode_descriptor("openclaw_gateway_request_duration_seconds", help, None, MetricType::Histogram)?;
        for (route, histogram) in self.routes.iter().zip(self.histograms.iter()) {
            if load(&histogram.0.count) > 0 {
                histogram.encode(family.encode_family(&[("route", *route)])?)?;
            }
        }
        Ok(())
    }
}

/// Model → the (route index, status, counter) rows counted for it.
type ByModel = HashMap<Box<str>, Vec<(usize, u16, Counter)>>;

/// The requests counted by (route, status, model). Read without a lock: the map is replaced
/// whole (copy on write) when a label set is added, under `adding`, at most
/// [`MAX_LABEL_SETS`] times (plus the `other` rows past that bound).
#[derive(Debug)]
pub struct RequestCounts {
    routes: &'static [&'static str],
    by_model: ArcSwap<ByModel>,
    adding: Mutex<usize>,
}

impl RequestCounts {
    /// Counts kept by the route labels `routes` (indexed as [`RequestCounts::count`] takes them).
    pub fn new(routes: &'static [&'static str]) -> Self {
        Self { routes, by_model: ArcSwap::default(), adding: Mutex::default() }
    }

    /// Counts one request.
    pub fn count(&self, route: usize, status: u16, model: &str) {
        let model = match model.char_indices().nth(MAX_MODEL_LABEL) {
            Some((end, _)) => &model[..end],
            None => model,
        };
        if let Some(counter) = Self::find(&self.by_model.load(), route, status, model) {
            counter.inc();
            return;
        }
        self.add(route, status, model).inc();
    }

    fn find<'m>(map: &'m ByModel, route: usize, status: u16, model: &str) -> Option<&'m Counter> {
        map.get(model)?.iter().find(|(r, s, _)| (*r, *s) == (route, status)).map(|(_, _, counter)| counter)
    }

    /// The counter of a label set not seen before (or of model `other` past the bound).
    fn add(&self, route: usize, status: u16, model: &str) -> Counter {
        // A poisoned lock only means another thread panicked while adding: the count is still right.
        let mut sets = self.adding.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = self.by_model.load_full();
        let model = if *sets >= MAX_LABEL_SETS && Self::find(&current, route, status, model).is_none() { "other" } else { model };
        if let Some(counter) = Self::find(&current, route, status, model) {
            return counter.clone();
        }
        let counter = Counter::default();
        let mut next = HashMap::clone(&current);
        next.entry(model.into()).or_default().push((route, status, counter.clone()));
        self.by_model.store(Arc::new(next));
        *sets += 1;
        counter
    }

    /// Every row: (route, status, model, count), sorted.
    pub fn rows(&self) -> Vec<(&'static str, u16, String, u64)> {
        let map = self.by_model.load();
        let mut rows: Vec<_> = map
            .iter()
            .flat_map(|(model, rows)| {
                rows.iter()
                    .map(move |(route, status, counter)| (self.routes.get(*route).copied().unwrap_or("other"), *status, model.to_string(), counter.get()))
            })
            .collect();
        rows.sort();
        rows
    }
}

impl Collector for RequestCounts {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let help = "Requests answered, by route, status and model.";
        let mut family = encoder.encode_descriptor("openclaw_gateway_requests", help, None, MetricType::Counter)?;
        for (route, status, model, count) in self.rows() {
            let status = status.to_string();
            let labels = [("route", route), ("status", status.as_str()), ("model", model.as_str())];
            ConstCounter::new(count).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// What the access log and the span exporter dropped (and sent).
#[derive(Debug)]
pub struct SinkCollector {
    pub access_log_dropped: Arc<AtomicU64>,
    pub spans: Option<super::super::otlp::ExportStats>,
}

impl Collector for SinkCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let help = "Access-log lines dropped (queue full or sink failed).";
        let dropped = ConstCounter::new(load(&self.access_log_dropped));
        dropped.encode(encoder.encode_descriptor("openclaw_gateway_access_log_dropped", help, None, MetricType::Counter)?)?;
        if let Some(spans) = &self.spans {
            let help = "Spans handed to the OTLP exporter, by outcome.";
            let mut family = encoder.encode_descriptor("openclaw_gateway_spans", help, None, MetricType::Counter)?;
            for (outcome, count) in [("exported", spans.exported()), ("dropped", spans.dropped())] {
                ConstCounter::new(count).encode(family.encode_family(&[("outcome", outcome)])?)?;
            }
        }
        Ok(())
    }
}

/// `openclaw_gateway_policy_info{policy="NAME VERSION"} 1`.
#[derive(Debug)]
pub struct PolicyInfo(pub String);

impl Collector for PolicyInfo {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut family = encoder.encode_descriptor("openclaw_gateway_policy_info", "The policy new requests run.", None, MetricType::Gauge)?;
        family.encode_family(&[("policy", self.0.as_str())])?.encode_gauge(&1_i64)
    }
}
