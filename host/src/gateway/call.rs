//! The call layer: every client API's request takes the same steps, written once and blind to
//! the API that asked.
//!
//! 1. **admit**: a request slot (`--max-in-flight`; past it, 503).
//! 2. **route**: the serving plan's route for the model, else the policy's `resolve` in a fresh
//!    instance ([`route`]); a 0.1.0 policy decides inside its own `chat` ([`policy_chat`]).
//! 3. **send**: the upstream call on the route, its fallback chain run by the host
//!    ([`crate::plan::call`]), whole or streamed.
//! 4. **account**: the answering model, first token, usage and finish reason, recorded here at
//!    these fixed points (metrics and the request's [`Observation`]), never by an API.
//!
//! An API (`openai/`, `anthropic/`, `embeddings/`) parses its body into a request that
//! implements [`ChatApi`] (the upstream form, the 0.1.0 form, how to render the answer) and
//! hands it to [`serve`] with its [`ErrorShape`]. A new API is a new folder and a route line.

pub(super) mod models;
pub(super) mod policy_chat;
mod send;
pub(in crate::gateway) mod single_call;
pub(in crate::gateway) mod stream;
mod upstream;

use send::{Sending, send_streamed, send_whole, set_headers};
use upstream::Resolved;
pub(super) use upstream::{ApiUpstream, ConverseOnly, Relayed, Step};

use super::errors::HttpError;
use super::keys::Lease;
use super::response_body::Body;
use super::{Reply, Shared, error_class, json_bytes_response, json_response};
use crate::aws::model::{ConverseResponse, InvokeResponse, Usage};
use crate::capability::BedrockAccess;
use crate::plan::call::{self, Answer, BuildUpstream, RoutedStream};
use crate::plan::{Route, Serving};

use crate::telemetry::request::{Observation, Operation};
use crate::types::{ChatRequest, ConfigSource};
use hyper::Response;
use hyper::body::Incoming;
use policy_chat::{Collector, PolicyEvents};
use std::sync::Arc;
use std::time::Instant;
use stream::{Encoder, EventFrames, Routed};
use tokio::sync::OwnedSemaphorePermit;

/// A parsed chat request of some API (OpenAI chat completions, Anthropic messages): what the
/// call layer needs of it, and how its answer is rendered.
pub(super) trait ChatApi: Asked + Send + 'static {
    /// Renders the answer in the API's shape.
    type Render: Render;
    /// The model as the client named it (`None`: the config's default).
    fn model(&self) -> Option<&str>;
    /// The max tokens the client asked for, if any (telemetry's requested max tokens).
    fn max_tokens(&self) -> Option<u32>;
    /// Whether `route` can serve this request (reasoning asked of a model without it: 400).
    fn check_route(&mut self, route: &Route) -> Result<(), HttpError>;
    /// Lowers the max tokens asked to `limit`, the routed model's maximum, when more was asked
    /// ([`clamp`]); what was asked and the limit, when it did.
    fn clamp_max_tokens(&mut self, limit: u32) -> Option<Clamped>;
    /// Whether at most one tool call per turn was asked for ([`single_call`]).
    fn single_tool_call(&self) -> bool {
        false
    }
    /// Builds each attempt's upstream request (the fallback chain asks once per target).
    type Upstream: ApiUpstream;
    /// The upstream builder for a routing plan's route, and the render of its answer.
    fn into_upstream(self) -> (Self::Upstream, Self::Render);
    /// The request a 0.1.0 policy's `chat` takes, or a 400 naming what its contract lacks.
    fn into_policy_chat(self, config: &ConfigSource) -> Result<(ChatRequest, Self::Render), HttpError>;
}

/// A max tokens lowered to the routed model's maximum: what was asked, and the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Clamped {
    pub asked: u32,
    pub limit: u32,
}

/// The response header naming a clamp: `openclaw-max-tokens-clamped: 128000->64000`.
pub const MAX_TOKENS_CLAMPED_HEADER: &str = "openclaw-max-tokens-clamped";

/// Lowers `asked` to `limit` when it is above: frameworks send the largest output their own
/// tables give a model (128,000 for Claude Sonnet 4.6), above what Bedrock takes for it (64,000),
/// and Bedrock refuses the call; the model cannot write more than its maximum anyway, so the
/// answer is the same. Less than the maximum is left as asked.
pub(super) fn clamp(asked: &mut u32, limit: u32) -> Option<Clamped> {
    (*asked > limit).then(|| {
        let clamped = Clamped { asked: *asked, limit };
        *asked = limit;
        clamped
    })
}

/// An API's answer: whole, or its stream encoder.
pub(super) trait Render: Send + 'static {
    /// Turns stream events into the API's frames.
    type Encoder: Encoder;
    /// The whole answer; `target` is the model that answered (after any fallback).
    fn whole(self, target: &str, response: ConverseResponse) -> serde_json::Value;
    /// The stream encoder; `target` is the model answering.
    fn encoder(self, target: String) -> Self::Encoder;
    /// The whole answer of an InvokeModel call, with what it tells the accounting. Only an API
    /// whose [`ApiUpstream`] builds InvokeModel requests receives one; the others answer that
    /// this API never asks for it.
    fn whole_invoked(&self, target: &str, response: InvokeResponse) -> Result<Relayed, HttpError> {
        let _ = (target, response);
        Err(HttpError::new(500, "api_error", "this API never calls InvokeModel"))
    }
    /// Headers of the API's own to add to the response, read once the answering attempt is
    /// known (before a stream's 200).
    fn headers(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

/// The error shape of the API a client called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ErrorShape {
    /// `{"error": {"message", "type", "param", "code"}}` ([`HttpError::body`]).
    OpenAi,
    /// `{"type": "error", "error": {"type", "message"}}` with Anthropic's statuses.
    Anthropic,
    /// `{"message"}` with the exception's name in `x-amzn-ErrorType`, as the AWS SDKs read
    /// Bedrock's errors ([`super::bedrock`]).
    Bedrock,
}

impl ErrorShape {
    /// The response for `error` in this shape.
    pub(super) fn response(self, error: &HttpError) -> Response<Body> {
        match self {
            Self::OpenAi => json_response(error.status, &error.body()),
            Self::Anthropic => {
                let (status, body) = super::anthropic::error_json(error);
                let mut response = json_response(status, &body);
                // Anthropic's clients retry what this header does not forbid (the vendor's
                // gateway contract: 401 and 501 are final).
                if matches!(status, 401 | 501) {
                    response.headers_mut().insert("x-should-retry", hyper::header::HeaderValue::from_static("false"));
                }
                response
            }
            Self::Bedrock => {
                let mut response = json_response(error.status, &super::bedrock::error_json(error));
                let kind = hyper::header::HeaderValue::from_static(super::bedrock::error_type(error));
                response.headers_mut().insert(super::bedrock::ERROR_TYPE_HEADER, kind);
                response
            }
        }
    }

    /// A missing or wrong client key, in the API's words.
    pub(super) fn unauthorized(self) -> HttpError {
        match self {
            Self::OpenAi => HttpError::unauthorized(),
            Self::Anthropic => super::anthropic::unauthorized(),
            Self::Bedrock => super::bedrock::unauthorized(),
        }
    }

    /// An error response, its class recorded.
    pub(super) fn reject(self, observation: &mut Observation, error: HttpError) -> Reply {
        observation.failed(error_class(&error));
        (self.response(&error), String::new())
    }
}

/// What telemetry records of every parsed request before it is served.
pub(super) trait Asked {
    /// The kind of operation (the GenAI `gen_ai.operation.name`).
    const OPERATION: Operation = Operation::Chat;
    /// The model as the client wrote it (the metrics label; may be empty).
    fn asked_model(&self) -> &str;
    /// Whether a stream was asked for.
    fn asked_stream(&self) -> bool {
        false
    }
}

/// Serves one request of an API: reads and converts its body with `parse` (bounded, off the
/// async workers when large: `body.rs`), records what was asked, answers it with `answer`, and
/// shapes any error as the API does. The model label for metrics comes back with the response.
pub(super) async fn serve<T: Asked + Send + 'static>(
    shared: &Arc<Shared>,
    request: hyper::Request<Incoming>,
    observation: &mut Observation,
    shape: ErrorShape,
    parse: impl FnOnce(serde_json::Value) -> Result<T, HttpError> + Send + 'static,
    answer: impl AsyncFnOnce(T, &mut Observation) -> Result<Response<Body>, HttpError>,
) -> Reply {
    let parsed = match super::body::read_converted(request, shared.max_body_bytes, parse).await {
        Ok(parsed) => parsed,
        Err(error) => return shape.reject(observation, error),
    };
    observation.operation(T::OPERATION);
    observation.asked(parsed.asked_model(), parsed.asked_stream());
    let label = parsed.asked_model().to_string();
    match answer(parsed, observation).await {
        Ok(response) => (response, label),
        Err(error) => (shape.reject(observation, error).0, label),
    }
}

/// Step 1: a request slot, held until the answer is sent (or the stream ends).
pub(super) fn admit(shared: &Shared) -> Result<OwnedSemaphorePermit, HttpError> {
    Arc::clone(&shared.permits).try_acquire_owned().map_err(|_| HttpError::busy())
}

/// What a call that answers no tokens holds until it ends: its slot, and its virtual key's lease
/// (counted against the key's requests, concurrency and models; released unspent).
pub(super) struct Held {
    _permit: OwnedSemaphorePermit,
    _lease: Option<Lease>,
}

/// Most tokens a 0.1.0 policy's chat may answer when the client names no `max_tokens` (the
/// policy decides the call: the largest output of the models the emulator and Bedrock list).
const POLICY_MAX_OUTPUT: u64 = 64_000;

/// Steps 1 and 2 for a call only a routing plan's policy can route (count_tokens,
/// embeddings): the slot, the route, and Bedrock; `no_plan` is the refusal for a 0.1.0 policy.
pub(super) async fn admit_and_route(
    shared: &Shared,
    model: &str,
    observation: &mut Observation,
    no_plan: impl FnOnce() -> HttpError,
) -> Result<(Held, Route), HttpError> {
    let permit = admit(shared)?;
    let serving = shared.control.serving();
    observation.serving(&serving);
    if !serving.policy().contract().plans() {
        return Err(no_plan());
    }
    let route = route(shared, &serving, Some(model), observation).await?;
    let lease = super::keys::admit(shared, model, &route.target, &route.fallbacks, 0).await?;
    Ok((Held { _permit: permit, _lease: lease }, route))
}

/// Bedrock access for the host's own calls (none when no credentials were configured).
pub(super) fn bedrock(shared: &Shared) -> Result<Arc<dyn BedrockAccess>, HttpError> {
    shared.control.bedrock().cloned().ok_or_else(|| HttpError::from_api(&crate::imports::no_bedrock_access()))
}

/// Step 2: the route of `model` (or of a request naming none): from the plan when it covers it
/// (no guest call), else from the policy's `resolve` in a fresh instance of the serving policy.
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
async fn resolve(shared: &Shared, serving: &Arc<Serving>, model: Option<&str>) -> Result<Route, HttpError> {
    let mut instance = shared.control.instance(serving).await.map_err(|e| policy_chat::policy_failed(shared, &e))?;
    match instance.resolve(serving.config(), model).await {
        Err(error) => Err(policy_chat::policy_failed(shared, &error)),
        Ok(Err(error)) => Err(HttpError::from_api(&error)),
        Ok(Ok(resolution)) => {
            if resolution.remember {
                serving.remember(model, &resolution.route);
            }
            Ok(resolution.route)
        }
    }
}

/// Where a chat request's answer comes from once it is routed.
enum Source {
    /// Bedrock, on a plan's route (the host runs the fallback chain).
    Routed { bedrock: Arc<dyn BedrockAccess>, route: Route, build: Box<dyn BuildUpstream>, timeout: std::time::Duration },
    /// A 0.1.0 policy's `chat`, every event passing through the guest.
    Policy(Box<PolicyEvents>),
}

/// Answers a chat request of any API: admit, route, send, account. A streamed answer takes
/// `observation` with it and finishes it when the stream ends.
pub(super) async fn chat<R: ChatApi>(
    shared: &Arc<Shared>,
    mut request: R,
    started: Instant,
    observation: &mut Observation,
) -> Result<Response<Body>, HttpError> {
    let permit = admit(shared)?;
    let serving = shared.control.serving();
    observation.serving(&serving);
    let stream = request.asked_stream();
    let lease;
    let single_tool_call = request.single_tool_call();
    let mut clamped = None;
    let (upstream, render) = if serving.policy().contract().plans() {
        let route = route(shared, &serving, request.model(), observation).await?;
        request.check_route(&route)?;
        // The route's max tokens is the policy's figure for its model (known-models table,
        // discovery): the largest output Bedrock takes for it.
        clamped = request.clamp_max_tokens(route.max_tokens);
        let bedrock = bedrock(shared)?;
        let max_tokens = request.max_tokens();
        lease = super::keys::admit(shared, request.asked_model(), &route.target, &route.fallbacks, u64::from(max_tokens.unwrap_or(route.max_tokens))).await?;
        let (api, render) = request.into_upstream();
        // Every request depends on the model its target runs (the Claude body, reasoning,
        // sampling): application profiles are looked up (targets named by shape cost nothing).
        let models = models::TargetModels::of(&serving, &route, bedrock.as_ref()).await;
        observation.calling(&route.target, &route.region, Some(max_tokens.unwrap_or(route.max_tokens)));
        let build = Box::new(Resolved { api, models, guardrail: shared.guardrail.clone() });
        (Source::Routed { bedrock, route, build, timeout: shared.request_timeout }, render)
    } else {
        // A 0.1.0 policy calls Bedrock itself, where the operator's guardrail cannot be put:
        // refused rather than answered without it.
        if shared.guardrail.is_some() {
            return Err(HttpError::new(
                503,
                "api_error",
                "the gateway's guardrail cannot be applied to a 0.1.0 policy's chat (the policy calls Bedrock itself); serve a 0.2.0 or later policy",
            ));
        }
        let asked = request.asked_model().to_string();
        lease = super::keys::admit(shared, &asked, &asked, &[], request.max_tokens().map_or(POLICY_MAX_OUTPUT, u64::from)).await?;
        let (chat, render) = request.into_policy_chat(serving.config())?;
        // The policy decides inside its `chat`: the decision's span covers starting that call.
        let decision = observation.deciding();
        let started_chat = PolicyEvents::start(shared, &serving, &chat).await;
        observation.decided(decision, true, started_chat.as_ref().err().map(error_class));
        (Source::Policy(Box::new(started_chat?)), render)
    };
    let sending = Sending { shared, permit, lease, started, observation, single_tool_call };
    let mut response = if stream { send_streamed(upstream, render, sending).await? } else { send_whole(upstream, render, sending).await? };
    set_policy_header(&mut response, serving.policy().info_line());
    if let Some(Clamped { asked, limit }) = clamped {
        set_headers(&mut response, vec![(MAX_TOKENS_CLAMPED_HEADER, format!("{asked}->{limit}"))]);
    }
    Ok(response)
}

/// Tokens used, recorded.
pub(super) fn account_usage(shared: &Shared, observation: &mut Observation, usage: &Usage) {
    shared.metrics.tokens(usage.input_tokens, usage.output_tokens);
    observation.usage(usage);
}

/// `openclaw-policy: <name> <version> ...`: which policy served the response.
pub(super) fn set_policy_header(response: &mut Response<Body>, policy: &str) {
    if let Ok(value) = hyper::header::HeaderValue::from_str(policy) {
        response.headers_mut().insert(super::POLICY_HEADER, value);
    }
}
