//! The gateway's metrics, rendered in the Prometheus text format. Hand-rolled: a few counters
//! and fixed-bucket histograms need no metrics framework.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Most distinct (route, status, model) label sets kept; later ones count under model `other`
/// (the model label comes from clients, so its cardinality must be bounded).
const MAX_LABEL_SETS: usize = 512;

/// Histogram bucket upper bounds, in seconds.
const BUCKETS: [f64; 14] = [0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0];

/// A fixed-bucket histogram of durations.
#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(u64::try_from(duration.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// The routes metrics are kept by.
pub const ROUTES: [&str; 10] = [
    "/v1/chat/completions",
    "/v1/models",
    "/healthz",
    "/readyz",
    "/metrics",
    "/admin/policy",
    "/v1/embeddings",
    "/v1/messages",
    "/v1/messages/count_tokens",
    "other",
];

/// Every metric the gateway keeps.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<HashMap<(usize, u16, String), u64>>,
    latency: [Histogram; ROUTES.len()],
    first_token: Histogram,
    input_tokens: AtomicU64,
    output_tokens: AtomicU64,
    swaps_ok: AtomicU64,
    swaps_refused: AtomicU64,
    guest_traps: AtomicU64,
    guest_deadlines: AtomicU64,
    guest_memory: AtomicU64,
    streams_open: AtomicI64,
    routed_by_plan: AtomicU64,
    routed_by_policy: AtomicU64,
}

/// The index of a route in [`ROUTES`] (unknown paths count as `other`).
pub fn route_index(path: &str) -> usize {
    ROUTES.iter().position(|route| *route == path).unwrap_or(ROUTES.len() - 1)
}

impl Metrics {
    /// Counts a finished request (for a stream: when its headers were sent) and its latency.
    pub fn request(&self, route: usize, status: u16, model: &str, latency: Duration) {
        self.latency[route].observe(latency);
        let Ok(mut requests) = self.requests.lock() else { return };
        let model: String = model.chars().take(128).collect();
        let key = if requests.len() >= MAX_LABEL_SETS && !requests.contains_key(&(route, status, model.clone())) {
            (route, status, "other".to_string())
        } else {
            (route, status, model)
        };
        *requests.entry(key).or_default() += 1;
    }

    /// Time from the request to the first generated token.
    pub fn first_token(&self, after: Duration) {
        self.first_token.observe(after);
    }

    /// Tokens reported by a finished call.
    pub fn tokens(&self, input: u32, output: u32) {
        self.input_tokens.fetch_add(u64::from(input), Ordering::Relaxed);
        self.output_tokens.fetch_add(u64::from(output), Ordering::Relaxed);
    }

    /// A policy swap: loaded, or refused.
    pub fn swap(&self, ok: bool) {
        if ok { &self.swaps_ok } else { &self.swaps_refused }.fetch_add(1, Ordering::Relaxed);
    }

    /// A guest failure: `trap`, `deadline` or `memory`.
    pub fn guest_failure(&self, kind: &str) {
        match kind {
            "deadline" => &self.guest_deadlines,
            "memory" => &self.guest_memory,
            _ => &self.guest_traps,
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    /// How a chat request was routed: from the plan (or a remembered resolution, no guest
    /// call), or by asking the policy (a fresh instance).
    pub fn routed(&self, by_plan: bool) {
        if by_plan { &self.routed_by_plan } else { &self.routed_by_policy }.fetch_add(1, Ordering::Relaxed);
    }

    /// Chat requests routed so far: (from the plan, by the policy).
    pub fn routing_counts(&self) -> (u64, u64) {
        (self.routed_by_plan.load(Ordering::Relaxed), self.routed_by_policy.load(Ordering::Relaxed))
    }

    /// A stream opened (+1) or closed (-1).
    pub fn stream_open(&self, delta: i64) {
        self.streams_open.fetch_add(delta, Ordering::Relaxed);
    }

    /// Policy swaps so far: (loaded, refused).
    pub fn swap_counts(&self) -> (u64, u64) {
        (self.swaps_ok.load(Ordering::Relaxed), self.swaps_refused.load(Ordering::Relaxed))
    }

    /// The Prometheus text exposition.
    pub fn render(&self, policy: &str) -> String {
        let mut out = String::with_capacity(8192);
        out.push_str("# HELP openclaw_gateway_requests_total Requests answered, by route, status and model.\n# TYPE openclaw_gateway_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            let mut rows: Vec<_> = requests.iter().collect();
            rows.sort();
            for ((route, status, model), count) in rows {
                let _ =
                    writeln!(out, "openclaw_gateway_requests_total{{route=\"{}\",status=\"{status}\",model=\"{}\"}} {count}", ROUTES[*route], escape(model));
            }
        }
        out.push_str("# HELP openclaw_gateway_request_duration_seconds Time to the response headers (streams: to the first event).\n# TYPE openclaw_gateway_request_duration_seconds histogram\n");
        for (route, histogram) in ROUTES.iter().zip(&self.latency) {
            if histogram.count.load(Ordering::Relaxed) > 0 {
                histogram.render(&mut out, "openclaw_gateway_request_duration_seconds", &format!("route=\"{route}\""));
            }
        }
        out.push_str("# HELP openclaw_gateway_time_to_first_token_seconds Time from a chat request to its first generated text.\n# TYPE openclaw_gateway_time_to_first_token_seconds histogram\n");
        self.first_token.render(&mut out, "openclaw_gateway_time_to_first_token_seconds", "");
        let counters = [
            ("openclaw_gateway_tokens_total", "Tokens reported by Bedrock.", "kind=\"input\"", self.input_tokens.load(Ordering::Relaxed)),
            ("openclaw_gateway_tokens_total", "", "kind=\"output\"", self.output_tokens.load(Ordering::Relaxed)),
            ("openclaw_gateway_policy_swaps_total", "Policy swaps, loaded or refused.", "outcome=\"ok\"", self.swaps_ok.load(Ordering::Relaxed)),
            ("openclaw_gateway_policy_swaps_total", "", "outcome=\"refused\"", self.swaps_refused.load(Ordering::Relaxed)),
            (
                "openclaw_gateway_guest_failures_total",
                "Policy calls stopped: trap, deadline, memory cap.",
                "kind=\"trap\"",
                self.guest_traps.load(Ordering::Relaxed),
            ),
            ("openclaw_gateway_guest_failures_total", "", "kind=\"deadline\"", self.guest_deadlines.load(Ordering::Relaxed)),
            ("openclaw_gateway_guest_failures_total", "", "kind=\"memory\"", self.guest_memory.load(Ordering::Relaxed)),
            (
                "openclaw_gateway_routing_total",
                "Chat requests routed from the plan (no guest call) or by the policy.",
                "source=\"plan\"",
                self.routed_by_plan.load(Ordering::Relaxed),
            ),
            ("openclaw_gateway_routing_total", "", "source=\"policy\"", self.routed_by_policy.load(Ordering::Relaxed)),
        ];
        for (name, help, labels, value) in counters {
            if !help.is_empty() {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            }
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP openclaw_gateway_streams_open Streams being sent now.\n# TYPE openclaw_gateway_streams_open gauge\nopenclaw_gateway_streams_open {}",
            self.streams_open.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP openclaw_gateway_policy_info The policy new requests run.\n# TYPE openclaw_gateway_policy_info gauge\nopenclaw_gateway_policy_info{{policy=\"{}\"}} 1",
            escape(policy)
        );
        out
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let metrics = Metrics::default();
        metrics.request(route_index("/v1/chat/completions"), 200, "m\"x", Duration::from_micros(300));
        metrics.request(route_index("/nope"), 404, "", Duration::from_micros(10));
        metrics.swap(false);
        metrics.guest_failure("trap");
        let text = metrics.render("p");
        assert!(text.contains("openclaw_gateway_requests_total{route=\"/v1/chat/completions\",status=\"200\",model=\"m\\\"x\"} 1"), "{text}");
        assert!(text.contains("route=\"other\",status=\"404\""));
        assert!(text.contains("openclaw_gateway_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"0.0005\"} 1"), "{text}");
        assert!(text.contains("openclaw_gateway_policy_swaps_total{outcome=\"refused\"} 1"));
        assert!(text.contains("openclaw_gateway_guest_failures_total{kind=\"trap\"} 1"));
    }

    #[test]
    fn model_labels_are_bounded() {
        let metrics = Metrics::default();
        for i in 0..(MAX_LABEL_SETS + 50) {
            metrics.request(0, 200, &format!("m{i}"), Duration::ZERO);
        }
        assert!(metrics.requests.lock().unwrap().len() <= MAX_LABEL_SETS + 1);
    }
}
