//! A 0.1.0 policy (no routing plan) serves Messages requests through its `chat` export, in a
//! fresh instance, every event passing through the guest, as chat completions are served for
//! it. Its contract carries a plain conversation only (text, images, tool calls and results,
//! sampling, stop sequences, tools): a request asking for more is refused with a 400 naming
//! what the contract lacks.

use super::events::MessageEncoder;
use super::response::{self, Collector};
use crate::aws::model::{ContentBlock, ConverseRequest};
use crate::gateway::chat::{InPolicy, next_event, policy_failed, set_policy_header};
use crate::gateway::errors::HttpError;
use crate::gateway::sse::Body;
use crate::gateway::stream::EventFrames;
use crate::gateway::{Shared, json_response};
use crate::plan::Serving;
use crate::runtime::ChatStream;
use crate::telemetry::request::Observation;
use crate::types::ChatRequest;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::OwnedSemaphorePermit;

/// The field of a request that contract 0.1.0 cannot carry, if any.
pub(super) fn beyond_contract(request: &ConverseRequest) -> Option<&'static str> {
    let options = &request.options;
    let blocks = || request.messages.iter().flat_map(|message| &message.content);
    if options.reasoning.is_some() {
        Some("thinking")
    } else if options.tool_choice.as_ref().is_some_and(|choice| *choice != crate::aws::model::ToolChoice::Auto) {
        Some("tool_choice")
    } else if !options.system_cache_points.is_empty() || options.tools_cache_point || blocks().any(|block| matches!(block, ContentBlock::CachePoint)) {
        Some("cache_control")
    } else if !options.request_metadata.is_empty() {
        Some("metadata.user_id")
    } else if options.output_schema.is_some() {
        Some("output_config.format")
    } else if blocks().any(|block| matches!(block, ContentBlock::Document { .. })) {
        Some("messages (document blocks)")
    } else if blocks().any(|block| matches!(block, ContentBlock::Reasoning { .. } | ContentBlock::RedactedReasoning(_))) {
        Some("messages (thinking blocks)")
    } else {
        None
    }
}

/// Answers `converse` through the policy's `chat`: whole, or as Anthropic's events.
#[allow(clippy::too_many_arguments)]
pub(super) async fn answer(
    shared: &Arc<Shared>,
    serving: &Serving,
    model: String,
    stream: bool,
    converse: ConverseRequest,
    started: Instant,
    permit: OwnedSemaphorePermit,
    observation: &mut Observation,
) -> Result<hyper::Response<Body>, HttpError> {
    if let Some(field) = beyond_contract(&converse) {
        return Err(super::request::invalid(field, "cannot be served: the serving policy's contract (0.1.0) lacks it; serve a 0.2.0 policy to use it"));
    }
    let stop_sequences = converse.inference.stop_sequences.clone();
    let request = ChatRequest {
        config: serving.config().as_ref().clone(),
        settings: None,
        model: Some(model.clone()),
        system: converse.system,
        messages: converse.messages,
        max_tokens: converse.inference.max_tokens,
        temperature: converse.inference.temperature,
        top_p: converse.inference.top_p,
        stop_sequences: converse.inference.stop_sequences,
        tools: converse.tools,
        timeout: converse.timeout,
    };
    // The policy decides inside its `chat`: the decision's span covers starting that call.
    let decision = observation.deciding();
    let started_chat = chat(shared, serving, &request).await;
    observation.decided(decision, true, started_chat.as_ref().err().map(crate::gateway::error_class));
    let mut events = started_chat?;
    let policy = serving.policy().info_line();
    let id = super::message_id();
    if !stream {
        let mut collector = Collector::default();
        while let Some(event) = next_event(shared, &mut events).await? {
            if collector.is_empty() && event.is_output() {
                shared.metrics.first_token(started.elapsed());
                observation.first_token(started.elapsed());
            }
            collector.push(event);
        }
        drop(permit);
        let whole = collector.finish();
        shared.metrics.tokens(whole.usage.input_tokens, whole.usage.output_tokens);
        observation.usage(&whole.usage);
        observation.finish_reason(&whole.stop_reason);
        let mut response = json_response(200, &response::message(&id, &model, &whole, &stop_sequences));
        set_policy_header(&mut response, policy);
        return Ok(response);
    }
    let first = next_event(shared, &mut events).await?;
    let encoder = MessageEncoder::new(id, model, stop_sequences);
    let mut response = EventFrames::respond(shared, permit, encoder, first, started, InPolicy(Arc::clone(shared), events), observation.take());
    set_policy_header(&mut response, policy);
    Ok(response)
}

/// The policy's `chat`, started in a fresh instance.
async fn chat(shared: &Shared, serving: &Serving, request: &ChatRequest) -> Result<ChatStream, HttpError> {
    let instance = shared.host.instance_of(Arc::clone(serving.policy()), shared.planner.capabilities()).await.map_err(|e| policy_failed(shared, &e))?;
    match instance.chat(request).await {
        Err(error) => Err(policy_failed(shared, &error)),
        Ok(Err(error)) => Err(HttpError::from_api(&error)),
        Ok(Ok(stream)) => Ok(stream),
    }
}
