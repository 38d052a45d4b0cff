//! The content of a Messages request: `system` (a string or text blocks) and `messages` (user
//! and assistant turns of text, image, document, tool_use, tool_result, thinking and
//! redacted_thinking blocks), with `cache_control` marks turned into Converse cache points.

use crate::aws::model::{ContentBlock, DocumentSource, Message, Role};
use crate::gateway::errors::HttpError;
use crate::gateway::unique_names::UniqueNames;
use base64::Engine as _;
use serde_json::{Map, Value};

/// A 400 about one field, in Anthropic's wording: `<path>: <what>`.
pub(super) fn invalid(path: &str, message: impl std::fmt::Display) -> HttpError {
    let text = if path.is_empty() { message.to_string() } else { format!("{path}: {message}") };
    HttpError::invalid(path, text)
}

/// Whether any block of the conversation is a tool call or result.
pub(super) fn is_tool_block(block: &ContentBlock) -> bool {
    matches!(block, ContentBlock::ToolUse { .. } | ContentBlock::ToolResult { .. })
}

/// Longest document name Bedrock takes.
const MAX_DOCUMENT_NAME: usize = 200;

/// The conversation, and whether it holds tool blocks (they need the tools in the call).
pub(super) struct Blocks {
    pub messages: Vec<Message>,
    pub uses_tools: bool,
}

/// Whether a `cache_control` mark asks for a cache point (Anthropic's `ephemeral`, default
/// five-minute lifetime; the one-hour lifetime has no carrier in this gateway yet).
pub(super) fn cache_point(value: Option<&Value>, path: &str) -> Result<bool, HttpError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(false),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(invalid(path, "must be an object")),
    };
    if object.get("type").and_then(Value::as_str) != Some("ephemeral") {
        return Err(invalid(&format!("{path}.type"), "must be `ephemeral`"));
    }
    match object.get("ttl") {
        None | Some(Value::Null) => Ok(true),
        Some(Value::String(ttl)) if ttl == "5m" => Ok(true),
        Some(Value::String(ttl)) if ttl == "1h" => {
            Err(invalid(&format!("{path}.ttl"), "the one-hour cache lifetime is not carried by this gateway; leave ttl unset (5m)"))
        }
        Some(_) => Err(invalid(&format!("{path}.ttl"), "must be `5m` or `1h`")),
    }
}

/// `system`: the prompts, and the indices of those followed by a cache point.
pub(super) fn system_prompts(value: Option<&Value>) -> Result<(Vec<String>, Vec<u32>), HttpError> {
    match value {
        None | Some(Value::Null) => Ok((Vec::new(), Vec::new())),
        Some(Value::String(text)) if text.is_empty() => Ok((Vec::new(), Vec::new())),
        Some(Value::String(text)) => Ok((vec![text.clone()], Vec::new())),
        Some(Value::Array(blocks)) => {
            let (mut prompts, mut cached) = (Vec::with_capacity(blocks.len()), Vec::new());
            for (i, block) in blocks.iter().enumerate() {
                let path = format!("system.{i}");
                let object = block_object(block, &path)?;
                if object.get("type").and_then(Value::as_str) != Some("text") {
                    return Err(invalid(&format!("{path}.type"), "system blocks must be `text`"));
                }
                prompts.push(text_of(object, &path)?);
                if cache_point(object.get("cache_control"), &format!("{path}.cache_control"))? {
                    cached.push(u32::try_from(prompts.len() - 1).unwrap_or(u32::MAX));
                }
            }
            Ok((prompts, cached))
        }
        Some(_) => Err(invalid("system", "must be a string or a list of text blocks")),
    }
}

/// `messages`: user and assistant turns; consecutive turns of one role are merged (Converse
/// wants them alternating, Anthropic merges them too).
pub(super) fn conversation(value: Option<&Value>) -> Result<Blocks, HttpError> {
    let list = match value {
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) => return Err(invalid("messages", "must hold at least one message")),
        None | Some(Value::Null) => return Err(invalid("messages", "Field required")),
        Some(_) => return Err(invalid("messages", "must be a list of messages")),
    };
    let mut messages: Vec<Message> = Vec::new();
    let mut names = DocumentNames::default();
    for (i, message) in list.iter().enumerate() {
        let path = format!("messages.{i}");
        let object = block_object(message, &path)?;
        let role = match object.get("role").and_then(Value::as_str) {
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            _ => return Err(invalid(&format!("{path}.role"), "must be `user` or `assistant`")),
        };
        let content = match object.get("content") {
            Some(Value::String(text)) if text.is_empty() => return Err(invalid(&format!("{path}.content"), "must not be empty")),
            Some(Value::String(text)) => vec![ContentBlock::Text(text.clone())],
            Some(Value::Array(blocks)) if blocks.is_empty() => return Err(invalid(&format!("{path}.content"), "must hold at least one block")),
            Some(Value::Array(blocks)) => {
                let mut content = Vec::with_capacity(blocks.len());
                for (j, block) in blocks.iter().enumerate() {
                    content_block(block, role, &format!("{path}.content.{j}"), &mut names, &mut content)?;
                }
                content
            }
            None | Some(Value::Null) => return Err(invalid(&format!("{path}.content"), "Field required")),
            Some(_) => return Err(invalid(&format!("{path}.content"), "must be a string or a list of content blocks")),
        };
        match messages.last_mut() {
            Some(last) if last.role == role => last.content.extend(content),
            _ => messages.push(Message { role, content }),
        }
    }
    let uses_tools = messages.iter().flat_map(|m| &m.content).any(is_tool_block);
    Ok(Blocks { messages, uses_tools })
}

fn block_object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, HttpError> {
    value.as_object().ok_or_else(|| invalid(path, "must be an object"))
}

/// A non-empty `text` field.
fn text_of(object: &Map<String, Value>, path: &str) -> Result<String, HttpError> {
    match object.get("text") {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        Some(Value::String(_)) => Err(invalid(&format!("{path}.text"), "text content blocks must be non-empty")),
        None | Some(Value::Null) => Err(invalid(&format!("{path}.text"), "Field required")),
        Some(_) => Err(invalid(&format!("{path}.text"), "must be a string")),
    }
}

fn string_field<'a>(object: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a str, HttpError> {
    match object.get(key) {
        Some(Value::String(text)) => Ok(text),
        None | Some(Value::Null) => Err(invalid(&format!("{path}.{key}"), "Field required")),
        Some(_) => Err(invalid(&format!("{path}.{key}"), "must be a string")),
    }
}

/// One content block, appended to `out` (with a cache point after it when marked).
fn content_block(value: &Value, role: Role, path: &str, names: &mut DocumentNames, out: &mut Vec<ContentBlock>) -> Result<(), HttpError> {
    let object = block_object(value, path)?;
    let kind = object.get("type").and_then(Value::as_str).unwrap_or("");
    let allowed = match role {
        Role::User => ["text", "image", "document", "tool_result"].contains(&kind),
        Role::Assistant => ["text", "tool_use", "thinking", "redacted_thinking"].contains(&kind),
    };
    if !allowed {
        let which = if role == Role::User { "text, image, document, tool_result" } else { "text, tool_use, thinking, redacted_thinking" };
        let what = if kind.is_empty() {
            "needs a `type`".to_string()
        } else {
            format!("`{}` blocks are not supported here", kind.chars().take(40).collect::<String>())
        };
        return Err(invalid(&format!("{path}.type"), format!("{what}; a {} message takes: {which}", if role == Role::User { "user" } else { "assistant" })));
    }
    if object
        .get("citations")
        .is_some_and(|c| !c.is_null() && c.get("enabled").and_then(Value::as_bool) != Some(false) && !c.as_array().is_some_and(Vec::is_empty))
    {
        return Err(invalid(&format!("{path}.citations"), "citations are not carried by this gateway"));
    }
    let block = match kind {
        "text" => ContentBlock::Text(text_of(object, path)?),
        "image" => image(object, path)?,
        "document" => document(object, path, names)?,
        "tool_use" => {
            let input = match object.get("input") {
                Some(input @ Value::Object(_)) => input.to_string(),
                None | Some(Value::Null) => return Err(invalid(&format!("{path}.input"), "Field required")),
                Some(_) => return Err(invalid(&format!("{path}.input"), "must be an object")),
            };
            ContentBlock::ToolUse { id: string_field(object, "id", path)?.to_string(), name: string_field(object, "name", path)?.to_string(), input }
        }
        "tool_result" => tool_result(object, path)?,
        "thinking" => ContentBlock::Reasoning {
            text: string_field(object, "thinking", path)?.to_string(),
            signature: Some(string_field(object, "signature", path)?.to_string()),
        },
        // Bedrock hands encrypted reasoning over as bytes; the gateway gives them to clients as
        // base64 (`data`), so this is the way back.
        _ => {
            let data = string_field(object, "data", path)?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|_| invalid(&format!("{path}.data"), "must be the base64 data the gateway sent"))?;
            ContentBlock::RedactedReasoning(bytes)
        }
    };
    out.push(block);
    let marked = cache_point(object.get("cache_control"), &format!("{path}.cache_control"))?;
    if marked && matches!(kind, "thinking" | "redacted_thinking") {
        return Err(invalid(&format!("{path}.cache_control"), "thinking blocks cannot carry cache_control"));
    }
    if marked {
        out.push(ContentBlock::CachePoint);
    }
    Ok(())
}

/// The `source` object of an image or document.
fn source<'a>(object: &'a Map<String, Value>, path: &str) -> Result<(&'a Map<String, Value>, &'a str), HttpError> {
    let source = object.get("source").and_then(Value::as_object).ok_or_else(|| invalid(&format!("{path}.source"), "Field required: an object"))?;
    let kind = source.get("type").and_then(Value::as_str).unwrap_or("");
    Ok((source, kind))
}

fn base64_data(source: &Map<String, Value>, path: &str) -> Result<Vec<u8>, HttpError> {
    let data = string_field(source, "data", path)?;
    base64::engine::general_purpose::STANDARD.decode(data).map_err(|error| invalid(&format!("{path}.data"), format!("is not valid base64: {error}")))
}

/// `image`: base64 data only; the gateway fetches nothing.
fn image(object: &Map<String, Value>, path: &str) -> Result<ContentBlock, HttpError> {
    let (source, kind) = source(object, path)?;
    let source_path = format!("{path}.source");
    match kind {
        "base64" => {}
        "url" => return Err(invalid(&format!("{source_path}.type"), "image URLs are not fetched by this gateway; send the image as base64")),
        _ => return Err(invalid(&format!("{source_path}.type"), "must be `base64` (the gateway fetches no URL and holds no files)")),
    }
    let format = match source.get("media_type").and_then(Value::as_str) {
        Some("image/jpeg") => "jpeg",
        Some("image/png") => "png",
        Some("image/gif") => "gif",
        Some("image/webp") => "webp",
        _ => return Err(invalid(&format!("{source_path}.media_type"), "must be image/jpeg, image/png, image/gif or image/webp")),
    };
    Ok(ContentBlock::Image { format: format.to_string(), bytes: base64_data(source, &source_path)? })
}

/// `document`: a base64 PDF or plain text, named for Bedrock from its `title`.
fn document(object: &Map<String, Value>, path: &str, names: &mut DocumentNames) -> Result<ContentBlock, HttpError> {
    let (source, kind) = source(object, path)?;
    let source_path = format!("{path}.source");
    let media = source.get("media_type").and_then(Value::as_str);
    let (format, content) = match (kind, media) {
        ("base64", Some("application/pdf")) => ("pdf", DocumentSource::Bytes(base64_data(source, &source_path)?)),
        ("base64", _) => return Err(invalid(&format!("{source_path}.media_type"), "a base64 document must be application/pdf")),
        ("text", Some("text/plain") | None) => ("txt", DocumentSource::Text(string_field(source, "data", &source_path)?.to_string())),
        ("text", _) => return Err(invalid(&format!("{source_path}.media_type"), "a text document must be text/plain")),
        _ => return Err(invalid(&format!("{source_path}.type"), "must be `base64` (PDF) or `text`; the gateway fetches no URL and holds no files")),
    };
    if object.get("context").is_some_and(|c| !c.is_null()) {
        return Err(invalid(&format!("{path}.context"), "document context is not carried by this gateway; put it in a text block"));
    }
    let title = match object.get("title") {
        None | Some(Value::Null) => None,
        Some(Value::String(title)) => Some(title.as_str()),
        Some(_) => return Err(invalid(&format!("{path}.title"), "must be a string")),
    };
    Ok(ContentBlock::Document { format: format.to_string(), name: names.name(title), source: content })
}

/// `tool_result`: its content as text (a string or text blocks).
fn tool_result(object: &Map<String, Value>, path: &str) -> Result<ContentBlock, HttpError> {
    let id = string_field(object, "tool_use_id", path)?.to_string();
    let is_error = match object.get("is_error") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(invalid(&format!("{path}.is_error"), "must be true or false")),
    };
    let content = match object.get("content") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => {
            let mut texts = Vec::with_capacity(parts.len());
            for (i, part) in parts.iter().enumerate() {
                let part_path = format!("{path}.content.{i}");
                let part = block_object(part, &part_path)?;
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => texts.push(text_of(part, &part_path)?),
                    _ => return Err(invalid(&format!("{part_path}.type"), "tool results carry text blocks only through this gateway")),
                }
            }
            texts.join("\n")
        }
        Some(_) => return Err(invalid(&format!("{path}.content"), "must be a string or a list of text blocks")),
    };
    Ok(ContentBlock::ToolResult { id, content, is_error })
}

/// Names of the request's documents: Bedrock's character rules met, each name once.
#[derive(Default)]
struct DocumentNames {
    given: UniqueNames,
}

impl DocumentNames {
    /// The title's letters, digits, hyphens, parentheses and brackets with single spaces
    /// between words (Bedrock's rules), else `document N`; a repeated name gets ` (N)`.
    fn name(&mut self, title: Option<&str>) -> String {
        let cleaned: String = title
            .unwrap_or("")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-()[]".contains(c) { c } else { ' ' })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut name: String = cleaned.chars().take(MAX_DOCUMENT_NAME - 8).collect();
        if name.trim().is_empty() {
            name = format!("document {}", self.given.len() + 1);
        }
        self.given.claim(name.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_names_meet_bedrocks_rules() {
        let mut names = DocumentNames::default();
        let cases = [
            (Some("report_2024.pdf"), "report 2024 pdf"),
            (Some("report_2024.pdf"), "report 2024 pdf (2)"),
            (None, "document 3"),
            (Some("  ***  "), "document 4"),
            (Some("Q3 [draft] (v2)"), "Q3 [draft] (v2)"),
        ];
        for (title, expected) in cases {
            assert_eq!(names.name(title), expected, "{title:?}");
        }
        assert!(names.name(Some(&"x".repeat(500))).len() <= MAX_DOCUMENT_NAME);
    }
}
