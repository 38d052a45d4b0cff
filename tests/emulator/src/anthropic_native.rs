//! Claude's own Messages body on InvokeModel and InvokeModelWithResponseStream, as Bedrock takes
//! it (the Bedrock user guide's Anthropic Messages API page; ../shared/notes/claude-native-facts.md):
//!
//! - `anthropic_version` is required: `bedrock-2023-05-31`, or a dated Anthropic API version
//!   (the `anthropic` Python SDK's `AnthropicBedrock` sends its own, `2026-10-21` in 2.17);
//!   `model` and `stream` are not body fields on Bedrock (the model is the path, the stream the
//!   operation).
//! - Top-level fields Bedrock does not know are refused as Anthropic's validation does:
//!   `<field>: Extra inputs are not permitted`. `context_management` is known only with its
//!   beta, `context-management-2025-06-27`, in `anthropic_beta`.
//! - `anthropic_beta` is a list of strings; a beta the model does not take is refused with
//!   `invalid beta flag` (the flag is not named). Each model's betas: [`accepted_betas`].
//! - `thinking.type: enabled` is refused by the adaptive-only models (Claude Opus 4.7 and
//!   later), which take `thinking.type: adaptive` (with `output_config.effort`).
//!
//! The answer is the emulator's usual one ([`crate::converse`]: echo, tool calls, thinking,
//! prompt caching) in Anthropic's shape: a `message` JSON, or a stream of Anthropic events, one
//! per `chunk`, the last with `amazon-bedrock-invocationMetrics`. Adaptive thinking thinks
//! (with the smallest budget) when `max_tokens` leaves room for it; the model decides each turn
//! whether to think, so an earlier tool turn need not carry its thinking block back.

use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::caching::PromptCache;
use crate::catalog::InvocationTarget;
use crate::converse::{self, Answer};
use crate::errors::ApiError;
use crate::reasoning::{Reasoning, adaptive_only};
use crate::runtime::generate;

/// The version Bedrock's Anthropic body must name.
pub const BEDROCK_VERSION: &str = "bedrock-2023-05-31";
/// The beta that lets `context_management` in.
const CONTEXT_MANAGEMENT_BETA: &str = "context-management-2025-06-27";

/// Top-level fields of the Messages body on Bedrock.
const KNOWN_FIELDS: &[&str] = &[
    "anthropic_version",
    "anthropic_beta",
    "max_tokens",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "thinking",
    "stop_sequences",
    "temperature",
    "top_p",
    "top_k",
    "metadata",
    "output_config",
    "cache_control",
];

/// Betas Bedrock documents for Claude.
const DOCUMENTED_BETAS: &[&str] = &[
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
    "token-efficient-tools-2025-02-19",
    "interleaved-thinking-2025-05-14",
    "output-128k-2025-02-19",
    "context-1m-2025-08-07",
    "context-management-2025-06-27",
    "effort-2025-11-24",
    "tool-search-tool-2025-10-19",
    "tool-examples-2025-10-29",
];

/// Betas of the Claude 3 generation (before Claude 4): tool and output features only.
const CLAUDE_3_BETAS: &[&str] = &["computer-use-2024-10-22", "computer-use-2025-01-24", "token-efficient-tools-2025-02-19", "output-128k-2025-02-19"];

/// The betas `model_id` takes: Claude 3 models the features of their generation; Claude 4 and
/// later the documented ones, but the adaptive-only models refuse
/// `interleaved-thinking-2025-05-14` (thinking is interleaved there already).
pub fn accepted_betas(model_id: &str) -> Vec<&'static str> {
    if model_id.starts_with("anthropic.claude-3") {
        return CLAUDE_3_BETAS.to_vec();
    }
    DOCUMENTED_BETAS.iter().copied().filter(|beta| !(adaptive_only(model_id) && *beta == "interleaved-thinking-2025-05-14")).collect()
}

/// `YYYY-MM-DD`.
fn dated(version: &str) -> bool {
    let bytes = version.as_bytes();
    bytes.len() == 10 && bytes.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
}

fn extra(field: &str) -> ApiError {
    ApiError::validation(format!("{field}: Extra inputs are not permitted"))
}

/// Checks the body as Bedrock does before the model sees it.
pub fn check(body: &Map<String, Value>, model_id: &str) -> Result<(), ApiError> {
    match body.get("anthropic_version").and_then(Value::as_str) {
        Some(version) if version == BEDROCK_VERSION || dated(version) => {}
        Some(other) => {
            return Err(ApiError::validation(format!("anthropic_version: Input should be '{BEDROCK_VERSION}' or a dated API version, got '{other}'")));
        }
        None => {
            return Err(ApiError::validation(
                "Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.",
            ));
        }
    }
    let betas: Vec<&str> = match body.get("anthropic_beta") {
        None => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|beta| beta.as_str().ok_or_else(|| ApiError::validation("anthropic_beta: Input should be a valid list of strings")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ApiError::validation("anthropic_beta: Input should be a valid list")),
    };
    let accepted = accepted_betas(model_id);
    if betas.iter().any(|beta| !accepted.contains(beta)) {
        return Err(ApiError::validation("invalid beta flag"));
    }
    for field in body.keys() {
        let known = KNOWN_FIELDS.contains(&field.as_str()) || (field == "context_management" && betas.contains(&CONTEXT_MANAGEMENT_BETA));
        if !known {
            return Err(extra(field));
        }
    }
    if !body.get("messages").is_some_and(Value::is_array) {
        return Err(ApiError::validation("messages: Field required"));
    }
    match body.get("max_tokens").map(Value::as_i64) {
        None => return Err(ApiError::validation("max_tokens: Field required")),
        Some(Some(n)) if n >= 1 => {}
        Some(_) => return Err(ApiError::validation("max_tokens: Input should be greater than or equal to 1")),
    }
    let thinking = body.get("thinking").and_then(|t| t.get("type")).and_then(Value::as_str);
    if let Some(kind @ ("enabled" | "disabled")) = thinking.filter(|_| adaptive_only(model_id)) {
        return Err(ApiError::validation(format!(
            "thinking.type.{kind} is not supported for this model. Use thinking.type.adaptive and output_config.effort to control thinking behavior."
        )));
    }
    if let Some(other) = thinking.filter(|t| !matches!(*t, "enabled" | "disabled" | "adaptive")) {
        return Err(ApiError::validation(format!(
            "thinking.type: Input tag '{other}' found using 'type' does not match any of the expected tags: 'adaptive', 'disabled', 'enabled'"
        )));
    }
    Ok(())
}

/// A `cachePoint` for a block's `cache_control`, if it has one.
fn cache_point(block: &Value) -> Option<Value> {
    let control = block.get("cache_control")?;
    let mut point = json!({ "type": "default" });
    if let Some(ttl) = control.get("ttl") {
        point["ttl"] = ttl.clone();
    }
    Some(json!({ "cachePoint": point }))
}

/// One Anthropic content block as the emulator's Converse blocks (the block, then its cache
/// point).
fn blocks_of(block: &Value, into: &mut Vec<Value>) {
    let converted = match block.get("type").and_then(Value::as_str) {
        Some("text") => json!({ "text": block.get("text").cloned().unwrap_or_default() }),
        Some("tool_use") => {
            json!({ "toolUse": { "toolUseId": block["id"], "name": block["name"], "input": block.get("input").cloned().unwrap_or(json!({})) } })
        }
        Some("tool_result") => {
            let content = match block.get("content") {
                Some(Value::String(text)) => vec![json!({ "text": text })],
                Some(Value::Array(parts)) => parts.iter().filter_map(|p| p.get("text").map(|t| json!({ "text": t }))).collect(),
                _ => Vec::new(),
            };
            json!({ "toolResult": { "toolUseId": block["tool_use_id"], "content": content } })
        }
        Some("thinking") => json!({ "reasoningContent": { "reasoningText": { "text": block["thinking"], "signature": block["signature"] } } }),
        Some("redacted_thinking") => json!({ "reasoningContent": { "redactedContent": block["data"] } }),
        // Images, documents and anything newer: a media block.
        _ => json!({ "image": {} }),
    };
    into.push(converted);
    into.extend(cache_point(block));
}

fn content_of(content: Option<&Value>) -> Vec<Value> {
    match content {
        Some(Value::String(text)) => vec![json!({ "text": text })],
        Some(Value::Array(blocks)) => {
            let mut out = Vec::new();
            for block in blocks {
                blocks_of(block, &mut out);
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The Converse-shaped body the emulator's answer is computed from.
fn as_converse(body: &Map<String, Value>) -> Value {
    // The Messages API combines consecutive turns of one role into a single turn (Anthropic's
    // `messages` reference: "Consecutive user or assistant turns in your request will be
    // combined into a single turn"); Converse refuses them, so they are combined here first.
    let mut messages: Vec<Value> = Vec::new();
    for message in body.get("messages").and_then(Value::as_array).into_iter().flatten() {
        let role = message.get("role").cloned().unwrap_or_default();
        let content = content_of(message.get("content"));
        match messages.last_mut() {
            Some(last) if last["role"] == role => {
                if let Some(blocks) = last["content"].as_array_mut() {
                    blocks.extend(content);
                }
            }
            _ => messages.push(json!({ "role": role, "content": content })),
        }
    }
    let max_tokens = body.get("max_tokens").and_then(Value::as_i64).unwrap_or(1);
    let mut converse = json!({ "messages": messages, "inferenceConfig": { "maxTokens": max_tokens } });
    if let Some(stops) = body.get("stop_sequences") {
        converse["inferenceConfig"]["stopSequences"] = stops.clone();
    }
    if body.contains_key("system") {
        converse["system"] = Value::Array(content_of(body.get("system")));
    }
    if let Some(tools) = body.get("tools").and_then(Value::as_array) {
        let mut specs = Vec::new();
        // Server tools (a `type` other than `custom`) run on Anthropic's side: not the model's to call.
        for tool in tools.iter().filter(|t| t.get("type").and_then(Value::as_str).is_none_or(|kind| kind == "custom")) {
            let spec = json!({ "name": tool["name"], "description": tool.get("description").cloned().unwrap_or_default(), "inputSchema": { "json": tool.get("input_schema").cloned().unwrap_or(json!({})) } });
            specs.push(json!({ "toolSpec": spec }));
            specs.extend(cache_point(tool));
        }
        converse["toolConfig"] = json!({ "tools": specs });
        if let Some(choice) = body.get("tool_choice") {
            converse["toolConfig"]["toolChoice"] = match choice.get("type").and_then(Value::as_str) {
                Some("any") => json!({ "any": {} }),
                Some("tool") => json!({ "tool": { "name": choice["name"] } }),
                _ => json!({ "auto": {} }),
            };
        }
    }
    if let Some(schema) =
        body.get("output_config").and_then(|config| config.get("format")).filter(|format| format["type"] == "json_schema").map(|format| &format["schema"])
    {
        converse["outputConfig"] = json!({ "textFormat": { "type": "json_schema", "structure": { "jsonSchema": { "schema": schema.to_string() } } } });
    }
    let thinking = body.get("thinking");
    let budget = match thinking.and_then(|t| t.get("type")).and_then(Value::as_str) {
        Some("enabled") => thinking.and_then(|t| t.get("budget_tokens")).cloned(),
        Some("adaptive") if max_tokens > 1024 => Some(json!(1024)),
        _ => None,
    };
    if let Some(budget) = budget {
        converse["additionalModelRequestFields"] = json!({ "thinking": { "type": "enabled", "budget_tokens": budget } });
    }
    // Claude's own `tool_choice` (its `disable_parallel_tool_use`) as Converse passes it.
    if let Some(choice) = body.get("tool_choice").filter(|choice| choice.get("disable_parallel_tool_use").is_some()) {
        converse["additionalModelRequestFields"]["tool_choice"] = choice.clone();
    }
    converse
}

/// Checks the body and computes the answer; `guardrail`: the call's guardrail headers as
/// Converse's `guardrailConfig` ([`crate::guardrails::config_from_headers`]).
fn answer(cache: &PromptCache, target: &InvocationTarget, body: &Value, guardrail: Option<Value>) -> Result<Answer, ApiError> {
    let Some(object) = body.as_object() else { return Err(ApiError::validation("Malformed input request: expected a JSON object")) };
    check(object, &target.model_id)?;
    let adaptive = object.get("thinking").and_then(|thinking| thinking.get("type")).and_then(Value::as_str) == Some("adaptive");
    let mut converse = as_converse(object);
    if let Some(config) = guardrail {
        converse["guardrailConfig"] = config;
    }
    converse::answer_body(cache, target, &converse, adaptive)
}

/// Claude's stop reason for an answer: a guardrail's intervention ends the turn (the body says
/// `amazon-bedrock-guardrailAction: INTERVENED`, [`guardrail_action`]).
fn stop_reason(answer: &Answer) -> &'static str {
    if answer.guardrail.is_some() { "end_turn" } else { answer.generation.stop_reason }
}

/// Bedrock's mark on an InvokeModel answer a guardrail changed.
fn guardrail_action(answer: &Answer, into: &mut Value) {
    if let Some(trace) = &answer.guardrail {
        into["amazon-bedrock-guardrailAction"] = json!("INTERVENED");
        if !trace.is_null() {
            into["amazon-bedrock-trace"] = trace.clone();
        }
    }
}

fn usage(answer: &Answer) -> Value {
    json!({
        "input_tokens": answer.generation.input_tokens,
        "output_tokens": answer.generation.output_tokens,
        "cache_read_input_tokens": answer.cache.read,
        "cache_creation_input_tokens": answer.cache.write,
    })
}

fn message_id() -> String {
    format!("msg_bdrk_{}", &crate::reply::request_id().replace('-', "")[..24])
}

fn model_name(target: &InvocationTarget) -> &str {
    target.model_id.trim_start_matches("anthropic.")
}

fn thinking_block(reasoning: &Reasoning) -> Value {
    json!({ "type": "thinking", "thinking": reasoning.text, "signature": reasoning.signature })
}

/// `POST /model/{id}/invoke` for Claude: the Anthropic message.
pub fn invoke(cache: &PromptCache, target: &InvocationTarget, body: &Value, guardrail: Option<Value>) -> Result<(Value, u64, u64), ApiError> {
    let answer = answer(cache, target, body, guardrail)?;
    let mut content: Vec<Value> = answer.reasoning.iter().map(thinking_block).collect();
    content.extend(
        answer.calls.iter().map(|call| json!({ "type": "tool_use", "id": call.id.replace("tooluse_", "toolu_bdrk_"), "name": call.name, "input": call.input })),
    );
    if answer.calls.is_empty() {
        content.push(json!({ "type": "text", "text": answer.generation.text() }));
    }
    let mut message = json!({
        "id": message_id(), "type": "message", "role": "assistant", "model": model_name(target), "content": content,
        "stop_reason": stop_reason(&answer), "stop_sequence": null, "usage": usage(&answer),
    });
    guardrail_action(&answer, &mut message);
    Ok((message, answer.generation.input_tokens, answer.generation.output_tokens))
}

/// `POST /model/{id}/invoke-with-response-stream` for Claude: one Anthropic event per chunk,
/// the last carrying `amazon-bedrock-invocationMetrics`.
pub fn invoke_stream(cache: &PromptCache, target: &InvocationTarget, body: &Value, guardrail: Option<Value>, started: Instant) -> Result<Vec<Value>, ApiError> {
    let answer = answer(cache, target, body, guardrail)?;
    let mut start_usage = usage(&answer);
    start_usage["output_tokens"] = json!(1);
    let mut events = vec![json!({ "type": "message_start", "message": {
        "id": message_id(), "type": "message", "role": "assistant", "model": model_name(target), "content": [],
        "stop_reason": null, "stop_sequence": null, "usage": start_usage } })];
    let mut index = 0;
    let block = |events: &mut Vec<Value>, index: usize, start: Value, deltas: Vec<Value>| {
        events.push(json!({ "type": "content_block_start", "index": index, "content_block": start }));
        events.extend(deltas.into_iter().map(|delta| json!({ "type": "content_block_delta", "index": index, "delta": delta })));
        events.push(json!({ "type": "content_block_stop", "index": index }));
    };
    if let Some(reasoning) = &answer.reasoning {
        let mut deltas: Vec<Value> =
            generate(&reasoning.text, 0, u64::MAX, &[]).pieces.iter().skip(1).map(|piece| json!({ "type": "thinking_delta", "thinking": piece })).collect();
        deltas.extend(reasoning.signature.iter().map(|signature| json!({ "type": "signature_delta", "signature": signature })));
        block(&mut events, index, json!({ "type": "thinking", "thinking": "", "signature": "" }), deltas);
        index += 1;
    }
    for call in &answer.calls {
        let deltas = call.input_fragments().into_iter().map(|fragment| json!({ "type": "input_json_delta", "partial_json": fragment })).collect();
        let id = call.id.replace("tooluse_", "toolu_bdrk_");
        block(&mut events, index, json!({ "type": "tool_use", "id": id, "name": call.name, "input": {} }), deltas);
        index += 1;
    }
    if answer.calls.is_empty() {
        let deltas = answer.generation.pieces.iter().map(|piece| json!({ "type": "text_delta", "text": piece })).collect();
        block(&mut events, index, json!({ "type": "text", "text": "" }), deltas);
    }
    let mut delta = json!({ "type": "message_delta", "delta": { "stop_reason": stop_reason(&answer), "stop_sequence": null }, "usage": { "output_tokens": answer.generation.output_tokens } });
    guardrail_action(&answer, &mut delta);
    events.push(delta);
    let latency = started.elapsed().as_millis() as u64;
    events.push(json!({ "type": "message_stop", "amazon-bedrock-invocationMetrics": {
        "inputTokenCount": answer.generation.input_tokens, "outputTokenCount": answer.generation.output_tokens,
        "invocationLatency": latency, "firstByteLatency": latency,
        "cacheReadInputTokenCount": answer.cache.read, "cacheWriteInputTokenCount": answer.cache.write } }));
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(patch: Value) -> Map<String, Value> {
        let mut body = json!({ "anthropic_version": BEDROCK_VERSION, "max_tokens": 100, "messages": [{ "role": "user", "content": "hi" }] });
        for (key, value) in patch.as_object().cloned().unwrap_or_default() {
            if value.is_null() {
                body.as_object_mut().map(|b| b.remove(&key));
            } else {
                body[key] = value;
            }
        }
        body.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn bodies_are_checked_as_bedrock_does() {
        const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        const OPUS_4_7: &str = "anthropic.claude-opus-4-7-v1:0";
        // (model, patch, the error's start; None: accepted)
        const HAIKU_3: &str = "anthropic.claude-3-haiku-20240307-v1:0";
        let cases: [(&str, Value, Option<&str>); 16] = [
            (SONNET, json!({ "anthropic_version": "2026-10-21" }), None),
            (SONNET, json!({ "anthropic_version": "latest" }), Some("anthropic_version: Input should be")),
            (HAIKU_3, json!({ "anthropic_beta": ["effort-2025-11-24"] }), Some("invalid beta flag")),
            (HAIKU_3, json!({ "anthropic_beta": ["token-efficient-tools-2025-02-19"] }), None),
            (SONNET, json!({}), None),
            (SONNET, json!({ "anthropic_version": null }), Some("Malformed input request: #: required key [anthropic_version]")),
            (SONNET, json!({ "future_field": 1 }), Some("future_field: Extra inputs are not permitted")),
            (SONNET, json!({ "context_management": { "edits": [] } }), Some("context_management: Extra inputs are not permitted")),
            (SONNET, json!({ "context_management": { "edits": [] }, "anthropic_beta": [CONTEXT_MANAGEMENT_BETA] }), None),
            (SONNET, json!({ "anthropic_beta": ["oauth-2025-04-20"] }), Some("invalid beta flag")),
            (SONNET, json!({ "anthropic_beta": ["interleaved-thinking-2025-05-14"] }), None),
            (OPUS_4_7, json!({ "anthropic_beta": ["interleaved-thinking-2025-05-14"] }), Some("invalid beta flag")),
            (OPUS_4_7, json!({ "thinking": { "type": "enabled", "budget_tokens": 2048 } }), Some("thinking.type.enabled is not supported")),
            (OPUS_4_7, json!({ "thinking": { "type": "adaptive" } }), None),
            (SONNET, json!({ "max_tokens": 0 }), Some("max_tokens: Input should be greater")),
            (SONNET, json!({ "stream": true }), Some("stream: Extra inputs are not permitted")),
        ];
        for (model, patch, expected) in cases {
            let outcome = check(&body(patch.clone()), model);
            match expected {
                None => assert_eq!(outcome, Ok(()), "{model} {patch}"),
                Some(start) => assert!(outcome.as_ref().is_err_and(|e| e.message.starts_with(start)), "{model} {patch}: {outcome:?}"),
            }
        }
    }

    #[test]
    fn blocks_become_the_emulators_converse_blocks() {
        let converse = as_converse(&body(json!({
            "system": [{ "type": "text", "text": "be brief", "cache_control": { "type": "ephemeral", "ttl": "1h" } }],
            "tools": [{ "name": "get_weather", "input_schema": { "type": "object" } }, { "type": "tool_search_tool_regex_20251119", "name": "search" }],
            "tool_choice": { "type": "tool", "name": "get_weather" },
            "thinking": { "type": "enabled", "budget_tokens": 2048 },
        })));
        assert_eq!(converse["system"], json!([{ "text": "be brief" }, { "cachePoint": { "type": "default", "ttl": "1h" } }]));
        assert_eq!(converse["toolConfig"]["tools"].as_array().map(Vec::len), Some(1));
        assert_eq!(converse["toolConfig"]["toolChoice"], json!({ "tool": { "name": "get_weather" } }));
        assert_eq!(converse["additionalModelRequestFields"]["thinking"]["budget_tokens"], 2048);
        assert_eq!(converse["messages"][0]["content"], json!([{ "text": "hi" }]));
        let consecutive = body(json!({ "messages": [{ "role": "user", "content": "a" }, { "role": "user", "content": [{ "type": "text", "text": "b" }] }] }));
        let combined = as_converse(&consecutive);
        assert_eq!(
            combined["messages"],
            json!([{ "role": "user", "content": [{ "text": "a" }, { "text": "b" }] }]),
            "one turn, as the Messages API combines them"
        );
    }
}
