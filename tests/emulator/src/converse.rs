//! Converse and ConverseStream: the request's checks and the answer's shape.
//!
//! The reply echoes the last user message (see [`crate::runtime`]), or calls a tool (see
//! [`crate::tools`]), or is the minimal instance of the `outputConfig` schema (see
//! [`crate::schema`]); with reasoning asked for it starts with a reasoning block (see
//! [`crate::reasoning`]). Documents and request metadata are checked as in
//! [`crate::documents`], cache points counted as in [`crate::caching`]. Tool specifications
//! count their JSON's words as input tokens.

use std::time::Instant;

use serde_json::{Value, json};

use crate::caching::{CacheUsage, PromptCache};
use crate::catalog::{FoundationModel, InvocationTarget};
use crate::errors::ApiError;
use crate::eventstream;
use crate::reasoning::{self, Reasoning};
use crate::reply::Reply;
use crate::runtime::{Generation, MEDIA_BLOCK_TOKENS, check_max_tokens, count_tokens, generate, limit_of, parse_body, require_streaming, require_text_model};
use crate::tools::{self, ToolCall};
use crate::{documents, guardrails, schema, tiers};

/// What a Converse-shaped request asks for.
pub(crate) struct ConverseRequest {
    pub(crate) last_user_text: String,
    pub(crate) input_tokens: u64,
    pub(crate) max_tokens: u64,
    pub(crate) stop_sequences: Vec<String>,
}

/// One content block's contribution: text the reply may echo, and tokens.
fn block(block: &Value, model: Option<&FoundationModel>) -> Result<(Option<String>, u64), ApiError> {
    let Some(object) = block.as_object() else {
        return Err(ApiError::validation("Malformed input request: content blocks must be objects."));
    };
    if let Some(t) = object.get("text").and_then(Value::as_str) {
        return Ok((Some(t.to_string()), count_tokens(t)));
    }
    for (kind, modality) in [("image", "IMAGE"), ("video", "VIDEO"), ("document", "TEXT")] {
        if let Some(inner) = object.get(kind) {
            if model.is_some_and(|m| !m.accepts(modality)) {
                return Err(ApiError::validation(format!(
                    "This model doesn't support the {kind} content block that you provided. Try again with a supported content block."
                )));
            }
            if kind == "document" {
                let (name, tokens) = documents::document(inner)?;
                return Ok((Some(format!("document {name}")), tokens));
            }
            return Ok((None, MEDIA_BLOCK_TOKENS));
        }
    }
    let tokens =
        ["toolUse", "toolResult", "reasoningContent", "toolSpec"].iter().filter_map(|key| object.get(*key)).map(|inner| count_tokens(&inner.to_string())).sum();
    Ok((None, tokens))
}

fn text_of_blocks(blocks: &[Value], model: Option<&FoundationModel>) -> Result<(String, u64), ApiError> {
    let mut text = Vec::new();
    let mut tokens = 0;
    for item in blocks {
        let (part, count) = block(item, model)?;
        text.extend(part);
        tokens += count;
    }
    Ok((text.join(" "), tokens))
}

/// Parses and checks the conversation, system prompt, tools and inference configuration.
pub(crate) fn parse_converse(body: &Value, model: Option<&FoundationModel>, limit: u32) -> Result<ConverseRequest, ApiError> {
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
    let mut names: Vec<&str> =
        messages.iter().filter_map(|m| m.get("content")?.as_array()).flatten().filter_map(|b| b.get("document")?.get("name")?.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(ApiError::validation("A conversation can't contain two documents with the same name. Give each document a unique name and try again."));
    }
    if let Some(system) = body.get("system").and_then(Value::as_array) {
        input_tokens += text_of_blocks(system, model)?.1;
    }
    if let Some(tools) = body.get("toolConfig").and_then(|c| c.get("tools")).and_then(Value::as_array) {
        input_tokens += text_of_blocks(tools, model)?.1;
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

/// A Converse answer before it is framed (Anthropic's InvokeModel frames it too:
/// [`crate::anthropic_native`]).
pub(crate) struct Answer {
    pub(crate) reasoning: Option<Reasoning>,
    /// The tool calls, in order (none: a text answer).
    pub(crate) calls: Vec<ToolCall>,
    pub(crate) generation: Generation,
    pub(crate) cache: CacheUsage,
    /// The service tier asked for, which served ([`crate::tiers`]).
    pub(crate) tier: Option<&'static str>,
    /// The guardrail's intervention ([`crate::guardrails`]): its trace, `Null` when not asked.
    pub(crate) guardrail: Option<Value>,
}

impl Answer {
    fn usage(&self) -> Value {
        let g = &self.generation;
        let mut usage = json!({
            "inputTokens": g.input_tokens,
            "outputTokens": g.output_tokens,
            "totalTokens": g.input_tokens + g.output_tokens + self.cache.read + self.cache.write,
        });
        if self.cache != CacheUsage::default() {
            usage["cacheReadInputTokens"] = json!(self.cache.read);
            usage["cacheWriteInputTokens"] = json!(self.cache.write);
        }
        usage
    }
}

/// Splits a text into about three stream pieces.
fn thirds(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let size = chars.len().div_ceil(3).max(1);
    chars.chunks(size).map(|chunk| chunk.iter().collect()).collect()
}

fn answer(cache: &PromptCache, target: &InvocationTarget, body: &[u8]) -> Result<Answer, ApiError> {
    require_text_model(target)?;
    answer_body(cache, target, &parse_body(body)?, false)
}

/// The answer to a Converse-shaped body; `optional_thinking`: the model thinks when it chooses
/// (Anthropic's adaptive thinking), so an earlier tool turn need not start with a thinking block
/// (signatures are checked all the same).
pub(crate) fn answer_body(cache: &PromptCache, target: &InvocationTarget, body: &Value, optional_thinking: bool) -> Result<Answer, ApiError> {
    tools::check_tool_blocks(body)?;
    let model = target.model.as_ref();
    let request = parse_converse(body, model, limit_of(target))?;
    documents::check_request_metadata(body)?;
    let tier = tiers::requested(body, &target.model_id)?;
    let guardrail = guardrails::from_body(body)?;
    let mode = reasoning::requested(body, &target.model_id, request.max_tokens)?;
    reasoning::check_history(body, &target.model_id, if optional_thinking { &reasoning::Mode::Off } else { &mode })?;
    let output_schema = schema::requested_schema(body, &target.model_id)?;
    let calls = tools::requested_calls(body, &target.model_id)?;
    let tokens = |element: &Value| block(element, model).map(|(_, t)| t).unwrap_or(0);
    let cache_usage = cache.account(body, &target.model_id, tokens)?;
    let input_tokens = request.input_tokens.saturating_sub(cache_usage.read + cache_usage.write);
    let echoed = tools::tool_result_text(body).unwrap_or(request.last_user_text);
    let reasoning = Reasoning::for_reply(&mode, &echoed);
    let reasoning_tokens = reasoning.as_ref().map(|r| count_tokens(&r.text)).unwrap_or(0);
    let mut generation = if !calls.is_empty() {
        let output_tokens = calls.iter().map(|call| count_tokens(&call.input.to_string()).max(1)).sum();
        Generation { pieces: Vec::new(), input_tokens, output_tokens, stop_reason: "tool_use" }
    } else if let Some(output_schema) = output_schema {
        let text = schema::minimal_instance(&output_schema).to_string();
        Generation { output_tokens: count_tokens(&text).max(1), pieces: thirds(&text), input_tokens, stop_reason: "end_turn" }
    } else {
        generate(&echoed, input_tokens, request.max_tokens, &request.stop_sequences)
    };
    generation.output_tokens += reasoning_tokens;
    // A guardrail that blocks the input answers in the model's place.
    if let Some(trace) = guardrail.and_then(|guardrail| guardrail.intervention(&echoed)) {
        let text = guardrails::BLOCKED_MESSAGE;
        let generation = Generation { output_tokens: count_tokens(text), pieces: thirds(text), input_tokens, stop_reason: "guardrail_intervened" };
        return Ok(Answer { reasoning: None, calls: Vec::new(), generation, cache: cache_usage, tier, guardrail: Some(trace) });
    }
    Ok(Answer { reasoning, calls, generation, cache: cache_usage, tier, guardrail: None })
}

/// `POST /model/{id}/converse`.
pub fn converse(cache: &PromptCache, target: &InvocationTarget, body: &[u8], started: Instant) -> Result<Reply, ApiError> {
    let answer = answer(cache, target, body)?;
    let mut content: Vec<Value> = answer.reasoning.iter().map(Reasoning::block).collect();
    content.extend(answer.calls.iter().map(|call| json!({ "toolUse": { "toolUseId": call.id, "name": call.name, "input": call.input } })));
    if answer.calls.is_empty() {
        content.push(json!({ "text": answer.generation.text() }));
    }
    let mut reply = json!({
        "output": { "message": { "role": "assistant", "content": content } },
        "stopReason": answer.generation.stop_reason,
        "usage": answer.usage(),
        "metrics": { "latencyMs": started.elapsed().as_millis() as u64 },
    });
    if let Some(tier) = answer.tier {
        reply["serviceTier"] = json!({ "type": tier });
    }
    if let Some(trace) = answer.guardrail.filter(|trace| !trace.is_null()) {
        reply["trace"] = trace;
    }
    Ok(Reply::json(200, &reply))
}

/// `POST /model/{id}/converse-stream`: messageStart; a reasoning block as `reasoningContent`
/// text deltas, one signature delta and its contentBlockStop; then contentBlockDelta per word
/// (no contentBlockStart for text, as Bedrock), contentBlockStop, messageStop, metadata. A tool
/// call is contentBlockStart (`toolUse`), input fragments as contentBlockDelta, then the same.
pub fn converse_stream(cache: &PromptCache, target: &InvocationTarget, body: &[u8], started: Instant) -> Result<Reply, ApiError> {
    require_streaming(target)?;
    let answer = answer(cache, target, body)?;
    let delta = |index: usize, delta: Value| eventstream::event_frame("contentBlockDelta", json!({ "contentBlockIndex": index, "delta": delta }));
    let mut frames = vec![eventstream::event_frame("messageStart", json!({ "role": "assistant" }))];
    let mut index = 0;
    if let Some(reasoning) = &answer.reasoning {
        for piece in generate(&reasoning.text, 0, u64::MAX, &[]).pieces.iter().skip(1) {
            frames.push(delta(index, json!({ "reasoningContent": { "text": piece } })));
        }
        if let Some(signature) = &reasoning.signature {
            frames.push(delta(index, json!({ "reasoningContent": { "signature": signature } })));
        }
        frames.push(eventstream::event_frame("contentBlockStop", json!({ "contentBlockIndex": index })));
        index += 1;
    }
    for (i, call) in answer.calls.iter().enumerate() {
        if i > 0 {
            frames.push(eventstream::event_frame("contentBlockStop", json!({ "contentBlockIndex": index })));
            index += 1;
        }
        let start = json!({ "contentBlockIndex": index, "start": { "toolUse": { "toolUseId": call.id, "name": call.name } } });
        frames.push(eventstream::event_frame("contentBlockStart", start));
        for fragment in call.input_fragments() {
            frames.push(delta(index, json!({ "toolUse": { "input": fragment } })));
        }
    }
    for piece in &answer.generation.pieces {
        frames.push(delta(index, json!({ "text": piece })));
    }
    frames.push(eventstream::event_frame("contentBlockStop", json!({ "contentBlockIndex": index })));
    frames.push(eventstream::event_frame("messageStop", json!({ "stopReason": answer.generation.stop_reason })));
    let mut metadata = json!({ "usage": answer.usage(), "metrics": { "latencyMs": started.elapsed().as_millis() as u64 } });
    if let Some(tier) = answer.tier {
        metadata["serviceTier"] = json!({ "type": tier });
    }
    if let Some(trace) = answer.guardrail.as_ref().filter(|trace| !trace.is_null()) {
        metadata["trace"] = trace.clone();
    }
    frames.push(eventstream::event_frame("metadata", metadata));
    Ok(Reply::events(frames))
}
