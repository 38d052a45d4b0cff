//! Bedrock runtime: Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream and
//! CountTokens, answering deterministically from the prompt.
//!
//! The reply to a prompt is `Echo:` followed by the words of the last user message; a token is a
//! whitespace-separated word (an image, video or document block counts as 100 tokens). A reply
//! longer than the request's max tokens is cut there with stop reason `max_tokens`; a stop
//! sequence in the reply cuts it with `stop_sequence`. Converse and ConverseStream are in
//! [`crate::converse`].

use std::time::Instant;

use serde_json::{Value, json};

use crate::anthropic_native;
use crate::caching::PromptCache;
use crate::catalog::{FoundationModel, InvocationTarget};
use crate::errors::ApiError;
use crate::eventstream;
use crate::guardrails;
use crate::invoke_bodies;
use crate::reply::Reply;

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

pub(crate) fn require_text_model(target: &InvocationTarget) -> Result<(), ApiError> {
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

pub(crate) fn limit_of(target: &InvocationTarget) -> u32 {
    target.model.as_ref().map(FoundationModel::max_output_tokens).unwrap_or_else(|| crate::catalog::max_output_tokens(&target.model_id))
}

/// Whether a model takes Claude's own Messages body ([`crate::anthropic_native`]).
fn speaks_anthropic(target: &InvocationTarget) -> bool {
    target.model_id.starts_with("anthropic.")
}

/// `POST /model/{id}/invoke`.
pub fn invoke(cache: &PromptCache, target: &InvocationTarget, headers: &[(String, String)], body: &[u8], started: Instant) -> Result<Reply, ApiError> {
    let guardrail = guardrails::config_from_headers(headers)?;
    let body = parse_body(body)?;
    let outcome = if speaks_anthropic(target) {
        let (body, input_tokens, output_tokens) = anthropic_native::invoke(cache, target, &body, guardrail)?;
        invoke_bodies::InvokeOutcome { body, input_tokens, output_tokens }
    } else {
        invoke_bodies::invoke(target, &body, limit_of(target))?
    };
    let latency = started.elapsed().as_millis().to_string();
    Ok(Reply::json(200, &outcome.body)
        .header("x-amzn-bedrock-input-token-count", outcome.input_tokens.to_string())
        .header("x-amzn-bedrock-output-token-count", outcome.output_tokens.to_string())
        .header("x-amzn-bedrock-invocation-latency", latency))
}

/// `POST /model/{id}/invoke-with-response-stream`: `chunk` events of `{"bytes": base64}`.
pub fn invoke_stream(cache: &PromptCache, target: &InvocationTarget, headers: &[(String, String)], body: &[u8], started: Instant) -> Result<Reply, ApiError> {
    require_streaming(target)?;
    let guardrail = guardrails::config_from_headers(headers)?;
    let body = parse_body(body)?;
    let chunks = if speaks_anthropic(target) {
        anthropic_native::invoke_stream(cache, target, &body, guardrail, started)?
    } else {
        invoke_bodies::invoke_stream(target, &body, limit_of(target), started)?
    };
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
/// Only Anthropic models support it, as on Bedrock, and only by their foundation model id: an
/// inference profile is refused.
pub fn count_tokens_operation(target: &InvocationTarget, body: &[u8]) -> Result<Reply, ApiError> {
    if !speaks_anthropic(target) || target.profile_id.is_some() {
        return Err(ApiError::validation("The provided model doesn't support counting tokens."));
    }
    let body = parse_body(body)?;
    let input = body.get("input").cloned().unwrap_or(Value::Null);
    let tokens = if let Some(converse) = input.get("converse") {
        crate::converse::parse_converse(converse, target.model.as_ref(), u32::MAX)?.input_tokens
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
