//! The `messages` list: system prompts, the conversation in Bedrock's blocks, cache points from
//! `cache_control`, documents from `file` parts, and signed thinking blocks carried back.
//!
//! - `system` / `developer` messages become system prompts; a part with `cache_control` puts
//!   a cache point after its prompt.
//! - `user` parts: `text`, `image_url` (data URLs), `file` (`file_data` a data URL of a PDF,
//!   text, Markdown, CSV, HTML, Word or Excel file; `filename`) as a document block whose name
//!   is the filename without its extension, characters Bedrock refuses turned to `-`.
//! - `assistant`: `thinking_blocks` (`{type: thinking, thinking, signature}` or
//!   `{type: redacted_thinking, data}`, as the gateway returned them) first, then the text,
//!   then `tool_calls`. `reasoning_content` alone is not sent back: Bedrock wants the signed
//!   blocks, and an unsigned one is refused by Anthropic models.
//! - `tool` results become `toolResult` blocks of a user turn.
//! - Any part with `cache_control: {type: ephemeral}` (ttl `5m` only) is followed by a cache
//!   point. Consecutive messages of one role are merged (Bedrock wants them alternating).

use super::HttpError;
use super::image::{base64_decode, image_block};
use crate::aws::model::{ContentBlock, DocumentSource, Message, Role};
use crate::gateway::unique_names::UniqueNames;
use serde_json::{Map, Value};

/// The largest document Bedrock takes, 4.5 MB.
const MAX_DOCUMENT_BYTES: usize = 4_500_000;

/// What the `messages` list holds.
#[derive(Debug, Default)]
pub(super) struct Conversation {
    /// System prompts.
    pub system: Vec<String>,
    /// Indices of the system prompts followed by a cache point.
    pub system_cache_points: Vec<u32>,
    /// The turns.
    pub messages: Vec<Message>,
    /// The first field whose blocks contract 0.1.0 cannot carry (documents, cache points,
    /// thinking blocks).
    pub beyond_contract: Option<String>,
}

impl Conversation {
    /// Whether the conversation has tool calls or results (Bedrock then needs the tools).
    pub fn uses_tools(&self) -> bool {
        self.messages.iter().flat_map(|m| &m.content).any(|b| matches!(b, ContentBlock::ToolUse { .. } | ContentBlock::ToolResult { .. }))
    }

    fn beyond(&mut self, param: &str) {
        if self.beyond_contract.is_none() {
            self.beyond_contract = Some(param.to_string());
        }
    }
}

/// Whether a part asks for a cache point after it; a malformed `cache_control` is refused.
pub(super) fn cache_control(part: &Value, param: &str) -> Result<bool, HttpError> {
    let Some(control) = part.get("cache_control").filter(|c| !c.is_null()) else { return Ok(false) };
    let param = format!("{param}.cache_control");
    if control.get("type").and_then(Value::as_str) != Some("ephemeral") {
        return Err(HttpError::invalid(param, "`cache_control` must be {\"type\": \"ephemeral\"}"));
    }
    match control.get("ttl") {
        None | Some(Value::Null) => Ok(true),
        Some(Value::String(ttl)) if ttl == "5m" => Ok(true),
        Some(_) => Err(HttpError::invalid(format!("{param}.ttl"), "only the default cache lifetime (`5m`) is supported")),
    }
}

/// Parses the `messages` list.
pub(super) fn parse_messages(messages: Option<&Value>) -> Result<Conversation, HttpError> {
    let Some(list) = messages.and_then(Value::as_array).filter(|l| !l.is_empty()) else {
        return Err(HttpError::invalid("messages", "`messages` must be a non-empty list"));
    };
    let mut out = Conversation::default();
    for (i, message) in list.iter().enumerate() {
        let param = format!("messages[{i}]");
        let Some(object) = message.as_object() else {
            return Err(HttpError::invalid(param, "each message must be an object"));
        };
        let role = object.get("role").and_then(Value::as_str).unwrap_or("");
        let content = object.get("content");
        let content_param = format!("{param}.content");
        let (role, blocks) = match role {
            "system" | "developer" => {
                let (text, cached) = text_only(content, &content_param)?;
                out.system.push(text);
                if cached {
                    out.system_cache_points.push(u32::try_from(out.system.len() - 1).unwrap_or(u32::MAX));
                    out.beyond(&format!("{content_param}.cache_control"));
                }
                continue;
            }
            "user" => (Role::User, user_content(content, &content_param)?),
            "assistant" => (Role::Assistant, assistant_content(object, &param)?),
            "tool" => {
                let Some(id) = object.get("tool_call_id").and_then(Value::as_str) else {
                    return Err(HttpError::invalid(format!("{param}.tool_call_id"), "a tool message needs `tool_call_id`"));
                };
                let (text, cached) = text_only(content, &content_param)?;
                let mut blocks = vec![ContentBlock::ToolResult { id: id.to_string(), content: text, is_error: false }];
                if cached {
                    blocks.push(ContentBlock::CachePoint);
                }
                (Role::User, blocks)
            }
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(HttpError::invalid(format!("{param}.role"), format!("unsupported role `{shown}`: use system, developer, user, assistant or tool")));
            }
        };
        if let Some(block) = blocks.iter().find(|b| {
            matches!(b, ContentBlock::Document { .. } | ContentBlock::CachePoint | ContentBlock::Reasoning { .. } | ContentBlock::RedactedReasoning(_))
        }) {
            let what = match block {
                ContentBlock::CachePoint => "cache_control",
                ContentBlock::Document { .. } => "file",
                _ => "thinking_blocks",
            };
            out.beyond(&format!("{param}.{what}"));
        }
        if blocks.is_empty() {
            continue;
        }
        match out.messages.last_mut() {
            Some(last) if last.role == role => last.content.extend(blocks),
            _ => out.messages.push(Message { role, content: blocks }),
        }
    }
    unique_document_names(&mut out.messages);
    Ok(out)
}

/// Bedrock refuses two documents of one name in a request: a repeated name gets ` (2)`,
/// ` (3)`, ... added ([`UniqueNames`], linear in the documents).
pub(super) fn unique_document_names(messages: &mut [Message]) {
    let mut names = UniqueNames::default();
    for block in messages.iter_mut().flat_map(|m| m.content.iter_mut()) {
        let ContentBlock::Document { name, .. } = block else { continue };
        *name = names.claim(std::mem::take(name));
    }
}

/// Text content (a string, or `text` parts joined) and whether a part asked for a cache point.
fn text_only(content: Option<&Value>, param: &str) -> Result<(String, bool), HttpError> {
    match content {
        None | Some(Value::Null) => Ok((String::new(), false)),
        Some(Value::String(text)) => Ok((text.clone(), false)),
        Some(Value::Array(parts)) => {
            let (mut text, mut cached) = (String::new(), false);
            for (i, part) in parts.iter().enumerate() {
                let part_param = format!("{param}[{i}]");
                match part.get("text").and_then(Value::as_str) {
                    Some(piece) => text.push_str(piece),
                    None => return Err(HttpError::invalid(part_param, "only text parts are allowed here")),
                }
                cached |= cache_control(part, &part_param)?;
            }
            Ok((text, cached))
        }
        Some(_) => Err(HttpError::invalid(param, "content must be a string or a list of parts")),
    }
}

fn user_content(content: Option<&Value>, param: &str) -> Result<Vec<ContentBlock>, HttpError> {
    let parts = match content {
        Some(Value::String(text)) => return Ok(vec![ContentBlock::Text(text.clone())]),
        Some(Value::Array(parts)) => parts,
        _ => return Err(HttpError::invalid(param, "a user message needs content: a string or a list of parts")),
    };
    let mut blocks = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let param = format!("{param}[{i}]");
        let block = match part.get("type").and_then(Value::as_str) {
            Some("text") => part
                .get("text")
                .and_then(Value::as_str)
                .map(|t| ContentBlock::Text(t.to_string()))
                .ok_or_else(|| HttpError::invalid(format!("{param}.text"), "a text part needs `text`"))?,
            Some("image_url") => {
                let url = part.get("image_url").and_then(|u| u.get("url").or(Some(u))).and_then(Value::as_str);
                let url = url.ok_or_else(|| HttpError::invalid(format!("{param}.image_url"), "an image part needs `image_url.url`"))?;
                image_block(url).map_err(|message| HttpError::invalid(format!("{param}.image_url"), message))?
            }
            Some("file") => file_block(part.get("file"), &format!("{param}.file"), i)?,
            Some("input_audio") => return Err(HttpError::invalid(format!("{param}.type"), "audio input is not supported: Bedrock's Converse takes no audio")),
            _ => return Err(HttpError::invalid(format!("{param}.type"), "supported parts: `text`, `image_url` and `file`")),
        };
        blocks.push(block);
        if cache_control(part, &param)? {
            blocks.push(ContentBlock::CachePoint);
        }
    }
    Ok(blocks)
}

/// A document's Bedrock format, by media type.
fn document_format(media: &str) -> Option<&'static str> {
    Some(match media {
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/markdown" => "md",
        "text/csv" => "csv",
        "text/html" => "html",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        _ => return None,
    })
}

/// A filename as a Bedrock document name: no extension; only alphanumerics, single spaces,
/// hyphens, parentheses and brackets (anything else becomes `-`); at most 200 characters.
pub(super) fn document_name(filename: Option<&str>, index: usize) -> String {
    let stem = filename.map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f)).map(|f| f.rsplit_once('.').map_or(f, |(stem, _)| stem)).unwrap_or("");
    let mut name = String::new();
    for c in stem.chars().take(200) {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '(' | ')' | '[' | ']') {
            c
        } else if c.is_whitespace() {
            ' '
        } else {
            '-'
        };
        if !(c == ' ' && (name.is_empty() || name.ends_with(' '))) {
            name.push(c);
        }
    }
    let name = name.trim_end().to_string();
    if name.is_empty() { format!("document-{}", index + 1) } else { name }
}

pub(super) fn file_block(file: Option<&Value>, param: &str, index: usize) -> Result<ContentBlock, HttpError> {
    let Some(file) = file.and_then(Value::as_object) else {
        return Err(HttpError::invalid(param, "a file part needs a `file` object"));
    };
    if file.get("file_id").is_some_and(|id| !id.is_null()) {
        return Err(HttpError::invalid(format!("{param}.file_id"), "file ids are not supported (the gateway has no Files API): send `file_data`"));
    }
    let data_param = format!("{param}.file_data");
    let Some(url) = file.get("file_data").and_then(Value::as_str) else {
        return Err(HttpError::invalid(data_param, "a file part needs `file_data`: a data URL (data:application/pdf;base64,...)"));
    };
    let Some((meta, data)) = url.strip_prefix("data:").and_then(|rest| rest.split_once(',')) else {
        return Err(HttpError::invalid(data_param, "`file_data` must be a data URL (data:<media type>;base64,<data>)"));
    };
    let Some(media) = meta.strip_suffix(";base64") else {
        return Err(HttpError::invalid(data_param, "`file_data` must be base64 encoded"));
    };
    let media = media.split(';').next().unwrap_or("").to_ascii_lowercase();
    let Some(format) = document_format(&media) else {
        return Err(HttpError::invalid(data_param, "supported files: PDF, plain text, Markdown, CSV, HTML, Word and Excel"));
    };
    let bytes = base64_decode(data).map_err(|message| HttpError::invalid(&data_param, message))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(HttpError::invalid(data_param, "a document may be at most 4.5 MB"));
    }
    let filename = match file.get("filename") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.as_str()),
        Some(_) => return Err(HttpError::invalid(format!("{param}.filename"), "`filename` must be a string")),
    };
    Ok(ContentBlock::Document { format: format.into(), name: document_name(filename, index), source: DocumentSource::Bytes(bytes) })
}

fn thinking_blocks(value: Option<&Value>, param: &str) -> Result<Vec<ContentBlock>, HttpError> {
    let list = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(HttpError::invalid(param, "`thinking_blocks` must be a list")),
    };
    let mut blocks = Vec::with_capacity(list.len());
    for (i, block) in list.iter().enumerate() {
        let param = format!("{param}[{i}]");
        let text = |key: &str| block.get(key).and_then(Value::as_str);
        blocks.push(match text("type") {
            Some("thinking") => {
                let (Some(thinking), Some(signature)) = (text("thinking"), text("signature")) else {
                    return Err(HttpError::invalid(param, "a thinking block needs `thinking` and its `signature`, as the gateway returned them"));
                };
                ContentBlock::Reasoning { text: thinking.to_string(), signature: Some(signature.to_string()) }
            }
            Some("redacted_thinking") => {
                let data = text("data").ok_or_else(|| HttpError::invalid(format!("{param}.data"), "a redacted thinking block needs `data`"))?;
                ContentBlock::RedactedReasoning(base64_decode(data).map_err(|message| HttpError::invalid(format!("{param}.data"), message))?)
            }
            _ => return Err(HttpError::invalid(format!("{param}.type"), "a thinking block's type is `thinking` or `redacted_thinking`")),
        });
    }
    Ok(blocks)
}

fn assistant_content(object: &Map<String, Value>, param: &str) -> Result<Vec<ContentBlock>, HttpError> {
    let mut blocks = thinking_blocks(object.get("thinking_blocks"), &format!("{param}.thinking_blocks"))?;
    let (text, cached) = text_only(object.get("content"), &format!("{param}.content"))?;
    if !text.is_empty() {
        blocks.push(ContentBlock::Text(text));
        if cached {
            blocks.push(ContentBlock::CachePoint);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_document_names_are_numbered() {
        let document = |name: &str| ContentBlock::Document { format: "txt".into(), name: name.into(), source: DocumentSource::Text("x".into()) };
        let mut messages = vec![
            Message { role: Role::User, content: vec![document("a"), document("a"), document("a (2)")] },
            Message { role: Role::User, content: vec![document("a")] },
        ];
        unique_document_names(&mut messages);
        let names: Vec<&str> = messages
            .iter()
            .flat_map(|m| &m.content)
            .filter_map(|b| if let ContentBlock::Document { name, .. } = b { Some(name.as_str()) } else { None })
            .collect();
        assert_eq!(names, ["a", "a (2)", "a (2) (2)", "a (3)"]);
    }

    #[test]
    fn document_names_follow_bedrock_rules() {
        let cases = [
            (Some("report.pdf"), "report"),
            (Some("Q3 report  (final) [v2].pdf"), "Q3 report (final) [v2]"),
            (Some("dir/my_notes.v2.txt"), "my-notes-v2"),
            (Some("   "), "document-3"),
            (None, "document-3"),
            (Some("résumé.pdf"), "r-sum-"),
        ];
        for (filename, expected) in cases {
            assert_eq!(document_name(filename, 2), expected, "{filename:?}");
        }
    }
}
