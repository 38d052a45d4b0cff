//! OpenTelemetry traces over OTLP/HTTP with the JSON encoding, off by default.
//!
//! A request handler makes a [`Span`] per request ([`Span::server`], continuing a W3C
//! `traceparent` when the client sent one), a child per step ([`Span::child`]: the policy's
//! decision, the Bedrock call), sets attributes per the GenAI semantic conventions
//! ([`genai`]), ends each span and hands it to [`Exporter::export`]. The exporter queues spans
//! (bounded; a full queue drops and counts) and a background task posts them in batches to
//! `ENDPOINT/v1/traces`, so a slow or absent collector never slows a request.
//!
//! Plain `http://` endpoints only (a collector or agent beside the gateway, the usual set-up);
//! TLS to a remote collector is left to that agent.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::mpsc;

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

/// What kind of work a span is (OTLP's `SpanKind` numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// Work inside the gateway (the policy's decision).
    Internal = 1,
    /// The request as the gateway serves it.
    Server = 2,
    /// A call the gateway makes (Bedrock).
    Client = 3,
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
    trace_id: [u8; 16],
    span_id: [u8; 8],
    parent_span_id: Option<[u8; 8]>,
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
        let (trace_id, parent_span_id) = match traceparent.and_then(parse_traceparent) {
            Some((trace, parent)) => (trace, Some(parent)),
            None => (random_bytes(), None),
        };
        Self::new(trace_id, parent_span_id, name, SpanKind::Server)
    }

    fn new(trace_id: [u8; 16], parent_span_id: Option<[u8; 8]>, name: &str, kind: SpanKind) -> Self {
        Self {
            trace_id,
            span_id: random_bytes(),
            parent_span_id,
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
        Self::new(self.trace_id, Some(self.span_id), name, kind)
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
        hex::encode(self.trace_id)
    }

    /// The W3C `traceparent` naming this span, to pass to a downstream call.
    pub fn traceparent(&self) -> String {
        format!("00-{}-{}-01", hex::encode(self.trace_id), hex::encode(self.span_id))
    }

    /// The span in OTLP's JSON mapping (ids in hex, times as strings of nanoseconds).
    fn to_json(&self) -> Json {
        let end = self.end.unwrap_or_else(SystemTime::now);
        let mut span = json!({
            "traceId": hex::encode(self.trace_id),
            "spanId": hex::encode(self.span_id),
            "name": self.name,
            "kind": self.kind as u8,
            "startTimeUnixNano": super::time::unix_nanos(self.start).to_string(),
            "endTimeUnixNano": super::time::unix_nanos(end).to_string(),
            "attributes": self.attributes.iter().map(|(k, v)| attribute(k, v)).collect::<Vec<_>>(),
            "status": match &self.status {
                SpanStatus::Unset => json!({}),
                SpanStatus::Error(message) => json!({ "code": 2, "message": message }),
            },
        });
        if let Some(parent) = self.parent_span_id {
            span["parentSpanId"] = json!(hex::encode(parent));
        }
        span
    }
}

fn attribute(key: &str, value: &AttributeValue) -> Json {
    let value = match value {
        AttributeValue::Str(s) => json!({ "stringValue": s }),
        AttributeValue::Int(i) => json!({ "intValue": i.to_string() }),
        AttributeValue::Double(d) => json!({ "doubleValue": d }),
        AttributeValue::Bool(b) => json!({ "boolValue": b }),
        AttributeValue::StrList(items) => json!({ "arrayValue": { "values": items.iter().map(|s| json!({ "stringValue": s })).collect::<Vec<_>>() } }),
    };
    json!({ "key": key, "value": value })
}

/// `00-<trace>-<parent>-<flags>` with non-zero ids.
fn parse_traceparent(header: &str) -> Option<([u8; 16], [u8; 8])> {
    let mut parts = header.trim().split('-');
    let (version, trace, parent, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version != "00" || parts.next().is_some() || flags.len() != 2 {
        return None;
    }
    let trace: [u8; 16] = hex::decode(trace).ok()?.try_into().ok()?;
    let parent: [u8; 8] = hex::decode(parent).ok()?.try_into().ok()?;
    (trace != [0; 16] && parent != [0; 8]).then_some((trace, parent))
}

/// Random bytes for ids, from the standard library's per-process random keys and a counter.
fn random_bytes<const N: usize>() -> [u8; N] {
    use std::hash::{BuildHasher as _, RandomState};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static KEYS: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(RandomState::new);
    let mut out = [0u8; N];
    for chunk in out.chunks_mut(8) {
        let word = keys.hash_one(COUNTER.fetch_add(1, Ordering::Relaxed)).to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    if out.iter().all(|b| *b == 0) {
        out[0] = 1;
    }
    out
}

/// Where and how spans are exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpConfig {
    /// The collector's base URL (`http://127.0.0.1:4318`); spans go to `<endpoint>/v1/traces`.
    pub endpoint: String,
    /// `service.name` of the resource.
    pub service_name: String,
    /// How long spans may wait to be batched.
    pub interval: Duration,
    /// Spans waiting at most.
    pub queue: usize,
}

impl OtlpConfig {
    /// An exporter to this base URL, service `openclaw-gateway`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self { endpoint: endpoint.into(), service_name: "openclaw-gateway".into(), interval: Duration::from_secs(2), queue: DEFAULT_QUEUE }
    }

    /// From the standard variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL, used
    /// as given) or `OTEL_EXPORTER_OTLP_ENDPOINT` (the base), and `OTEL_SERVICE_NAME`; `None`
    /// when neither endpoint is set (tracing stays off).
    pub fn from_env() -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let endpoint = match var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            Some(full) => full.trim().trim_end_matches("/v1/traces").to_string(),
            None => var("OTEL_EXPORTER_OTLP_ENDPOINT")?.trim().to_string(),
        };
        let mut config = Self::new(endpoint);
        if let Some(name) = var("OTEL_SERVICE_NAME") {
            config.service_name = name;
        }
        Some(config)
    }
}

/// Why the exporter could not start.
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    /// Not an `http://HOST:PORT[/PATH]` URL.
    #[error("OTLP endpoint {0:?}: expected http://HOST:PORT (plain HTTP; use a local collector for TLS)")]
    Endpoint(String),
}

/// `http://host:port/base` split into the address and the path of the traces resource.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    authority: String,
    path: String,
}

fn target(endpoint: &str) -> Result<Target, OtlpError> {
    let bad = || OtlpError::Endpoint(endpoint.to_string());
    let rest = endpoint.trim().strip_prefix("http://").ok_or_else(bad)?;
    let (authority, base) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    if authority.is_empty() || authority.contains('@') || authority.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let authority =
        if authority.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok()) { authority.to_string() } else { format!("{authority}:80") };
    let base = base.trim_end_matches('/');
    let path = if base.is_empty() { "/v1/traces".to_string() } else { format!("/{base}/v1/traces") };
    Ok(Target { authority, path })
}

/// The exporter handle, cheap to clone. The export task ends (after a last export) when
/// every clone is dropped.
#[derive(Debug, Clone)]
pub struct Exporter {
    sender: mpsc::Sender<Message>,
    counts: Counts,
}

/// What the export task receives.
#[derive(Debug)]
enum Message {
    /// An ended span.
    Span(Span),
    /// Send what is batched now, then answer.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// What became of the exported spans; holding it does not keep the export task alive.
#[derive(Debug, Clone)]
pub struct ExportStats {
    counts: Counts,
}

impl ExportStats {
    /// Spans the collector accepted.
    pub fn exported(&self) -> u64 {
        self.counts.exported.load(Ordering::Relaxed)
    }

    /// Spans dropped: queue full, or the collector refused or could not be reached.
    pub fn dropped(&self) -> u64 {
        self.counts.dropped.load(Ordering::Relaxed)
    }
}

impl Exporter {
    /// Starts the export task on the current tokio runtime.
    pub fn start(config: OtlpConfig) -> Result<(Self, tokio::task::JoinHandle<()>), OtlpError> {
        let target = target(&config.endpoint)?;
        let (sender, receiver) = mpsc::channel(config.queue.max(1));
        let counts = Counts::default();
        let task = tokio::spawn(run(receiver, target, config, counts.clone()));
        Ok((Self { sender, counts }, task))
    }

    /// Queues an ended span; never waits. A full queue drops it (counted).
    pub fn export(&self, span: Span) {
        if self.sender.try_send(Message::Span(span)).is_err() {
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sends the spans exported so far now instead of at the end of the batching interval,
    /// waiting at most `limit` (at shutdown, so that the last requests' spans are not lost).
    pub async fn flush(&self, limit: Duration) {
        let (done, answered) = tokio::sync::oneshot::channel();
        let _ = tokio::time::timeout(limit, async {
            if self.sender.send(Message::Flush(done)).await.is_ok() {
                let _ = answered.await;
            }
        })
        .await;
    }

    /// The counts, for metrics.
    pub fn stats(&self) -> ExportStats {
        ExportStats { counts: self.counts.clone() }
    }
}

/// What became of the spans.
#[derive(Debug, Clone, Default)]
struct Counts {
    dropped: Arc<AtomicU64>,
    exported: Arc<AtomicU64>,
}

/// Collects spans into batches and posts each; ends (after a last export) when every
/// [`Exporter`] clone is gone.
async fn run(mut receiver: mpsc::Receiver<Message>, target: Target, config: OtlpConfig, counts: Counts) {
    let mut batch: Vec<Span> = Vec::new();
    loop {
        let next = if batch.is_empty() {
            receiver.recv().await
        } else {
            match tokio::time::timeout(config.interval, receiver.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    send(&target, &config.service_name, std::mem::take(&mut batch), &counts).await;
                    continue;
                }
            }
        };
        match next {
            Some(Message::Span(span)) => {
                batch.push(span);
                if batch.len() >= MAX_BATCH {
                    send(&target, &config.service_name, std::mem::take(&mut batch), &counts).await;
                }
            }
            Some(Message::Flush(done)) => {
                if !batch.is_empty() {
                    send(&target, &config.service_name, std::mem::take(&mut batch), &counts).await;
                }
                let _ = done.send(());
            }
            None => {
                if !batch.is_empty() {
                    send(&target, &config.service_name, batch, &counts).await;
                }
                return;
            }
        }
    }
}

/// One `ExportTraceServiceRequest` in OTLP's JSON mapping.
fn encode(service_name: &str, spans: &[Span]) -> Json {
    json!({
        "resourceSpans": [{
            "resource": { "attributes": [attribute("service.name", &AttributeValue::from(service_name))] },
            "scopeSpans": [{
                "scope": { "name": "openclaw-host", "version": env!("CARGO_PKG_VERSION") },
                "spans": spans.iter().map(Span::to_json).collect::<Vec<_>>(),
            }],
        }],
    })
}

async fn send(target: &Target, service_name: &str, spans: Vec<Span>, counts: &Counts) {
    let count = spans.len() as u64;
    let body = encode(service_name, &spans).to_string();
    match tokio::time::timeout(Duration::from_secs(10), post(target, body.as_bytes())).await {
        Ok(Ok(status)) if (200..300).contains(&status) => {
            counts.exported.fetch_add(count, Ordering::Relaxed);
            return;
        }
        Ok(Ok(status)) => tracing::warn!(status, spans = count, "the OTLP collector refused a batch of spans"),
        Ok(Err(error)) => tracing::warn!(%error, spans = count, "cannot send spans to the OTLP collector"),
        Err(_) => tracing::warn!(spans = count, "the OTLP collector did not answer within 10 s"),
    }
    // Not retried: traces are best effort, and a retry queue would grow while a collector is down.
    counts.dropped.fetch_add(count, Ordering::Relaxed);
}

/// Posts `body` as JSON over HTTP/1.1 on a fresh connection; the response's status.
async fn post(target: &Target, body: &[u8]) -> std::io::Result<u16> {
    let mut stream = tokio::net::TcpStream::connect(&target.authority).await?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        target.path,
        target.authority,
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut answer = Vec::new();
    // The status line is all that is needed; the rest of the answer is bounded and ignored.
    (&mut stream).take(4096).read_to_end(&mut answer).await?;
    let line = answer.split(|b| *b == b'\n').next().unwrap_or_default();
    std::str::from_utf8(line)
        .ok()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "the collector did not answer HTTP"))
}

#[cfg(test)]
mod tests;
