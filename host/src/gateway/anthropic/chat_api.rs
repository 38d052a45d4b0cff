//! A Messages request over the call layer: its upstream form for each attempt (the client's own
//! body through InvokeModel when the attempt's model is Claude, [`super::native`]; the Converse
//! request it was read into otherwise), its 0.1.0 form (a plain conversation: a request asking
//! for more is refused with a 400 naming what the contract lacks), and its answer in
//! Anthropic's shape (relayed from Claude, rendered from Converse).

use super::content::invalid;
use super::events::MessageEncoder;
use super::native::{self, Dropped, DroppedSlot, NativeBody, table};
use super::request::MessagesRequest;
use super::{check_thinking, message_id, response};
use crate::aws::model::{ApiError, ContentBlock, ConverseRequest, ConverseResponse, ErrorClass, InvokeResponse, ToolChoice};
use crate::gateway::call::models::model_by_shape;
use crate::gateway::call::{ApiUpstream, Asked, ChatApi, ConverseOnly, Relayed, Render, Step};
use crate::gateway::errors::HttpError;
use crate::plan::Route;
use crate::plan::call::Upstream;
use crate::types::{ChatRequest, ConfigSource};
use serde_json::Value;
use std::sync::Arc;

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
    type Upstream = MessagesUpstream;

    fn model(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn max_tokens(&self) -> Option<u32> {
        self.converse.as_ref().ok().and_then(|converse| converse.inference.max_tokens)
    }

    /// A route to Claude (as far as its target's shape tells) takes the body natively; any
    /// other needs the Converse translation, and a thinking request its model can honour.
    fn check_route(&self, route: &Route) -> Result<(), HttpError> {
        match model_by_shape(&route.target) {
            Some(model) if table::row(model).is_some() => Ok(()),
            // An application profile: its model is known when the chain builds its request.
            None => Ok(()),
            Some(_) => check_thinking(&route.target, self.converse.as_ref().map_err(Clone::clone)?),
        }
    }

    fn into_upstream(self) -> (MessagesUpstream, MessageRender) {
        let render = MessageRender::of(&self);
        let upstream = MessagesUpstream { native: self.native, converse: self.converse.map(|c| ConverseOnly(Some(c))), dropped: Arc::clone(&render.dropped) };
        (upstream, render)
    }

    fn into_policy_chat(self, config: &ConfigSource) -> Result<(ChatRequest, MessageRender), HttpError> {
        let render = MessageRender::of(&self);
        let converse = self.converse?;
        if let Some(field) = beyond_contract(&converse) {
            return Err(invalid(field, "cannot be served: the serving policy's contract (0.1.0) lacks it; serve a 0.2.0 policy to use it"));
        }
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

/// Each attempt's request: natively for a Claude model, else the Converse translation (or the
/// reason there is none).
pub(in crate::gateway) struct MessagesUpstream {
    native: NativeBody,
    converse: Result<ConverseOnly, HttpError>,
    dropped: DroppedSlot,
}

/// A client's error found while building an attempt's request: Bedrock is not called.
fn client_error(error: &HttpError) -> ApiError {
    ApiError { class: ErrorClass::Format, code: None, message: error.message.clone(), http_status: None, retryable: false }
}

impl ApiUpstream for MessagesUpstream {
    fn build(&mut self, step: &Step<'_>) -> Result<Upstream, ApiError> {
        if let Some(row) = table::row(step.model) {
            let (request, dropped) = self.native.request(row, step.aim);
            *self.dropped.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = dropped;
            return Ok(Upstream::Invoke(request));
        }
        *self.dropped.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Dropped::default();
        let converse = self.converse.as_mut().map_err(|error| client_error(error))?;
        let request = converse.aimed(step.aim)?;
        check_thinking(step.aim.target, &request).map_err(|error| client_error(&error))?;
        Ok(Upstream::Converse(Box::new(request)))
    }
}

/// A message's id, the model as the client named it (echoed, as Anthropic does), the stop
/// sequences (to name the one that stopped the answer), and what the Claude table dropped.
pub(in crate::gateway) struct MessageRender {
    id: String,
    model: String,
    stop_sequences: Vec<String>,
    dropped: DroppedSlot,
}

impl MessageRender {
    /// A new message id, with the request's model and stop sequences.
    fn of(request: &MessagesRequest) -> Self {
        let stop_sequences = request.converse.as_ref().map(|converse| converse.inference.stop_sequences.clone()).unwrap_or_default();
        Self { id: message_id(), model: request.model.clone(), stop_sequences, dropped: DroppedSlot::default() }
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

    fn whole_invoked(&self, _target: &str, response: InvokeResponse) -> Result<Relayed, HttpError> {
        native::whole(&self.model, &response.body)
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        let dropped = self.dropped.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        dropped.header_value().map(|value| vec![(native::DROPPED_HEADER, value)]).unwrap_or_default()
    }
}
