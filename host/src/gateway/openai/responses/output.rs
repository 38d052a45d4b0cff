//! The answer in the Responses API's shapes: output items (`message`, `reasoning`,
//! `function_call`, `custom_tool_call`), the `response` object, and its `usage`.

use super::seal::Sealer;
use super::tools::{ToolKind, Tools};
use crate::aws::model::{ContentBlock, Usage};
use serde_json::{Map, Value, json};

/// What kind of output item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Message,
    Reasoning,
    Function,
    Custom,
}

/// One output item as it is gathered.
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub id: String,
    pub kind: Kind,
    /// Message text, reasoning text, function arguments, or a custom call's JSON input.
    pub text: String,
    /// The Bedrock tool name of a call.
    pub name: String,
    /// A call's id.
    pub call_id: String,
    /// A reasoning block's signature.
    pub signature: Option<String>,
    /// A redacted reasoning block's bytes.
    pub redacted: Option<Vec<u8>>,
    /// The item as it ended (made once, when it closed).
    pub done: Option<Value>,
}

impl Item {
    /// A new item of `kind`.
    pub fn new(kind: Kind) -> Self {
        let prefix = match kind {
            Kind::Message => "msg",
            Kind::Reasoning => "rs",
            Kind::Function => "fc",
            Kind::Custom => "ctc",
        };
        Self { id: new_id(prefix), kind, text: String::new(), name: String::new(), call_id: String::new(), signature: None, redacted: None, done: None }
    }

    /// A custom call's input: the `input` string of the JSON Bedrock's model wrote (the text as
    /// it is when the model wrote something else).
    pub fn custom_input(&self) -> String {
        match serde_json::from_str::<Value>(&self.text) {
            Ok(Value::Object(object)) => match object.get("input") {
                Some(Value::String(input)) => input.clone(),
                _ => self.text.clone(),
            },
            _ => self.text.clone(),
        }
    }

    /// A call's arguments (`{}` when the model sent none).
    pub fn arguments(&self) -> &str {
        if self.text.trim().is_empty() { "{}" } else { &self.text }
    }

    /// The item as the API shows it; `status` `in_progress` (just added) or `completed`.
    pub fn json(&self, done: bool, finish: &Finish<'_>) -> Value {
        let status = if done { "completed" } else { "in_progress" };
        match self.kind {
            Kind::Message => {
                let content = if done { vec![output_text(&self.text)] } else { Vec::new() };
                json!({ "id": self.id, "type": "message", "status": status, "role": "assistant", "content": content })
            }
            Kind::Reasoning => {
                let summary: Vec<Value> = if done && !self.text.is_empty() { vec![summary_text(&self.text)] } else { Vec::new() };
                let mut item = json!({ "id": self.id, "type": "reasoning", "summary": summary });
                if done && let Some(sealed) = finish.sealer.seal(finish.family, &self.blocks()) {
                    item["encrypted_content"] = Value::String(sealed);
                }
                item
            }
            Kind::Function => {
                let arguments = if done { self.arguments() } else { "" };
                let mut item =
                    json!({ "id": self.id, "type": "function_call", "status": status, "call_id": self.call_id, "name": self.name, "arguments": arguments });
                if let ToolKind::Namespaced { namespace, name } = finish.tools.kind(&self.name) {
                    item["name"] = Value::String(name);
                    item["namespace"] = Value::String(namespace);
                }
                item
            }
            Kind::Custom => {
                let input = if done { self.custom_input() } else { String::new() };
                json!({ "id": self.id, "type": "custom_tool_call", "status": status, "call_id": self.call_id, "name": self.name, "input": input })
            }
        }
    }

    /// The reasoning blocks to seal: signed or redacted (unsigned reasoning is never sent back).
    fn blocks(&self) -> Vec<ContentBlock> {
        let mut blocks = Vec::new();
        if let Some(signature) = &self.signature {
            blocks.push(ContentBlock::Reasoning { text: self.text.clone(), signature: Some(signature.clone()) });
        }
        if let Some(data) = &self.redacted {
            blocks.push(ContentBlock::RedactedReasoning(data.clone()));
        }
        blocks
    }
}

/// What turning items into JSON needs: the tools (to lift calls back), the sealer and the
/// answering model's family (to seal reasoning).
pub(super) struct Finish<'a> {
    pub tools: &'a Tools,
    pub sealer: &'a Sealer,
    pub family: &'static str,
}

/// An `output_text` content part.
pub(super) fn output_text(text: &str) -> Value {
    json!({ "type": "output_text", "text": text, "annotations": [], "logprobs": [] })
}

/// A `summary_text` part.
pub(super) fn summary_text(text: &str) -> Value {
    json!({ "type": "summary_text", "text": text })
}

/// The Responses API's usage: `input_tokens` counts cached tokens too (Converse's
/// `inputTokens` leaves cache reads and writes out); Bedrock does not count reasoning tokens
/// apart from output tokens, so `reasoning_tokens` is 0.
pub(super) fn usage_json(usage: &Usage) -> Value {
    let input = usage.input_tokens.saturating_add(usage.cache_read_input_tokens).saturating_add(usage.cache_write_input_tokens);
    let total = usage.total_tokens.max(input.saturating_add(usage.output_tokens));
    json!({
        "input_tokens": input,
        "input_tokens_details": { "cached_tokens": usage.cache_read_input_tokens },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": { "reasoning_tokens": 0 },
        "total_tokens": total,
    })
}

/// How a response ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Status {
    InProgress,
    Completed,
    /// Cut short: `max_output_tokens` or `content_filter`.
    Incomplete(&'static str),
    /// Failed: the error's code and message.
    Failed(String, String),
}

impl Status {
    /// The status of an answer that stopped for `stop_reason` (Bedrock's words).
    pub fn of(stop_reason: Option<&str>) -> Self {
        match stop_reason {
            Some("max_tokens" | "model_context_window_exceeded") => Self::Incomplete("max_output_tokens"),
            Some("content_filtered" | "guardrail_intervened") => Self::Incomplete("content_filter"),
            _ => Self::Completed,
        }
    }

    /// The stream event that ends a response of this status.
    pub fn event(&self) -> &'static str {
        match self {
            Self::InProgress => "response.in_progress",
            Self::Completed => "response.completed",
            Self::Incomplete(_) => "response.incomplete",
            Self::Failed(..) => "response.failed",
        }
    }
}

/// The response object's fixed parts: its id, when it was made, and the request fields it
/// echoes.
#[derive(Debug, Clone)]
pub(super) struct Meta {
    pub id: String,
    pub created_at: u64,
    /// `instructions`, `max_output_tokens`, `metadata`, `parallel_tool_calls`,
    /// `previous_response_id`, `reasoning`, `service_tier`, `store`, `temperature`, `text`,
    /// `tool_choice`, `tools`, `top_p`, `truncation`, `user`, ... as the response shows them.
    pub echo: Map<String, Value>,
}

impl Meta {
    /// The `response` object.
    pub fn response(&self, model: &str, status: &Status, output: Vec<Value>, usage: Option<&Usage>) -> Value {
        let (status_name, error, incomplete) = match status {
            Status::InProgress => ("in_progress", Value::Null, Value::Null),
            Status::Completed => ("completed", Value::Null, Value::Null),
            Status::Incomplete(reason) => ("incomplete", Value::Null, json!({ "reason": reason })),
            Status::Failed(code, message) => ("failed", json!({ "code": code, "message": message }), Value::Null),
        };
        let mut response = Map::new();
        response.insert("id".into(), Value::String(self.id.clone()));
        response.insert("object".into(), Value::String("response".into()));
        response.insert("created_at".into(), json!(self.created_at));
        response.insert("status".into(), Value::String(status_name.into()));
        response.insert("background".into(), Value::Bool(false));
        response.insert("error".into(), error);
        response.insert("incomplete_details".into(), incomplete);
        response.insert("model".into(), Value::String(model.to_string()));
        response.insert("output".into(), Value::Array(output));
        for (key, value) in &self.echo {
            response.insert(key.clone(), value.clone());
        }
        if let Some(tier) = usage.and_then(|usage| usage.service_tier) {
            response.insert("service_tier".into(), Value::String(super::super::options::service_tier_name(tier).into()));
        }
        response.insert("usage".into(), usage.map_or(Value::Null, usage_json));
        Value::Object(response)
    }
}

/// A new id: `prefix_` and 32 hex digits.
pub(super) fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        // No system randomness: a process-unique id still (a counter and the time).
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        bytes[..8].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        bytes[8..].copy_from_slice(&unix_now().to_le_bytes());
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{hex}")
}

/// Seconds since the Unix epoch.
pub(super) fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
