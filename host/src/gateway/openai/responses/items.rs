//! `input` items as Bedrock's conversation (docs/responses-api.md, "Input items").
//!
//! - `message` items (also the Agents SDK's items with a `role` and no `type`): `system` and
//!   `developer` messages become system prompts; `user` content parts `input_text`,
//!   `input_image` (a data URL), `input_file` (`file_data`, a data URL, as Chat Completions'
//!   `file` parts take it); `assistant` parts `output_text` and `refusal`.
//! - The assistant-side items of one turn (`reasoning`, assistant messages, `function_call`,
//!   `custom_tool_call`) become one assistant message: reasoning first, then text, then tool
//!   calls, so Bedrock accepts Claude's signed thinking before the tool calls.
//! - `function_call_output` and `custom_tool_call_output` become tool results of a user turn.
//! - A `reasoning` item goes back only as the blocks sealed in its `encrypted_content`
//!   ([`super::seal`]); its summary text alone (unsigned reasoning) is not sent.

use super::super::content::{file_block, unique_document_names};
use super::super::image::image_block;
use super::seal::Sealer;
use super::tools::Tools;
use crate::aws::model::{ContentBlock, Message, Role};
use crate::gateway::errors::HttpError;
use serde_json::{Map, Value};

/// Most items one request (its stored history included) may hold: a long agent session (a
/// Codex turn is two or three items per tool call) fits well below it, and it bounds the
/// conversion (request_bounds.rs holds Chat Completions to 10,000 messages).
pub(super) const MAX_ITEMS: usize = 5_000;

/// The conversation the items make.
#[derive(Debug, Default)]
pub(super) struct Conversation {
    /// System prompts.
    pub system: Vec<String>,
    /// The turns.
    pub messages: Vec<Message>,
    /// The model families of the sealed reasoning carried back.
    pub sealed_families: Vec<String>,
    /// The assistant turn being gathered: reasoning, text, tool calls.
    turn: [Vec<ContentBlock>; 3],
}

const REASONING: usize = 0;
const TEXT: usize = 1;
const CALLS: usize = 2;

impl Conversation {
    fn push(&mut self, role: Role, blocks: Vec<ContentBlock>) {
        if blocks.is_empty() {
            return;
        }
        match self.messages.last_mut() {
            Some(last) if last.role == role => last.content.extend(blocks),
            _ => self.messages.push(Message { role, content: blocks }),
        }
    }

    /// Ends the assistant turn being gathered.
    fn end_turn(&mut self) {
        let blocks: Vec<ContentBlock> = self.turn.iter_mut().flat_map(std::mem::take).collect();
        self.push(Role::Assistant, blocks);
    }

    fn user(&mut self, blocks: Vec<ContentBlock>) {
        self.end_turn();
        self.push(Role::User, blocks);
    }

    /// Closes the conversation: the last assistant turn, unique document names.
    pub fn finish(&mut self) {
        self.end_turn();
        unique_document_names(&mut self.messages);
    }

    /// The tools the conversation's calls name, once each.
    pub fn tool_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for block in self.messages.iter().flat_map(|m| &m.content) {
            if let ContentBlock::ToolUse { name, .. } = block
                && !names.contains(name)
            {
                names.push(name.clone());
            }
        }
        names
    }

    /// Whether the conversation holds tool blocks.
    pub fn uses_tools(&self) -> bool {
        self.messages.iter().flat_map(|m| &m.content).any(|b| matches!(b, ContentBlock::ToolUse { .. } | ContentBlock::ToolResult { .. }))
    }
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

fn required<'a>(object: &'a Map<String, Value>, key: &str, param: &str, what: &str) -> Result<&'a str, HttpError> {
    text(object, key).ok_or_else(|| HttpError::invalid(format!("{param}.{key}"), format!("a `{what}` item needs `{key}` (a string)")))
}

/// `input` as a list of items: a string is one user message.
pub(super) fn input_items(input: Option<&Value>) -> Result<Vec<Value>, HttpError> {
    match input {
        Some(Value::String(text)) => Ok(vec![serde_json::json!({ "type": "message", "role": "user", "content": [{ "type": "input_text", "text": text }] })]),
        Some(Value::Array(items)) if items.len() > MAX_ITEMS => {
            Err(HttpError::invalid("input", format!("the request holds {} items; the gateway takes at most {MAX_ITEMS} per request", items.len())))
        }
        Some(Value::Array(items)) => Ok(items.clone()),
        None | Some(Value::Null) => Err(HttpError::invalid("input", "`input` is required: a string or a list of items")),
        Some(_) => Err(HttpError::invalid("input", "`input` must be a string or a list of items")),
    }
}

/// Adds `items` to the conversation; `param` names their list (`input`).
/// `sealer` opens the reasoning carried back.
pub(super) fn convert(items: &[Value], param: &str, sealer: &Sealer, out: &mut Conversation) -> Result<(), HttpError> {
    for (i, item) in items.iter().enumerate() {
        let param = format!("{param}[{i}]");
        let Some(object) = item.as_object() else { return Err(HttpError::invalid(param, "each item must be an object")) };
        let kind = match (text(object, "type"), object.get("role")) {
            (Some(kind), _) => kind,
            (None, Some(_)) => "message",
            (None, None) => return Err(HttpError::invalid(format!("{param}.type"), "an item needs a `type` (or a `role`, for a message)")),
        };
        match kind {
            "message" => message(object, &param, out)?,
            "function_call" => {
                let call_id = required(object, "call_id", &param, kind)?;
                let name = required(object, "name", &param, kind)?;
                let arguments = text(object, "arguments").filter(|a| !a.trim().is_empty()).unwrap_or("{}");
                if serde_json::from_str::<Value>(arguments).map_or(true, |v| !v.is_object()) {
                    return Err(HttpError::invalid(format!("{param}.arguments"), "`arguments` must be a JSON object, as text"));
                }
                let name = Tools::bedrock_name(text(object, "namespace"), name);
                out.turn[CALLS].push(ContentBlock::ToolUse { id: call_id.to_string(), name, input: arguments.to_string() });
            }
            "custom_tool_call" => {
                let call_id = required(object, "call_id", &param, kind)?;
                let name = required(object, "name", &param, kind)?;
                let input = required(object, "input", &param, kind)?;
                let input = serde_json::json!({ "input": input }).to_string();
                out.turn[CALLS].push(ContentBlock::ToolUse { id: call_id.to_string(), name: name.to_string(), input });
            }
            "function_call_output" | "custom_tool_call_output" => {
                let call_id = required(object, "call_id", &param, kind)?;
                let content = tool_output(object.get("output"), &format!("{param}.output"))?;
                out.user(vec![ContentBlock::ToolResult { id: call_id.to_string(), content, is_error: false }]);
            }
            "reasoning" => match object.get("encrypted_content") {
                None | Some(Value::Null) => {}
                Some(Value::String(sealed)) => {
                    let (family, blocks) = sealer.open(sealed).map_err(|error| HttpError::invalid(format!("{param}.encrypted_content"), error.to_string()))?;
                    if !out.sealed_families.contains(&family) {
                        out.sealed_families.push(family);
                    }
                    out.turn[REASONING].extend(blocks);
                }
                Some(_) => return Err(HttpError::invalid(format!("{param}.encrypted_content"), "`encrypted_content` must be a string")),
            },
            "item_reference" => {
                return Err(HttpError::invalid(
                    format!("{param}.type"),
                    "`item_reference` items are not supported: send the item itself, or continue with `previous_response_id`",
                ));
            }
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(HttpError::invalid(
                    format!("{param}.type"),
                    format!(
                        "item type `{shown}` is not supported: use message, function_call, function_call_output, custom_tool_call, custom_tool_call_output or reasoning"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A tool's output: a string, or a list of text parts.
fn tool_output(output: Option<&Value>, param: &str) -> Result<String, HttpError> {
    match output {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Array(parts)) => {
            let mut joined = String::new();
            for (i, part) in parts.iter().enumerate() {
                match (part.get("type").and_then(Value::as_str), part.get("text").and_then(Value::as_str)) {
                    (Some("input_text" | "output_text" | "text"), Some(text)) => joined.push_str(text),
                    _ => return Err(HttpError::invalid(format!("{param}[{i}]"), "a tool output's parts must be text (`input_text`)")),
                }
            }
            Ok(joined)
        }
        _ => Err(HttpError::invalid(param, "a tool output needs `output`: a string or a list of text parts")),
    }
}

fn message(object: &Map<String, Value>, param: &str, out: &mut Conversation) -> Result<(), HttpError> {
    let role = text(object, "role").unwrap_or("");
    let content_param = format!("{param}.content");
    let parts = match object.get("content") {
        Some(Value::String(text)) => {
            let block = ContentBlock::Text(text.clone());
            return match role {
                "system" | "developer" => {
                    out.system.push(text.clone());
                    Ok(())
                }
                "user" => {
                    out.user(vec![block]);
                    Ok(())
                }
                "assistant" => {
                    out.turn[TEXT].push(block);
                    Ok(())
                }
                _ => Err(bad_role(role, param)),
            };
        }
        Some(Value::Array(parts)) => parts,
        _ => return Err(HttpError::invalid(content_param, "a message needs `content`: a string or a list of parts")),
    };
    let mut blocks = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let part_param = format!("{content_param}[{i}]");
        let Some(part) = part.as_object() else { return Err(HttpError::invalid(part_param, "each content part must be an object")) };
        let block = match (role, text(part, "type").unwrap_or("")) {
            (_, "input_text" | "output_text") => ContentBlock::Text(required(part, "text", &part_param, "text part")?.to_string()),
            ("assistant", "refusal") => ContentBlock::Text(required(part, "refusal", &part_param, "refusal")?.to_string()),
            ("user", "input_image") => {
                if part.get("file_id").is_some_and(|id| !id.is_null()) {
                    return Err(HttpError::invalid(
                        format!("{part_param}.file_id"),
                        "file ids are not supported (the gateway has no Files API): send `image_url`",
                    ));
                }
                let url = required(part, "image_url", &part_param, "input_image")?;
                image_block(url).map_err(|message| HttpError::invalid(format!("{part_param}.image_url"), message))?
            }
            ("user", "input_file") => file_block(Some(&Value::Object(part.clone())), &part_param, i)?,
            (_, kind) => {
                let shown: String = kind.chars().take(40).collect();
                return Err(HttpError::invalid(format!("{part_param}.type"), format!("content part `{shown}` is not supported in a `{role}` message")));
            }
        };
        blocks.push(block);
    }
    match role {
        "system" | "developer" => {
            let joined: String = blocks.iter().filter_map(|b| if let ContentBlock::Text(t) = b { Some(t.as_str()) } else { None }).collect();
            out.system.push(joined);
        }
        "user" => out.user(blocks),
        "assistant" => out.turn[TEXT].extend(blocks),
        _ => return Err(bad_role(role, param)),
    }
    Ok(())
}

fn bad_role(role: &str, param: &str) -> HttpError {
    let shown: String = role.chars().take(40).collect();
    HttpError::invalid(format!("{param}.role"), format!("unsupported role `{shown}`: use system, developer, user or assistant"))
}
