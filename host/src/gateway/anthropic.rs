//! Anthropic's Messages API: `POST /v1/messages` (whole, or streamed with Anthropic's own
//! events) and `POST /v1/messages/count_tokens` (Bedrock's CountTokens), for the `anthropic`
//! SDKs, Claude Code and the agent frameworks that speak it.
//!
//! A request is read field by field ([`request`], [`content`]) into a Converse request, routed
//! like a chat completion (the plan's route for the client's model name, else the policy's
//! `resolve`: the policy maps `claude-sonnet-4-6` and the configured aliases to the Bedrock
//! model or profile), and answered from the Converse response ([`response`]) or stream
//! ([`events`]). Errors, before and after the 200, are in Anthropic's shape with Anthropic's
//! statuses ([`error_json`]). A 0.1.0 policy (no routing plan) serves plain requests through
//! its `chat` ([`in_policy`]) and refuses what its contract lacks.

mod content;
pub mod events;
mod in_policy;
mod request;
mod response;

use super::chat::{Routed, route, set_policy_header};
use super::errors::HttpError;
use super::sse::Body;
use super::stream::EventFrames;
use super::{Reply, Shared, error_class, json_response};
use crate::plan::call::{self, RoutedStream};
use crate::telemetry::request::Observation;
use events::MessageEncoder;
use hyper::Request;
use hyper::body::Incoming;
use request::{Endpoint, MessagesRequest};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

/// `POST /v1/messages`.
pub const MESSAGES_PATH: &str = "/v1/messages";
/// `POST /v1/messages/count_tokens`.
pub const COUNT_TOKENS_PATH: &str = "/v1/messages/count_tokens";

/// Whether a path is the Messages API's (its errors are then in Anthropic's shape).
pub fn is_messages_path(path: &str) -> bool {
    path == MESSAGES_PATH || path.starts_with("/v1/messages/")
}

/// Anthropic's status and body for a gateway error: `{"type": "error", "error": {"type",
/// "message"}}`. Statuses as Anthropic uses them: an overloaded Bedrock (or a full gateway) is
/// 529 `overloaded_error`, an upstream failure 500 `api_error`, a timeout 504 `timeout_error`.
pub fn error_json(error: &HttpError) -> (u16, Value) {
    let (status, kind) = match error.status {
        401 => (401, "authentication_error"),
        403 => (403, "permission_error"),
        404 => (404, "not_found_error"),
        413 => (413, "request_too_large"),
        429 => (429, "rate_limit_error"),
        503 | 529 => (529, "overloaded_error"),
        504 => (504, "timeout_error"),
        status @ 400..=499 => (status, "invalid_request_error"),
        _ => (500, "api_error"),
    };
    (status, json!({ "type": "error", "error": { "type": kind, "message": error.message } }))
}

/// An error response in Anthropic's shape, its class recorded.
pub fn reject(observation: &mut Observation, error: HttpError) -> Reply {
    observation.failed(error_class(&error));
    (error_response(&error), String::new())
}

fn error_response(error: &HttpError) -> hyper::Response<Body> {
    let (status, body) = error_json(error);
    json_response(status, &body)
}

/// A missing or wrong client key, in Anthropic's words.
pub fn unauthorized() -> HttpError {
    HttpError::new(401, "authentication_error", "invalid x-api-key: send the gateway's key as `x-api-key` or `Authorization: Bearer`")
        .with_code("invalid_api_key")
}

/// Reads and parses a request for `endpoint`.
async fn read_request(shared: &Shared, request: Request<Incoming>, endpoint: Endpoint) -> Result<MessagesRequest, HttpError> {
    let timeout = shared.request_timeout;
    super::body::read_converted(request, shared.max_body_bytes, move |value| request::parse(&value, endpoint, timeout)).await
}

/// `POST /v1/messages`; the model label for metrics comes back with the response.
pub async fn messages(shared: &Arc<Shared>, request: Request<Incoming>, started: Instant, observation: &mut Observation) -> Reply {
    let parsed = match read_request(shared, request, Endpoint::Messages).await {
        Ok(parsed) => parsed,
        Err(error) => return reject(observation, error),
    };
    observation.asked(&parsed.model, parsed.stream);
    let model = parsed.model.clone();
    match answer(shared, parsed, started, observation).await {
        Ok(response) => (response, model),
        Err(error) => {
            let (response, _) = reject(observation, error);
            (response, model)
        }
    }
}

/// A 0.1.0 policy cannot count tokens: its contract has no CountTokens.
fn needs_plan() -> HttpError {
    HttpError::invalid("", "count_tokens needs a policy with a routing plan (contract 0.2.0 or later); the serving policy is a 0.1.0 one")
}

async fn answer(shared: &Arc<Shared>, parsed: MessagesRequest, started: Instant, observation: &mut Observation) -> Result<hyper::Response<Body>, HttpError> {
    let Ok(permit) = Arc::clone(&shared.permits).try_acquire_owned() else {
        return Err(HttpError::busy());
    };
    let serving = shared.planner.current();
    observation.serving(&serving);
    if !serving.policy().contract().plans() {
        return in_policy::answer(shared, &serving, parsed.model, parsed.stream, parsed.converse, started, permit, observation).await;
    }
    let route = route(shared, &serving, Some(&parsed.model), observation).await?;
    check_thinking(&route.target, &parsed.converse)?;
    let Some(bedrock) = shared.bedrock.clone() else {
        return Err(HttpError::from_api(&crate::imports::no_bedrock_access()));
    };
    let policy = serving.policy().info_line();
    let MessagesRequest { model, stream, converse } = parsed;
    let stop_sequences = converse.inference.stop_sequences.clone();
    observation.calling(&route.target, &route.region, converse.inference.max_tokens);
    let id = message_id();
    if !stream {
        let whole = call::converse(bedrock.as_ref(), &route, converse).await.map_err(|error| HttpError::from_api(&error))?;
        drop(permit);
        shared.metrics.first_token(started.elapsed());
        observation.first_token(started.elapsed());
        observation.answered(&whole.target, &route.region);
        observation.finish_reason(&whole.response.stop_reason);
        let usage = whole.response.usage;
        shared.metrics.tokens(usage.input_tokens, usage.output_tokens);
        observation.usage(&usage);
        let mut response = json_response(200, &response::message(&id, &model, &whole.response, &stop_sequences));
        set_policy_header(&mut response, policy);
        return Ok(response);
    }
    let mut stream = RoutedStream::start(bedrock, &route, converse).await.map_err(|error| HttpError::from_api(&error))?;
    // The first event before the 200, so a failure the call starts with keeps its status.
    let first = stream.next().await.map_err(|error| HttpError::from_api(&error))?;
    observation.answered(stream.target(), stream.region());
    let encoder = MessageEncoder::new(id, model, stop_sequences);
    let mut response = EventFrames::respond(shared, permit, encoder, first, started, Routed(stream), observation.take());
    set_policy_header(&mut response, policy);
    Ok(response)
}

/// `POST /v1/messages/count_tokens`: `{"input_tokens": N}` from Bedrock's CountTokens on the
/// model the request routes to.
pub async fn count_tokens(shared: &Arc<Shared>, request: Request<Incoming>, observation: &mut Observation) -> Reply {
    let parsed = match read_request(shared, request, Endpoint::CountTokens).await {
        Ok(parsed) => parsed,
        Err(error) => return reject(observation, error),
    };
    observation.asked(&parsed.model, false);
    let model = parsed.model.clone();
    match count(shared, parsed, observation).await {
        Ok(tokens) => (json_response(200, &json!({ "input_tokens": tokens })), model),
        Err(error) => {
            let (response, _) = reject(observation, error);
            (response, model)
        }
    }
}

async fn count(shared: &Arc<Shared>, parsed: MessagesRequest, observation: &mut Observation) -> Result<u32, HttpError> {
    let Ok(_permit) = Arc::clone(&shared.permits).try_acquire_owned() else {
        return Err(HttpError::busy());
    };
    let serving = shared.planner.current();
    observation.serving(&serving);
    if !serving.policy().contract().plans() {
        return Err(needs_plan());
    }
    let route = route(shared, &serving, Some(&parsed.model), observation).await?;
    check_thinking(&route.target, &parsed.converse)?;
    let Some(bedrock) = shared.bedrock.clone() else {
        return Err(HttpError::from_api(&crate::imports::no_bedrock_access()));
    };
    let mut converse = parsed.converse;
    call::aim(&mut converse, &route);
    observation.calling(&route.target, &route.region, None);
    bedrock.count_tokens(converse).await.map_err(|error| HttpError::from_api(&error))
}

/// Thinking asked of a model that has no reasoning control on Bedrock (the route decides which
/// model answers) is the client's 400 naming `thinking`, before any call.
fn check_thinking(target: &str, converse: &crate::aws::model::ConverseRequest) -> Result<(), HttpError> {
    match &converse.options.reasoning {
        Some(reasoning) => crate::aws::reasoning::request_fields(target, reasoning, converse.inference.max_tokens)
            .map(drop)
            .map_err(|error| request::invalid("thinking", error)),
        None => Ok(()),
    }
}

/// A unique message id: `msg_` and 24 hex digits.
pub(super) fn message_id() -> String {
    use std::hash::BuildHasher;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let hash = std::collections::hash_map::RandomState::new().hash_one((count, SystemTime::now()));
    format!("msg_{hash:016x}{:08x}", count as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_take_anthropics_types_and_statuses() {
        let cases = [
            (400, 400, "invalid_request_error"),
            (401, 401, "authentication_error"),
            (403, 403, "permission_error"),
            (404, 404, "not_found_error"),
            (405, 405, "invalid_request_error"),
            (413, 413, "request_too_large"),
            (415, 415, "invalid_request_error"),
            (429, 429, "rate_limit_error"),
            (500, 500, "api_error"),
            (502, 500, "api_error"),
            (503, 529, "overloaded_error"),
            (504, 504, "timeout_error"),
        ];
        for (gateway, status, kind) in cases {
            let (got, body) = error_json(&HttpError::new(gateway, "x", "what went wrong"));
            assert_eq!((got, body["error"]["type"].as_str()), (status, Some(kind)), "{gateway}");
            assert_eq!((body["type"].as_str(), body["error"]["message"].as_str()), (Some("error"), Some("what went wrong")));
        }
    }
}
