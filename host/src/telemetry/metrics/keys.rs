//! Per-key metrics of virtual keys ([`crate::keys`]): requests admitted, requests refused by
//! which limit, tokens and spend settled, labelled by the key's id and name (never its secret).
//! Keys are made by the operator, so the label sets are bounded by what the operator creates.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

type Labels = Vec<(&'static str, String)>;

/// The per-key counters; clones share.
#[derive(Debug, Clone, Default)]
pub struct KeyMetrics {
    admitted: Family<Labels, Counter>,
    limited: Family<Labels, Counter>,
    tokens: Family<Labels, Counter>,
    spend: Family<Labels, Counter<f64, AtomicU64>>,
}

fn labels(id: &str, name: &str) -> Labels {
    vec![("key_id", id.to_string()), ("key_name", name.to_string())]
}

impl KeyMetrics {
    /// Registers the counters.
    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register("openclaw_gateway_key_requests", "Requests admitted per virtual key.", self.admitted.clone());
        registry.register("openclaw_gateway_key_limited", "Requests a virtual key's limit refused, by limit.", self.limited.clone());
        registry.register("openclaw_gateway_key_tokens", "Tokens settled per virtual key, by kind.", self.tokens.clone());
        registry.register("openclaw_gateway_key_spend_usd", "Spend settled per virtual key, in USD.", self.spend.clone());
    }

    /// A request admitted.
    pub fn admitted(&self, id: &str, name: &str) {
        self.admitted.get_or_create(&labels(id, name)).inc();
    }

    /// A request refused by `limit` (`requests`, `tokens`, `concurrency`, `budget`, `model`, ...).
    pub fn limited(&self, id: &str, name: &str, limit: &'static str) {
        let mut labels = labels(id, name);
        labels.push(("limit", limit.to_string()));
        self.limited.get_or_create(&labels).inc();
    }

    /// A request settled: its tokens and cost (pico-USD).
    pub fn settled(&self, id: &str, name: &str, input_tokens: u64, output_tokens: u64, pico_usd: u64) {
        for (kind, tokens) in [("input", input_tokens), ("output", output_tokens)] {
            let mut labels = labels(id, name);
            labels.push(("kind", kind.to_string()));
            self.tokens.get_or_create(&labels).inc_by(tokens);
        }
        self.spend.get_or_create(&labels(id, name)).inc_by(pico_usd as f64 / 1e12);
    }
}
