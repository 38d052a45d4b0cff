//! The gateway's metrics, exposed on `/metrics` in the Prometheus text format (0.0.4) by the
//! Prometheus project's client crate, `prometheus-client` (issue 31), and read by the OTLP
//! metrics export ([`super::otlp`]) when an endpoint is given.
//!
//! Every series a request touches is made before the first request: the counters are the
//! crate's lock-free `Counter`s, the histograms are fixed-bucket atomics ([`encode`]'s
//! `DurationHistogram`: the crate's own histogram takes a mutex per observation), and the one
//! label set clients choose, the model of `openclaw_gateway_requests_total`, is a
//! copy-on-write map read without a lock (a mutex is taken only to add a new model, at most
//! [`MAX_LABEL_SETS`] times). Names and labels are the ones the hand-written encoder used
//! (README, "Metrics").

mod encode;
pub mod keys;
pub(super) mod otel;

use encode::{DurationHistogram, LabelledCounters, RequestCounts};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

pub use encode::{BUCKETS, MAX_LABEL_SETS};

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The route labels of a gateway without a route table (tests, embedders): everything is `other`.
const NO_ROUTES: &[&str] = &["other"];

/// The counters the telemetry sinks keep themselves, shown beside the gateway's own.
#[derive(Debug, Clone, Default)]
pub struct SinkCounts {
    /// Access-log lines dropped (queue full or sink failed).
    pub access_log_dropped: Arc<AtomicU64>,
    /// Spans the OTLP exporter sent and dropped, when traces are exported.
    pub spans: Option<super::otlp::ExportStats>,
    /// The OTLP exporter, which then exports these metrics too.
    pub exporter: Option<super::otlp::Exporter>,
}

impl SinkCounts {
    /// The counters of `access_log` and of `exporter`, when there is one.
    pub fn of(access_log: &super::access_log::AccessLog, exporter: Option<&super::otlp::Exporter>) -> Self {
        Self { access_log_dropped: access_log.dropped_counter(), spans: exporter.map(super::otlp::Exporter::stats), exporter: exporter.cloned() }
    }
}

/// Every metric the gateway keeps, registered once; cheap to clone (the clones share).
#[derive(Debug, Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Registry,
    requests: Arc<RequestCounts>,
    latency: Arc<[DurationHistogram]>,
    /// The route labels, by the index [`Metrics::request`] takes; the last is `other`.
    routes: &'static [&'static str],
    first_token: DurationHistogram,
    input_tokens: Counter,
    output_tokens: Counter,
    swaps_ok: Counter,
    swaps_refused: Counter,
    guest_traps: Counter,
    guest_deadlines: Counter,
    guest_memory: Counter,
    streams_open: Gauge<i64, AtomicI64>,
    routed_by_plan: Counter,
    routed_by_policy: Counter,
    keys: keys::KeyMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(NO_ROUTES, &SinkCounts::default())
    }
}

impl Metrics {
    /// The gateway's metrics, with what the telemetry sinks in `sinks` counted, exported over
    /// OTLP too when `sinks` has an exporter.
    /// `routes` are the labels of the gateway's routes (its route table's, `other` last): a
    /// request is counted by its route's index in them.
    pub fn new(routes: &'static [&'static str], sinks: &SinkCounts) -> Self {
        let routes = if routes.is_empty() { NO_ROUTES } else { routes };
        let mut registry = Registry::default();
        let requests = Arc::new(RequestCounts::new(routes));
        registry.register_collector(Box::new(Arc::clone(&requests)));
        let latency: Arc<[DurationHistogram]> = routes.iter().map(|_| DurationHistogram::default()).collect();
        registry.register_collector(Box::new(encode::RouteLatency { routes, histograms: Arc::clone(&latency) }));
        let first_token = DurationHistogram::default();
        registry.register("openclaw_gateway_time_to_first_token_seconds", "Time from a chat request to its first generated text", first_token.clone());
        let counter = Counter::default;
        let (input_tokens, output_tokens) = (counter(), counter());
        let (swaps_ok, swaps_refused) = (counter(), counter());
        let (guest_traps, guest_deadlines, guest_memory) = (counter(), counter(), counter());
        let (routed_by_plan, routed_by_policy) = (counter(), counter());
        registry.register_collector(Box::new(LabelledCounters::new(
            "openclaw_gateway_tokens",
            "Tokens reported by Bedrock.",
            "kind",
            [("input", &input_tokens), ("output", &output_tokens)],
        )));
        registry.register_collector(Box::new(LabelledCounters::new(
            "openclaw_gateway_policy_swaps",
            "Policy swaps, loaded or refused.",
            "outcome",
            [("ok", &swaps_ok), ("refused", &swaps_refused)],
        )));
        registry.register_collector(Box::new(LabelledCounters::new(
            "openclaw_gateway_guest_failures",
            "Policy calls stopped: trap, deadline, memory cap.",
            "kind",
            [("trap", &guest_traps), ("deadline", &guest_deadlines), ("memory", &guest_memory)],
        )));
        registry.register_collector(Box::new(LabelledCounters::new(
            "openclaw_gateway_routing",
            "Chat requests routed from the plan (no guest call) or by the policy.",
            "source",
            [("plan", &routed_by_plan), ("policy", &routed_by_policy)],
        )));
        let streams_open = Gauge::<i64, AtomicI64>::default();
        registry.register("openclaw_gateway_streams_open", "Streams being sent now", streams_open.clone());
        let keys = keys::KeyMetrics::default();
        keys.register(&mut registry);
        registry.register_collector(Box::new(encode::SinkCollector { access_log_dropped: Arc::clone(&sinks.access_log_dropped), spans: sinks.spans.clone() }));
        let inner = Inner {
            registry,
            requests,
            latency,
            routes,
            first_token,
            input_tokens,
            output_tokens,
            swaps_ok,
            swaps_refused,
            guest_traps,
            guest_deadlines,
            guest_memory,
            streams_open,
            routed_by_plan,
            routed_by_policy,
            keys,
        };
        let metrics = Self { inner: Arc::new(inner) };
        if let Some(exporter) = &sinks.exporter
            && let Err(error) = exporter.export_metrics(&metrics)
        {
            // The span export works with the same settings, so this is rare; traces go on.
            tracing::warn!(%error, "metrics are not exported over OTLP");
        }
        metrics
    }

    /// The per-key counters of virtual keys.
    pub fn keys(&self) -> &keys::KeyMetrics {
        &self.inner.keys
    }

    /// Counts a finished request (for a stream: when its headers were sent) and its latency.
    pub fn request(&self, route: usize, status: u16, model: &str, latency: Duration) {
        let route = route.min(self.inner.routes.len() - 1);
        self.inner.latency[route].observe(latency);
        self.inner.requests.count(route, status, model);
    }

    /// Time from the request to the first generated token.
    pub fn first_token(&self, after: Duration) {
        self.inner.first_token.observe(after);
    }

    /// Tokens reported by a finished call.
    pub fn tokens(&self, input: u32, output: u32) {
        self.inner.input_tokens.inc_by(u64::from(input));
        self.inner.output_tokens.inc_by(u64::from(output));
    }

    /// A policy swap: loaded, or refused.
    pub fn swap(&self, ok: bool) {
        if ok { &self.inner.swaps_ok } else { &self.inner.swaps_refused }.inc();
    }

    /// A guest failure: `trap`, `deadline` or `memory`.
    pub fn guest_failure(&self, kind: &str) {
        match kind {
            "deadline" => &self.inner.guest_deadlines,
            "memory" => &self.inner.guest_memory,
            _ => &self.inner.guest_traps,
        }
        .inc();
    }

    /// How a chat request was routed: from the plan (or a remembered resolution, no guest
    /// call), or by asking the policy (a fresh instance).
    pub fn routed(&self, by_plan: bool) {
        if by_plan { &self.inner.routed_by_plan } else { &self.inner.routed_by_policy }.inc();
    }

    /// Chat requests routed so far: (from the plan, by the policy).
    pub fn routing_counts(&self) -> (u64, u64) {
        (self.inner.routed_by_plan.get(), self.inner.routed_by_policy.get())
    }

    /// A stream opened (+1) or closed (-1).
    pub fn stream_open(&self, delta: i64) {
        self.inner.streams_open.inc_by(delta);
    }

    /// Policy swaps so far: (loaded, refused).
    pub fn swap_counts(&self) -> (u64, u64) {
        (self.inner.swaps_ok.get(), self.inner.swaps_refused.get())
    }

    /// The Prometheus text exposition, `policy` being the one new requests run.
    pub fn render(&self, policy: &str) -> String {
        let mut out = String::with_capacity(8192);
        let mut info = Registry::default();
        info.register_collector(Box::new(encode::PolicyInfo(policy.to_string())));
        // Writing to a String cannot fail; an encoder error would only cut the text short.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.inner.registry);
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &info);
        out
    }

    /// The current values, for the OTLP metrics export.
    pub fn snapshot(&self) -> Snapshot {
        let inner = &self.inner;
        Snapshot {
            requests: inner.requests.rows(),
            latency: inner.routes.iter().zip(inner.latency.iter()).map(|(route, h)| (*route, h.read())).filter(|(_, h)| h.count > 0).collect(),
            first_token: inner.first_token.read(),
            tokens: [("input", inner.input_tokens.get()), ("output", inner.output_tokens.get())],
            swaps: [("ok", inner.swaps_ok.get()), ("refused", inner.swaps_refused.get())],
            guest_failures: [("trap", inner.guest_traps.get()), ("deadline", inner.guest_deadlines.get()), ("memory", inner.guest_memory.get())],
            routing: [("plan", inner.routed_by_plan.get()), ("policy", inner.routed_by_policy.get())],
            streams_open: inner.streams_open.get(),
        }
    }
}

/// A histogram's state at one moment: per-bucket counts (not cumulative), count and sum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistogramValues {
    /// Observations per bucket of [`BUCKETS`] (the last, past the largest bound, is `count`
    /// less their sum).
    pub buckets: [u64; BUCKETS.len()],
    /// Observations.
    pub count: u64,
    /// Their sum, in seconds.
    pub sum: f64,
}

/// Every metric's value at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Requests by (route, status, model).
    pub requests: Vec<(&'static str, u16, String, u64)>,
    /// Latency by route (routes that served a request).
    pub latency: Vec<(&'static str, HistogramValues)>,
    /// Time to the first token.
    pub first_token: HistogramValues,
    /// Tokens by kind.
    pub tokens: [(&'static str, u64); 2],
    /// Policy swaps by outcome.
    pub swaps: [(&'static str, u64); 2],
    /// Guest failures by kind.
    pub guest_failures: [(&'static str, u64); 3],
    /// Chat routing by source.
    pub routing: [(&'static str, u64); 2],
    /// Streams being sent now.
    pub streams_open: i64,
}

/// Reads an atomic counter the sinks keep.
fn load(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests;
