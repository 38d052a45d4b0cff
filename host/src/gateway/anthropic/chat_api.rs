//! A Messages request over the call layer: its upstream form (the Converse request it was read
//! into), its 0.1.0 form (a plain conversation: a request asking for more is refused with a 400
//! naming what the contract lacks), and its answer in Anthropic's shape.

use super::content::invalid;
use super::events::MessageEncoder;
use super::request::MessagesRequest;
use super::{check_thinking, message_id, response};
use crate::aws::model::{ContentBlock, ConverseRequest, ConverseResponse, ToolChoice};
use crate::gateway::call::{Asked, ChatApi, Render};
use crate::gateway::errors::HttpError;
use crate::plan::Route;
use crate::types::{ChatRequest, ConfigSource};
use serde_json::Value;

impl Asked for MessagesRequest {
    fn asked_model(&self) -> &str {
        &self.model
    }

    fn asked_stream(&self) -> bool {
        self.stream
    }
}

impl ChatApi for MessagesRequest {
    type Render = MessageRender;

    fn model(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn check_route(&self, route: &Route) -> Result<(), HttpError> {
        check_thinking(&route.target, &self.converse)
    }

    fn into_converse(self) -> (ConverseRequest, MessageRender) {
        let render = MessageRender::of(&self);
        (self.converse, render)
    }

    fn into_policy_chat(self, config: &ConfigSource) -> Result<(ChatRequest, MessageRender), HttpError> {
        if let Some(field) = beyond_contract(&self.converse) {
            return Err(invalid(field, "cannot be served: the serving policy's contract (0.1.0) lacks it; serve a 0.2.0 policy to use it"));
        }
        let render = MessageRender::of(&self);
        let converse = self.converse;
        let request = ChatRequest {
            config: config.clone(),
            settings: None,
            model: Some(self.model),
            system: converse.system,
            messages: converse.messages,
            max_tokens: converse.inference.max_tokens,
            temperature: converse.inference.temperature,
            top_p: converse.inference.top_p,
            stop_sequences: converse.inference.stop_sequences,
            tools: converse.tools,
            timeout: converse.timeout,
        };
        Ok((request, render))
    }
}

/// The field of a request that contract 0.1.0 cannot carry, if any.
fn beyond_contract(request: &ConverseRequest) -> Option<&'static str> {
    let options = &request.options;
    let blocks = || request.messages.iter().flat_map(|message| &message.content);
    if options.reasoning.is_some() {
        Some("thinking")
    } else if options.tool_choice.as_ref().is_some_and(|choice| *choice != ToolChoice::Auto) {
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

/// A message's id, the model as the client named it (echoed, as Anthropic does), and the stop
/// sequences (to name the one that stopped the answer).
pub(in crate::gateway) struct MessageRender {
    id: String,
    model: String,
    stop_sequences: Vec<String>,
}

impl MessageRender {
    /// A new message id, with the request's model and stop sequences.
    fn of(request: &MessagesRequest) -> Self {
        Self { id: message_id(), model: request.model.clone(), stop_sequences: request.converse.inference.stop_sequences.clone() }
    }
}

impl Render for MessageRender {
    type Encoder = MessageEncoder;

    fn whole(&self, _target: &str, response: ConverseResponse) -> Value {
        response::message(&self.id, &self.model, &response, &self.stop_sequences)
    }

    fn encoder(self, _target: String) -> MessageEncoder {
        MessageEncoder::new(self.id, self.model, self.stop_sequences)
    }
}
