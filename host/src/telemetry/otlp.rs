//! OpenTelemetry traces (and the gateway's metrics) over OTLP, off by default, through the
//! OpenTelemetry Rust SDK and its OTLP exporter (issue 31): HTTP/protobuf or gRPC, plain or
//! TLS (the system's roots or a given CA), headers, and the standard `OTEL_*` variables.
//!
//! A request handler makes a [`Span`] per request ([`Span::server`], continuing a W3C
//! `traceparent` when the client sent one, parsed by the SDK's `TraceContextPropagator`), a
//! child per step ([`Span::child`]: the policy's decision, the Bedrock call), sets attributes
//! per the GenAI semantic conventions ([`genai`]), ends each span and hands it to
//! [`Exporter::export`]. The exporter queues spans (bounded; a full queue drops and counts) and
//! a task on the gateway's runtime hands them in batches to `opentelemetry-otlp`'s
//! `SpanExporter` as the SDK's `SpanData`, so a slow or absent collector never slows a request.
//!
//! Why a span is recorded here and not by the SDK's `Tracer`: the handlers learn an attribute
//! in steps and replace it (the region after a fallback, `error.type` at the end), and the
//! SDK's span appends duplicate keys; the ids must also be known when a span starts (the
//! access log names the trace). The record becomes `SpanData` once, when it is exported.

mod config;
mod export;

pub use config::{OtlpConfig, OtlpError, Protocol};
pub use export::{ExportStats, Exporter};

use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator, SpanData, SpanEvents, SpanLinks};
use std::collections::HashMap;
use std::time::SystemTime;

/// Attribute names of the OpenTelemetry GenAI semantic conventions (and the general ones a
/// gateway span carries).
pub mod genai {
    /// `chat`.
    pub const OPERATION_NAME: &str = "gen_ai.operation.name";
    /// `aws.bedrock`.
    pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
    /// The older name of the provider attribute, still read by many back ends.
    pub const SYSTEM: &str = "gen_ai.system";
    /// The model the client asked for.
    pub const REQUEST_MODEL: &str = "gen_ai.request.model";
    /// The model that answered.
    pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
    /// Most tokens asked for.
    pub const REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
    /// Sampling temperature.
    pub const REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
    /// Nucleus sampling.
    pub const REQUEST_TOP_P: &str = "gen_ai.request.top_p";
    /// Why the model stopped.
    pub const RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
    /// Input tokens.
    pub const USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
    /// Output tokens.
    pub const USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
    /// The error class of a failed operation.
    pub const ERROR_TYPE: &str = "error.type";
    /// The Bedrock endpoint's host.
    pub const SERVER_ADDRESS: &str = "server.address";
    /// The region called.
    pub const CLOUD_REGION: &str = "cloud.region";
    /// The HTTP status sent to the client.
    pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
    /// The request id (`x-request-id`).
    pub const REQUEST_ID: &str = "openclaw.request_id";
    /// The policy that decided.
    pub const POLICY: &str = "openclaw.policy";
}

/// Spans waiting for export at most; more are dropped and counted.
pub const DEFAULT_QUEUE: usize = 4096;
/// Most spans in one export request.
pub const MAX_BATCH: usize = 512;
/// Most attributes on one span (the first ones are kept).
const MAX_ATTRIBUTES: usize = 64;
/// Longest string attribute value kept.
const MAX_VALUE: usize = 1024;

/// What kind of work a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// Work inside the gateway (the policy's decision).
    Internal,
    /// The request as the gateway serves it.
    Server,
    /// A call the gateway makes (Bedrock).
    Client,
}

impl SpanKind {
    fn otel(self) -> opentelemetry::trace::SpanKind {
        match self {
            SpanKind::Internal => opentelemetry::trace::SpanKind::Internal,
            SpanKind::Server => opentelemetry::trace::SpanKind::Server,
            SpanKind::Client => opentelemetry::trace::SpanKind::Client,
        }
    }
}

/// An attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// A string (cut to a bound).
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    StrList(Vec<String>),
}

impl From<&str> for AttributeValue {
    fn from(value: &str) -> Self {
        Self::Str(super::bounded(value, MAX_VALUE))
    }
}
impl From<String> for AttributeValue {
    fn from(value: String) -> Self {
        Self::from(value.as_str())
    }
}
impl From<i64> for AttributeValue {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}
impl From<u64> for AttributeValue {
    fn from(value: u64) -> Self {
        Self::Int(i64::try_from(value).unwrap_or(i64::MAX))
    }
}
impl From<u32> for AttributeValue {
    fn from(value: u32) -> Self {
        Self::Int(i64::from(value))
    }
}
impl From<f64> for AttributeValue {
    fn from(value: f64) -> Self {
        Self::Double(value)
    }
}
impl From<bool> for AttributeValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<AttributeValue> for Value {
    fn from(value: AttributeValue) -> Self {
        match value {
            AttributeValue::Str(s) => Value::from(s),
            AttributeValue::Int(i) => Value::I64(i),
            AttributeValue::Double(d) => Value::F64(d),
            AttributeValue::Bool(b) => Value::Bool(b),
            AttributeValue::StrList(items) => Value::Array(Array::String(items.into_iter().map(StringValue::from).collect())),
        }
    }
}

/// A span's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum SpanStatus {
    /// Not set (the usual value for success).
    Unset,
    /// Failed, with a short description (an error class, never a prompt).
    Error(String),
}

/// One span, from start to end.
#[derive(Debug, Clone)]
pub struct Span {
    context: SpanContext,
    /// The parent's id, and whether the parent is the caller's (from `traceparent`).
    parent: Option<(SpanId, bool)>,
    name: String,
    kind: SpanKind,
    start: SystemTime,
    end: Option<SystemTime>,
    attributes: Vec<(String, AttributeValue)>,
    status: SpanStatus,
}

impl Span {
    /// The span of a request the gateway serves: a new trace, or the caller's when it sent a
    /// valid W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
    pub fn server(name: &str, traceparent: Option<&str>) -> Self {
        let caller = traceparent.map(caller_context).filter(SpanContext::is_valid);
        let (trace_id, parent) = match caller {
            Some(caller) => (caller.trace_id(), Some((caller.span_id(), true))),
            None => (RandomIdGenerator::default().new_trace_id(), None),
        };
        Self::new(trace_id, parent, name, SpanKind::Server)
    }

    fn new(trace_id: TraceId, parent: Option<(SpanId, bool)>, name: &str, kind: SpanKind) -> Self {
        let span_id = RandomIdGenerator::default().new_span_id();
        Self {
            context: SpanContext::new(trace_id, span_id, TraceFlags::SAMPLED, false, TraceState::NONE),
            parent,
            name: super::bounded(name, 256),
            kind,
            start: SystemTime::now(),
            end: None,
            attributes: Vec::new(),
            status: SpanStatus::Unset,
        }
    }

    /// A child span starting now, in the same trace.
    pub fn child(&self, name: &str, kind: SpanKind) -> Self {
        Self::new(self.context.trace_id(), Some((self.context.span_id(), false)), name, kind)
    }

    /// Sets an attribute (a later value for the same key replaces the earlier one).
    pub fn set(&mut self, key: &str, value: impl Into<AttributeValue>) -> &mut Self {
        let value = value.into();
        let full = self.attributes.len() >= MAX_ATTRIBUTES;
        match self.attributes.iter_mut().find(|(k, _)| k == key) {
            Some((_, old)) => *old = value,
            None if !full => self.attributes.push((key.to_string(), value)),
            None => {}
        }
        self
    }

    /// Marks the span failed with an error class (also set as `error.type`).
    pub fn fail(&mut self, class: &str) -> &mut Self {
        self.set(genai::ERROR_TYPE, class);
        self.status = SpanStatus::Error(super::bounded(class, 128));
        self
    }

    /// Ends the span now.
    pub fn end(mut self) -> Self {
        self.end = Some(SystemTime::now());
        self
    }

    /// Whether this is a request's own span (not a child).
    pub fn is_server(&self) -> bool {
        self.kind == SpanKind::Server
    }

    /// The trace id as 32 hex digits (for logs and the access log).
    pub fn trace_id(&self) -> String {
        self.context.trace_id().to_string()
    }

    /// The W3C `traceparent` naming this span, to pass to a downstream call (written by the
    /// SDK's `TraceContextPropagator`).
    pub fn traceparent(&self) -> String {
        let context = opentelemetry::Context::new().with_remote_span_context(self.context.clone());
        let mut carrier = HashMap::new();
        TraceContextPropagator::new().inject_context(&context, &mut carrier);
        carrier.remove("traceparent").unwrap_or_default()
    }

    /// The span as the SDK's exporters take it.
    fn into_span_data(self, scope: &InstrumentationScope) -> SpanData {
        let (parent_span_id, parent_span_is_remote) = self.parent.unwrap_or((SpanId::INVALID, false));
        SpanData {
            span_context: self.context,
            parent_span_id,
            parent_span_is_remote,
            span_kind: self.kind.otel(),
            name: self.name.into(),
            start_time: self.start,
            end_time: self.end.unwrap_or_else(SystemTime::now),
            attributes: self.attributes.into_iter().map(|(key, value)| KeyValue::new(key, Value::from(value))).collect(),
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: match self.status {
                SpanStatus::Unset => opentelemetry::trace::Status::Unset,
                SpanStatus::Error(message) => opentelemetry::trace::Status::error(message),
            },
            instrumentation_scope: scope.clone(),
        }
    }
}

/// The caller's span named by a `traceparent` header (invalid when the header is).
fn caller_context(header: &str) -> SpanContext {
    let carrier = HashMap::from([("traceparent".to_string(), header.trim().to_string())]);
    TraceContextPropagator::new().extract(&carrier).span().span_context().clone()
}

#[cfg(test)]
mod tests;
