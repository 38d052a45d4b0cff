//! Fault injection and the request log, and the control API under `/__emulator/` that drives them.
//!
//! A [`FaultRule`] matches the next `count` requests of an operation and/or model and replaces
//! or perturbs their answer. Rules are consumed first-queued first; a rule whose fault only makes
//! sense on an event stream (delays between events, exception frames, truncation, bad CRCs) is
//! only consumed by streaming operations.
//!
//! (Past 400 lines: the fault kinds, their queue and the request log are read together by the
//! control API and the server; the file's own tests are a third of it.)

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::errors::ApiError;

/// What to do to a matching request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Answer with an AWS error instead (`status` and `message` default from the type).
    HttpError {
        /// The error type, e.g. `ThrottlingException`.
        #[serde(rename = "type")]
        error_type: String,
        /// The HTTP status; defaults to the one AWS uses for the type.
        #[serde(default)]
        status: Option<u16>,
        /// The message; defaults to AWS's text for the type.
        #[serde(default)]
        message: Option<String>,
    },
    /// Wait before sending the response headers.
    DelayHeaders {
        /// Milliseconds.
        ms: u64,
    },
    /// Wait between events of a stream.
    DelayEvents {
        /// Milliseconds.
        ms: u64,
    },
    /// Send `events` events, then an exception frame, then end the stream.
    ExceptionAfter {
        /// Events sent before the exception.
        events: usize,
        /// The `:exception-type`, e.g. `throttlingException`, `modelStreamErrorException`.
        #[serde(rename = "type")]
        exception_type: String,
        /// The message; a default naming the type when absent.
        #[serde(default)]
        message: Option<String>,
    },
    /// Send `events` events, then half a frame, then drop the connection.
    TruncateAfter {
        /// Whole events sent first.
        events: usize,
    },
    /// Send event number `event` (0-based) with a wrong message CRC.
    CorruptCrc {
        /// The event to corrupt.
        event: usize,
    },
    /// Reset the TCP connection instead of answering.
    ConnectionReset,
    /// Never answer (until the emulator shuts down).
    Hang,
    /// Wait until the test releases held requests ([`FaultQueue::release_held`], or
    /// `POST /__emulator/release`), then answer normally. [`FaultQueue::wait_held`] tells the
    /// test the request has arrived, so tests wait on events instead of sleeping.
    Hold,
    /// Send `events` events of the stream, then wait for the release as [`Fault::Hold`] does,
    /// then send the rest.
    HoldAfter {
        /// Events sent before holding.
        events: usize,
    },
}

impl Fault {
    /// Whether the fault only applies to event-stream responses.
    pub fn stream_only(&self) -> bool {
        matches!(
            self,
            Fault::DelayEvents { .. } | Fault::ExceptionAfter { .. } | Fault::TruncateAfter { .. } | Fault::CorruptCrc { .. } | Fault::HoldAfter { .. }
        )
    }

    /// The `kind` name the control API uses for this fault.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Fault::HttpError { .. } => "http_error",
            Fault::DelayHeaders { .. } => "delay_headers",
            Fault::DelayEvents { .. } => "delay_events",
            Fault::ExceptionAfter { .. } => "exception_after",
            Fault::TruncateAfter { .. } => "truncate_after",
            Fault::CorruptCrc { .. } => "corrupt_crc",
            Fault::ConnectionReset => "connection_reset",
            Fault::Hang => "hang",
            Fault::Hold => "hold",
            Fault::HoldAfter { .. } => "hold_after",
        }
    }

    /// The error answer of an `http_error` fault.
    pub fn api_error(&self) -> Option<ApiError> {
        match self {
            Fault::HttpError { error_type, status, message } => {
                let mut error = ApiError::from_type(error_type);
                if let Some(status) = status {
                    error.status = *status;
                }
                if let Some(message) = message {
                    error.message = message.clone();
                }
                Some(error)
            }
            _ => None,
        }
    }
}

/// A queued fault with what it matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The operation name (`Converse`, `ConverseStream`, `InvokeModel`,
    /// `InvokeModelWithResponseStream`, `CountTokens`, `ListFoundationModels`,
    /// `GetFoundationModel`, `ListInferenceProfiles`, `GetInferenceProfile`, `AssumeRole`, ...);
    /// any when absent.
    #[serde(default)]
    pub operation: Option<String>,
    /// The model identifier as the request gave it (or the resolved model id); any when absent.
    #[serde(default)]
    pub model: Option<String>,
    /// How many matching requests it applies to.
    #[serde(default = "one")]
    pub count: u32,
    /// What to do.
    pub fault: Fault,
}

fn one() -> u32 {
    1
}

impl FaultRule {
    /// A rule for the next request of any kind.
    pub fn new(fault: Fault) -> Self {
        FaultRule { operation: None, model: None, count: 1, fault }
    }

    /// Restricts the rule to an operation.
    pub fn operation(mut self, operation: &str) -> Self {
        self.operation = Some(operation.to_string());
        self
    }

    /// Restricts the rule to a model identifier.
    pub fn model(mut self, model: &str) -> Self {
        self.model = Some(model.to_string());
        self
    }

    /// Applies the rule to `count` matching requests.
    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
}

/// The request a fault may apply to.
#[derive(Debug, Clone, Copy)]
pub struct FaultTarget<'a> {
    /// The operation name.
    pub operation: &'a str,
    /// Model identifiers the request is known by (as given, and resolved).
    pub models: &'a [&'a str],
    /// Whether the answer is an event stream.
    pub streaming: bool,
}

/// The queue of pending faults, shared by the server and the handles given to tests.
#[derive(Debug, Clone, Default)]
pub struct FaultQueue {
    rules: Arc<Mutex<Vec<FaultRule>>>,
    gate: Arc<Gate>,
}

/// Where held requests wait: how many arrived, and the release generation they wait past.
#[derive(Debug)]
struct Gate {
    held: watch::Sender<usize>,
    released: watch::Sender<u64>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate { held: watch::channel(0).0, released: watch::channel(0).0 }
    }
}

impl FaultQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        // A poisoned lock only means a test thread panicked while holding it; the data is fine.
        self.rules.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a rule.
    pub fn push(&self, rule: FaultRule) {
        if rule.count > 0 {
            self.lock().push(rule);
        }
    }

    /// The rules still pending.
    pub fn pending(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    /// Drops every pending rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Counts a request as held and waits until the next release.
    pub async fn hold(&self) {
        let mut released = self.gate.released.subscribe();
        let generation = *released.borrow_and_update();
        self.gate.held.send_modify(|held| *held += 1);
        let _ = released.wait_for(|now| *now > generation).await;
    }

    /// How many requests reached a [`Fault::Hold`] or [`Fault::HoldAfter`] so far.
    pub fn held(&self) -> usize {
        *self.gate.held.borrow()
    }

    /// Waits until `count` requests in all have reached a hold (returns at once if they have).
    pub async fn wait_held(&self, count: usize) {
        let mut held = self.gate.held.subscribe();
        let _ = held.wait_for(|held| *held >= count).await;
    }

    /// Lets every request held now go on.
    pub fn release_held(&self) {
        self.gate.released.send_modify(|generation| *generation += 1);
    }

    /// Takes one use of the first rule that matches, if any.
    pub fn take(&self, target: FaultTarget<'_>) -> Option<Fault> {
        let mut rules = self.lock();
        let index = rules.iter().position(|rule| {
            rule.operation.as_deref().is_none_or(|op| op == target.operation)
                && rule.model.as_deref().is_none_or(|model| target.models.contains(&model))
                && (target.streaming || !rule.fault.stream_only())
        })?;
        let fault = rules[index].fault.clone();
        rules[index].count -= 1;
        if rules[index].count == 0 {
            rules.remove(index);
        }
        Some(fault)
    }
}

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthScheme {
    /// AWS Signature Version 4.
    Sigv4,
    /// `Authorization: Bearer` (a Bedrock API key).
    Bearer,
    /// No credentials (or not checked, as for IMDS).
    None,
}

/// One entry of the request log. Never holds a secret, session token or bearer token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLogEntry {
    /// HTTP method.
    pub method: String,
    /// The path as received.
    pub path: String,
    /// The operation name, e.g. `ConverseStream`.
    pub operation: String,
    /// The model identifier as the request gave it (decoded), for runtime and model operations.
    pub model_id: Option<String>,
    /// How it authenticated.
    pub auth_scheme: AuthScheme,
    /// The SigV4 access key id, when signed.
    pub access_key_id: Option<String>,
    /// The SigV4 scope region, when signed.
    pub signed_region: Option<String>,
    /// The SigV4 scope service, when signed.
    pub signed_service: Option<String>,
    /// Whether a session token came with the request (never the token itself).
    pub session_token_present: bool,
    /// The HTTP status answered (0 when the connection was reset or the request hung).
    pub status: u16,
    /// The fault applied, if any.
    pub fault: Option<String>,
    /// The request body (lossy UTF-8) of Bedrock operations, so tests can see what reached
    /// Bedrock; `None` for STS, IMDS and container requests, whose bodies may carry tokens.
    /// Headers are never logged (they carry the signature and session token).
    #[serde(default)]
    pub body: Option<String>,
    /// The guardrail an InvokeModel call named in its headers, `identifier:version` (Converse
    /// names it in the body).
    #[serde(default)]
    pub guardrail: Option<String>,
}

impl RequestLogEntry {
    /// The body as JSON (`Null` when absent or not JSON).
    pub fn body_json(&self) -> serde_json::Value {
        self.body.as_deref().and_then(|body| serde_json::from_str(body).ok()).unwrap_or(serde_json::Value::Null)
    }
}

/// The log of requests, shared like the fault queue.
#[derive(Debug, Clone)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<RequestLogEntry>>>,
    /// Bumped on every entry, so tests can wait for one instead of polling.
    recorded: Arc<watch::Sender<usize>>,
    /// How event streams ended.
    streams: Arc<watch::Sender<StreamEnds>>,
}

/// How the event streams answered so far ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamEnds {
    /// Sent to the end.
    pub completed: usize,
    /// Left by the reader (the client closed the connection) before the end.
    pub abandoned: usize,
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog { entries: Arc::default(), recorded: Arc::new(watch::channel(0).0), streams: Arc::new(watch::channel(StreamEnds::default()).0) }
    }
}

impl RequestLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RequestLogEntry>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends an entry.
    pub fn record(&self, entry: RequestLogEntry) {
        let count = {
            let mut entries = self.lock();
            entries.push(entry);
            entries.len()
        };
        self.recorded.send_replace(count);
    }

    /// Waits until some entry satisfies `matches` and returns it (a request that hangs or is
    /// held is logged when it arrives, so this is also the notice that it started).
    pub async fn wait_for(&self, mut matches: impl FnMut(&RequestLogEntry) -> bool) -> RequestLogEntry {
        let mut recorded = self.recorded.subscribe();
        loop {
            recorded.borrow_and_update();
            if let Some(found) = self.lock().iter().find(|entry| matches(entry)) {
                return found.clone();
            }
            if recorded.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Every entry so far, oldest first.
    pub fn entries(&self) -> Vec<RequestLogEntry> {
        self.lock().clone()
    }

    /// Counts an event stream that ended: sent whole, or left by its reader before the end.
    pub fn stream_ended(&self, abandoned: bool) {
        self.streams.send_modify(|ends| if abandoned { ends.abandoned += 1 } else { ends.completed += 1 });
    }

    /// Waits until `count` event streams in all have ended, and tells how they ended.
    pub async fn wait_streams_ended(&self, count: usize) -> StreamEnds {
        let mut streams = self.streams.subscribe();
        let ends = streams.wait_for(|ends| ends.completed + ends.abandoned >= count).await.map(|ends| *ends);
        ends.unwrap_or_default()
    }

    /// Empties the log.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_rules_parse_from_the_documented_json() {
        let cases = [
            (
                r#"{"fault":{"kind":"http_error","type":"ThrottlingException"}}"#,
                Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None },
            ),
            (r#"{"fault":{"kind":"delay_headers","ms":5}}"#, Fault::DelayHeaders { ms: 5 }),
            (r#"{"fault":{"kind":"delay_events","ms":5}}"#, Fault::DelayEvents { ms: 5 }),
            (
                r#"{"fault":{"kind":"exception_after","events":2,"type":"throttlingException"}}"#,
                Fault::ExceptionAfter { events: 2, exception_type: "throttlingException".into(), message: None },
            ),
            (r#"{"fault":{"kind":"truncate_after","events":1}}"#, Fault::TruncateAfter { events: 1 }),
            (r#"{"fault":{"kind":"corrupt_crc","event":0}}"#, Fault::CorruptCrc { event: 0 }),
            (r#"{"fault":{"kind":"connection_reset"}}"#, Fault::ConnectionReset),
            (r#"{"fault":{"kind":"hang"}}"#, Fault::Hang),
            (r#"{"fault":{"kind":"hold"}}"#, Fault::Hold),
            (r#"{"fault":{"kind":"hold_after","events":2}}"#, Fault::HoldAfter { events: 2 }),
        ];
        for (json, fault) in cases {
            let rule: FaultRule = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(rule, FaultRule::new(fault));
        }
        assert!(serde_json::from_str::<FaultRule>(r#"{"fault":{"kind":"explode"}}"#).is_err());
    }

    #[test]
    fn queue_matches_by_operation_model_and_stream_kind() {
        let queue = FaultQueue::default();
        queue.push(FaultRule::new(Fault::TruncateAfter { events: 0 }));
        queue.push(FaultRule::new(Fault::Hang).operation("Converse").model("m").times(2));
        let converse = FaultTarget { operation: "Converse", models: &["m"], streaming: false };
        let other = FaultTarget { operation: "Converse", models: &["x"], streaming: false };
        assert_eq!(queue.take(other), None);
        assert_eq!(queue.take(converse), Some(Fault::Hang));
        assert_eq!(queue.take(converse), Some(Fault::Hang));
        assert_eq!(queue.take(converse), None);
        let stream = FaultTarget { operation: "ConverseStream", models: &[], streaming: true };
        assert_eq!(queue.take(stream), Some(Fault::TruncateAfter { events: 0 }));
        assert!(queue.pending().is_empty());
    }
}
