//! Answers in OpenAI's shapes: the `chat.completion` object, `finish_reason`, and usage with
//! the prompt cache's counts.
//!
//! Reasoning is returned as `message.reasoning_content` (the text) and, when Bedrock signed it
//! or sent it encrypted (Anthropic), as `message.thinking_blocks`: `{type: "thinking",
//! thinking, signature}` or `{type: "redacted_thinking", data}` (base64), the shape LiteLLM
//! uses, which a client sends back on the assistant message for the next turn.

use super::options::service_tier_name;
use crate::aws::model::{ContentBlock, ConverseResponse, StreamEvent, Usage};
use base64::Engine as _;
use serde_json::{Value, json};

/// Bedrock's stop reason as an OpenAI `finish_reason`.
pub fn finish_reason(stop_reason: &str) -> &'static str {
    match stop_reason {
        "max_tokens" | "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "content_filtered" | "guardrail_intervened" => "content_filter",
        _ => "stop",
    }
}

/// OpenAI's usage object. `prompt_tokens` counts every prompt token, cached or not (Bedrock's
/// `inputTokens` leaves the cached ones out); `prompt_tokens_details.cached_tokens` is what was
/// read from the cache and `cache_creation_input_tokens` what was written to it.
pub fn usage_json(usage: &Usage) -> Value {
    let prompt = usage.input_tokens.saturating_add(usage.cache_read_input_tokens).saturating_add(usage.cache_write_input_tokens);
    let total = usage.total_tokens.max(prompt.saturating_add(usage.output_tokens));
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": usage.output_tokens,
        "total_tokens": total,
        "prompt_tokens_details": { "cached_tokens": usage.cache_read_input_tokens },
        "cache_creation_input_tokens": usage.cache_write_input_tokens,
    })
}

/// One `thinking_blocks` entry.
pub fn thinking_block(text: &str, signature: &str) -> Value {
    json!({ "type": "thinking", "thinking": text, "signature": signature })
}

/// One `redacted_thinking` entry.
pub fn redacted_block(data: &[u8]) -> Value {
    json!({ "type": "redacted_thinking", "data": base64::engine::general_purpose::STANDARD.encode(data) })
}

/// A reasoning block of the answer.
#[derive(Debug, Default)]
struct Thinking {
    index: u32,
    text: String,
    signature: Option<String>,
    redacted: Option<Vec<u8>>,
}

/// A non-streamed answer, collected from a response or from stream events.
#[derive(Debug, Default)]
pub struct Collected {
    text: String,
    thinking: Vec<Thinking>,
    tool_calls: Vec<(u32, String, String, String)>,
    stop_reason: Option<String>,
    /// Token counts, when the stream reported them.
    pub usage: Option<Usage>,
}

impl From<ConverseResponse> for Collected {
    fn from(response: ConverseResponse) -> Self {
        let mut collected = Collected { stop_reason: Some(response.stop_reason), usage: Some(response.usage), ..Collected::default() };
        for (index, block) in response.content.into_iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            match block {
                ContentBlock::Text(text) => collected.text.push_str(&text),
                ContentBlock::Reasoning { text, signature } => collected.thinking.push(Thinking { index, text, signature, redacted: None }),
                ContentBlock::RedactedReasoning(data) => collected.thinking.push(Thinking { index, redacted: Some(data), ..Thinking::default() }),
                ContentBlock::ToolUse { id, name, input } => collected.tool_calls.push((index, id, name, input)),
                ContentBlock::Image { .. } | ContentBlock::ToolResult { .. } | ContentBlock::Document { .. } | ContentBlock::CachePoint => {}
            }
        }
        collected
    }
}

impl Collected {
    fn thinking_at(&mut self, index: u32) -> &mut Thinking {
        if self.thinking.last().is_none_or(|t| t.index != index) {
            self.thinking.push(Thinking { index, ..Thinking::default() });
        }
        let last = self.thinking.len() - 1;
        &mut self.thinking[last]
    }

    /// Adds one event.
    pub fn push(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::TextDelta { text, .. } => self.text.push_str(&text),
            StreamEvent::ReasoningDelta { index, text } => self.thinking_at(index).text.push_str(&text),
            StreamEvent::ReasoningSignature { index, signature } => self.thinking_at(index).signature = Some(signature),
            StreamEvent::RedactedReasoning { index, data } => self.thinking_at(index).redacted.get_or_insert_with(Vec::new).extend(data),
            StreamEvent::ToolUseStart { index, id, name } => self.tool_calls.push((index, id, name, String::new())),
            StreamEvent::ToolUseDelta { index, text } => {
                if let Some(call) = self.tool_calls.iter_mut().rev().find(|call| call.0 == index) {
                    call.3.push_str(&text);
                }
            }
            StreamEvent::MessageStop(reason) => self.stop_reason = Some(reason),
            StreamEvent::Metadata { usage, .. } => self.usage = Some(usage),
            StreamEvent::MessageStart(_) | StreamEvent::BlockStop(_) => {}
        }
    }

    /// The `chat.completion` object.
    pub fn response(&self, id: &str, created: u64, model: &str) -> Value {
        let mut message = json!({ "role": "assistant", "content": if self.text.is_empty() && !self.tool_calls.is_empty() { Value::Null } else { Value::String(self.text.clone()) } });
        let reasoning: String = self.thinking.iter().map(|t| t.text.as_str()).collect();
        if !reasoning.is_empty() {
            message["reasoning_content"] = Value::String(reasoning);
        }
        let blocks: Vec<Value> = self
            .thinking
            .iter()
            .filter_map(|t| match (&t.redacted, &t.signature) {
                (Some(data), _) => Some(redacted_block(data)),
                (None, Some(signature)) => Some(thinking_block(&t.text, signature)),
                (None, None) => None,
            })
            .collect();
        if !blocks.is_empty() {
            message["thinking_blocks"] = Value::Array(blocks);
        }
        if !self.tool_calls.is_empty() {
            let calls: Vec<Value> = self
                .tool_calls
                .iter()
                .map(|(_, id, name, arguments)| {
                    let arguments = if arguments.is_empty() { "{}" } else { arguments.as_str() };
                    json!({ "id": id, "type": "function", "function": { "name": name, "arguments": arguments } })
                })
                .collect();
            message["tool_calls"] = Value::Array(calls);
        }
        let usage = self.usage.unwrap_or_default();
        let mut response = json!({
            "id": id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{ "index": 0, "message": message, "finish_reason": finish_reason(self.stop_reason.as_deref().unwrap_or("end_turn")), "logprobs": null }],
            "usage": usage_json(&usage),
        });
        if let Some(tier) = usage.service_tier {
            response["service_tier"] = Value::String(service_tier_name(tier).into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::model::Role;

    #[test]
    fn collected_events_become_a_completion() {
        let mut collected = Collected::default();
        for event in [
            StreamEvent::MessageStart(Role::Assistant),
            StreamEvent::ReasoningDelta { index: 0, text: "Thinking ".into() },
            StreamEvent::ReasoningDelta { index: 0, text: "hard".into() },
            StreamEvent::ReasoningSignature { index: 0, signature: "sig".into() },
            StreamEvent::BlockStop(0),
            StreamEvent::ToolUseStart { index: 1, id: "t1".into(), name: "f".into() },
            StreamEvent::ToolUseDelta { index: 1, text: "{\"a\":".into() },
            StreamEvent::ToolUseDelta { index: 1, text: "1}".into() },
            StreamEvent::MessageStop("tool_use".into()),
            StreamEvent::Metadata {
                usage: Usage {
                    input_tokens: 3,
                    output_tokens: 4,
                    total_tokens: 17,
                    cache_read_input_tokens: 6,
                    cache_write_input_tokens: 4,
                    service_tier: None,
                },
                latency_ms: 1,
            },
        ] {
            collected.push(event);
        }
        let response = collected.response("id", 1, "m");
        let message = &response["choices"][0]["message"];
        assert_eq!(response["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(message["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
        assert_eq!(message["reasoning_content"], "Thinking hard");
        assert_eq!(message["thinking_blocks"], json!([{ "type": "thinking", "thinking": "Thinking hard", "signature": "sig" }]));
        assert_eq!(
            response["usage"],
            json!({ "prompt_tokens": 13, "completion_tokens": 4, "total_tokens": 17, "prompt_tokens_details": { "cached_tokens": 6 }, "cache_creation_input_tokens": 4 })
        );
    }

    #[test]
    fn unsigned_reasoning_has_no_thinking_blocks() {
        let response = ConverseResponse {
            content: vec![ContentBlock::Reasoning { text: "hm".into(), signature: None }, ContentBlock::Text("ok".into())],
            stop_reason: "end_turn".into(),
            usage: Usage::default(),
            latency_ms: 0,
        };
        let value = Collected::from(response).response("id", 1, "m");
        assert_eq!(value["choices"][0]["message"]["reasoning_content"], "hm");
        assert!(value["choices"][0]["message"].get("thinking_blocks").is_none());
    }
}
