//! `POST /v1/responses` bodies: every field the Responses API documents has a fate here (the
//! table in docs/responses-api.md). Unlike Chat Completions, top-level fields the gateway does
//! not know are accepted and ignored: clients add their own (Codex's `client_metadata`).

use super::super::options::{self, Choice};
use super::items::{self, Conversation};
use super::output::{Meta, new_id, unix_now};
use super::seal::Sealer;
use super::tools::{Tools, parse_tools, tool_choice};
use crate::aws::model::{ConverseOptions, ReasoningRequest};
use crate::gateway::errors::HttpError;
use serde_json::{Map, Value, json};

/// Fields refused: what they ask cannot be done behind Bedrock.
const REFUSED: &[(&str, &str)] = &[
    ("background", "background responses are not supported; omit `background` or set it to false"),
    ("conversation", "the Conversations API is not supported: continue with `previous_response_id` or send the history"),
    ("prompt", "reusable prompts are not supported: send `instructions` and `input`"),
];

/// A parsed request, before its stored history is added.
#[derive(Debug)]
pub(super) struct Parsed {
    /// The model as the client wrote it.
    pub model: String,
    pub stream: bool,
    pub store: bool,
    pub previous_response_id: Option<String>,
    /// The new input items, each with an `id` (for `input_items`).
    pub input: Vec<Value>,
    pub instructions: Option<String>,
    pub conversation: Conversation,
    pub tools: Tools,
    pub choice: Choice,
    pub options: ConverseOptions,
    pub max_output_tokens: Option<u32>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    /// `prompt_cache_key` was given: cache points after the system prompt and the tools.
    pub prompt_cache: bool,
    /// The response object's id and echoed fields.
    pub meta: Meta,
}

fn optional<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|v| !v.is_null())
}

fn optional_bool(object: &Map<String, Value>, key: &str) -> Result<Option<bool>, HttpError> {
    match optional(object, key) {
        None => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(*value)),
        Some(_) => Err(HttpError::invalid(key, format!("`{key}` must be true or false"))),
    }
}

fn optional_string(object: &Map<String, Value>, key: &str) -> Result<Option<String>, HttpError> {
    match optional(object, key) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(HttpError::invalid(key, format!("`{key}` must be a string"))),
    }
}

fn optional_number(object: &Map<String, Value>, key: &str, max: f64) -> Result<Option<f32>, HttpError> {
    match optional(object, key) {
        None => Ok(None),
        Some(value) => match value.as_f64() {
            Some(v) if (0.0..=max).contains(&v) => Ok(Some(v as f32)),
            _ => Err(HttpError::invalid(key, format!("`{key}` must be a number from 0 to {max}"))),
        },
    }
}

/// Parses a request body (already known to be JSON); `sealer` opens reasoning carried back.
pub(super) fn parse(body: &Value, sealer: &Sealer) -> Result<Parsed, HttpError> {
    let Some(object) = body.as_object() else { return Err(HttpError::invalid("", "the request body must be a JSON object")) };
    for (key, why) in REFUSED {
        if optional(object, key).is_some_and(|v| v != &Value::Bool(false)) {
            return Err(HttpError::invalid(*key, *why));
        }
    }
    let model = optional_string(object, "model")?.map(|m| m.trim().to_string()).unwrap_or_default();
    let stream = optional_bool(object, "stream")?.unwrap_or(false);
    let store = optional_bool(object, "store")?.unwrap_or(true);
    let previous_response_id = optional_string(object, "previous_response_id")?;
    let instructions = optional_string(object, "instructions")?;
    let max_output_tokens = match optional(object, "max_output_tokens") {
        None => None,
        Some(value) => match value.as_u64().and_then(|v| u32::try_from(v).ok()) {
            Some(n) if n >= 1 => Some(n),
            _ => return Err(HttpError::invalid("max_output_tokens", "`max_output_tokens` must be an integer of at least 1")),
        },
    };
    let temperature = optional_number(object, "temperature", 2.0)?;
    let top_p = optional_number(object, "top_p", 1.0)?;
    let prompt_cache = optional_string(object, "prompt_cache_key")?.is_some();
    let service_tier = options::service_tier(optional(object, "service_tier"))?;
    for key in ["truncation", "safety_identifier", "user"] {
        optional_string(object, key)?;
    }
    if let Some(Value::String(truncation)) = optional(object, "truncation")
        && truncation != "auto"
        && truncation != "disabled"
    {
        return Err(HttpError::invalid("truncation", "`truncation` must be `auto` or `disabled`"));
    }
    match optional(object, "include") {
        None | Some(Value::Array(_)) => {}
        Some(_) => return Err(HttpError::invalid("include", "`include` must be a list")),
    }

    let tools = parse_tools(optional(object, "tools"))?;
    let choice = tool_choice(optional(object, "tool_choice"), &tools)?;
    let single_tool_call = options::single_tool_call(optional(object, "parallel_tool_calls"), !tools.specs.is_empty())?;
    let mut conversation = Conversation::default();
    if let Some(instructions) = &instructions {
        conversation.system.push(instructions.clone());
    }
    let mut input = items::input_items(object.get("input"))?;
    items::convert(&input, "input", sealer, &mut conversation)?;
    for item in &mut input {
        if let Some(item) = item.as_object_mut()
            && !item.contains_key("id")
        {
            let prefix = match item.get("type").and_then(Value::as_str) {
                Some("function_call_output" | "custom_tool_call_output") => "fco",
                _ => "msg",
            };
            item.insert("id".into(), Value::String(new_id(prefix)));
        }
    }

    let mut options = ConverseOptions { output_schema: text_format(optional(object, "text"))?, single_tool_call, ..ConverseOptions::default() };
    options.reasoning = reasoning(optional(object, "reasoning"))?;
    options.request_metadata = options::request_metadata(object)?;
    options.service_tier = service_tier;
    if let Choice::Forced(forced) = &choice {
        options.tool_choice = Some(forced.clone());
    }

    let mut echo = Map::new();
    echo.insert("instructions".into(), instructions.clone().map_or(Value::Null, Value::String));
    echo.insert("max_output_tokens".into(), json!(max_output_tokens));
    echo.insert("metadata".into(), optional(object, "metadata").cloned().unwrap_or_else(|| json!({})));
    echo.insert("parallel_tool_calls".into(), Value::Bool(optional_bool(object, "parallel_tool_calls")?.unwrap_or(true)));
    echo.insert("previous_response_id".into(), previous_response_id.clone().map_or(Value::Null, Value::String));
    let reasoning_echo = optional(object, "reasoning").cloned().unwrap_or_else(|| json!({ "effort": null, "summary": null }));
    echo.insert("reasoning".into(), reasoning_echo);
    // What was asked until the answer says which tier served ([`Meta::response`]).
    echo.insert("service_tier".into(), json!(service_tier.map_or("default", options::service_tier_name)));
    echo.insert("store".into(), Value::Bool(store));
    echo.insert("temperature".into(), json!(temperature.map(f64::from).unwrap_or(1.0)));
    echo.insert("text".into(), optional(object, "text").cloned().unwrap_or_else(|| json!({ "format": { "type": "text" } })));
    echo.insert("tool_choice".into(), optional(object, "tool_choice").cloned().unwrap_or_else(|| json!("auto")));
    echo.insert("tools".into(), Value::Array(tools.echo.clone()));
    echo.insert("top_p".into(), json!(top_p.map(f64::from).unwrap_or(1.0)));
    echo.insert("truncation".into(), optional(object, "truncation").cloned().unwrap_or_else(|| json!("disabled")));
    echo.insert("user".into(), optional(object, "user").cloned().unwrap_or(Value::Null));
    let meta = Meta { id: new_id("resp"), created_at: unix_now(), echo };

    Ok(Parsed {
        model,
        stream,
        store,
        previous_response_id,
        input,
        instructions,
        conversation,
        tools,
        choice,
        options,
        max_output_tokens,
        temperature,
        top_p,
        prompt_cache,
        meta,
    })
}

/// `text.format`: `text` (nothing), `json_object`, or `json_schema` (its `name`, `schema`,
/// `strict` beside `type`, not nested as in Chat Completions); `text.verbosity` has no effect.
fn text_format(text: Option<&Value>) -> Result<Option<crate::aws::model::OutputSchema>, HttpError> {
    let Some(text) = text else { return Ok(None) };
    let Some(text) = text.as_object() else { return Err(HttpError::invalid("text", "`text` must be an object")) };
    let Some(format) = optional(text, "format") else { return Ok(None) };
    let Some(format) = format.as_object() else { return Err(HttpError::invalid("text.format", "`text.format` must be an object")) };
    match format.get("type").and_then(Value::as_str) {
        Some("text") => Ok(None),
        Some("json_object") => Ok(Some(options::json_object())),
        Some("json_schema") => options::json_schema(format, "text.format").map(Some),
        _ => Err(HttpError::invalid("text.format.type", "`text.format.type` must be `text`, `json_object` or `json_schema`")),
    }
}

/// `reasoning.effort` (mapped per model family, as Chat Completions' `reasoning_effort`);
/// `reasoning.summary` asks nothing more: the reasoning text is the summary shown.
fn reasoning(value: Option<&Value>) -> Result<Option<ReasoningRequest>, HttpError> {
    let Some(value) = value else { return Ok(None) };
    let Some(object) = value.as_object() else { return Err(HttpError::invalid("reasoning", "`reasoning` must be an object")) };
    for key in ["summary", "generate_summary"] {
        match optional(object, key).map(Value::as_str) {
            None | Some(Some("auto" | "concise" | "detailed" | "none")) => {}
            Some(_) => return Err(HttpError::invalid(format!("reasoning.{key}"), format!("`reasoning.{key}` must be auto, concise, detailed or none"))),
        }
    }
    let effort = options::effort(object.get("effort"), "reasoning.effort")?;
    Ok(effort.map(|effort| ReasoningRequest { effort: Some(effort), budget_tokens: None }))
}
