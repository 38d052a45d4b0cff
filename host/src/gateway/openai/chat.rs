//! `POST /v1/chat/completions` over the call layer: a parsed [`Completion`] is a [`ChatApi`]
//! request, answered whole (`chat.completion`) or as `chat.completion.chunk` events.

use super::chunks::ChunkEncoder;
use super::{Collected, Completion, parse_completion};
use crate::aws::model::ConverseResponse;
use crate::gateway::api::{Access, Api, Endpoint, Path};
use crate::gateway::call::{self, Asked, ChatApi, Clamped, ConverseOnly, ErrorShape, Render};
use crate::gateway::errors::HttpError;
use crate::gateway::{Reply, Shared};
use crate::plan::Route;
use crate::telemetry::request::Observation;
use crate::types::{ChatRequest, ConfigSource};
use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

/// Chat Completions: one endpoint, errors in OpenAI's shape.
pub(in crate::gateway) static API: Api = Api {
    shape: ErrorShape::OpenAi,
    prefix: None,
    endpoints: &[Endpoint {
        path: Path::Exact("/v1/chat/completions"),
        method: Method::POST,
        access: Access::ClientKey,
        label: "/v1/chat/completions",
        serve: |shared, request, started, observation| Box::pin(chat(shared, request, started, observation)),
    }],
};

/// Handles one chat request; the model label for metrics comes back with the response.
async fn chat(shared: &Arc<Shared>, request: Request<Incoming>, started: Instant, observation: &mut Observation) -> Reply {
    let (timeout, prompt_cache) = (shared.request_timeout, shared.prompt_cache);
    let parse = move |body: Value| parse_completion(&body, timeout, prompt_cache);
    call::serve(shared, request, observation, ErrorShape::OpenAi, parse, async |completion, observation| {
        call::chat(shared, completion, started, observation).await
    })
    .await
}

impl Asked for Completion {
    fn asked_model(&self) -> &str {
        &self.model
    }

    fn asked_stream(&self) -> bool {
        self.stream
    }
}

impl ChatApi for Completion {
    type Render = CompletionRender;
    type Upstream = ConverseOnly;

    fn model(&self) -> Option<&str> {
        self.request.model.as_deref()
    }

    fn max_tokens(&self) -> Option<u32> {
        self.request.max_tokens
    }

    fn clamp_max_tokens(&mut self, limit: u32) -> Option<Clamped> {
        call::clamp(self.request.max_tokens.as_mut()?, limit)
    }

    fn single_tool_call(&self) -> bool {
        self.options.single_tool_call
    }

    fn check_route(&mut self, route: &Route) -> Result<(), HttpError> {
        let Some(reasoning) = &self.options.reasoning else { return Ok(()) };
        let max_tokens = self.request.max_tokens.unwrap_or(route.max_tokens);
        crate::aws::reasoning::check(&route.target, reasoning, Some(max_tokens)).map_err(|error| HttpError::invalid(self.reasoning_param, error.to_string()))
    }

    fn into_upstream(self) -> (ConverseOnly, CompletionRender) {
        let render = CompletionRender::new(self.include_usage);
        (ConverseOnly(Some(self.request.converse_request(self.options))), render)
    }

    fn into_policy_chat(mut self, config: &ConfigSource) -> Result<(ChatRequest, CompletionRender), HttpError> {
        if let Some(param) = self.beyond_contract.take() {
            return Err(HttpError::invalid(
                param.clone(),
                format!("`{param}` cannot be served: the serving policy's contract (0.1.0) lacks it; serve a 0.2.0 policy to use it"),
            ));
        }
        self.request.config = config.clone();
        Ok((self.request, CompletionRender::new(self.include_usage)))
    }
}

/// A completion's id and creation time, and whether its stream reports usage.
pub(in crate::gateway) struct CompletionRender {
    id: String,
    created: u64,
    include_usage: bool,
}

impl CompletionRender {
    fn new(include_usage: bool) -> Self {
        Self { id: completion_id(), created: unix_now(), include_usage }
    }
}

impl Render for CompletionRender {
    type Encoder = ChunkEncoder;

    /// The model that answered (after any fallback), as OpenAI names the snapshot that served.
    fn whole(self, target: &str, response: ConverseResponse) -> Value {
        Collected::from(response).response(&self.id, self.created, target)
    }

    fn encoder(self, target: String) -> ChunkEncoder {
        ChunkEncoder::new(self.id, self.created, target, self.include_usage)
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
