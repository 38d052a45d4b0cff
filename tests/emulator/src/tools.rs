//! Tool use in Converse and ConverseStream, deterministic as the rest of the replies:
//!
//! - A request whose `toolConfig` lists a tool and whose last user message says `call <name>`
//!   (with `<name>` one of the tools) is answered with a `toolUse` block for that tool, input
//!   `{"query": "<the words after the name>"}` (or, when the tool's schema requires exactly one
//!   string property, that property: `{"input": ...}` for a freeform tool), stop reason
//!   `tool_use`. Each further `call <name>` is a further call in the same answer (parallel
//!   tool calls: `call a in Rome and call b now`), unless Claude is told to make one
//!   (`tool_choice.disable_parallel_tool_use` in `additionalModelRequestFields`, as Bedrock
//!   passes Anthropic's field; in Claude's own body on InvokeModel): then the first only. Streamed, it is a
//!   `contentBlockStart` with `toolUse {toolUseId, name}`, `contentBlockDelta`s with
//!   `toolUse {input}` fragments of the JSON text, and a `contentBlockStop`.
//! - A last user message of tool results only is answered (as text) with `Echo:` and the
//!   results' text.
//! - As on Bedrock, `toolUse` or `toolResult` blocks without a `toolConfig` are refused.
//! - `toolConfig.toolChoice`: `auto` (or none) as above; `any` forces a call: the prompt's
//!   `call <name>` if it names a tool, else the first tool; `tool {name}` forces a call of that
//!   tool (a name not among the tools is refused). A forced call's input is a minimal instance
//!   of the tool's input schema (see [`crate::schema`]) unless it is the prompt's own call; it is
//!   made on every turn, tool-result turns included, as a forcing model does. Only the models
//!   Bedrock documents it for take `any` and `tool` ([`forces_tools`]); others are refused.

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

fn tool_specs(body: &Value) -> Vec<&Value> {
    body.get("toolConfig")
        .and_then(|c| c.get("tools"))
        .and_then(Value::as_array)
        .map(|tools| tools.iter().filter_map(|t| t.get("toolSpec")).collect())
        .unwrap_or_default()
}

fn tool_names(body: &Value) -> Vec<&str> {
    tool_specs(body).into_iter().filter_map(|spec| spec.get("name")?.as_str()).collect()
}

/// What `toolConfig.toolChoice` forces: nothing, any tool, or the named one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Choice {
    Auto,
    Any,
    Tool(String),
}

/// Whether Bedrock takes a forcing `toolChoice` (`any`, `tool`) for the model: Anthropic Claude 3
/// and later, Mistral Large, Amazon Nova.
pub fn forces_tools(model_id: &str) -> bool {
    ["anthropic.claude-3", "anthropic.claude-haiku", "anthropic.claude-sonnet", "anthropic.claude-opus", "mistral.mistral-large", "amazon.nova"]
        .iter()
        .any(|prefix| model_id.starts_with(prefix))
}

fn choice(body: &Value, names: &[&str], model_id: &str) -> Result<Choice, ApiError> {
    let Some(choice) = body.get("toolConfig").and_then(|c| c.get("toolChoice")) else { return Ok(Choice::Auto) };
    for kind in ["any", "tool"] {
        if choice.get(kind).is_some() && !forces_tools(model_id) {
            return Err(ApiError::validation(format!(
                "This model doesn't support the toolConfig.toolChoice.{kind} field. Remove toolConfig.toolChoice.{kind} and try again."
            )));
        }
    }
    if choice.get("any").is_some() {
        return Ok(Choice::Any);
    }
    if let Some(tool) = choice.get("tool") {
        let name = tool.get("name").and_then(Value::as_str).unwrap_or("");
        if !names.contains(&name) {
            return Err(ApiError::validation(format!(
                "The model returned the following errors: tool_choice.name: Tool '{name}' was not found in the request's tools. Make sure the toolChoice names a tool in toolConfig.tools."
            )));
        }
        return Ok(Choice::Tool(name.to_string()));
    }
    Ok(Choice::Auto)
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

/// Refuses tool blocks in a conversation without a `toolConfig`, and tool names outside
/// `[a-zA-Z0-9_-]{1,64}`, with Bedrock's messages.
pub fn check_tool_blocks(body: &Value) -> Result<(), ApiError> {
    for (i, name) in tool_specs(body).iter().map(|spec| spec.get("name").and_then(Value::as_str).unwrap_or("")).enumerate() {
        if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{name}' at 'toolConfig.tools.{}.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
                i + 1
            )));
        }
    }
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

fn call_id(name: &str, input: &Value, text: &str) -> String {
    let digest = hex::encode(Sha256::digest(format!("{name}\n{input}\n{text}").as_bytes()));
    format!("tooluse_{}", &digest[..22])
}

/// The property a prompted call fills: the tool schema's one required string property, else
/// `query`.
fn prompted_argument(body: &Value, name: &str) -> String {
    let schema = tool_specs(body).into_iter().find(|s| s.get("name").and_then(Value::as_str) == Some(name)).and_then(|s| s.get("inputSchema")?.get("json"));
    let only_required = schema.and_then(|schema| match schema.get("required")?.as_array()?.as_slice() {
        [Value::String(property)] if schema.get("properties")?.get(property)?.get("type")? == "string" => Some(property.clone()),
        _ => None,
    });
    only_required.unwrap_or_else(|| "query".to_string())
}

/// Whether the request tells Claude to make at most one tool call (Anthropic's
/// `tool_choice.disable_parallel_tool_use`, which Bedrock takes for Claude in Converse's
/// `additionalModelRequestFields` and in Claude's own body).
fn single_call(body: &Value, model_id: &str) -> bool {
    model_id.contains("anthropic.claude")
        && body.pointer("/additionalModelRequestFields/tool_choice/disable_parallel_tool_use").and_then(Value::as_bool) == Some(true)
}

/// The tool calls a request asks for, in the prompt's order (see the module documentation).
pub fn requested_calls(body: &Value, model_id: &str) -> Result<Vec<ToolCall>, ApiError> {
    let names = tool_names(body);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let choice = choice(body, &names, model_id)?;
    let text: Vec<String> = last_user_blocks(body).iter().filter_map(|b| b.get("text")?.as_str().map(str::to_string)).collect();
    let text = text.join(" ");
    let words: Vec<&str> = text.split_whitespace().collect();
    let starts: Vec<usize> =
        words.windows(2).enumerate().filter(|(_, pair)| pair[0].eq_ignore_ascii_case("call") && names.contains(&pair[1])).map(|(at, _)| at).collect();
    let mut prompted: Vec<ToolCall> = starts
        .iter()
        .enumerate()
        .map(|(i, &at)| {
            let name = words[at + 1].to_string();
            let end = starts.get(i + 1).copied().unwrap_or(words.len());
            let mut argument = &words[at + 2..end];
            // `call a in Rome and call b now`: the joining word is not the first call's.
            if starts.get(i + 1).is_some()
                && let Some((last, rest)) = argument.split_last()
                && last.eq_ignore_ascii_case("and")
            {
                argument = rest;
            }
            let mut input = serde_json::Map::new();
            input.insert(prompted_argument(body, &name), Value::String(argument.join(" ")));
            let input = Value::Object(input);
            ToolCall { id: call_id(&name, &input, &format!("{text}\n{i}")), name, input }
        })
        .collect();
    if let Some(first) = prompted.first_mut() {
        // The first call's id as a single call's always was.
        first.id = call_id(&first.name, &first.input, &text);
    }
    let forced = |name: &str| {
        let schema = tool_specs(body).into_iter().find(|s| s.get("name").and_then(Value::as_str) == Some(name)).and_then(|s| s.get("inputSchema")?.get("json"));
        let input = match schema.map(crate::schema::minimal_instance) {
            Some(value @ Value::Object(_)) => value,
            _ => json!({}),
        };
        ToolCall { id: call_id(name, &input, &text), name: name.to_string(), input }
    };
    let mut calls = match choice {
        Choice::Auto => prompted,
        Choice::Any => vec![prompted.into_iter().next().unwrap_or_else(|| forced(names[0]))],
        Choice::Tool(name) => vec![prompted.into_iter().find(|call| call.name == name).unwrap_or_else(|| forced(&name))],
    };
    if single_call(body, model_id) {
        calls.truncate(1);
    }
    Ok(calls)
}

/// The first tool call a request asks for, if any.
pub fn requested_call(body: &Value, model_id: &str) -> Result<Option<ToolCall>, ApiError> {
    Ok(requested_calls(body, model_id)?.into_iter().next())
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

    fn requested_call_nova(body: &Value) -> Result<Option<ToolCall>, ApiError> {
        requested_call(body, "amazon.nova-pro-v1:0")
    }

    #[test]
    fn a_call_needs_a_listed_tool_and_the_word_call() {
        let call = requested_call_nova(&body("please call get_weather in Paris", true)).expect("valid").expect("a call");
        assert_eq!((call.name.as_str(), call.input.clone()), ("get_weather", json!({ "query": "in Paris" })));
        assert_eq!(Some(call.clone()), requested_call_nova(&body("please call get_weather in Paris", true)).expect("stable"));
        assert_eq!(call.input_fragments().concat(), call.input.to_string());
        assert_eq!(requested_call_nova(&body("please call get_weather", false)), Ok(None));
        assert_eq!(requested_call_nova(&body("call get_time", true)), Ok(None));
        assert_eq!(requested_call_nova(&body("get_weather please", true)), Ok(None));
    }

    #[test]
    fn each_call_in_the_prompt_is_a_call_unless_claude_is_told_one() {
        let calls = |text: &str, model: &str, told: bool| {
            let mut body = body(text, true);
            if told {
                body["additionalModelRequestFields"] = json!({ "tool_choice": { "type": "auto", "disable_parallel_tool_use": true } });
            }
            requested_calls(&body, model).expect("valid").into_iter().map(|call| call.input["query"].clone()).collect::<Vec<_>>()
        };
        let two = "call get_weather in Rome and call get_weather in Paris";
        let claude = "anthropic.claude-sonnet-4-6-20251001-v1:0";
        let cases = [
            (two, "amazon.nova-pro-v1:0", false, vec![json!("in Rome"), json!("in Paris")]),
            // Only Claude takes Anthropic's field.
            (two, "amazon.nova-pro-v1:0", true, vec![json!("in Rome"), json!("in Paris")]),
            (two, claude, false, vec![json!("in Rome"), json!("in Paris")]),
            (two, claude, true, vec![json!("in Rome")]),
            ("call get_weather in Rome and more", claude, false, vec![json!("in Rome and more")]),
        ];
        for (text, model, told, expected) in cases {
            assert_eq!(calls(text, model, told), expected, "{text} {model} {told}");
        }
        let both = requested_calls(&body(two, true), claude).expect("valid");
        assert_ne!(both[0].id, both[1].id, "each call has its own id");
    }

    #[test]
    fn tool_choice_forces_a_call() {
        let with_choice = |text: &str, choice: Value| {
            let mut body = json!({ "messages": [{ "role": "user", "content": [{ "text": text }] }] });
            body["toolConfig"] = json!({ "tools": [
                { "toolSpec": { "name": "get_weather", "inputSchema": { "json": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] } } } },
                { "toolSpec": { "name": "get_time", "inputSchema": { "json": { "type": "object" } } } },
                { "cachePoint": { "type": "default" } },
            ], "toolChoice": choice });
            body
        };
        let called = |text: &str, choice: Value| requested_call(&with_choice(text, choice), "amazon.nova-pro-v1:0").map(|call| call.map(|c| (c.name, c.input)));
        let cases = [
            ("hello", json!({ "auto": {} }), Ok(None)),
            ("hello", json!({ "any": {} }), Ok(Some(("get_weather".to_string(), json!({ "city": "" }))))),
            ("call get_time now", json!({ "any": {} }), Ok(Some(("get_time".to_string(), json!({ "query": "now" }))))),
            ("hello", json!({ "tool": { "name": "get_time" } }), Ok(Some(("get_time".to_string(), json!({}))))),
            ("call get_weather Rome", json!({ "tool": { "name": "get_time" } }), Ok(Some(("get_time".to_string(), json!({}))))),
            // The prompted call fills the schema's one required string property.
            ("call get_weather Rome", json!({ "tool": { "name": "get_weather" } }), Ok(Some(("get_weather".to_string(), json!({ "city": "Rome" }))))),
        ];
        for (text, choice, expected) in cases {
            assert_eq!(called(text, choice.clone()), expected, "{text} {choice}");
        }
        assert!(called("hello", json!({ "tool": { "name": "nope" } })).unwrap_err().message.contains("Tool 'nope'"));
        let llama = requested_call(&with_choice("hello", json!({ "any": {} })), "meta.llama3-3-70b-instruct-v1:0");
        assert!(llama.unwrap_err().message.contains("doesn't support the toolConfig.toolChoice.any field"));
        assert_eq!(requested_call(&with_choice("hello", json!({ "auto": {} })), "meta.llama3-3-70b-instruct-v1:0"), Ok(None));
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
        let dotted = json!({ "messages": [], "toolConfig": { "tools": [{ "toolSpec": { "name": "mcp.tool" } }] } });
        assert!(check_tool_blocks(&dotted).unwrap_err().message.contains("toolConfig.tools.1.member.toolSpec.name"));
        assert_eq!(tool_result_text(&with_result).as_deref(), Some("sunny {\"c\":21}"));
        assert_eq!(tool_result_text(&body("hello", true)), None);
    }
}
