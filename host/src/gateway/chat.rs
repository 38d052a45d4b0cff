//! `POST /v1/chat/completions`: one fresh policy instance per request, answered whole or as
//! server-sent events.

use super::errors::{HttpError, guest_failure_kind};
use super::openai::{Collected, Completion, parse_completion};
use super::sse::{Body, ChunkEncoder, error_event};
use super::{Reply, Shared, json_response};
use crate::aws::model::StreamEvent;
use crate::runtime::{ChatStream, PolicyError};
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};
use tokio::sync::mpsc;

/// Frames buffered between the policy task and the connection.
const STREAM_BUFFER: usize = 32;

/// Handles one chat request; the model label for metrics comes back with the response.
pub async fn chat(shared: &Arc<Shared>, request: Request<Incoming>, started: Instant) -> Reply {
    let completion = match read_completion(shared, request).await {
        Ok(completion) => completion,
        Err(error) => return (error.into(), String::new()),
    };
    let model = completion.model.clone();
    let response = match start(shared, completion, started).await {
        Ok(response) => response,
        Err(error) => error.into(),
    };
    (response, model)
}

async fn read_completion(shared: &Shared, request: Request<Incoming>) -> Result<Completion, HttpError> {
    let headers = request.headers();
    if let Some(content_type) = headers.get(hyper::header::CONTENT_TYPE) {
        let media = content_type.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if media != "application/json" {
            return Err(HttpError::new(415, "invalid_request_error", "the body must be JSON (Content-Type: application/json)").with_code("unsupported_media_type"));
        }
    }
    let declared = headers.get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // The bounds `Gateway::serve` hands every request; a request from elsewhere gets its own.
    let limits = request.extensions().get::<super::body::BodyLimits>().cloned();
    let limits = limits.unwrap_or_else(|| super::body::BodyLimits::new(std::time::Duration::from_secs(60), shared.max_body_bytes, shared.max_body_bytes));
    let body = super::body::read(request.into_body(), declared, shared.max_body_bytes, &limits).await.map_err(|e| e.into_http(shared.max_body_bytes))?;
    let value: serde_json::Value = serde_json::from_slice(&body.bytes)
        .map_err(|error| HttpError::new(400, "invalid_request_error", format!("the body is not valid JSON: {error}")).with_code("invalid_json"))?;
    parse_completion(&value, shared.config.load().as_ref().clone(), shared.request_timeout)
}

/// A policy failure: counted, then answered with a 500.
fn policy_failed(shared: &Shared, error: &PolicyError) -> HttpError {
    if let Some(kind) = guest_failure_kind(error) {
        shared.metrics.guest_failure(kind);
    }
    HttpError::from_policy(error)
}

async fn start(shared: &Arc<Shared>, completion: Completion, started: Instant) -> Result<Response<Body>, HttpError> {
    let Ok(permit) = Arc::clone(&shared.permits).try_acquire_owned() else {
        return Err(HttpError::busy());
    };
    let instance = shared.host.instance_with(shared.capabilities.clone()).await.map_err(|e| policy_failed(shared, &e))?;
    let policy = instance.policy().map(|p| p.info().to_string()).unwrap_or_default();
    let mut stream = match instance.chat(&completion.request).await {
        Err(error) => return Err(policy_failed(shared, &error)),
        Ok(Err(error)) => return Err(HttpError::from_api(&error)),
        Ok(Ok(stream)) => stream,
    };
    let model = if completion.model.is_empty() { stream.target().await.map_err(|e| policy_failed(shared, &e))? } else { completion.model.clone() };
    let (id, created) = (completion_id(), unix_now());
    let mut first_token = FirstToken { started, seen: false };
    if !completion.stream {
        let mut collected = Collected::default();
        while let Some(event) = next_event(shared, &mut stream).await? {
            first_token.check(shared, &event);
            collected.push(event);
        }
        if let Some(usage) = collected.usage {
            shared.metrics.tokens(usage.input_tokens, usage.output_tokens);
        }
        drop(permit);
        let mut response = json_response(200, &collected.response(&id, created, &model));
        set_policy_header(&mut response, &policy);
        return Ok(response);
    }
    // Wait for the first event before committing to a 200, so an error the call starts with
    // (unknown model, throttling, ...) still gets its own status.
    let first = next_event(shared, &mut stream).await?;
    let mut encoder = ChunkEncoder::new(id, created, model, completion.include_usage);
    let (sender, receiver) = mpsc::channel::<Bytes>(STREAM_BUFFER);
    let task_shared = Arc::clone(shared);
    shared.metrics.stream_open(1);
    tokio::spawn(async move {
        let _permit = permit;
        let mut event = first;
        loop {
            let Some(current) = event.take() else {
                let _ = sender.send(encoder.done()).await;
                break;
            };
            first_token.check(&task_shared, &current);
            if let StreamEvent::Metadata { usage, .. } = &current {
                task_shared.metrics.tokens(usage.input_tokens, usage.output_tokens);
            }
            if let Some(frame) = encoder.event(current)
                && sender.send(frame).await.is_err()
            {
                tracing::debug!("client went away; the stream is dropped");
                break;
            }
            match next_event(&task_shared, &mut stream).await {
                Ok(next) => event = next,
                Err(error) => {
                    let _ = sender.send(error_event(&error)).await;
                    break;
                }
            }
        }
        task_shared.metrics.stream_open(-1);
    });
    let mut response = Response::new(Body::Channel(receiver));
    let headers = response.headers_mut();
    headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/event-stream"));
    headers.insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-cache"));
    set_policy_header(&mut response, &policy);
    Ok(response)
}

/// The next event, with both kinds of failure as an [`HttpError`].
async fn next_event(shared: &Shared, stream: &mut ChatStream) -> Result<Option<StreamEvent>, HttpError> {
    match stream.next().await {
        Ok(Ok(event)) => Ok(event),
        Ok(Err(error)) => Err(HttpError::from_api(&error)),
        Err(error) => Err(policy_failed(shared, &error)),
    }
}

/// Records the time to the first generated text or tool call, once.
struct FirstToken {
    started: Instant,
    seen: bool,
}

impl FirstToken {
    fn check(&mut self, shared: &Shared, event: &StreamEvent) {
        if !self.seen && matches!(event, StreamEvent::TextDelta { .. } | StreamEvent::ToolUseStart { .. } | StreamEvent::ReasoningDelta { .. }) {
            self.seen = true;
            shared.metrics.first_token(self.started.elapsed());
        }
    }
}

/// `openclaw-policy: <name> <version> ...`: which policy served the response.
fn set_policy_header(response: &mut Response<Body>, policy: &str) {
    if let Ok(value) = hyper::header::HeaderValue::from_str(policy) {
        response.headers_mut().insert("openclaw-policy", value);
    }
}

/// A unique response id, `chatcmpl-` and 24 hex digits.
fn completion_id() -> String {
    use std::hash::BuildHasher;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let hash = std::collections::hash_map::RandomState::new().hash_one((count, SystemTime::now()));
    format!("chatcmpl-{hash:016x}{:08x}", count as u32)
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
