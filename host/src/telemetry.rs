//! Observability for the gateway's request path, as self-contained pieces the request
//! handlers call:
//!
//! - [`request_id`]: the `x-request-id` a client sent, kept when it is sane, else a new one.
//! - [`access_log`]: one JSON line per request ([`access_log::AccessRecord`]), to a file or
//!   stderr, written off the request path; never prompt text, never a secret.
//! - [`request`]: one request's share of both, filled in by the gateway's handlers and
//!   finished when the response ends.
//! - [`metrics`]: the gateway's counters and histograms, shown on `/metrics` by the
//!   `prometheus-client` crate and exported over OTLP when traces are.
//! - [`otlp`]: OpenTelemetry traces (and the metrics) over OTLP, HTTP/protobuf or gRPC, plain or
//!   TLS, through the OpenTelemetry SDK: a span per request with child spans for the policy
//!   decision and the Bedrock call, attributes per the GenAI semantic conventions, exported in
//!   batches off the request path.
//!
//! Everything here is bounded: field lengths, queue sizes, batch sizes; a full queue drops
//! (and counts) rather than slowing a request.

pub mod access_log;
pub mod metrics;
pub mod otlp;
pub mod request;
pub mod request_id;
pub(crate) mod time;

/// Cuts `text` to at most `max` characters (on a character boundary).
pub(crate) fn bounded(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_string(),
        None => text.to_string(),
    }
}
