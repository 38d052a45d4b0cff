//! Bedrock runtime: Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream and
//! CountTokens, answering deterministically from the prompt.
//!
//! The reply to a prompt is `Echo:` followed by the words of the last user message; a token is a
//! whitespace-separated word (an image, video or document block counts as 100 tokens). A reply
//! longer than the request's max tokens is cut there with stop reason `max_tokens`; a stop
//! sequence in the reply cuts it with `stop_sequence`. Converse requests with tools may get a
//! tool call instead; see [`crate::tools`].

use std::time::Instant;

use serde_json::{Value, json};

use crate::catalog::{FoundationModel, InvocationTarget};
use crate::errors::ApiError;
use crate::eventstream;
use crate::invoke_bodies;
use crate::reply::Reply;
use crate::tools::{self, ToolCall};

/// Tokens counted for one non-text content block.
pub const MEDIA_BLOCK_TOKENS: u64 = 100;

/// A deterministic generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// The reply split into the pieces a stream sends (one word each, with its trailing space).
    pub pieces: Vec<String>,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// `end_turn`, `max_tokens` or `stop_sequence`.
    pub stop_reason: &'static str,
}

impl Generation {
    /// The whole reply text.
    pub fn text(&self) -> String {
        self.pieces.concat()
    }
}

/// Counts tokens the emulator's way: whitespace-separated words.
pub fn count_tokens(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// Generates the reply to `last_user_text` within `max_tokens`, honouring stop sequences.
pub fn generate(last_user_text: &str, input_tokens: u64, max_tokens: u64, stop_sequences: &[String]) -> Generation {
    let mut words: Vec<&str> = vec!["Echo:"];
    words.extend(last_user_text.split_whitespace());
    let mut stop_reason = "end_turn";
    if let Some(cut) = words.iter().position(|w| stop_sequences.iter().any(|s| !s.is_empty() && w.contains(s.as_str()))) {
        words.truncate(cut);
        stop_reason = "stop_sequence";
    }
    if words.len() as u64 > max_tokens {
        words.truncate(max_tokens as usize);
        stop_reason = "max_tokens";
    }
    let last = words.len().saturating_sub(1);
    let pieces: Vec<String> = words.iter().enumerate().map(|(i, w)| if i == last { w.to_string() } else { format!("{w} ") }).collect();
    Generation { output_tokens: pieces.len() as u64, pieces, input_tokens, stop_reason }
}

/// Checks a requested max tokens against the model's limit, with Bedrock's messages.
pub fn check_max_tokens(requested: Option<i64>, limit: u32, field: &str) -> Result<u64, ApiError> {
    match requested {
        None => Ok(limit as u64),
        Some(value) if value < 1 => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ))),
        Some(value) if value > limit as i64 => Err(ApiError::validation(format!(
            "The maximum tokens you requested exceeds the model limit of {limit}. Try again with a maximum tokens value that is lower than {limit}."
        ))),
        Some(value) => Ok(value as u64),
    }
}

/// Parses a JSON request body, with Bedrock's message for malformed input.
pub fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ApiError::validation("Malformed input request: expected a JSON object, please reformat your input and try again.")),
        Err(e) => Err(ApiError::validation(format!("Malformed input request: {e}, please reformat your input and try again."))),
    }
}

/// What a Converse-shaped request asks for.
struct ConverseRequest {
    last_user_text: String,
    input_tokens: u64,
    max_tokens: u64,
    stop_sequences: Vec<String>,
}

fn text_of_blocks(blocks: &[Value], model: Option<&FoundationModel>) -> Result<(String, u64), ApiError> {
    let mut text = String::new();
    let mut tokens = 0;
    for block in blocks {
        let Some(object) = block.as_object() else {
            return Err(ApiError::validation("Malformed input request: content blocks must be objects."));
        };
        if let Some(t) = object.get("text").and_then(Value::as_str) {
            tokens += count_tokens(t);
            text.push_str(t);
            text.push(' ');
            continue;
        }
        for (kind, modality) in [("image", "IMAGE"), ("video", "VIDEO"), ("document", "TEXT")] {
            if object.contains_key(kind) {
                if model.is_some_and(|m| !m.accepts(modality)) {
                    return Err(ApiError::validation(format!(
                        "This model doesn't support the {kind} content block that you provided. Try again with a supported content block."
                    )));
                }
                tokens += MEDIA_BLOCK_TOKENS;
            }
        }
        for key in ["toolUse", "toolResult", "reasoningContent", "cachePoint"] {
            if let Some(inner) = object.get(key) {
                tokens += count_tokens(&inner.to_string());
            }
        }
    }
    Ok((text.trim_end().to_string(), tokens))
}

fn parse_converse(body: &Value, model: Option<&FoundationModel>, limit: u32) -> Result<ConverseRequest, ApiError> {
    let messages = body.get("messages").and_then(Value::as_array).cloned().unwrap_or_default();
    let first_role = messages.first().and_then(|m| m.get("role")).and_then(Value::as_str);
    if first_role != Some("user") {
        return Err(ApiError::validation("A conversation must start with a user message. Try again with a conversation that starts with a user message."));
    }
    let mut input_tokens = 0;
    let mut last_user_text = String::new();
    let mut previous_role = "";
    for message in &messages {
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        if role != "user" && role != "assistant" {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{role}' at 'messages.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]"
            )));
        }
        if role == previous_role {
            return Err(ApiError::validation(
                "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
            ));
        }
        previous_role = role;
        let blocks = message.get("content").and_then(Value::as_array).cloned().unwrap_or_default();
        if blocks.is_empty() {
            return Err(ApiError::validation(
                "The content field in the Message object is empty. Add a ContentBlock object to the content field and try again.",
            ));
        }
        let (text, tokens) = text_of_blocks(&blocks, model)?;
        input_tokens += tokens;
        if role == "user" {
            last_user_text = text;
        }
    }
    if let Some(system) = body.get("system").and_then(Value::as_array) {
        input_tokens += text_of_blocks(system, model)?.1;
    }
    let config = body.get("inferenceConfig");
    let requested = config.and_then(|c| c.get("maxTokens")).map(|v| v.as_i64().unwrap_or(-1));
    let max_tokens = check_max_tokens(requested, limit, "inferenceConfig.maxTokens")?;
    let stop_sequences = config
        .and_then(|c| c.get("stopSequences"))
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    Ok(ConverseRequest { last_user_text, input_tokens, max_tokens, stop_sequences })
}

fn require_text_model(target: &InvocationTarget) -> Result<(), ApiError> {
    match &target.model {
        Some(model) if !model.outputs_text() => {
            Err(ApiError::validation("This action doesn't support the model that you provided. Try again with a supported text or chat model."))
        }
        _ => Ok(()),
    }
}

/// Bedrock's answer to a streaming call on a model that cannot stream.
pub fn require_streaming(target: &InvocationTarget) -> Result<(), ApiError> {
    match &target.model {
        Some(model) if !model.streaming => Err(ApiError::validation("The model is unsupported for streaming.")),
        _ => Ok(()),
    }
}

fn limit_of(target: &InvocationTarget) -> u32 {
    target.model.as_ref().map(FoundationModel::max_output_tokens).unwrap_or_else(|| crate::catalog::max_output_tokens(&target.model_id))
}

fn usage(generation: &Generation) -> Value {
    json!({
        "inputTokens": generation.input_tokens,
        "outputTokens": generation.output_tokens,
        "totalTokens": generation.input_tokens + generation.output_tokens,
    })
}

/// A reply, and the tool call it makes instead of text (see [`tools`]).
fn converse_generation(target: &InvocationTarget, body: &[u8]) -> Result<(Generation, Option<ToolCall>), ApiError> {
    require_text_model(target)?;
    let body = parse_body(body)?;
    tools::check_tool_blocks(&body)?;
    let request = parse_converse(&body, target.model.as_ref(), limit_of(target))?;
    if let Some(call) = tools::requested_call(&body) {
        let output_tokens = count_tokens(&call.input.to_string()).max(1);
        return Ok((Generation { pieces: Vec::new(), input_tokens: request.input_tokens, output_tokens, stop_reason: "tool_use" }, Some(call)));
    }
    let text = tools::tool_result_text(&body).unwrap_or(request.last_user_text);
    Ok((generate(&text, request.input_tokens, request.max_tokens, &request.stop_sequences), None))
}

/// `POST /model/{id}/converse`.
pub fn converse(target: &InvocationTarget, body: &[u8], started: Instant) -> Result<Reply, ApiError> {
    let (generation, call) = converse_generation(target, body)?;
    let block = match &call {
        Some(call) => json!({ "toolUse": { "toolUseId": call.id, "name": call.name, "input": call.input } }),
        None => json!({ "text": generation.text() }),
    };
    Ok(Reply::json(
        200,
        &json!({
            "output": { "message": { "role": "assistant", "content": [ block ] } },
            "stopReason": generation.stop_reason,
            "usage": usage(&generation),
            "metrics": { "latencyMs": started.elapsed().as_millis() as u64 },
        }),
    ))
}

/// `POST /model/{id}/converse-stream`: messageStart, contentBlockDelta per word (no
/// contentBlockStart for text, as Bedrock), contentBlockStop, messageStop, metadata. A tool
/// call is contentBlockStart (`toolUse`), input fragments as contentBlockDelta, then the same.
pub fn converse_stream(target: &InvocationTarget, body: &[u8], started: Instant) -> Result<Reply, ApiError> {
    require_streaming(target)?;
    let (generation, call) = converse_generation(target, body)?;
    let mut frames = vec![eventstream::event_frame("messageStart", json!({ "role": "assistant" }))];
    if let Some(call) = &call {
        let start = json!({ "contentBlockIndex": 0, "start": { "toolUse": { "toolUseId": call.id, "name": call.name } } });
        frames.push(eventstream::event_frame("contentBlockStart", start));
        for fragment in call.input_fragments() {
            frames.push(eventstream::event_frame("contentBlockDelta", json!({ "contentBlockIndex": 0, "delta": { "toolUse": { "input": fragment } } })));
        }
    }
    for piece in &generation.pieces {
        frames.push(eventstream::event_frame("contentBlockDelta", json!({ "contentBlockIndex": 0, "delta": { "text": piece } })));
    }
    frames.push(eventstream::event_frame("contentBlockStop", json!({ "contentBlockIndex": 0 })));
    frames.push(eventstream::event_frame("messageStop", json!({ "stopReason": generation.stop_reason })));
    frames.push(eventstream::event_frame("metadata", json!({ "usage": usage(&generation), "metrics": { "latencyMs": started.elapsed().as_millis() as u64 } })));
    Ok(Reply::events(frames))
}

/// `POST /model/{id}/invoke`.
pub fn invoke(target: &InvocationTarget, body: &[u8], started: Instant) -> Result<Reply, ApiError> {
    let body = parse_body(body)?;
    let outcome = invoke_bodies::invoke(target, &body, limit_of(target))?;
    let latency = started.elapsed().as_millis().to_string();
    Ok(Reply::json(200, &outcome.body)
        .header("x-amzn-bedrock-input-token-count", outcome.input_tokens.to_string())
        .header("x-amzn-bedrock-output-token-count", outcome.output_tokens.to_string())
        .header("x-amzn-bedrock-invocation-latency", latency))
}

/// `POST /model/{id}/invoke-with-response-stream`: `chunk` events of `{"bytes": base64}`.
pub fn invoke_stream(target: &InvocationTarget, body: &[u8], started: Instant) -> Result<Reply, ApiError> {
    require_streaming(target)?;
    let body = parse_body(body)?;
    let chunks = invoke_bodies::invoke_stream(target, &body, limit_of(target), started)?;
    let frames = chunks
        .iter()
        .map(|chunk| {
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(chunk.to_string());
            eventstream::event_frame("chunk", json!({ "bytes": encoded }))
        })
        .collect();
    Ok(Reply::events(frames).header("x-amzn-bedrock-content-type", "application/json"))
}

/// `POST /model/{id}/count-tokens`: the input tokens a Converse or InvokeModel request would use.
/// Only Anthropic models support it, as on Bedrock.
pub fn count_tokens_operation(target: &InvocationTarget, body: &[u8]) -> Result<Reply, ApiError> {
    if !target.model_id.starts_with("anthropic.") {
        return Err(ApiError::validation("The provided model doesn't support counting tokens."));
    }
    let body = parse_body(body)?;
    let input = body.get("input").cloned().unwrap_or(Value::Null);
    let tokens = if let Some(converse) = input.get("converse") {
        parse_converse(converse, target.model.as_ref(), u32::MAX)?.input_tokens
    } else if let Some(encoded) = input.get("invokeModel").and_then(|i| i.get("body")).and_then(Value::as_str) {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| ApiError::validation("Malformed input request: invokeModel.body is not valid base64."))?;
        let inner = parse_body(&raw)?;
        invoke_bodies::input_tokens(&inner)
    } else {
        return Err(ApiError::validation("1 validation error detected: Value null at 'input' failed to satisfy constraint: Member must not be null"));
    };
    Ok(Reply::json(200, &json!({ "inputTokens": tokens })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_bounded() {
        let cases: &[(&str, u64, &[&str], &str, &str)] = &[
            ("hello there", 100, &[], "Echo: hello there", "end_turn"),
            ("one two three four", 3, &[], "Echo: one two", "max_tokens"),
            ("say STOP now", 100, &["STOP"], "Echo: say", "stop_sequence"),
            ("", 100, &[], "Echo:", "end_turn"),
        ];
        for (prompt, max, stops, text, reason) in cases {
            let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
            let generation = generate(prompt, 1, *max, &stops);
            assert_eq!((generation.text().as_str(), generation.stop_reason), (*text, *reason), "{prompt}");
            assert_eq!(generation.output_tokens, count_tokens(text));
        }
    }

    #[test]
    fn max_tokens_checks() {
        assert_eq!(check_max_tokens(None, 10, "f"), Ok(10));
        assert_eq!(check_max_tokens(Some(10), 10, "f"), Ok(10));
        assert!(check_max_tokens(Some(11), 10, "f").unwrap_err().message.contains("exceeds the model limit of 10"));
        assert!(check_max_tokens(Some(0), 10, "f").is_err());
    }
}
