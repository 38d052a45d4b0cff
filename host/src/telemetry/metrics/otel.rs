//! The gateway's metrics over OTLP: the SDK's meter provider with asynchronous (observable)
//! instruments whose callbacks read [`Metrics::snapshot`] when the periodic reader collects,
//! so exporting adds nothing to the request path.
//!
//! The counters and the gauge go out under the Prometheus family names (no `_total`: OTLP
//! counters carry their monotonicity themselves) with the same labels as attributes. The
//! latency histograms stay on `/metrics` only: the OpenTelemetry API has no asynchronous
//! histogram, and recording every request a second time into the SDK's would put its locks on
//! the request path (README, "Metrics").

use super::Metrics;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::metrics::periodic_reader_with_async_runtime::PeriodicReader;
use std::time::Duration;

/// A counter family with one label, as [`Metrics::snapshot`] gives it.
type Family = fn(&super::Snapshot) -> Vec<(&'static str, u64)>;

/// A meter provider exporting `metrics` through `exporter` every `interval` (on the tokio
/// runtime); dropping it (or shutting it down) stops the export.
pub fn provider(metrics: Metrics, exporter: opentelemetry_otlp::MetricExporter, resource: Resource, interval: Duration) -> SdkMeterProvider {
    let reader = PeriodicReader::builder(exporter, opentelemetry_sdk::runtime::Tokio).with_interval(interval).build();
    let provider = SdkMeterProvider::builder().with_resource(resource).with_reader(reader).build();
    let meter = provider.meter_with_scope(InstrumentationScope::builder("openclaw-host").with_version(env!("CARGO_PKG_VERSION")).build());
    let requests = metrics.clone();
    meter
        .u64_observable_counter("openclaw_gateway_requests")
        .with_description("Requests answered, by route, status and model.")
        .with_callback(move |observer| {
            for (route, status, model, count) in requests.snapshot().requests {
                let attributes = [KeyValue::new("route", route), KeyValue::new("status", status.to_string()), KeyValue::new("model", model)];
                observer.observe(count, &attributes);
            }
        })
        .build();
    // (name, description, label, values)
    let families: [(&'static str, &'static str, &'static str, Family); 4] = [
        ("openclaw_gateway_tokens", "Tokens reported by Bedrock.", "kind", |s| s.tokens.to_vec()),
        ("openclaw_gateway_policy_swaps", "Policy swaps, loaded or refused.", "outcome", |s| s.swaps.to_vec()),
        ("openclaw_gateway_guest_failures", "Policy calls stopped: trap, deadline, memory cap.", "kind", |s| s.guest_failures.to_vec()),
        ("openclaw_gateway_routing", "Chat requests routed from the plan (no guest call) or by the policy.", "source", |s| s.routing.to_vec()),
    ];
    for (name, description, label, values) in families {
        let metrics = metrics.clone();
        meter
            .u64_observable_counter(name)
            .with_description(description)
            .with_callback(move |observer| {
                for (value, count) in values(&metrics.snapshot()) {
                    observer.observe(count, &[KeyValue::new(label, value)]);
                }
            })
            .build();
    }
    meter
        .i64_observable_gauge("openclaw_gateway_streams_open")
        .with_description("Streams being sent now.")
        .with_callback(move |observer| observer.observe(metrics.snapshot().streams_open, &[]))
        .build();
    provider
}
