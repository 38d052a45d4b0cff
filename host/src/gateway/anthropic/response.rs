//! Anthropic's `message` object from a Converse response: content blocks (text, thinking with
//! its signature, redacted_thinking, tool_use with its input parsed), stop reason and usage.

use crate::aws::model::{ContentBlock, ConverseResponse, Usage};
use base64::Engine as _;
use serde_json::{Value, json};

/// Bedrock's stop reason as Anthropic's. Bedrock's guardrail and content-filter stops are
/// Anthropic's `refusal`; anything newer than this mapping reads as `end_turn`.
pub fn stop_reason(bedrock: &str) -> &'static str {
    match bedrock {
        "tool_use" => "tool_use",
        "max_tokens" => "max_tokens",
        "stop_sequence" => "stop_sequence",
        "model_context_window_exceeded" => "model_context_window_exceeded",
        "guardrail_intervened" | "content_filtered" => "refusal",
        _ => "end_turn",
    }
}

/// The stop sequence that ended the answer: Converse does not say which one matched, so it is
/// named only when the request had exactly one (docs/api-anthropic-messages.md, "The answer").
pub fn stop_sequence(reason: &str, sequences: &[String]) -> Value {
    match sequences {
        [only] if reason == "stop_sequence" => Value::String(only.clone()),
        _ => Value::Null,
    }
}

/// Anthropic's usage object: Bedrock's input tokens (which, as Anthropic's, leave out the
/// cached ones), cache writes as `cache_creation_input_tokens`, cache reads.
pub fn usage_json(usage: &Usage) -> Value {
    json!({
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_creation_input_tokens": usage.cache_write_input_tokens,
        "cache_read_input_tokens": usage.cache_read_input_tokens,
    })
}

/// Encrypted reasoning as the client carries it: base64 of Bedrock's bytes.
pub fn redacted_data(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A tool call's input as JSON (an object; `{}` when Bedrock's text is not one).
pub fn tool_input(text: &str) -> Value {
    serde_json::from_str::<Value>(text).ok().filter(Value::is_object).unwrap_or_else(|| json!({}))
}

/// The `message` object.
pub fn message(id: &str, model: &str, response: &ConverseResponse, stop_sequences: &[String]) -> Value {
    let content: Vec<Value> = response
        .content
        .iter()
        .filter_map(|block| match block {
            ContentBlock::Text(text) => Some(json!({ "type": "text", "text": text })),
            ContentBlock::Reasoning { text, signature } => {
                Some(json!({ "type": "thinking", "thinking": text, "signature": signature.as_deref().unwrap_or_default() }))
            }
            ContentBlock::RedactedReasoning(bytes) => Some(json!({ "type": "redacted_thinking", "data": redacted_data(bytes) })),
            ContentBlock::ToolUse { id, name, input } => Some(json!({ "type": "tool_use", "id": id, "name": name, "input": tool_input(input) })),
            // Not in an answer: Bedrock's assistant message holds none of these.
            ContentBlock::Image { .. } | ContentBlock::ToolResult { .. } | ContentBlock::Document { .. } | ContentBlock::CachePoint => None,
        })
        .collect();
    json!({
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(&response.stop_reason),
        "stop_sequence": stop_sequence(&response.stop_reason, stop_sequences),
        "usage": usage_json(&response.usage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bedrock_stop_reason_has_its_anthropic_name() {
        let cases = [
            ("end_turn", "end_turn"),
            ("tool_use", "tool_use"),
            ("max_tokens", "max_tokens"),
            ("stop_sequence", "stop_sequence"),
            ("model_context_window_exceeded", "model_context_window_exceeded"),
            ("guardrail_intervened", "refusal"),
            ("content_filtered", "refusal"),
            ("something_new", "end_turn"),
        ];
        for (bedrock, anthropic) in cases {
            assert_eq!(stop_reason(bedrock), anthropic, "{bedrock}");
        }
        assert_eq!(stop_sequence("stop_sequence", &["END".into()]), json!("END"));
        assert_eq!(stop_sequence("stop_sequence", &["A".into(), "B".into()]), Value::Null);
        assert_eq!(stop_sequence("end_turn", &["END".into()]), Value::Null);
    }

    #[test]
    fn blocks_become_anthropic_content() {
        let response = ConverseResponse {
            content: vec![
                ContentBlock::Reasoning { text: "hmm".into(), signature: Some("sig".into()) },
                ContentBlock::RedactedReasoning(vec![1, 2, 3]),
                ContentBlock::Text("hi".into()),
                ContentBlock::ToolUse { id: "t1".into(), name: "f".into(), input: "{\"a\":1}".into() },
            ],
            stop_reason: "tool_use".into(),
            usage: Usage { input_tokens: 3, output_tokens: 4, total_tokens: 7, cache_read_input_tokens: 5, cache_write_input_tokens: 6, service_tier: None },
            latency_ms: 1,
        };
        let message = message("msg_1", "m", &response, &[]);
        assert_eq!(
            message["content"],
            json!([
                { "type": "thinking", "thinking": "hmm", "signature": "sig" },
                { "type": "redacted_thinking", "data": "AQID" },
                { "type": "text", "text": "hi" },
                { "type": "tool_use", "id": "t1", "name": "f", "input": { "a": 1 } },
            ])
        );
        assert_eq!(message["usage"], json!({ "input_tokens": 3, "output_tokens": 4, "cache_creation_input_tokens": 6, "cache_read_input_tokens": 5 }));
        assert_eq!((message["stop_reason"].clone(), message["stop_sequence"].clone()), (json!("tool_use"), Value::Null));
    }
}
