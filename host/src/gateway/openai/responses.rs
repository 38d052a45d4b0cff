//! The OpenAI Responses API over the call layer (issue 25; docs/responses-api.md), as Codex
//! CLI and the OpenAI Agents SDK speak it:
//!
//! - `POST /v1/responses`: a parsed request ([`request`]: fields, [`items`]: input items,
//!   [`tools`]) is a [`ChatApi`] request, answered whole (the `response` object, [`output`])
//!   or as the API's event stream ([`events`]); Claude's signed reasoning is carried between
//!   turns sealed ([`seal`]).
//! - `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}`, `GET
//!   /v1/responses/{id}/input_items`, and `previous_response_id`: stored responses
//!   ([`stored`], over [`crate::state`]).

mod events;
mod items;
mod output;
mod request;
mod seal;
mod stored;
mod tools;

pub(in crate::gateway) use stored::ResponsesState;

use super::options::Choice;
use crate::aws::model::{ContentBlock, ConverseRequest, ConverseResponse, InferenceConfig};
use crate::gateway::api::{Access, Api, Endpoint, Path};
use crate::gateway::call::{self, Asked, ChatApi, Clamped, ConverseOnly, ErrorShape, Render};
use crate::gateway::errors::HttpError;
use crate::gateway::response_body::Body;
use crate::gateway::{Reply, Shared, json_response};
use crate::plan::Route;
use crate::telemetry::request::Observation;
use crate::types::{ChatRequest, ConfigSource};
use events::ResponseEncoder;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use output::Meta;
use request::Parsed;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tools::Tools;

/// The Responses API: creating a response, and the stored ones; errors in OpenAI's shape.
pub(in crate::gateway) static API: Api = Api {
    shape: ErrorShape::OpenAi,
    prefix: Some("/v1/responses"),
    endpoints: &[
        Endpoint {
            path: Path::Exact("/v1/responses"),
            method: Method::POST,
            access: Access::ClientKey,
            label: "/v1/responses",
            serve: |shared, request, started, observation| Box::pin(create(shared, request, started, observation)),
        },
        Endpoint {
            path: Path::Under("/v1/responses/"),
            method: Method::GET,
            access: Access::ClientKey,
            label: "/v1/responses/{id}",
            serve: |shared, request, _, observation| Box::pin(stored(shared, request, observation)),
        },
        Endpoint {
            path: Path::Under("/v1/responses/"),
            method: Method::DELETE,
            access: Access::ClientKey,
            label: "/v1/responses/{id} DELETE",
            serve: |shared, request, _, observation| Box::pin(stored(shared, request, observation)),
        },
    ],
};

/// The response header naming the hosted tools left out of the model's tools.
pub const HOSTED_TOOLS_HEADER: &str = "openclaw-hosted-tools-omitted";

/// `GET /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`, `DELETE
/// /v1/responses/{id}`.
async fn stored(shared: &Arc<Shared>, request: Request<Incoming>, observation: &mut Observation) -> Reply {
    let path = request.uri().path();
    let rest = path.strip_prefix("/v1/responses/").unwrap_or("");
    let (id, tail) = rest.split_once('/').map_or((rest, None), |(id, tail)| (id, Some(tail)));
    let owner = shared.client_key_id.as_deref();
    let state = &shared.responses;
    let answered = match (tail, request.method()) {
        (None, &Method::GET) => retrieve(state, id, owner, request.uri().query()).await,
        (None, _) => state.delete(id, owner).await.map(|()| json_response(200, &json!({ "id": id, "object": "response.deleted", "deleted": true }))),
        (Some("input_items"), &Method::GET) => match state.find(id, owner).await {
            Ok(record) => stored::input_items_page(&record, request.uri().query()).map(|page| json_response(200, &page)),
            Err(error) => Err(error),
        },
        _ => Err(HttpError::not_found(path)),
    };
    match answered {
        Ok(response) => (response, String::new()),
        Err(error) => ErrorShape::OpenAi.reject(observation, error),
    }
}

/// `GET /v1/responses/{id}`: the stored response object.
async fn retrieve(state: &ResponsesState, id: &str, owner: Option<&str>, query: Option<&str>) -> Result<Response<Body>, HttpError> {
    if query.unwrap_or("").split('&').any(|pair| pair == "stream=true") {
        return Err(HttpError::invalid("stream", "replaying a stored response as a stream is not supported; retrieve it whole"));
    }
    let record = state.find(id, owner).await?;
    Ok(json_response(200, &record["response"]))
}

/// `POST /v1/responses`.
async fn create(shared: &Arc<Shared>, request: Request<Incoming>, started: Instant, observation: &mut Observation) -> Reply {
    let state = Arc::clone(&shared.responses);
    let (timeout, prompt_cache) = (shared.request_timeout, shared.prompt_cache);
    let parse = move |body: Value| {
        let parsed = request::parse(&body, &state.sealer)?;
        Ok(Responses::new(parsed, state, timeout, prompt_cache == super::PromptCache::Auto))
    };
    call::serve(shared, request, observation, ErrorShape::OpenAi, parse, async |mut responses, observation| {
        responses.owner = shared.client_key_id.clone();
        responses.add_history().await?;
        if !responses.parsed.tools.hosted.is_empty() {
            observation.hosted_tools_omitted(responses.parsed.tools.hosted.len());
        }
        call::chat(shared, responses, started, observation).await
    })
    .await
}

/// A Responses request on its way to Bedrock.
pub(in crate::gateway) struct Responses {
    parsed: Parsed,
    state: Arc<ResponsesState>,
    timeout: Duration,
    /// Cache points asked (`prompt_cache_key`, or the gateway's `--prompt-cache auto`).
    prompt_cache: bool,
    /// The client key's id (records are bound to it).
    owner: Option<String>,
    /// The model the route calls (set by `check_route`, read by `into_upstream`).
    target: String,
}

impl Responses {
    fn new(parsed: Parsed, state: Arc<ResponsesState>, timeout: Duration, prompt_cache: bool) -> Self {
        let prompt_cache = prompt_cache || parsed.prompt_cache;
        Self { parsed, state, timeout, prompt_cache, owner: None, target: String::new() }
    }

    /// Puts the stored conversation `previous_response_id` continues before the new items.
    async fn add_history(&mut self) -> Result<(), HttpError> {
        let Some(previous) = self.parsed.previous_response_id.clone() else { return Ok(()) };
        let history = self.state.history(&previous, self.owner.as_deref()).await?;
        let mut conversation = items::Conversation::default();
        items::convert(&history, "previous_response_id", &self.state.sealer, &mut conversation)?;
        conversation.finish();
        let mut new = std::mem::take(&mut self.parsed.conversation);
        new.finish();
        let items::Conversation { system, messages, sealed_families, .. } = new;
        // Instructions apply to this turn only: they come first, before the history's prompts.
        let instructions = usize::from(self.parsed.instructions.is_some());
        let mut merged_system: Vec<String> = system[..instructions].to_vec();
        merged_system.extend(std::mem::take(&mut conversation.system));
        merged_system.extend(system.into_iter().skip(instructions));
        conversation.system = merged_system;
        for family in sealed_families {
            if !conversation.sealed_families.contains(&family) {
                conversation.sealed_families.push(family);
            }
        }
        for message in messages {
            match conversation.messages.last_mut() {
                Some(last) if last.role == message.role => last.content.extend(message.content),
                _ => conversation.messages.push(message),
            }
        }
        self.parsed.conversation = conversation;
        Ok(())
    }

    /// The render of this request's answer.
    fn render(&mut self) -> ResponseRender {
        let keep = self.parsed.store.then(|| Keep {
            input: std::mem::take(&mut self.parsed.input),
            previous: self.parsed.previous_response_id.clone(),
            owner: self.owner.clone(),
        });
        ResponseRender { meta: self.parsed.meta.clone(), tools: std::mem::take(&mut self.parsed.tools), state: Arc::clone(&self.state), keep }
    }
}

impl Asked for Responses {
    fn asked_model(&self) -> &str {
        &self.parsed.model
    }

    fn asked_stream(&self) -> bool {
        self.parsed.stream
    }
}

/// Whether Bedrock takes prompt-cache points for the model (Anthropic Claude, Amazon Nova).
fn caches_prompts(model_id: &str) -> bool {
    let id = model_id.rsplit('/').next().unwrap_or(model_id);
    id.contains("anthropic.claude") || id.contains("amazon.nova")
}

impl ChatApi for Responses {
    type Render = ResponseRender;
    type Upstream = ConverseOnly;

    fn model(&self) -> Option<&str> {
        Some(self.parsed.model.as_str()).filter(|m| !m.is_empty())
    }

    fn max_tokens(&self) -> Option<u32> {
        self.parsed.max_output_tokens
    }

    fn clamp_max_tokens(&mut self, limit: u32) -> Option<Clamped> {
        let clamped = call::clamp(self.parsed.max_output_tokens.as_mut()?, limit)?;
        // The response object echoes what the call was made with.
        self.parsed.meta.echo.insert("max_output_tokens".into(), json!(limit));
        Some(clamped)
    }

    fn single_tool_call(&self) -> bool {
        self.parsed.options.single_tool_call
    }

    fn check_route(&mut self, route: &Route) -> Result<(), HttpError> {
        self.target.clone_from(&route.target);
        let Some(reasoning) = &self.parsed.options.reasoning else { return Ok(()) };
        let max_tokens = self.parsed.max_output_tokens.unwrap_or(route.max_tokens);
        crate::aws::reasoning::check(&route.target, reasoning, Some(max_tokens)).map_err(|error| HttpError::invalid("reasoning.effort", error.to_string()))
    }

    fn into_upstream(mut self) -> (ConverseOnly, ResponseRender) {
        let target = std::mem::take(&mut self.target);
        let family = seal::family_name(&target);
        let conversation = &mut self.parsed.conversation;
        conversation.finish();
        if conversation.sealed_families.iter().any(|f| f != family) {
            // Sealed reasoning of another family (the route changed models): Bedrock would
            // refuse its signatures.
            tracing::info!(family, carried = ?conversation.sealed_families, "reasoning of another model family dropped");
            for message in &mut conversation.messages {
                message.content.retain(|block| !matches!(block, ContentBlock::Reasoning { .. } | ContentBlock::RedactedReasoning(_)));
            }
            conversation.messages.retain(|message| !message.content.is_empty());
        }
        let uses_tools = conversation.uses_tools();
        let called = conversation.tool_names();
        let mut options = std::mem::take(&mut self.parsed.options);
        let tools = &mut self.parsed.tools;
        if self.parsed.choice == Choice::None && !uses_tools {
            tools.specs.clear();
        }
        // Bedrock refuses tool blocks without a tool configuration that names their tools.
        for name in &called {
            tools.cover(name);
        }
        if self.prompt_cache && caches_prompts(&target) {
            if let Some(last) = conversation.system.len().checked_sub(1).and_then(|i| u32::try_from(i).ok()) {
                options.system_cache_points.push(last);
            }
            options.tools_cache_point = !tools.specs.is_empty();
        }
        let converse = ConverseRequest {
            model_id: String::new(),
            region: String::new(),
            system: std::mem::take(&mut conversation.system),
            messages: std::mem::take(&mut conversation.messages),
            inference: InferenceConfig {
                max_tokens: self.parsed.max_output_tokens,
                temperature: self.parsed.temperature,
                top_p: self.parsed.top_p,
                stop_sequences: Vec::new(),
            },
            tools: tools.specs.clone(),
            timeout: self.timeout,
            options,
        };
        let render = self.render();
        (ConverseOnly(Some(converse)), render)
    }

    fn into_policy_chat(mut self, config: &ConfigSource) -> Result<(ChatRequest, ResponseRender), HttpError> {
        let options = &self.parsed.options;
        let beyond = [
            (options.tool_choice.is_some(), "tool_choice"),
            (options.output_schema.is_some(), "text.format"),
            (options.reasoning.is_some(), "reasoning"),
            (!options.request_metadata.is_empty(), "metadata"),
            (options.service_tier.is_some(), "service_tier"),
            (!self.parsed.conversation.sealed_families.is_empty(), "input"),
        ];
        if let Some((_, param)) = beyond.iter().find(|(set, _)| *set) {
            return Err(HttpError::invalid(
                *param,
                format!("`{param}` cannot be served: the serving policy's contract (0.1.0) lacks it; serve a 0.2.0 policy to use it"),
            ));
        }
        let model = self.model().map(str::to_string);
        let conversation = &mut self.parsed.conversation;
        conversation.finish();
        let request = ChatRequest {
            config: config.clone(),
            settings: None,
            model,
            system: std::mem::take(&mut conversation.system),
            messages: std::mem::take(&mut conversation.messages),
            max_tokens: self.parsed.max_output_tokens,
            temperature: self.parsed.temperature,
            top_p: self.parsed.top_p,
            stop_sequences: Vec::new(),
            tools: self.parsed.tools.specs.clone(),
            timeout: self.timeout,
        };
        Ok((request, self.render()))
    }
}

/// What a stored response's record keeps beside the response.
struct Keep {
    input: Vec<Value>,
    previous: Option<String>,
    owner: Option<String>,
}

/// Renders a response: its id and echoed fields, the tools (to lift calls back), the state
/// (to seal reasoning and keep the record when `store` is on).
pub(in crate::gateway) struct ResponseRender {
    meta: Meta,
    tools: Tools,
    state: Arc<ResponsesState>,
    keep: Option<Keep>,
}

impl ResponseRender {
    /// Keeps the finished `response` when the request asked to store it.
    fn keep(&mut self, response: &Value) {
        if let Some(keep) = self.keep.take() {
            let record = stored::record(keep.owner.as_deref(), keep.previous.as_deref(), &keep.input, response);
            self.state.keep(self.meta.id.clone(), record);
        }
    }
}

impl Render for ResponseRender {
    type Encoder = ResponseEncoder;

    fn whole(self, target: &str, response: ConverseResponse) -> Value {
        ResponseEncoder::new(self, target.to_string(), false).whole(response)
    }

    /// The hosted tools left out of the model's tools, named for the client.
    fn headers(&self) -> Vec<(&'static str, String)> {
        if self.tools.hosted.is_empty() { Vec::new() } else { vec![(HOSTED_TOOLS_HEADER, self.tools.hosted.join(", "))] }
    }

    fn encoder(self, target: String) -> ResponseEncoder {
        ResponseEncoder::new(self, target, true)
    }
}
