//! A Messages request over the call layer: its upstream form for each attempt (the client's own
//! body through InvokeModel when the attempt's model is Claude, [`super::native`]; the Converse
//! request it was read into otherwise), its 0.1.0 form (a plain conversation: a request asking
//! for more is refused with a 400 naming what the contract lacks), and its answer in
//! Anthropic's shape (relayed from Claude, rendered from Converse).

use super::content::invalid;
use super::events::MessageEncoder;
use super::native::{self, Dropped, DroppedSlot, table};
use super::request::MessagesRequest;
use super::{check_thinking, message_id, response};
use crate::aws::model::{ApiError, ContentBlock, ConverseRequest, ConverseResponse, ErrorClass, InvokeResponse, ToolChoice};
use crate::aws::model_id::foundation_model;
use crate::gateway::call::{ApiUpstream, Asked, ChatApi, Clamped, ConverseOnly, Relayed, Render, Step};
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
        self.native.fields().get("max_tokens").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok())
    }

    fn clamp_max_tokens(&mut self, limit: u32) -> Option<Clamped> {
        let mut asked = self.max_tokens()?;
        let clamped = crate::gateway::call::clamp(&mut asked, limit)?;
        self.native.set_max_tokens(limit);
        if let Some(Ok(converse)) = &mut self.converse {
            converse.inference.max_tokens = Some(limit);
        }
        Some(clamped)
    }

    /// `tool_choice.disable_parallel_tool_use` on the Converse path (Claude's own body says it).
    fn single_tool_call(&self) -> bool {
        self.native.fields().get("tool_choice").and_then(|choice| choice.get("disable_parallel_tool_use")) == Some(&Value::Bool(true))
    }

    /// A route to Claude (as far as its target's shape tells) takes the body natively; any
    /// other needs the Converse translation, and a thinking request its model can honour.
    fn check_route(&mut self, route: &Route) -> Result<(), HttpError> {
        match foundation_model(&route.target) {
            Some(model) if table::row(model).is_some() => Ok(()),
            // An application profile: its model is known when the chain builds its request.
            None => Ok(()),
            Some(_) => check_thinking(&route.target, self.translated().as_ref().map_err(Clone::clone)?),
        }
    }

    fn into_upstream(self) -> (MessagesUpstream, MessageRender) {
        let render = MessageRender::of(&self);
        let upstream = MessagesUpstream { request: self, converse: None, dropped: Arc::clone(&render.dropped) };
        (upstream, render)
    }

    fn into_policy_chat(self, config: &ConfigSource) -> Result<(ChatRequest, MessageRender), HttpError> {
        let render = MessageRender::of(&self);
        let model = self.model.clone();
        let converse = self.into_translated()?;
        if let Some(field) = beyond_contract(&converse) {
            return Err(invalid(field, "cannot be served: the serving policy's contract (0.1.0) lacks it; serve a 0.2.0 policy to use it"));
        }
        let request = ChatRequest {
            config: config.clone(),
            settings: None,
            model: Some(model),
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
    request: MessagesRequest,
    /// The Converse form, once a step that is not Claude asked for it.
    converse: Option<Result<ConverseOnly, HttpError>>,
    dropped: DroppedSlot,
}

/// A client's error found while building an attempt's request: Bedrock is not called.
fn client_error(error: &HttpError) -> ApiError {
    ApiError { class: ErrorClass::Format, code: None, message: error.message.clone(), http_status: None, retryable: false }
}

impl ApiUpstream for MessagesUpstream {
    fn build(&mut self, step: &Step<'_>) -> Result<Upstream, ApiError> {
        if let Some(row) = table::row(step.model) {
            let (request, dropped) = self.request.native.request(row, step.aim);
            *self.dropped.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = dropped;
            return Ok(Upstream::Invoke(request));
        }
        *self.dropped.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Dropped::default();
        let request = &mut self.request;
        // A step that is not Claude: the translation (made once; rare for a Claude name).
        let converse = self.converse.get_or_insert_with(|| request.translated().clone().map(|c| ConverseOnly(Some(c))));
        let converse = converse.as_mut().map_err(|error| client_error(error))?;
        let request = converse.aimed(step)?;
        check_thinking(step.model, &request).map_err(|error| client_error(&error))?;
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
        let listed = request.native.fields().get("stop_sequences").and_then(Value::as_array);
        let stop_sequences = listed.map(|list| list.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default();
        Self { id: message_id(), model: request.model.clone(), stop_sequences, dropped: DroppedSlot::default() }
    }
}

impl Render for MessageRender {
    type Encoder = MessageEncoder;

    fn whole(self, _target: &str, response: ConverseResponse) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::anthropic::request::{Endpoint, parse_request};
    use crate::plan::call::Aim;
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn a_claude_request_is_translated_only_for_a_step_that_is_not_claude() {
        let body = json!({ "model": "claude-sonnet-4-6", "max_tokens": 50, "stop_sequences": ["END"], "messages": [{ "role": "user", "content": "hi" }] });
        let request = parse_request(body, Endpoint::Messages, Duration::from_secs(5), &[]).expect("parses");
        assert!(request.converse.is_none(), "a Claude name is not translated up front");
        let (mut upstream, render) = request.into_upstream();
        assert_eq!(render.stop_sequences, ["END"]);
        // (target, foundation model, the form built)
        let cases = [
            ("us.anthropic.claude-sonnet-4-6-20251001-v1:0", "anthropic.claude-sonnet-4-6-20251001-v1:0", "invoke"),
            ("amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0", "converse"),
            ("global.anthropic.claude-sonnet-4-6-20251001-v1:0", "anthropic.claude-sonnet-4-6-20251001-v1:0", "invoke"),
        ];
        for (target, model, form) in cases {
            let aim = Aim { target, region: "us-east-1", max_tokens: 100, timeout: Duration::from_secs(5), last: false };
            let built = match upstream.build(&Step { aim: &aim, model }).expect("built") {
                Upstream::Invoke(request) => ("invoke", request.model_id),
                Upstream::Converse(request) => ("converse", request.model_id),
            };
            assert_eq!(built, (form, target.to_string()), "{target}");
        }
        assert!(upstream.converse.is_some(), "translated once, for the step that needed it");
    }
}
