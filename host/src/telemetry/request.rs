//! One request's telemetry, filled in by the handlers as the request goes and finished once,
//! when its response ends (for a stream: when the stream ends or the client leaves).
//!
//! [`Telemetry`] is what the gateway holds: the access log and the span exporter, each
//! possibly off. [`Observation`] is one request's share: with both off it holds nothing and
//! every call returns at once, so the request path pays no formatting and no allocation for
//! telemetry nobody asked for.

use super::access_log::{AccessLog, AccessRecord};
use super::otlp::{Exporter, Span, SpanKind, genai};
use crate::aws::model::Usage;
use crate::plan::Serving;
use std::time::{Duration, Instant};

/// The `gen_ai.system` / `gen_ai.provider.name` of every Bedrock call.
const PROVIDER: &str = "aws.bedrock";
/// The attribute of the policy-decision span telling whether a guest (wasm) call was made:
/// `false` when the routing plan answered.
pub const WASM_CALL: &str = "openclaw.policy.wasm_call";
/// How the route was found: `plan` or `policy`.
pub const ROUTE_SOURCE: &str = "openclaw.route.source";
/// The number of the routing plan that served the request.
pub const PLAN_VERSION: &str = "openclaw.plan.version";
/// The error class of a streamed response whose client went away before its end.
pub const CLIENT_CLOSED: &str = "client_closed";

/// The gateway's telemetry sinks, each possibly off.
#[derive(Debug, Clone, Default)]
pub struct Telemetry {
    /// The access log ([`AccessLog::off`] when not asked for).
    pub access_log: AccessLog,
    /// The span exporter, when traces are exported.
    pub exporter: Option<Exporter>,
}

impl Telemetry {
    /// The observation of a request that arrived at `started`: a record when the access log
    /// is on, a server span (continuing `traceparent`, named after the route `label`: a
    /// known route or `other`) when traces are.
    pub fn observe(&self, started: Instant, request_id: &str, method: &str, path: &str, label: &str, traceparent: Option<&str>) -> Observation {
        if !self.access_log.is_on() && self.exporter.is_none() {
            return Observation { inner: None };
        }
        let span = self.exporter.as_ref().map(|_| {
            let mut span = Span::server(&format!("{method} {label}"), traceparent);
            span.set(genai::REQUEST_ID, request_id).set("http.request.method", method).set("http.route", label).set("url.path", super::bounded(path, 128));
            span
        });
        let record = self.access_log.is_on().then(|| {
            let mut record = AccessRecord::new(request_id, method, path);
            record.trace_id = span.as_ref().map(Span::trace_id);
            record
        });
        let inner = Inner {
            started,
            log: self.access_log.clone(),
            record,
            exporter: self.exporter.clone(),
            span,
            call: None,
            error_class: None,
            ttft: None,
            operation: Operation::Chat,
        };
        Observation { inner: Some(Box::new(inner)) }
    }

    /// Waits (at most `limit` each) until the access log's lines are written and the spans
    /// sent: at shutdown.
    pub async fn flush(&self, limit: Duration) {
        self.access_log.flush(limit).await;
        if let Some(exporter) = &self.exporter {
            exporter.flush(limit).await;
        }
    }
}

/// One request's telemetry; empty (and free) when the gateway records none.
#[derive(Debug, Default)]
pub struct Observation {
    inner: Option<Box<Inner>>,
}

#[derive(Debug)]
struct Inner {
    started: Instant,
    log: AccessLog,
    record: Option<AccessRecord>,
    exporter: Option<Exporter>,
    /// The request's span.
    span: Option<Span>,
    /// The Bedrock call's span while it runs.
    call: Option<Span>,
    error_class: Option<String>,
    ttft: Option<Duration>,
    operation: Operation,
}

/// What a request asks of the model, as OpenTelemetry's GenAI conventions name operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Operation {
    /// A chat completion (also Anthropic's messages).
    #[default]
    Chat,
    /// Embeddings.
    Embeddings,
}

impl Operation {
    /// `gen_ai.operation.name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Chat => "chat",
            Operation::Embeddings => "embeddings",
        }
    }
}

impl Observation {
    /// The operation the request asks for (chat unless said otherwise); set before
    /// [`Observation::asked`].
    pub fn operation(&mut self, operation: Operation) {
        if let Some(inner) = self.inner.as_deref_mut() {
            inner.operation = operation;
        }
    }

    /// Moves the observation out (to the task that streams the response), leaving an empty
    /// one: whoever holds it finishes it.
    pub fn take(&mut self) -> Self {
        Self { inner: self.inner.take() }
    }

    /// The client key that authenticated, by its id ([`super::access_log::client_key_id`]).
    pub fn client(&mut self, key_id: Option<&str>) {
        let Some(inner) = self.inner.as_deref_mut() else { return };
        if let Some(record) = &mut inner.record {
            record.client_key_id = key_id.map(str::to_string);
        }
    }

    /// What the client asked for: the model reference as sent (empty: none) and whether it
    /// wants a stream.
    pub fn asked(&mut self, model: &str, stream: bool) {
        let Some(inner) = self.inner.as_deref_mut() else { return };
        let model = (!model.is_empty()).then_some(model);
        if let Some(record) = inner.record.take() {
            let mut record = record.model_requested(model);
            record.stream = stream;
            inner.record = Some(record);
        }
        if let Some(span) = &mut inner.span {
            span.set(genai::OPERATION_NAME, inner.operation.as_str()).set("openclaw.stream", stream);
            if let Some(model) = model {
                span.set(genai::REQUEST_MODEL, model);
            }
        }
    }

    /// The policy, its config and its plan the request is served by.
    pub fn serving(&mut self, serving: &Serving) {
        let Some(inner) = self.inner.as_deref_mut() else { return };
        let info = serving.policy().info();
        let plan_version = serving.plan().map(|_| serving.version());
        if let Some(record) = &mut inner.record {
            record.policy = Some(format!("{} {}", info.name, info.version));
            record.policy_digest = Some(serving.policy().digest().to_string());
            record.plan_version = plan_version;
        }
        if let Some(span) = &mut inner.span {
            span.set(genai::POLICY, format!("{} {}", info.name, info.version)).set("openclaw.policy.digest", serving.policy().digest());
            if let Some(version) = plan_version {
                span.set(PLAN_VERSION, version);
            }
        }
    }

    /// The start of a policy decision, for [`Observation::decided`].
    pub fn deciding(&self) -> Decision {
        Decision(self.inner.as_deref().and_then(|inner| inner.span.as_ref()).map(|span| span.child("policy decision", SpanKind::Internal)))
    }

    /// The policy's decision ended: `wasm_call` false when the routing plan answered without
    /// a guest call; `error` the class of a failed decision.
    pub fn decided(&mut self, decision: Decision, wasm_call: bool, error: Option<&str>) {
        let (Some(inner), Some(mut span)) = (self.inner.as_deref_mut(), decision.0) else { return };
        span.set(WASM_CALL, wasm_call).set(ROUTE_SOURCE, if wasm_call { "policy" } else { "plan" });
        if let Some(class) = error {
            span.fail(class);
        }
        if let Some(exporter) = &inner.exporter {
            exporter.export(span.end());
        }
    }

    /// The Bedrock call begins, on `target` in `region`.
    pub fn calling(&mut self, target: &str, region: &str, max_tokens: Option<u32>) {
        let Some(inner) = self.inner.as_deref_mut() else { return };
        inner.routed(target, region);
        if let Some(span) = &inner.span {
            let mut call = span.child(&format!("{} {target}", inner.operation.as_str()), SpanKind::Client);
            call.set(genai::OPERATION_NAME, inner.operation.as_str())
                .set(genai::SYSTEM, PROVIDER)
                .set(genai::PROVIDER_NAME, PROVIDER)
                .set(genai::REQUEST_MODEL, target)
                .set(genai::CLOUD_REGION, region);
            if let Some(max_tokens) = max_tokens {
                call.set(genai::REQUEST_MAX_TOKENS, max_tokens);
            }
            inner.call = Some(call);
        }
    }

    /// The model that answered, where it ran (after any fallback).
    pub fn answered(&mut self, target: &str, region: &str) {
        let Some(inner) = self.inner.as_deref_mut() else { return };
        inner.routed(target, region);
        if let Some(call) = &mut inner.call {
            call.set(genai::RESPONSE_MODEL, target).set(genai::CLOUD_REGION, region);
        }
    }

    /// Why the model stopped (`end_turn`, `max_tokens`, ...).
    pub fn finish_reason(&mut self, reason: &str) {
        let Some(call) = self.inner.as_deref_mut().and_then(|inner| inner.call.as_mut()) else { return };
        call.set(genai::RESPONSE_FINISH_REASONS, super::otlp::AttributeValue::StrList(vec![super::bounded(reason, 64)]));
    }

    /// The tokens Bedrock counted.
    pub fn usage(&mut self, usage: &Usage) {
        let Some(inner) = self.inner.as_deref_mut() else { return };
        if let Some(record) = &mut inner.record {
            (record.tokens_in, record.tokens_out) = (Some(u64::from(usage.input_tokens)), Some(u64::from(usage.output_tokens)));
        }
        for span in [inner.call.as_mut(), inner.span.as_mut()].into_iter().flatten() {
            span.set(genai::USAGE_INPUT_TOKENS, usage.input_tokens).set(genai::USAGE_OUTPUT_TOKENS, usage.output_tokens);
        }
    }

    /// `count` hosted tools the client offered were left out of the model's tools.
    pub fn hosted_tools_omitted(&mut self, count: usize) {
        let Some(record) = self.inner.as_deref_mut().and_then(|inner| inner.record.as_mut()) else { return };
        record.hosted_tools_omitted = Some(u32::try_from(count).unwrap_or(u32::MAX));
    }

    /// The first token arrived `ttft` after the request did.
    pub fn first_token(&mut self, ttft: Duration) {
        let Some(inner) = self.inner.as_deref_mut() else { return };
        inner.ttft.get_or_insert(ttft);
    }

    /// The request failed (or its stream did, after its 200) with this error class; the
    /// first class set is kept.
    pub fn failed(&mut self, class: &str) {
        let Some(inner) = self.inner.as_deref_mut() else { return };
        if inner.error_class.is_none() {
            inner.error_class = Some(super::bounded(class, 64));
        }
    }

    /// The response ended with `status`: the spans are ended and queued for export, the
    /// access-log line written. Does nothing for an observation handed on with
    /// [`Observation::take`].
    pub fn finish(self, status: u16) {
        let Some(inner) = self.inner else { return };
        let Inner { started, log, record, exporter, span, call, error_class, ttft, operation: _ } = *inner;
        if let Some(exporter) = &exporter {
            for mut span in [call, span].into_iter().flatten() {
                if let Some(class) = &error_class {
                    span.fail(class);
                }
                if span.is_server() {
                    span.set(genai::HTTP_RESPONSE_STATUS_CODE, u32::from(status));
                }
                exporter.export(span.end());
            }
        }
        if let Some(mut record) = record {
            record.status = status;
            record.error_class = error_class;
            log.record(&record.timing(started.elapsed(), ttft));
        }
    }
}

impl Inner {
    fn routed(&mut self, target: &str, region: &str) {
        if let Some(record) = &mut self.record
            && (record.target.as_deref() != Some(target) || record.region.as_deref() != Some(region))
        {
            (record.target, record.region) = (Some(target.to_string()), Some(region.to_string()));
        }
    }
}

/// A policy decision in progress (its span, when traces are on).
#[derive(Debug)]
#[must_use = "hand it to Observation::decided"]
pub struct Decision(Option<Span>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_everything_off_an_observation_holds_nothing() {
        let telemetry = Telemetry::default();
        let mut observation = telemetry.observe(Instant::now(), "id", "POST", "/v1/chat/completions", "/v1/chat/completions", None);
        assert!(observation.inner.is_none());
        observation.asked("m", true);
        observation.failed("x");
        assert!(observation.deciding().0.is_none());
        observation.finish(200);
    }
}
