//! The OpenAI chat-completions shapes and their mapping to and from the host's types.
//!
//! Requests are read from a `serde_json::Value` field by field, so that every refusal names
//! the field (`param`) the way OpenAI does. Unknown fields are ignored, as OpenAI-compatible
//! servers do; `n` other than 1 is refused.

mod image;

use super::errors::HttpError;
use crate::aws::model::{ContentBlock, ConverseResponse, Message, Role, StreamEvent, ToolSpec, Usage};
use crate::types::{ChatRequest, ConfigSource, Discovery};
use image::image_block;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// A parsed `POST /v1/chat/completions` body.
#[derive(Debug, Clone)]
pub struct Completion {
    /// What is asked (a 0.1.0 policy's `chat` also gets the config, filled in by the caller).
    pub request: ChatRequest,
    /// The model as the client wrote it (echoed in responses).
    pub model: String,
    /// `stream: true`.
    pub stream: bool,
    /// `stream_options.include_usage`.
    pub include_usage: bool,
}

/// Parses a request body (already known to be JSON).
pub fn parse_completion(body: &Value, timeout: Duration) -> Result<Completion, HttpError> {
    let Some(object) = body.as_object() else {
        return Err(HttpError::invalid("", "the request body must be a JSON object"));
    };
    let model = match object.get("model") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(model)) => model.trim().to_string(),
        Some(_) => return Err(HttpError::invalid("model", "`model` must be a string")),
    };
    let stream = optional_bool(object, "stream")?.unwrap_or(false);
    let include_usage = match object.get("stream_options") {
        None | Some(Value::Null) => false,
        Some(Value::Object(options)) => optional_bool(options, "include_usage").map_err(|e| reparam(e, "stream_options.include_usage"))?.unwrap_or(false),
        Some(_) => return Err(HttpError::invalid("stream_options", "`stream_options` must be an object")),
    };
    if object.get("n").is_some_and(|n| !n.is_null() && n.as_u64() != Some(1)) {
        return Err(HttpError::invalid("n", "only n = 1 is supported"));
    }
    let max_tokens = match optional_u32(object, "max_completion_tokens")? {
        Some(max) => Some(max),
        None => optional_u32(object, "max_tokens")?,
    };
    let (system, messages) = parse_messages(object.get("messages"))?;
    let request = ChatRequest {
        config: ConfigSource::default(),
        model: Some(model.clone()).filter(|m| !m.is_empty()),
        system,
        messages,
        max_tokens,
        temperature: optional_f32(object, "temperature", 0.0, 2.0)?,
        top_p: optional_f32(object, "top_p", 0.0, 1.0)?,
        stop_sequences: parse_stop(object.get("stop"))?,
        tools: parse_tools(object.get("tools"))?,
        timeout,
    };
    Ok(Completion { request, model, stream, include_usage })
}

fn reparam(mut error: HttpError, param: &str) -> HttpError {
    error.param = Some(param.to_string());
    error
}

fn optional_bool(object: &Map<String, Value>, key: &str) -> Result<Option<bool>, HttpError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(*value)),
        Some(_) => Err(HttpError::invalid(key, format!("`{key}` must be true or false"))),
    }
}

fn optional_u32(object: &Map<String, Value>, key: &str) -> Result<Option<u32>, HttpError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64().and_then(|v| u32::try_from(v).ok()) {
            Some(n) if n >= 1 => Ok(Some(n)),
            _ => Err(HttpError::invalid(key, format!("`{key}` must be an integer of at least 1"))),
        },
    }
}

fn optional_f32(object: &Map<String, Value>, key: &str, min: f64, max: f64) -> Result<Option<f32>, HttpError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_f64() {
            Some(v) if (min..=max).contains(&v) => Ok(Some(v as f32)),
            _ => Err(HttpError::invalid(key, format!("`{key}` must be a number from {min} to {max}"))),
        },
    }
}

fn parse_stop(stop: Option<&Value>) -> Result<Vec<String>, HttpError> {
    match stop {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(one)) => Ok(vec![one.clone()]),
        Some(Value::Array(list)) if list.len() <= 4 && list.iter().all(Value::is_string) => {
            Ok(list.iter().filter_map(Value::as_str).map(str::to_string).collect())
        }
        Some(_) => Err(HttpError::invalid("stop", "`stop` must be a string or a list of up to 4 strings")),
    }
}

fn parse_tools(tools: Option<&Value>) -> Result<Vec<ToolSpec>, HttpError> {
    let list = match tools {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(HttpError::invalid("tools", "`tools` must be a list")),
    };
    let mut specs = Vec::with_capacity(list.len());
    for (i, tool) in list.iter().enumerate() {
        let param = format!("tools[{i}]");
        if tool.get("type").and_then(Value::as_str).is_some_and(|t| t != "function") {
            return Err(HttpError::invalid(format!("{param}.type"), "only `function` tools are supported"));
        }
        let Some(function) = tool.get("function").and_then(Value::as_object) else {
            return Err(HttpError::invalid(format!("{param}.function"), "a tool needs a `function` object"));
        };
        let Some(name) = function.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) else {
            return Err(HttpError::invalid(format!("{param}.function.name"), "a function tool needs a name"));
        };
        let description = function.get("description").and_then(Value::as_str).filter(|d| !d.is_empty()).unwrap_or(name);
        let schema = match function.get("parameters") {
            None | Some(Value::Null) => json!({ "type": "object", "properties": {} }),
            Some(schema @ Value::Object(_)) => schema.clone(),
            Some(_) => return Err(HttpError::invalid(format!("{param}.function.parameters"), "`parameters` must be a JSON Schema object")),
        };
        specs.push(ToolSpec { name: name.to_string(), description: description.to_string(), input_schema: schema.to_string() });
    }
    Ok(specs)
}

/// System prompts and the conversation. Tool results become `tool-result` blocks of a user
/// message; consecutive messages of one role are merged (Bedrock wants them alternating).
fn parse_messages(messages: Option<&Value>) -> Result<(Vec<String>, Vec<Message>), HttpError> {
    let Some(list) = messages.and_then(Value::as_array).filter(|l| !l.is_empty()) else {
        return Err(HttpError::invalid("messages", "`messages` must be a non-empty list"));
    };
    let mut system = Vec::new();
    let mut conversation: Vec<Message> = Vec::new();
    for (i, message) in list.iter().enumerate() {
        let param = format!("messages[{i}]");
        let Some(object) = message.as_object() else {
            return Err(HttpError::invalid(param, "each message must be an object"));
        };
        let role = object.get("role").and_then(Value::as_str).unwrap_or("");
        let content = object.get("content");
        let (role, blocks) = match role {
            "system" | "developer" => {
                system.push(text_only(content, &format!("{param}.content"))?);
                continue;
            }
            "user" => (Role::User, user_content(content, &format!("{param}.content"))?),
            "assistant" => (Role::Assistant, assistant_content(object, &param)?),
            "tool" => {
                let Some(id) = object.get("tool_call_id").and_then(Value::as_str) else {
                    return Err(HttpError::invalid(format!("{param}.tool_call_id"), "a tool message needs `tool_call_id`"));
                };
                let text = text_only(content, &format!("{param}.content"))?;
                (Role::User, vec![ContentBlock::ToolResult { id: id.to_string(), content: text, is_error: false }])
            }
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(HttpError::invalid(format!("{param}.role"), format!("unsupported role `{shown}`: use system, user, assistant or tool")));
            }
        };
        if blocks.is_empty() {
            continue;
        }
        match conversation.last_mut() {
            Some(last) if last.role == role => last.content.extend(blocks),
            _ => conversation.push(Message { role, content: blocks }),
        }
    }
    Ok((system, conversation))
}

/// Text content: a string, or a list of `text` parts joined.
fn text_only(content: Option<&Value>, param: &str) -> Result<String, HttpError> {
    match content {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Array(parts)) => {
            let mut text = String::new();
            for (i, part) in parts.iter().enumerate() {
                match part.get("text").and_then(Value::as_str) {
                    Some(piece) => text.push_str(piece),
                    None => return Err(HttpError::invalid(format!("{param}[{i}]"), "only text parts are allowed here")),
                }
            }
            Ok(text)
        }
        Some(_) => Err(HttpError::invalid(param, "content must be a string or a list of parts")),
    }
}

fn user_content(content: Option<&Value>, param: &str) -> Result<Vec<ContentBlock>, HttpError> {
    match content {
        Some(Value::String(text)) => Ok(vec![ContentBlock::Text(text.clone())]),
        Some(Value::Array(parts)) => parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let param = format!("{param}[{i}]");
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => part
                        .get("text")
                        .and_then(Value::as_str)
                        .map(|t| ContentBlock::Text(t.to_string()))
                        .ok_or_else(|| HttpError::invalid(format!("{param}.text"), "a text part needs `text`")),
                    Some("image_url") => {
                        let url = part.get("image_url").and_then(|u| u.get("url").or(Some(u))).and_then(Value::as_str);
                        let url = url.ok_or_else(|| HttpError::invalid(format!("{param}.image_url"), "an image part needs `image_url.url`"))?;
                        image_block(url).map_err(|message| HttpError::invalid(format!("{param}.image_url"), message))
                    }
                    _ => Err(HttpError::invalid(format!("{param}.type"), "supported parts: `text` and `image_url`")),
                }
            })
            .collect(),
        _ => Err(HttpError::invalid(param, "a user message needs content: a string or a list of parts")),
    }
}

fn assistant_content(object: &Map<String, Value>, param: &str) -> Result<Vec<ContentBlock>, HttpError> {
    let mut blocks = Vec::new();
    let text = text_only(object.get("content"), &format!("{param}.content"))?;
    if !text.is_empty() {
        blocks.push(ContentBlock::Text(text));
    }
    match object.get("tool_calls") {
        None | Some(Value::Null) => {}
        Some(Value::Array(calls)) => {
            for (i, call) in calls.iter().enumerate() {
                let call_param = format!("{param}.tool_calls[{i}]");
                let id = call.get("id").and_then(Value::as_str);
                let function = call.get("function");
                let name = function.and_then(|f| f.get("name")).and_then(Value::as_str);
                let (Some(id), Some(name)) = (id, name) else {
                    return Err(HttpError::invalid(call_param, "a tool call needs `id` and `function.name`"));
                };
                let arguments = function.and_then(|f| f.get("arguments")).and_then(Value::as_str).filter(|a| !a.trim().is_empty()).unwrap_or("{}");
                blocks.push(ContentBlock::ToolUse { id: id.to_string(), name: name.to_string(), input: arguments.to_string() });
            }
        }
        Some(_) => return Err(HttpError::invalid(format!("{param}.tool_calls"), "`tool_calls` must be a list")),
    }
    Ok(blocks)
}

/// Bedrock's stop reason as an OpenAI `finish_reason`.
pub fn finish_reason(stop_reason: &str) -> &'static str {
    match stop_reason {
        "max_tokens" | "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "content_filtered" | "guardrail_intervened" => "content_filter",
        _ => "stop",
    }
}

/// OpenAI's usage object.
pub fn usage_json(usage: &Usage) -> Value {
    json!({ "prompt_tokens": usage.input_tokens, "completion_tokens": usage.output_tokens, "total_tokens": usage.total_tokens })
}

/// A non-streamed answer, collected from the policy's stream events.
#[derive(Debug, Default)]
pub struct Collected {
    text: String,
    reasoning: String,
    tool_calls: Vec<(u32, String, String, String)>,
    stop_reason: Option<String>,
    /// Token counts, when the stream reported them.
    pub usage: Option<Usage>,
}

impl From<ConverseResponse> for Collected {
    fn from(response: ConverseResponse) -> Self {
        let mut collected = Collected { stop_reason: Some(response.stop_reason), usage: Some(response.usage), ..Collected::default() };
        for (index, block) in response.content.into_iter().enumerate() {
            match block {
                ContentBlock::Text(text) => collected.text.push_str(&text),
                ContentBlock::Reasoning { text, .. } => collected.reasoning.push_str(&text),
                ContentBlock::ToolUse { id, name, input } => collected.tool_calls.push((u32::try_from(index).unwrap_or(u32::MAX), id, name, input)),
                ContentBlock::Image { .. }
                | ContentBlock::ToolResult { .. }
                | ContentBlock::RedactedReasoning(_)
                | ContentBlock::Document { .. }
                | ContentBlock::CachePoint => {}
            }
        }
        collected
    }
}

impl Collected {
    /// Adds one event.
    pub fn push(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::TextDelta { text, .. } => self.text.push_str(&text),
            StreamEvent::ReasoningDelta { text, .. } => self.reasoning.push_str(&text),
            StreamEvent::ToolUseStart { index, id, name } => self.tool_calls.push((index, id, name, String::new())),
            StreamEvent::ToolUseDelta { index, text } => {
                if let Some(call) = self.tool_calls.iter_mut().rev().find(|call| call.0 == index) {
                    call.3.push_str(&text);
                }
            }
            StreamEvent::MessageStop(reason) => self.stop_reason = Some(reason),
            StreamEvent::Metadata { usage, .. } => self.usage = Some(usage),
            // Signatures and encrypted reasoning have no Chat Completions form yet.
            StreamEvent::MessageStart(_) | StreamEvent::BlockStop(_) | StreamEvent::ReasoningSignature { .. } | StreamEvent::RedactedReasoning { .. } => {}
        }
    }

    /// The `chat.completion` object.
    pub fn response(&self, id: &str, created: u64, model: &str) -> Value {
        let mut message = json!({ "role": "assistant", "content": if self.text.is_empty() && !self.tool_calls.is_empty() { Value::Null } else { Value::String(self.text.clone()) } });
        if !self.reasoning.is_empty() {
            message["reasoning_content"] = Value::String(self.reasoning.clone());
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
        json!({
            "id": id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{ "index": 0, "message": message, "finish_reason": finish_reason(self.stop_reason.as_deref().unwrap_or("end_turn")), "logprobs": null }],
            "usage": usage_json(&usage),
        })
    }
}

/// `GET /v1/models`: the discovered models in the OpenAI list shape (plus the fields OpenClaw
/// clients find useful: name, context window, max tokens, input modalities).
pub fn model_list(discovery: &Discovery) -> Value {
    let created = discovery.fetched_at.unwrap_or(0);
    let data: Vec<Value> = discovery
        .models
        .iter()
        .map(|model| {
            json!({
                "id": model.id,
                "object": "model",
                "created": created,
                "owned_by": model.provider,
                "name": model.name,
                "context_window": model.context_window,
                "max_tokens": model.max_tokens,
                "input": model.input,
                "region": model.region,
            })
        })
        .collect();
    json!({ "object": "list", "data": data })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<Completion, HttpError> {
        parse_completion(&body, Duration::from_secs(1))
    }

    #[test]
    fn messages_map_to_bedrock_blocks() {
        let completion = parse(json!({
            "model": "bedrock/x", "stream": true, "stream_options": {"include_usage": true},
            "max_tokens": 10, "max_completion_tokens": 20, "temperature": 0.5, "top_p": 0.9, "stop": "END",
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
                {"role": "user", "content": "thanks"}
            ]
        }))
        .expect("valid");
        assert!(completion.stream && completion.include_usage);
        let request = completion.request;
        assert_eq!((request.max_tokens, request.stop_sequences.as_slice()), (Some(20), &["END".to_string()][..]));
        assert_eq!(request.system, vec!["be brief".to_string()]);
        assert_eq!(request.messages.len(), 3, "tool result and the next user text merge: {:?}", request.messages);
        assert_eq!(request.messages[0].content[1], ContentBlock::Image { format: "png".into(), bytes: vec![0x89, b'P', b'N', b'G', 13, 10, 26, 10] });
        assert!(matches!(&request.messages[1].content[0], ContentBlock::ToolUse { id, name, .. } if id == "c1" && name == "get_weather"));
        assert!(matches!(&request.messages[2].content[0], ContentBlock::ToolResult { id, content, .. } if id == "c1" && content == "sunny"));
        assert_eq!(request.tools[0].description, "get_weather");
    }

    #[test]
    fn bad_fields_name_themselves() {
        let cases = [
            (json!([]), ""),
            (json!({"messages": []}), "messages"),
            (json!({"messages": [{"role": "wizard", "content": "x"}]}), "messages[0].role"),
            (json!({"messages": [{"role": "user", "content": 5}]}), "messages[0].content"),
            (json!({"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}), "max_tokens"),
            (json!({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"}), "temperature"),
            (json!({"messages": [{"role": "user", "content": "x"}], "stop": [1]}), "stop"),
            (json!({"messages": [{"role": "user", "content": "x"}], "n": 2}), "n"),
            (
                json!({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}]}),
                "messages[0].content[0].image_url",
            ),
            (
                json!({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,SGk_"}}]}]}),
                "messages[0].content[0].image_url",
            ),
            (json!({"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {}}]}), "tools[0].function.name"),
        ];
        for (body, param) in cases {
            let error = parse(body.clone()).expect_err(&body.to_string());
            assert_eq!((error.status, error.param.as_deref().unwrap_or("")), (400, param), "{body}");
        }
    }

    #[test]
    fn collected_events_become_a_completion() {
        let mut collected = Collected::default();
        for event in [
            StreamEvent::MessageStart(Role::Assistant),
            StreamEvent::ToolUseStart { index: 0, id: "t1".into(), name: "f".into() },
            StreamEvent::ToolUseDelta { index: 0, text: "{\"a\":".into() },
            StreamEvent::ToolUseDelta { index: 0, text: "1}".into() },
            StreamEvent::MessageStop("tool_use".into()),
            StreamEvent::Metadata { usage: Usage { input_tokens: 3, output_tokens: 4, total_tokens: 7, ..Usage::default() }, latency_ms: 1 },
        ] {
            collected.push(event);
        }
        let response = collected.response("id", 1, "m");
        assert_eq!(response["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(response["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
        assert_eq!(response["usage"]["total_tokens"], 7);
    }
}
