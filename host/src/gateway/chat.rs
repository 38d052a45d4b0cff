//! `POST /v1/chat/completions`, answered whole (Converse) or as server-sent events
//! (ConverseStream).
//!
//! A policy with a routing plan (contract 0.2.0 on) is not called for a request the plan
//! covers: the host looks the model up, calls Bedrock on the route and runs its fallback
//! chain ([`crate::plan::call`]). A reference the plan does not cover is resolved by the policy
//! in a fresh instance (and remembered when the policy allows). A 0.1.0 policy serves every
//! request through its `chat` export, in a fresh instance, as before plans existed.

use super::errors::{HttpError, guest_failure_kind};
use super::openai::{Collected, Completion, parse_completion};
use super::sse::{Body, ChunkEncoder};
use super::stream::{EventFrames, EventSource};
use super::{Reply, Shared, error_class, json_response};
use crate::aws::model::{ApiError, StreamEvent};
use crate::plan::call::{self, RoutedStream};
use crate::plan::{Route, Serving};
use crate::runtime::{ChatStream, PolicyError};
use crate::telemetry::request::Observation;
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::OwnedSemaphorePermit;

/// Handles one chat request; the model label for metrics comes back with the response. A
/// streamed response takes `observation` with it and finishes it when the stream ends.
pub async fn chat(shared: &Arc<Shared>, request: Request<Incoming>, started: Instant, observation: &mut Observation) -> Reply {
    let completion = match read_completion(shared, request).await {
        Ok(completion) => completion,
        Err(error) => return super::reject(observation, error),
    };
    observation.asked(&completion.model, completion.stream);
    let model = completion.model.clone();
    let response = match start(shared, completion, started, observation).await {
        Ok(response) => response,
        Err(error) => {
            observation.failed(error_class(&error));
            error.into()
        }
    };
    (response, model)
}

async fn read_completion(shared: &Shared, request: Request<Incoming>) -> Result<Completion, HttpError> {
    let (timeout, prompt_cache) = (shared.request_timeout, shared.prompt_cache);
    super::body::read_converted(request, shared.max_body_bytes, move |value| parse_completion(&value, timeout, prompt_cache)).await
}

/// A policy failure: counted, then answered with a 500.
pub(super) fn policy_failed(shared: &Shared, error: &PolicyError) -> HttpError {
    if let Some(kind) = guest_failure_kind(error) {
        shared.metrics.guest_failure(kind);
    }
    HttpError::from_policy(error)
}

async fn start(shared: &Arc<Shared>, mut completion: Completion, started: Instant, observation: &mut Observation) -> Result<Response<Body>, HttpError> {
    let Ok(permit) = Arc::clone(&shared.permits).try_acquire_owned() else {
        return Err(HttpError::busy());
    };
    let serving = shared.planner.current();
    observation.serving(&serving);
    if !serving.policy().contract().plans() {
        if let Some(param) = completion.beyond_contract.take() {
            return Err(HttpError::invalid(
                param.clone(),
                format!("`{param}` cannot be served: the serving policy's contract (0.1.0) lacks it; serve a 0.2.0 policy to use it"),
            ));
        }
        completion.request.config = serving.config().as_ref().clone();
        return start_in_policy(shared, completion, started, permit, &serving, observation).await;
    }
    let route = route(shared, &serving, completion.request.model.as_deref(), observation).await?;
    let Some(bedrock) = shared.bedrock.clone() else {
        return Err(HttpError::from_api(&crate::imports::no_bedrock_access()));
    };
    let policy = serving.policy().info_line();
    if let Some(reasoning) = &completion.options.reasoning {
        let max_tokens = completion.request.max_tokens.unwrap_or(route.max_tokens);
        crate::aws::reasoning::request_fields(&route.target, reasoning, Some(max_tokens))
            .map_err(|error| HttpError::invalid(completion.reasoning_param, error.to_string()))?;
    }
    let request = completion.request.converse_request(completion.options);
    observation.calling(&route.target, &route.region, Some(request.inference.max_tokens.unwrap_or(route.max_tokens)));
    let (id, created) = (completion_id(), unix_now());
    if !completion.stream {
        let whole = call::converse(bedrock.as_ref(), &route, request).await.map_err(|error| HttpError::from_api(&error))?;
        drop(permit);
        shared.metrics.first_token(started.elapsed());
        observation.first_token(started.elapsed());
        // The region of the route's first step: `Whole` names only the model a fallback called.
        observation.answered(&whole.target, &route.region);
        observation.finish_reason(&whole.response.stop_reason);
        let collected = Collected::from(whole.response);
        if let Some(usage) = collected.usage {
            shared.metrics.tokens(usage.input_tokens, usage.output_tokens);
            observation.usage(&usage);
        }
        // The model that answered (after any fallback), as OpenAI names the snapshot that served.
        let model = whole.target;
        let mut response = json_response(200, &collected.response(&id, created, &model));
        set_policy_header(&mut response, policy);
        return Ok(response);
    }
    let mut stream = RoutedStream::start(bedrock, &route, request).await.map_err(|error| HttpError::from_api(&error))?;
    // Wait for the first event before committing to a 200, so an error the call starts with
    // (throttling after every fallback, a refused request, ...) still gets its own status.
    let first = stream.next().await.map_err(|error| HttpError::from_api(&error))?;
    observation.answered(stream.target(), stream.region());
    let model = stream.target().to_string();
    let encoder = ChunkEncoder::new(id, created, model, completion.include_usage);
    let mut response = EventFrames::respond(shared, permit, encoder, first, started, Routed(stream), observation.take());
    set_policy_header(&mut response, policy);
    Ok(response)
}

/// The route of `model` (or of a request naming none): from the plan when it covers it (no
/// guest call), else from the policy's `resolve` in a fresh instance of the serving policy.
pub(super) async fn route(shared: &Shared, serving: &Arc<Serving>, model: Option<&str>, observation: &mut Observation) -> Result<Route, HttpError> {
    let decision = observation.deciding();
    if let Some(route) = serving.route(model) {
        shared.metrics.routed(true);
        observation.decided(decision, false, None);
        return Ok(route);
    }
    shared.metrics.routed(false);
    let resolved = resolve(shared, serving, model).await;
    observation.decided(decision, true, resolved.as_ref().err().map(error_class));
    resolved
}

/// The policy's `resolve` for a reference the plan does not cover, in a fresh instance.
pub(super) async fn resolve(shared: &Shared, serving: &Arc<Serving>, model: Option<&str>) -> Result<Route, HttpError> {
    let mut instance = shared.host.instance_of(Arc::clone(serving.policy()), shared.planner.capabilities()).await.map_err(|e| policy_failed(shared, &e))?;
    match instance.resolve(serving.config(), model).await {
        Err(error) => Err(policy_failed(shared, &error)),
        Ok(Err(error)) => Err(HttpError::from_api(&error)),
        Ok(Ok(resolution)) => {
            if resolution.remember {
                serving.remember(model, &resolution.route);
            }
            Ok(resolution.route)
        }
    }
}

/// A 0.1.0 policy: its `chat` export serves the request in a fresh instance, every event
/// passing through the guest.
async fn start_in_policy(
    shared: &Arc<Shared>,
    completion: Completion,
    started: Instant,
    permit: OwnedSemaphorePermit,
    serving: &Serving,
    observation: &mut Observation,
) -> Result<Response<Body>, HttpError> {
    // The policy decides inside its `chat`: the decision's span covers starting that call.
    let decision = observation.deciding();
    let started_chat = chat_in_policy(shared, serving, &completion).await;
    observation.decided(decision, true, started_chat.as_ref().err().map(error_class));
    let mut stream = started_chat?;
    let policy = serving.policy().info_line();
    let model = stream.target().await.map_err(|e| policy_failed(shared, &e))?;
    let (id, created) = (completion_id(), unix_now());
    if !completion.stream {
        let mut first_token = FirstToken { started, seen: false };
        let mut collected = Collected::default();
        while let Some(event) = next_event(shared, &mut stream).await? {
            if let Some(ttft) = first_token.check(shared, &event) {
                observation.first_token(ttft);
            }
            collected.push(event);
        }
        if let Some(usage) = collected.usage {
            shared.metrics.tokens(usage.input_tokens, usage.output_tokens);
            observation.usage(&usage);
        }
        drop(permit);
        let mut response = json_response(200, &collected.response(&id, created, &model));
        set_policy_header(&mut response, policy);
        return Ok(response);
    }
    let first = next_event(shared, &mut stream).await?;
    let encoder = ChunkEncoder::new(id, created, model, completion.include_usage);
    let mut response = EventFrames::respond(shared, permit, encoder, first, started, InPolicy(Arc::clone(shared), stream), observation.take());
    set_policy_header(&mut response, policy);
    Ok(response)
}

/// A 0.1.0 policy's `chat`, started in a fresh instance.
async fn chat_in_policy(shared: &Shared, serving: &Serving, completion: &Completion) -> Result<ChatStream, HttpError> {
    let instance = shared.host.instance_of(Arc::clone(serving.policy()), shared.planner.capabilities()).await.map_err(|e| policy_failed(shared, &e))?;
    match instance.chat(&completion.request).await {
        Err(error) => Err(policy_failed(shared, &error)),
        Ok(Err(error)) => Err(HttpError::from_api(&error)),
        Ok(Ok(stream)) => Ok(stream),
    }
}

/// Bedrock's stream on a route, run by the host.
pub(super) struct Routed(pub(super) RoutedStream);

impl EventSource for Routed {
    async fn next(&mut self) -> Result<Option<StreamEvent>, HttpError> {
        self.0.next().await.map_err(|error: ApiError| HttpError::from_api(&error))
    }
}

/// A 0.1.0 policy's `chat-stream`.
pub(super) struct InPolicy(pub(super) Arc<Shared>, pub(super) ChatStream);

impl EventSource for InPolicy {
    async fn next(&mut self) -> Result<Option<StreamEvent>, HttpError> {
        next_event(&self.0, &mut self.1).await
    }
}

/// The next event, with both kinds of failure as an [`HttpError`].
pub(super) async fn next_event(shared: &Shared, stream: &mut ChatStream) -> Result<Option<StreamEvent>, HttpError> {
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
    /// Counts the time to `event` when it is the first token; that time, then.
    fn check(&mut self, shared: &Shared, event: &StreamEvent) -> Option<Duration> {
        if !self.seen && matches!(event, StreamEvent::TextDelta { .. } | StreamEvent::ToolUseStart { .. } | StreamEvent::ReasoningDelta { .. }) {
            self.seen = true;
            let ttft = self.started.elapsed();
            shared.metrics.first_token(ttft);
            return Some(ttft);
        }
        None
    }
}

/// `openclaw-policy: <name> <version> ...`: which policy served the response.
pub(super) fn set_policy_header(response: &mut Response<Body>, policy: &str) {
    if let Ok(value) = hyper::header::HeaderValue::from_str(policy) {
        response.headers_mut().insert(super::POLICY_HEADER, value);
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
