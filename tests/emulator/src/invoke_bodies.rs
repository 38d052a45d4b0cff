//! The provider-specific request and response bodies of InvokeModel and its streaming form.
//!
//! Anthropic models take their own Messages body, answered by [`crate::anthropic_native`];
//! Amazon Nova the `messages-v1` schema; OpenAI models a chat-completions body; the others a
//! plain prompt body (`prompt`, `inputText`, `message`, ...). Each answers in its provider's shape.
//! Titan Text Embeddings V2 and Cohere Embed v3/v4 bodies are checked and answered by
//! [`crate::embeddings`].

use std::time::Instant;

use serde_json::{Value, json};

use crate::catalog::InvocationTarget;
use crate::errors::ApiError;
use crate::runtime::{Generation, MEDIA_BLOCK_TOKENS, check_max_tokens, count_tokens, generate};

/// A non-streaming answer.
#[derive(Debug, Clone)]
pub struct InvokeOutcome {
    /// The response body.
    pub body: Value,
    /// Input tokens (also sent as `X-Amzn-Bedrock-Input-Token-Count`).
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
}

/// The body family a model speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Nova,
    TitanText,
    TitanEmbed,
    NovaCanvas,
    Meta,
    Mistral,
    CohereChat,
    CohereText,
    CohereEmbed,
    DeepSeek,
    OpenAi,
    Generic,
}

fn family(model_id: &str) -> Family {
    let prefixes: &[(&str, Family)] = &[
        ("amazon.nova-canvas", Family::NovaCanvas),
        ("amazon.nova", Family::Nova),
        ("amazon.titan-embed", Family::TitanEmbed),
        ("amazon.titan-text", Family::TitanText),
        ("meta.", Family::Meta),
        ("mistral.", Family::Mistral),
        ("cohere.command-r", Family::CohereChat),
        ("cohere.embed", Family::CohereEmbed),
        ("cohere.", Family::CohereText),
        ("deepseek.", Family::DeepSeek),
        ("openai.", Family::OpenAi),
    ];
    prefixes.iter().find(|(p, _)| model_id.starts_with(p)).map(|(_, f)| *f).unwrap_or(Family::Generic)
}

fn malformed_missing(key: &str) -> ApiError {
    ApiError::validation(format!("Malformed input request: #: required key [{key}] not found, please reformat your input and try again."))
}

/// The text of a message `content`: a string, or blocks with `text` (media blocks counted apart).
fn content_text(content: &Value) -> (String, u64) {
    match content {
        Value::String(text) => (text.clone(), count_tokens(text)),
        Value::Array(blocks) => {
            let mut text = Vec::new();
            let mut tokens = 0;
            for block in blocks {
                match block.get("text").and_then(Value::as_str) {
                    Some(t) => {
                        tokens += count_tokens(t);
                        text.push(t.to_string());
                    }
                    None => tokens += MEDIA_BLOCK_TOKENS,
                }
            }
            (text.join(" "), tokens)
        }
        _ => (String::new(), 0),
    }
}

/// The prompt text (last user message or prompt field) and input tokens of any body shape.
fn prompt_of(body: &Value) -> (String, u64) {
    let mut tokens = 0;
    if let Some(system) = body.get("system") {
        tokens += content_text(system).1;
    }
    if let Some(messages) = body.get("messages").and_then(Value::as_array) {
        let mut last_user = String::new();
        for message in messages {
            let (text, count) = content_text(message.get("content").unwrap_or(&Value::Null));
            tokens += count;
            if message.get("role").and_then(Value::as_str) == Some("user") {
                last_user = text;
            }
        }
        return (last_user, tokens);
    }
    let direct = ["prompt", "inputText", "message"].iter().find_map(|k| body.get(*k).and_then(Value::as_str));
    let text = direct
        .map(str::to_string)
        .or_else(|| body.get("texts").and_then(Value::as_array).map(|t| t.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ")))
        .or_else(|| body.pointer("/textToImageParams/text").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    tokens += count_tokens(&text);
    (text, tokens)
}

/// Input tokens of an InvokeModel body, for CountTokens.
pub fn input_tokens(body: &Value) -> u64 {
    prompt_of(body).1
}

/// The requested max tokens in the family's field, checked against the limit.
fn max_tokens(family: Family, body: &Value, limit: u32) -> Result<u64, ApiError> {
    let pointer = match family {
        Family::Nova => "/inferenceConfig/maxTokens",
        Family::TitanText => "/textGenerationConfig/maxTokenCount",
        Family::Meta => "/max_gen_len",
        Family::OpenAi if body.get("max_completion_tokens").is_some() => "/max_completion_tokens",
        _ => "/max_tokens",
    };
    let requested = body.pointer(pointer).map(|v| v.as_i64().unwrap_or(-1));
    check_max_tokens(requested, limit, pointer.trim_start_matches('/'))
}

fn validate(family: Family, body: &Value) -> Result<(), ApiError> {
    match family {
        Family::Nova | Family::OpenAi if !body.get("messages").is_some_and(Value::is_array) => return Err(malformed_missing("messages")),
        Family::TitanEmbed | Family::TitanText if body.get("inputText").is_none() => return Err(malformed_missing("inputText")),
        Family::CohereEmbed if body.get("texts").is_none() => return Err(malformed_missing("texts")),
        Family::CohereChat if body.get("message").is_none() => return Err(malformed_missing("message")),
        Family::Meta | Family::DeepSeek | Family::CohereText if body.get("prompt").is_none() => return Err(malformed_missing("prompt")),
        _ => {}
    }
    Ok(())
}

/// A deterministic unit-length-ish vector derived from the text.
fn embedding(text: &str, dimensions: usize) -> Vec<f64> {
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        state = (state ^ byte as u64).wrapping_mul(0x100_0000_01b3);
    }
    (0..dimensions)
        .map(|i| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407 ^ i as u64);
            ((state >> 40) as f64 / (1u64 << 24) as f64 - 0.5) / 8.0
        })
        .collect()
}

fn short_stop(reason: &str) -> &'static str {
    if reason == "max_tokens" { "length" } else { "stop" }
}

/// `POST /model/{id}/invoke`.
pub fn invoke(target: &InvocationTarget, body: &Value, limit: u32) -> Result<InvokeOutcome, ApiError> {
    // Titan Text Embeddings V2 and Cohere Embed v3/v4 are checked against their schemas.
    if let Some(embedder) = crate::embeddings::Embedder::of(&target.model_id) {
        let embedded = crate::embeddings::invoke(embedder, body)?;
        return Ok(InvokeOutcome { body: embedded.body, input_tokens: embedded.input_tokens, output_tokens: 0 });
    }
    let family = family(&target.model_id);
    validate(family, body)?;
    let (prompt, input_tokens) = prompt_of(body);
    let outcome = |body: Value, output_tokens| Ok(InvokeOutcome { body, input_tokens, output_tokens });
    match family {
        Family::TitanEmbed => {
            let dimensions = body.get("dimensions").and_then(Value::as_u64).unwrap_or(1024).clamp(1, 4096) as usize;
            return outcome(json!({ "embedding": embedding(&prompt, dimensions), "inputTextTokenCount": input_tokens }), 0);
        }
        Family::CohereEmbed => {
            let texts: Vec<&str> = body.get("texts").and_then(Value::as_array).map(|t| t.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let vectors: Vec<Vec<f64>> = texts.iter().map(|t| embedding(t, 1024)).collect();
            return outcome(json!({ "id": crate::reply::request_id(), "embeddings": vectors, "texts": texts, "response_type": "embeddings_floats" }), 0);
        }
        Family::NovaCanvas => {
            // A 1x1 transparent PNG: enough for a client to see an image came back.
            const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
            return outcome(json!({ "images": [PNG] }), 0);
        }
        _ => {}
    }
    let max_tokens = max_tokens(family, body, limit)?;
    let stops: Vec<String> = ["/stop_sequences", "/stop", "/inferenceConfig/stopSequences"]
        .iter()
        .find_map(|p| body.pointer(p).and_then(Value::as_array))
        .map(|list| list.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let g = generate(&prompt, input_tokens, max_tokens, &stops);
    let text = g.text();
    let (i, o) = (g.input_tokens, g.output_tokens);
    let body = match family {
        Family::Nova => json!({
            "output": { "message": { "role": "assistant", "content": [ { "text": text } ] } },
            "stopReason": g.stop_reason, "usage": { "inputTokens": i, "outputTokens": o, "totalTokens": i + o },
        }),
        Family::TitanText => json!({
            "inputTextTokenCount": i,
            "results": [ { "tokenCount": o, "outputText": text, "completionReason": if g.stop_reason == "max_tokens" { "LENGTH" } else { "FINISH" } } ],
        }),
        Family::Meta => json!({ "generation": text, "prompt_token_count": i, "generation_token_count": o, "stop_reason": short_stop(g.stop_reason) }),
        Family::Mistral if body.get("messages").is_some() => json!({
            "choices": [ { "index": 0, "message": { "role": "assistant", "content": text }, "stop_reason": short_stop(g.stop_reason) } ],
        }),
        Family::Mistral => json!({ "outputs": [ { "text": text, "stop_reason": short_stop(g.stop_reason) } ] }),
        Family::CohereChat => json!({
            "response_id": crate::reply::request_id(), "text": text, "generation_id": crate::reply::request_id(), "chat_history": [],
            "finish_reason": if g.stop_reason == "max_tokens" { "MAX_TOKENS" } else { "COMPLETE" },
        }),
        Family::CohereText => {
            json!({ "id": crate::reply::request_id(), "prompt": prompt, "generations": [ { "id": crate::reply::request_id(), "text": text, "finish_reason": if g.stop_reason == "max_tokens" { "MAX_TOKENS" } else { "COMPLETE" } } ] })
        }
        Family::DeepSeek => json!({ "choices": [ { "text": text, "stop_reason": short_stop(g.stop_reason) } ] }),
        Family::OpenAi => json!({
            "id": format!("chatcmpl-{}", crate::reply::request_id()), "object": "chat.completion", "model": target.model_id,
            "choices": [ { "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": short_stop(g.stop_reason) } ],
            "usage": { "prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o },
        }),
        _ => json!({ "outputText": text, "stopReason": g.stop_reason, "inputTokens": i, "outputTokens": o }),
    };
    outcome(body, o)
}

/// The chunk payloads of `invoke-with-response-stream`; the last carries Bedrock's
/// `amazon-bedrock-invocationMetrics`.
pub fn invoke_stream(target: &InvocationTarget, body: &Value, limit: u32, started: Instant) -> Result<Vec<Value>, ApiError> {
    let family = family(&target.model_id);
    validate(family, body)?;
    let (prompt, input_tokens) = prompt_of(body);
    let max_tokens = max_tokens(family, body, limit)?;
    let g: Generation = generate(&prompt, input_tokens, max_tokens, &[]);
    let mut chunks: Vec<Value> = Vec::new();
    match family {
        Family::Nova => {
            chunks.push(json!({ "messageStart": { "role": "assistant" } }));
            for piece in &g.pieces {
                chunks.push(json!({ "contentBlockDelta": { "delta": { "text": piece }, "contentBlockIndex": 0 } }));
            }
            chunks.push(json!({ "contentBlockStop": { "contentBlockIndex": 0 } }));
            chunks.push(json!({ "messageStop": { "stopReason": g.stop_reason } }));
            chunks.push(json!({ "metadata": { "usage": { "inputTokens": g.input_tokens, "outputTokens": g.output_tokens } } }));
        }
        _ => {
            let last = g.pieces.len().saturating_sub(1);
            for (index, piece) in g.pieces.iter().enumerate() {
                let done = index == last;
                let stop = if done { Value::from(short_stop(g.stop_reason)) } else { Value::Null };
                chunks.push(match family {
                    Family::Meta => json!({ "generation": piece, "prompt_token_count": if index == 0 { Value::from(g.input_tokens) } else { Value::Null }, "generation_token_count": index + 1, "stop_reason": stop }),
                    Family::Mistral => json!({ "outputs": [ { "text": piece, "stop_reason": stop } ] }),
                    Family::DeepSeek => json!({ "choices": [ { "text": piece, "stop_reason": stop } ] }),
                    Family::OpenAi => json!({ "object": "chat.completion.chunk", "choices": [ { "index": 0, "delta": { "content": piece }, "finish_reason": stop } ] }),
                    Family::CohereChat | Family::CohereText => json!({ "is_finished": false, "event_type": "text-generation", "text": piece }),
                    Family::TitanText => json!({ "outputText": piece, "index": 0, "totalOutputTextTokenCount": index + 1, "completionReason": if done { Value::from("FINISH") } else { Value::Null }, "inputTextTokenCount": g.input_tokens }),
                    _ => json!({ "outputText": piece, "stopReason": stop }),
                });
            }
            if matches!(family, Family::CohereChat | Family::CohereText) {
                chunks.push(json!({ "is_finished": true, "event_type": "stream-end", "finish_reason": if g.stop_reason == "max_tokens" { "MAX_TOKENS" } else { "COMPLETE" } }));
            }
        }
    }
    let latency = started.elapsed().as_millis() as u64;
    if let Some(Value::Object(last)) = chunks.last_mut() {
        last.insert(
            "amazon-bedrock-invocationMetrics".into(),
            json!({ "inputTokenCount": g.input_tokens, "outputTokenCount": g.output_tokens, "invocationLatency": latency, "firstByteLatency": latency }),
        );
    }
    Ok(chunks)
}
