//! Anthropic's Messages API: `POST /v1/messages` (whole, or streamed with Anthropic's own
//! events) and `POST /v1/messages/count_tokens` (Bedrock's CountTokens), for the `anthropic`
//! SDKs, Claude Code and the agent frameworks that speak it.
//!
//! A request is read field by field ([`request`], [`content`]) into a Converse request and served
//! by the call layer like a chat completion (the plan's route for the client's model name, else the policy's
//! `resolve`: the policy maps `claude-sonnet-4-6` and the configured aliases to the Bedrock
//! model or profile), and answered from the Converse response ([`response`]) or stream
//! ([`events`]). Errors, before and after the 200, are in Anthropic's shape with Anthropic's
//! statuses ([`error_json`]). A 0.1.0 policy (no routing plan) serves plain requests through
//! its `chat` and refuses what its contract lacks ([`chat_api`]).

mod chat_api;
mod content;
pub mod events;
pub mod native;
mod request;
mod response;

use super::api::{Access, Api, Path};
use super::call::{self, ErrorShape};
use super::errors::HttpError;
use super::{Reply, Shared, json_response};
use crate::aws::model::InvokeRequest;
use crate::plan::call::Aim;
use crate::telemetry::request::Observation;
use hyper::body::Incoming;
use hyper::{Method, Request};
use request::{Endpoint, MessagesRequest};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

/// The Messages API: messages and count_tokens; every error under `/v1/messages/` in
/// Anthropic's shape.
pub(super) static API: Api = Api {
    shape: ErrorShape::Anthropic,
    prefix: Some("/v1/messages/"),
    endpoints: &[
        super::api::Endpoint {
            path: Path::Exact("/v1/messages"),
            method: Method::POST,
            access: Access::ClientKey,
            label: "/v1/messages",
            serve: |shared, request, started, observation| Box::pin(messages(shared, request, started, observation)),
        },
        super::api::Endpoint {
            path: Path::Exact("/v1/messages/count_tokens"),
            method: Method::POST,
            access: Access::ClientKey,
            label: "/v1/messages/count_tokens",
            serve: |shared, request, _, observation| Box::pin(count_tokens(shared, request, observation)),
        },
    ],
};

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
        501 => (501, "not_supported"),
        503 | 529 => (529, "overloaded_error"),
        504 => (504, "timeout_error"),
        status @ 400..=499 => (status, "invalid_request_error"),
        _ => (500, "api_error"),
    };
    let message = match &error.upstream_text {
        Some(text) if matches!(status, 400 | 413) => text,
        _ => &error.message,
    };
    (status, json!({ "type": "error", "error": { "type": kind, "message": message } }))
}

/// A missing or wrong client key, in Anthropic's words.
pub fn unauthorized() -> HttpError {
    HttpError::new(401, "authentication_error", "invalid x-api-key: send the gateway's key as `x-api-key` or `Authorization: Bearer`")
        .with_code("invalid_api_key")
}

/// The betas of the request's `anthropic-beta` header, or its error response.
fn betas_of(request: &Request<Incoming>) -> Result<Vec<String>, HttpError> {
    native::header_betas(request.headers().get_all("anthropic-beta"))
}

/// `POST /v1/messages`; the model label for metrics comes back with the response.
async fn messages(shared: &Arc<Shared>, request: Request<Incoming>, started: Instant, observation: &mut Observation) -> Reply {
    let timeout = shared.request_timeout;
    let betas = match betas_of(&request) {
        Ok(betas) => betas,
        Err(error) => return ErrorShape::Anthropic.reject(observation, error),
    };
    let parse = move |body: Value| request::parse_request(body, Endpoint::Messages, timeout, &betas);
    call::serve(shared, request, observation, ErrorShape::Anthropic, parse, async |parsed, observation| call::chat(shared, parsed, started, observation).await)
        .await
}

/// `POST /v1/messages/count_tokens`: `{"input_tokens": N}` from Bedrock's CountTokens on the
/// model the request routes to: Claude's own body as `invokeModel` input on the foundation
/// model (profiles resolved to it), the Converse translation for the other models; a model
/// Bedrock does not count is `501 not_supported` (`x-should-retry: false`).
async fn count_tokens(shared: &Arc<Shared>, request: Request<Incoming>, observation: &mut Observation) -> Reply {
    let timeout = shared.request_timeout;
    let betas = match betas_of(&request) {
        Ok(betas) => betas,
        Err(error) => return ErrorShape::Anthropic.reject(observation, error),
    };
    let parse = move |body: Value| request::parse_request(body, Endpoint::CountTokens, timeout, &betas);
    call::serve(shared, request, observation, ErrorShape::Anthropic, parse, async |parsed, observation| {
        let tokens = count(shared, parsed, observation).await?;
        Ok(json_response(200, &json!({ "input_tokens": tokens })))
    })
    .await
}

/// A 0.1.0 policy cannot count tokens: its contract has no CountTokens.
fn needs_plan() -> HttpError {
    HttpError::invalid("", "count_tokens needs a policy with a routing plan (contract 0.2.0 or later); the serving policy is a 0.1.0 one")
}

async fn count(shared: &Arc<Shared>, parsed: MessagesRequest, observation: &mut Observation) -> Result<u32, HttpError> {
    let (_permit, route) = call::admit_and_route(shared, &parsed.model, observation, needs_plan).await?;
    let bedrock = call::bedrock(shared)?;
    let model = call::models::TargetModels::of(&shared.control.serving(), &route, bedrock.as_ref()).await.model_of(&route.target);
    observation.calling(&route.target, &route.region, None);
    let counted = match native::table::row(&model) {
        Some(row) => {
            let aim = Aim { target: &model, region: &route.region, max_tokens: route.max_tokens, timeout: shared.request_timeout, last: true };
            let body = parsed.native.counted(row, &aim);
            let request = InvokeRequest {
                model_id: model.clone(),
                region: route.region.clone(),
                body,
                content_type: "application/json".into(),
                accept: "application/json".into(),
                timeout: shared.request_timeout,
            };
            bedrock.count_tokens_invoke(request).await
        }
        None => {
            let mut converse = parsed.into_translated()?;
            check_thinking(&route.target, &converse)?;
            crate::plan::call::aim_at_route(&mut converse, &route);
            bedrock.count_tokens(converse).await
        }
    };
    counted.map_err(|error| match error.message.contains("doesn't support counting tokens") {
        true => not_countable(&model),
        false => HttpError::from_api(&error),
    })
}

/// A model Bedrock does not count tokens for: Anthropic's `501 not_supported`, which the
/// clients take as final (`x-should-retry: false`, set for every 501 by [`error_json`]'s
/// callers).
fn not_countable(model: &str) -> HttpError {
    HttpError::new(501, "not_supported", format!("Bedrock does not count tokens for {model}"))
}

/// Thinking asked of a model that has no reasoning control on Bedrock (the route decides which
/// model answers; `model` is its target or foundation model) is the client's 400 naming
/// `thinking`, before any call.
pub(super) fn check_thinking(model: &str, converse: &crate::aws::model::ConverseRequest) -> Result<(), HttpError> {
    match &converse.options.reasoning {
        Some(reasoning) => crate::aws::reasoning::check(model, reasoning, converse.inference.max_tokens).map_err(|error| content::invalid("thinking", error)),
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
