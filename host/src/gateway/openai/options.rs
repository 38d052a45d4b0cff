//! The request fields that become Converse options: `tool_choice`, `parallel_tool_calls`,
//! `response_format`, `reasoning_effort` and `thinking`, `metadata` / `user` /
//! `safety_identifier`, and tool-level `cache_control`.

use super::HttpError;
use crate::aws::model::{OutputSchema, ReasoningEffort, ReasoningRequest, ServiceTier, ToolChoice};
use serde_json::{Map, Value, json};

/// What `tool_choice` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Choice {
    /// `auto`, or nothing said: the model decides (Bedrock's default, no option sent).
    Auto,
    /// `none`: no tools are sent (unless the conversation already holds tool blocks, which
    /// Bedrock cannot take without them; the model may then still call one).
    None,
    /// `required` or a named function.
    Forced(ToolChoice),
}

/// `tool_choice`, checked against the tool names.
pub(super) fn tool_choice(value: Option<&Value>, tools: &[String]) -> Result<Choice, HttpError> {
    let named = "{\"type\": \"function\", \"function\": {\"name\": ...}}";
    tool_choice_with(value, !tools.is_empty(), named, |object| {
        if object.get("type").and_then(Value::as_str) != Some("function") {
            return Err(HttpError::invalid("tool_choice.type", "only `function` tool choices are supported (no `allowed_tools` or `custom`)"));
        }
        let Some(name) = object.get("function").and_then(|f| f.get("name")).and_then(Value::as_str) else {
            return Err(HttpError::invalid("tool_choice.function.name", "a function tool choice needs `function.name`"));
        };
        if !tools.iter().any(|t| t == name) {
            let shown: String = name.chars().take(64).collect();
            return Err(HttpError::invalid("tool_choice.function.name", format!("`{shown}` is not one of the request's tools")));
        }
        Ok(Choice::Forced(ToolChoice::Tool(name.to_string())))
    })
}

/// `tool_choice` as both OpenAI APIs take it: absent, `auto`, `none`, `required`, or an object
/// `object` reads (each API names a tool its own way; `named` shows that shape in the
/// refusal); a forced choice needs tools.
pub(super) fn tool_choice_with(
    value: Option<&Value>,
    has_tools: bool,
    named: &str,
    object: impl FnOnce(&Map<String, Value>) -> Result<Choice, HttpError>,
) -> Result<Choice, HttpError> {
    let choice = match value {
        None | Some(Value::Null) => return Ok(Choice::Auto),
        Some(Value::String(mode)) => match mode.as_str() {
            "auto" => Choice::Auto,
            "none" => Choice::None,
            "required" => Choice::Forced(ToolChoice::Any),
            _ => return Err(HttpError::invalid("tool_choice", format!("`tool_choice` must be `auto`, `none`, `required` or {named}"))),
        },
        Some(Value::Object(map)) => object(map)?,
        Some(_) => return Err(HttpError::invalid("tool_choice", "`tool_choice` must be a string or an object")),
    };
    if matches!(choice, Choice::Forced(_)) && !has_tools {
        return Err(HttpError::invalid("tool_choice", "a required or named tool choice needs `tools`"));
    }
    Ok(choice)
}

/// `parallel_tool_calls`: true (or absent) is what Bedrock models do; false asks for at most
/// one tool call per turn, which `ConverseOptions::single_tool_call` carries: Claude is told,
/// and for the other families the call layer keeps only the first call
/// ([`crate::gateway::call::single_call`]).
/// Both Chat Completions and the Responses API read it here.
pub(super) fn single_tool_call(value: Option<&Value>, has_tools: bool) -> Result<bool, HttpError> {
    match value {
        None | Some(Value::Null | Value::Bool(true)) => Ok(false),
        Some(Value::Bool(false)) => Ok(has_tools),
        Some(_) => Err(HttpError::invalid("parallel_tool_calls", "`parallel_tool_calls` must be true or false")),
    }
}

/// `response_format`: `text` (nothing), `json_object` (the schema `{"type": "object"}`), or
/// `json_schema` (its schema), all through Converse `outputConfig.textFormat`.
pub(super) fn response_format(value: Option<&Value>) -> Result<Option<OutputSchema>, HttpError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(HttpError::invalid("response_format", "`response_format` must be an object")),
    };
    match object.get("type").and_then(Value::as_str) {
        Some("text") => Ok(None),
        Some("json_object") => Ok(Some(json_object())),
        Some("json_schema") => {
            let Some(definition) = object.get("json_schema").and_then(Value::as_object) else {
                return Err(HttpError::invalid("response_format.json_schema", "a `json_schema` response format needs a `json_schema` object"));
            };
            json_schema(definition, "response_format.json_schema").map(Some)
        }
        _ => Err(HttpError::invalid("response_format.type", "`response_format.type` must be `text`, `json_object` or `json_schema`")),
    }
}

/// A JSON Schema output definition (`name`, `description`, `schema`, `strict`): Chat
/// Completions' `response_format.json_schema`, the Responses API's `text.format`; `param`
/// names where it sits.
pub(super) fn json_schema(definition: &Map<String, Value>, param: &str) -> Result<OutputSchema, HttpError> {
    let name = definition.get("name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(HttpError::invalid(format!("{param}.name"), "`name` must be 1 to 64 letters, digits, `_` or `-`"));
    }
    let description = match definition.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => return Err(HttpError::invalid(format!("{param}.description"), "`description` must be a string")),
    };
    let schema = match definition.get("schema") {
        None | Some(Value::Null) => json!({ "type": "object" }),
        Some(schema @ Value::Object(_)) => schema.clone(),
        Some(_) => return Err(HttpError::invalid(format!("{param}.schema"), "`schema` must be a JSON Schema object")),
    };
    match definition.get("strict") {
        None | Some(Value::Null | Value::Bool(_)) => {}
        Some(_) => return Err(HttpError::invalid(format!("{param}.strict"), "`strict` must be true or false")),
    }
    Ok(OutputSchema { name: name.to_string(), description, schema: schema.to_string() })
}

/// The schema that `json_object` stands for: any JSON object.
pub(super) fn json_object() -> OutputSchema {
    OutputSchema { name: "json_object".into(), description: None, schema: json!({ "type": "object" }).to_string() }
}

/// An effort level (`reasoning_effort`, the Responses API's `reasoning.effort`); `none` asks
/// for no reasoning.
pub(super) fn effort(value: Option<&Value>, param: &str) -> Result<Option<ReasoningEffort>, HttpError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(level)) => match level.as_str() {
            "none" => Ok(None),
            "minimal" => Ok(Some(ReasoningEffort::Minimal)),
            "low" => Ok(Some(ReasoningEffort::Low)),
            "medium" => Ok(Some(ReasoningEffort::Medium)),
            "high" | "xhigh" => Ok(Some(ReasoningEffort::High)),
            _ => Err(HttpError::invalid(param, format!("`{param}` must be none, minimal, low, medium or high"))),
        },
        Some(_) => Err(HttpError::invalid(param, format!("`{param}` must be a string"))),
    }
}

/// `reasoning_effort` and `thinking` (Anthropic's shape, as LiteLLM takes it); the name of the
/// field that asked, for refusals later (a model family without reasoning).
pub(super) fn reasoning(object: &Map<String, Value>) -> Result<Option<(ReasoningRequest, &'static str)>, HttpError> {
    let effort = effort(object.get("reasoning_effort"), "reasoning_effort")?;
    let budget = match object.get("thinking") {
        None | Some(Value::Null) => None,
        Some(Value::Object(thinking)) => match thinking.get("type").and_then(Value::as_str) {
            Some("disabled") if effort.is_some() => {
                return Err(HttpError::invalid("thinking.type", "`thinking` is disabled but `reasoning_effort` asks for reasoning"));
            }
            Some("disabled") => return Ok(None),
            Some("enabled") => match thinking.get("budget_tokens").and_then(Value::as_u64).and_then(|b| u32::try_from(b).ok()) {
                Some(budget) if budget >= crate::aws::reasoning::MIN_THINKING_BUDGET => Some(budget),
                _ => return Err(HttpError::invalid("thinking.budget_tokens", "`budget_tokens` must be an integer of at least 1024")),
            },
            _ => return Err(HttpError::invalid("thinking.type", "`thinking.type` must be `enabled` or `disabled`")),
        },
        Some(_) => return Err(HttpError::invalid("thinking", "`thinking` must be an object: {\"type\": \"enabled\", \"budget_tokens\": N}")),
    };
    let param = if budget.is_some() { "thinking" } else { "reasoning_effort" };
    Ok((effort.is_some() || budget.is_some()).then_some((ReasoningRequest { effort, budget_tokens: budget }, param)))
}

/// Whether a key or value fits Bedrock's `requestMetadata` characters.
fn metadata_text(text: &str, min: usize) -> bool {
    let count = text.chars().count();
    (min..=256).contains(&count) && text.chars().all(|c| c.is_ascii_alphanumeric() || c.is_whitespace() || ":_@$#=/+,-.".contains(c))
}

/// `metadata`, `user` and `safety_identifier` as Bedrock `requestMetadata` (at most 16 pairs;
/// keys 1 to 256 and values up to 256 characters of letters, digits, spaces and `:_@$#=/+,-.`).
pub(super) fn request_metadata(object: &Map<String, Value>) -> Result<Vec<(String, String)>, HttpError> {
    let mut pairs = Vec::new();
    match object.get("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                let Some(value) = value.as_str() else {
                    return Err(HttpError::invalid("metadata", "`metadata` values must be strings"));
                };
                if !metadata_text(key, 1) || !metadata_text(value, 0) {
                    return Err(HttpError::invalid(
                        "metadata",
                        "Bedrock's request metadata takes keys of 1 to 256 and values of up to 256 letters, digits, spaces and `:_@$#=/+,-.`",
                    ));
                }
                pairs.push((key.clone(), value.to_string()));
            }
        }
        Some(_) => return Err(HttpError::invalid("metadata", "`metadata` must be an object of strings")),
    }
    for key in ["user", "safety_identifier"] {
        match object.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(value)) if metadata_text(value, 0) => pairs.push((key.to_string(), value.clone())),
            Some(Value::String(_)) => {
                return Err(HttpError::invalid(
                    key,
                    format!("`{key}` is sent as Bedrock request metadata: up to 256 letters, digits, spaces and `:_@$#=/+,-.`"),
                ));
            }
            Some(_) => return Err(HttpError::invalid(key, format!("`{key}` must be a string"))),
        }
    }
    if pairs.len() > 16 {
        return Err(HttpError::invalid("metadata", "Bedrock takes at most 16 request metadata pairs (`user` and `safety_identifier` count too)"));
    }
    Ok(pairs)
}

/// `service_tier` as both OpenAI APIs take it, as Bedrock's tier: `auto` (or nothing) leaves
/// Bedrock's default, `default`, `flex` and `priority` are Bedrock's tiers of those names, and
/// `scale` (OpenAI's reserved capacity) is Bedrock's `reserved`. A model without the tier is
/// Bedrock's 400, passed on.
pub(super) fn service_tier(value: Option<&Value>) -> Result<Option<ServiceTier>, HttpError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(tier)) => match tier.as_str() {
            "auto" => Ok(None),
            "default" => Ok(Some(ServiceTier::Default)),
            "flex" => Ok(Some(ServiceTier::Flex)),
            "priority" => Ok(Some(ServiceTier::Priority)),
            "scale" => Ok(Some(ServiceTier::Reserved)),
            _ => Err(HttpError::invalid("service_tier", "`service_tier` must be `auto`, `default`, `flex`, `priority` or `scale`")),
        },
        Some(_) => Err(HttpError::invalid("service_tier", "`service_tier` must be a string")),
    }
}

/// The tier that served, as OpenAI names it (the inverse of [`service_tier`]).
pub(super) fn service_tier_name(tier: ServiceTier) -> &'static str {
    match tier {
        ServiceTier::Default => "default",
        ServiceTier::Flex => "flex",
        ServiceTier::Priority => "priority",
        ServiceTier::Reserved => "scale",
    }
}
