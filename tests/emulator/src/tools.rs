//! Tool use in Converse and ConverseStream, deterministic as the rest of the replies:
//!
//! - A request whose `toolConfig` lists a tool and whose last user message says `call <name>`
//!   (with `<name>` one of the tools) is answered with a `toolUse` block for that tool, input
//!   `{"query": "<the words after the name>"}`, stop reason `tool_use`. Streamed, it is a
//!   `contentBlockStart` with `toolUse {toolUseId, name}`, `contentBlockDelta`s with
//!   `toolUse {input}` fragments of the JSON text, and a `contentBlockStop`.
//! - A last user message of tool results only is answered (as text) with `Echo:` and the
//!   results' text.
//! - As on Bedrock, `toolUse` or `toolResult` blocks without a `toolConfig` are refused.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::errors::ApiError;

/// A tool call the emulator decided to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// `tooluse_` and 22 characters derived from the call, stable for a given request.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The input, a JSON object.
    pub input: Value,
}

impl ToolCall {
    /// The input as JSON text, cut into the fragments a stream sends (about three).
    pub fn input_fragments(&self) -> Vec<String> {
        let text = self.input.to_string();
        let chars: Vec<char> = text.chars().collect();
        let size = chars.len().div_ceil(3).max(1);
        chars.chunks(size).map(|chunk| chunk.iter().collect()).collect()
    }
}

fn tool_names(body: &Value) -> Vec<&str> {
    body.get("toolConfig")
        .and_then(|c| c.get("tools"))
        .and_then(Value::as_array)
        .map(|tools| tools.iter().filter_map(|t| t.get("toolSpec")?.get("name")?.as_str()).collect())
        .unwrap_or_default()
}

fn last_user_blocks(body: &Value) -> Vec<Value> {
    body.get("messages")
        .and_then(Value::as_array)
        .and_then(|messages| messages.iter().rev().find(|m| m.get("role").and_then(Value::as_str) == Some("user")))
        .and_then(|m| m.get("content"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Refuses tool blocks in a conversation without a `toolConfig`, with Bedrock's message.
pub fn check_tool_blocks(body: &Value) -> Result<(), ApiError> {
    if body.get("toolConfig").is_some() {
        return Ok(());
    }
    let messages = body.get("messages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let uses_tools = messages
        .iter()
        .filter_map(|m| m.get("content").and_then(Value::as_array))
        .flatten()
        .any(|block| block.get("toolUse").is_some() || block.get("toolResult").is_some());
    if uses_tools {
        return Err(ApiError::validation("The toolConfig field must be defined when using toolUse and toolResult content blocks."));
    }
    Ok(())
}

/// The tool call a request asks for, if any (see the module documentation).
pub fn requested_call(body: &Value) -> Option<ToolCall> {
    let names = tool_names(body);
    if names.is_empty() {
        return None;
    }
    let text: Vec<String> = last_user_blocks(body).iter().filter_map(|b| b.get("text")?.as_str().map(str::to_string)).collect();
    let text = text.join(" ");
    let words: Vec<&str> = text.split_whitespace().collect();
    let at = words.windows(2).position(|pair| pair[0].eq_ignore_ascii_case("call") && names.contains(&pair[1]))?;
    let name = words[at + 1].to_string();
    let query = words[at + 2..].join(" ");
    let digest = hex::encode(Sha256::digest(format!("{name}\n{query}\n{text}").as_bytes()));
    Some(ToolCall { id: format!("tooluse_{}", &digest[..22]), name, input: json!({ "query": query }) })
}

/// The text of the last user message's tool results, when it holds results and no text.
pub fn tool_result_text(body: &Value) -> Option<String> {
    let blocks = last_user_blocks(body);
    if blocks.iter().any(|b| b.get("text").is_some()) {
        return None;
    }
    let texts: Vec<String> = blocks
        .iter()
        .filter_map(|b| b.get("toolResult")?.get("content")?.as_array().cloned())
        .flatten()
        .filter_map(|part| match (part.get("text"), part.get("json")) {
            (Some(Value::String(text)), _) => Some(text.clone()),
            (_, Some(json)) => Some(json.to_string()),
            _ => None,
        })
        .collect();
    (!texts.is_empty()).then(|| texts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str, tools: bool) -> Value {
        let mut body = json!({ "messages": [{ "role": "user", "content": [{ "text": text }] }] });
        if tools {
            body["toolConfig"] = json!({ "tools": [{ "toolSpec": { "name": "get_weather", "inputSchema": { "json": {} } } }] });
        }
        body
    }

    #[test]
    fn a_call_needs_a_listed_tool_and_the_word_call() {
        let call = requested_call(&body("please call get_weather in Paris", true)).expect("a call");
        assert_eq!((call.name.as_str(), call.input.clone()), ("get_weather", json!({ "query": "in Paris" })));
        assert_eq!(call, requested_call(&body("please call get_weather in Paris", true)).expect("stable"));
        assert_eq!(call.input_fragments().concat(), call.input.to_string());
        assert!(requested_call(&body("please call get_weather", false)).is_none());
        assert!(requested_call(&body("call get_time", true)).is_none());
        assert!(requested_call(&body("get_weather please", true)).is_none());
    }

    #[test]
    fn tool_blocks_need_a_tool_config_and_results_are_echoed() {
        let mut with_result = json!({ "messages": [
            { "role": "user", "content": [{ "text": "call get_weather" }] },
            { "role": "assistant", "content": [{ "toolUse": { "toolUseId": "t", "name": "get_weather", "input": {} } }] },
            { "role": "user", "content": [{ "toolResult": { "toolUseId": "t", "content": [{ "text": "sunny" }, { "json": { "c": 21 } }] } }] },
        ] });
        assert!(check_tool_blocks(&with_result).unwrap_err().message.contains("toolConfig"));
        with_result["toolConfig"] = json!({ "tools": [] });
        assert!(check_tool_blocks(&with_result).is_ok());
        assert_eq!(tool_result_text(&with_result).as_deref(), Some("sunny {\"c\":21}"));
        assert_eq!(tool_result_text(&body("hello", true)), None);
    }
}
