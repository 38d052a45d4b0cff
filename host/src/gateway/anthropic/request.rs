//! A `POST /v1/messages` (or `/v1/messages/count_tokens`) body read field by field into a
//! Converse request, every refusal naming the field as Anthropic does (`messages.0.content.1.source`).
//!
//! Fates of the top-level fields (docs/api-anthropic-messages.md, "Fields"): `model`, `max_tokens`,
//! `messages`, `system`, `tools`, `tool_choice`, `thinking`, `stop_sequences`, `temperature`,
//! `top_p`, `metadata.user_id`, `cache_control`, `output_config.format` and `stream` are carried
//! to Converse; `service_tier`, `speed: standard` and `diagnostics` are accepted and have no
//! effect; `top_k` and what Bedrock's Converse cannot take from this gateway (`container`,
//! `mcp_servers`, `inference_geo`, `output_config.effort`, ...) are refused with a 400 naming
//! them; any other field is refused as Anthropic does ("Extra inputs are not permitted").
//! (Past 400 lines on purpose: every top-level field's fate in one file, as the docs' table is
//! one table; the content blocks are content.rs.)

use super::content::{Blocks, cache_point, conversation, invalid, system_prompts};
use super::native::NativeBody;
use crate::aws::model::{ContentBlock, ConverseOptions, ConverseRequest, InferenceConfig, OutputSchema, ReasoningRequest, ToolChoice, ToolSpec};
use crate::gateway::errors::HttpError;
use crate::gateway::request_bounds;
use serde_json::{Map, Value};
use std::time::Duration;

/// Anthropic's smallest thinking budget.
const MIN_THINKING_BUDGET: u64 = 1024;
/// Longest `metadata.user_id` (Bedrock's `requestMetadata` value limit).
const MAX_USER_ID: usize = 256;

/// Which endpoint the body is for: count_tokens takes the prompt fields only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/messages`.
    Messages,
    /// `POST /v1/messages/count_tokens`.
    CountTokens,
}

/// A parsed Messages request, in both upstream forms: the client's body for Claude
/// ([`NativeBody`]) and its Converse translation for the other models.
#[derive(Debug, Clone)]
pub struct MessagesRequest {
    /// The model as the client wrote it (routed like chat, echoed in the response).
    pub model: String,
    /// `stream: true`.
    pub stream: bool,
    /// The body for InvokeModel on Claude.
    pub native: NativeBody,
    /// The Converse request (model and region are set by the route), or why the body cannot
    /// be one (reported only when a model that is not Claude is to answer). Made while the body
    /// is read unless the model's name says Claude: Claude's body goes natively, and is
    /// translated only if a fallback step is not Claude ([`MessagesRequest::translated`]).
    pub converse: Option<Result<ConverseRequest, HttpError>>,
    endpoint: Endpoint,
    timeout: Duration,
}

impl MessagesRequest {
    /// The Converse translation, made now if it was not.
    pub fn translated(&mut self) -> &Result<ConverseRequest, HttpError> {
        let (native, endpoint, timeout) = (&self.native, self.endpoint, self.timeout);
        self.converse.get_or_insert_with(|| parse(native.fields(), endpoint, timeout))
    }

    /// The Converse translation, taken.
    pub fn into_translated(self) -> Result<ConverseRequest, HttpError> {
        match self.converse {
            Some(done) => done,
            None => parse(self.native.fields(), self.endpoint, self.timeout),
        }
    }
}

/// Longest model name a client may send.
const MAX_MODEL: usize = 512;

/// The client's model name, checked: it becomes part of a Bedrock URL path, so it is a plain
/// identifier (letters, digits and `. _ : / @ -`), never a path trick (`..`, `%`, `//`).
fn model_name(object: &Map<String, Value>) -> Result<String, HttpError> {
    let model = match object.get("model") {
        Some(Value::String(model)) if !model.trim().is_empty() => model.trim(),
        Some(Value::String(_)) | None | Some(Value::Null) => return Err(invalid("model", "Field required: name the model to use")),
        Some(_) => return Err(invalid("model", "must be a string")),
    };
    let plain = model.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'@' | b'-'));
    if model.len() > MAX_MODEL || !plain || model.contains("..") || model.contains("//") {
        return Err(invalid(
            "model",
            format!("`{}` is not a model name: letters, digits and . _ : / @ - only, no `..` or `//`, at most {MAX_MODEL} characters", shown(model)),
        ));
    }
    Ok(model.to_string())
}

/// Parses a `/v1/messages` (or count_tokens) body into both upstream forms; `header_betas`
/// are the `anthropic-beta` header's. The model name, `stream` and the betas are checked here;
/// the rest of the body is Bedrock's to judge when Claude answers, the translation's otherwise.
pub fn parse_request(body: Value, endpoint: Endpoint, timeout: Duration, header_betas: &[String]) -> Result<MessagesRequest, HttpError> {
    let Value::Object(object) = body else {
        return Err(invalid("", "the request body must be a JSON object"));
    };
    let model = model_name(&object)?;
    let stream = match object.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(stream)) => *stream,
        Some(_) => return Err(invalid("stream", "must be true or false")),
    };
    // The gateway's own bounds hold whichever form the request takes (request_bounds.rs).
    request_bounds::check_chat(&object).map_err(|e| invalid(e.field, e.message))?;
    // Claude takes the body as it is: no translation unless a step needs one.
    let native = NativeBody::read(object, header_betas)?;
    let converse = (!model.to_ascii_lowercase().contains("claude")).then(|| parse(native.fields(), endpoint, timeout));
    Ok(MessagesRequest { model, stream, native, converse, endpoint, timeout })
}

/// Fields each endpoint knows; anything else is refused.
const MESSAGES_FIELDS: &[&str] = &[
    "model",
    "max_tokens",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "thinking",
    "stop_sequences",
    "temperature",
    "top_p",
    "metadata",
    "stream",
    "service_tier",
    "cache_control",
    "output_config",
    "speed",
    "diagnostics",
];
const COUNT_FIELDS: &[&str] = &["model", "messages", "system", "tools", "tool_choice", "thinking", "cache_control", "output_config", "speed"];

/// Anthropic features a Converse call through this gateway cannot carry, and why.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("top_k", "Bedrock's Converse API has no top_k and this gateway does not pass model-specific fields; leave it unset"),
    ("container", "code-execution containers are an Anthropic API feature Bedrock does not offer"),
    ("mcp_servers", "the MCP connector is an Anthropic API feature Bedrock does not offer"),
    ("context_management", "context management is an Anthropic API feature this gateway does not carry to Bedrock"),
    ("inference_geo", "on Bedrock the geography is the model's route: name a geography's inference profile (us., eu., global., ...) as the model"),
    ("user_profile_id", "user profiles are an Anthropic account feature Bedrock does not have"),
    ("workspace_id", "workspaces are an Anthropic account feature Bedrock does not have"),
];

/// The Converse translation of a body's fields.
pub fn parse(object: &Map<String, Value>, endpoint: Endpoint, timeout: Duration) -> Result<ConverseRequest, HttpError> {
    let known = if endpoint == Endpoint::Messages { MESSAGES_FIELDS } else { COUNT_FIELDS };
    for key in object.keys() {
        if let Some((_, why)) = UNSUPPORTED.iter().find(|(name, _)| name == key) {
            return Err(invalid(key, format!("not supported: {why}")));
        }
        if !known.contains(&key.as_str()) {
            return Err(invalid(&shown(key), "Extra inputs are not permitted"));
        }
    }
    // `model` and `stream` are [`parse_request`]'s, checked before.
    let max_tokens = match endpoint {
        Endpoint::Messages => Some(required_count(object, "max_tokens")?),
        Endpoint::CountTokens => None,
    };
    service_tier(object.get("service_tier"))?;
    accepted_settings(object)?;
    let mut options = ConverseOptions::default();
    let (system, system_cache_points) = system_prompts(object.get("system"))?;
    options.system_cache_points = system_cache_points;
    let Blocks { mut messages, uses_tools } = conversation(object.get("messages"))?;
    // A top-level mark caches everything up to the last cacheable block (Anthropic's rule).
    if cache_point(object.get("cache_control"), "cache_control")?
        && let Some(last) = messages.last_mut()
        && last
            .content
            .last()
            .is_some_and(|block| !matches!(block, ContentBlock::CachePoint | ContentBlock::Reasoning { .. } | ContentBlock::RedactedReasoning(_)))
    {
        last.content.push(ContentBlock::CachePoint);
    }
    let (mut tools, tools_cache_point) = tools(object.get("tools"))?;
    options.tools_cache_point = tools_cache_point;
    match tool_choice(object.get("tool_choice"), &tools)? {
        Choice::Model(choice) => options.tool_choice = choice,
        Choice::NoTools if uses_tools => {
            return Err(invalid(
                "tool_choice.type",
                "`none` cannot be honoured while the conversation holds tool_use or tool_result blocks: Bedrock has no way to forbid tool calls but to omit the tools, which such a conversation needs",
            ));
        }
        Choice::NoTools => {
            tools.clear();
            options.tools_cache_point = false;
        }
    }
    options.reasoning = thinking(object.get("thinking"), max_tokens)?;
    options.request_metadata = metadata(object.get("metadata"))?;
    options.output_schema = output_config(object.get("output_config"))?;
    let inference = InferenceConfig {
        max_tokens,
        temperature: unit_number(object, "temperature")?,
        top_p: unit_number(object, "top_p")?,
        stop_sequences: stop_sequences(object.get("stop_sequences"))?,
    };
    let converse = ConverseRequest { model_id: String::new(), region: String::new(), system, messages, inference, tools, timeout, options };
    Ok(converse)
}

/// A client-controlled name, cut short for a message.
fn shown(text: &str) -> String {
    text.chars().take(60).collect()
}

fn required_count(object: &Map<String, Value>, key: &str) -> Result<u32, HttpError> {
    match object.get(key) {
        None | Some(Value::Null) => Err(invalid(key, "Field required")),
        Some(value) => match value.as_u64().and_then(|v| u32::try_from(v).ok()) {
            Some(n) if n >= 1 => Ok(n),
            _ => Err(invalid(key, "must be an integer of at least 1")),
        },
    }
}

/// `temperature` and `top_p`: a number from 0 to 1, as Anthropic takes them.
fn unit_number(object: &Map<String, Value>, key: &str) -> Result<Option<f32>, HttpError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_f64() {
            Some(v) if (0.0..=1.0).contains(&v) => Ok(Some(v as f32)),
            _ => Err(invalid(key, "must be a number from 0 to 1")),
        },
    }
}

fn stop_sequences(value: Option<&Value>) -> Result<Vec<String>, HttpError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(text) if !text.is_empty() => Ok(text.clone()),
                _ => Err(invalid(&format!("stop_sequences.{i}"), "must be a non-empty string")),
            })
            .collect(),
        Some(_) => Err(invalid("stop_sequences", "must be a list of strings")),
    }
}

/// `auto` and `standard_only` both mean the standard tier on Bedrock: accepted, no effect.
fn service_tier(value: Option<&Value>) -> Result<(), HttpError> {
    match value {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(tier)) if tier == "auto" || tier == "standard_only" => Ok(()),
        Some(_) => Err(invalid("service_tier", "must be `auto` or `standard_only`")),
    }
}

/// `speed` (`standard` only: Bedrock has no fast mode for this gateway to ask for) and
/// `diagnostics` (an object asking for cache-miss explanations Bedrock does not give; no effect).
fn accepted_settings(object: &Map<String, Value>) -> Result<(), HttpError> {
    match object.get("speed") {
        None | Some(Value::Null) => {}
        Some(Value::String(speed)) if speed == "standard" => {}
        Some(Value::String(speed)) if speed == "fast" => {
            return Err(invalid("speed", "`fast` is an Anthropic API mode Bedrock does not offer; use `standard`"));
        }
        Some(_) => return Err(invalid("speed", "must be `standard` or `fast`")),
    }
    match object.get("diagnostics") {
        None | Some(Value::Null | Value::Object(_)) => Ok(()),
        Some(_) => Err(invalid("diagnostics", "must be an object")),
    }
}

/// `output_config`: `format` (a JSON schema) to Converse's output format; `effort` has no
/// carrier to Bedrock in this gateway and is refused.
fn output_config(value: Option<&Value>) -> Result<Option<OutputSchema>, HttpError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(invalid("output_config", "must be an object")),
    };
    if let Some(key) = object.keys().find(|key| !["effort", "format"].contains(&key.as_str())) {
        return Err(invalid(&format!("output_config.{}", shown(key)), "Extra inputs are not permitted"));
    }
    if object.get("effort").is_some_and(|effort| !effort.is_null()) {
        return Err(invalid("output_config.effort", "effort is not carried to Bedrock by this gateway; leave it unset"));
    }
    let format = match object.get("format") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(format)) => format,
        Some(_) => return Err(invalid("output_config.format", "must be an object")),
    };
    if format.get("type").and_then(Value::as_str) != Some("json_schema") {
        return Err(invalid("output_config.format.type", "must be `json_schema`"));
    }
    match format.get("schema") {
        Some(schema @ Value::Object(_)) => Ok(Some(OutputSchema { name: "response".to_string(), description: None, schema: schema.to_string() })),
        Some(_) => Err(invalid("output_config.format.schema", "must be a JSON Schema object")),
        None => Err(invalid("output_config.format.schema", "Field required")),
    }
}

/// `metadata.user_id` to Converse `requestMetadata` (`user_id`), within Bedrock's limits.
fn metadata(value: Option<&Value>) -> Result<Vec<(String, String)>, HttpError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(invalid("metadata", "must be an object")),
    };
    if let Some(key) = object.keys().find(|key| *key != "user_id") {
        return Err(invalid(&format!("metadata.{}", shown(key)), "Extra inputs are not permitted"));
    }
    match object.get("user_id") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(id)) => {
            // Bedrock's pattern for requestMetadata values.
            let allowed = |c: char| c.is_ascii_alphanumeric() || c.is_whitespace() || ":_@$#=/+,.-".contains(c);
            if id.chars().count() > MAX_USER_ID || !id.chars().all(allowed) {
                return Err(invalid(
                    "metadata.user_id",
                    format!(
                        "must be at most {MAX_USER_ID} characters of letters, digits, spaces and :_@$#=/+,.- (Bedrock's request metadata rules); send a uuid or a hash"
                    ),
                ));
            }
            Ok(if id.is_empty() { Vec::new() } else { vec![("user_id".to_string(), id.clone())] })
        }
        Some(_) => Err(invalid("metadata.user_id", "must be a string")),
    }
}

/// `thinking`: `{type: enabled, budget_tokens}` to a reasoning budget, `{type: disabled}` to none.
fn thinking(value: Option<&Value>, max_tokens: Option<u32>) -> Result<Option<ReasoningRequest>, HttpError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(invalid("thinking", "must be an object")),
    };
    if let Some(key) = object.keys().find(|key| !["type", "budget_tokens", "display"].contains(&key.as_str())) {
        return Err(invalid(&format!("thinking.{}", shown(key)), "Extra inputs are not permitted"));
    }
    match object.get("display") {
        None | Some(Value::Null) => {}
        Some(Value::String(display)) if display == "summarized" => {}
        Some(_) => return Err(invalid("thinking.display", "only `summarized` thinking is carried by this gateway")),
    }
    match object.get("type").and_then(Value::as_str) {
        Some("disabled") => Ok(None),
        Some("enabled") => {
            let budget = match object.get("budget_tokens").map(|b| b.as_u64()) {
                Some(Some(budget)) if budget >= MIN_THINKING_BUDGET => u32::try_from(budget).unwrap_or(u32::MAX),
                Some(_) => return Err(invalid("thinking.budget_tokens", format!("must be an integer of at least {MIN_THINKING_BUDGET}"))),
                None => return Err(invalid("thinking.budget_tokens", "Field required")),
            };
            if max_tokens.is_some_and(|max| budget >= max) {
                return Err(invalid("thinking.budget_tokens", "must be less than max_tokens"));
            }
            Ok(Some(ReasoningRequest { effort: None, budget_tokens: Some(budget) }))
        }
        Some("adaptive") => Err(invalid("thinking.type", "`adaptive` thinking is not carried to Bedrock by this gateway; use `enabled` with `budget_tokens`")),
        _ => Err(invalid("thinking.type", "must be `enabled` or `disabled`")),
    }
}

/// Custom tools; a `cache_control` on any of them puts a cache point after the tool list
/// (Converse's tool cache point caches the whole list).
fn tools(value: Option<&Value>) -> Result<(Vec<ToolSpec>, bool), HttpError> {
    let list = match value {
        None | Some(Value::Null) => return Ok((Vec::new(), false)),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid("tools", "must be a list")),
    };
    let mut specs: Vec<ToolSpec> = Vec::with_capacity(list.len());
    let mut cached = false;
    for (i, tool) in list.iter().enumerate() {
        let path = format!("tools.{i}");
        let Some(object) = tool.as_object() else {
            return Err(invalid(&path, "must be an object"));
        };
        match object.get("type") {
            None | Some(Value::Null) => {}
            Some(Value::String(kind)) if kind == "custom" => {}
            Some(Value::String(kind)) => {
                return Err(invalid(
                    &format!("{path}.type"),
                    format!(
                        "`{}` is an Anthropic server tool Bedrock does not run; only custom tools (name, description, input_schema) are supported",
                        shown(kind)
                    ),
                ));
            }
            Some(_) => return Err(invalid(&format!("{path}.type"), "must be a string")),
        }
        let carried = ["type", "name", "description", "input_schema", "cache_control"];
        if let Some(key) = object.keys().find(|key| !carried.contains(&key.as_str()) && !ACCEPTED_TOOL_FIELDS.contains(&key.as_str())) {
            return Err(invalid(&format!("{path}.{}", shown(key)), "Extra inputs are not permitted"));
        }
        accepted_tool_fields(object, &path)?;
        let name = match object.get("name").and_then(Value::as_str) {
            Some(name) if !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') => name,
            Some(_) => return Err(invalid(&format!("{path}.name"), "must match ^[a-zA-Z0-9_-]{1,64}$")),
            None => return Err(invalid(&format!("{path}.name"), "Field required")),
        };
        if specs.iter().any(|spec| spec.name == name) {
            return Err(invalid(&format!("{path}.name"), format!("tool names must be unique; `{name}` is listed twice")));
        }
        let description = match object.get("description") {
            None | Some(Value::Null) => "",
            Some(Value::String(text)) => text,
            Some(_) => return Err(invalid(&format!("{path}.description"), "must be a string")),
        };
        let schema = match object.get("input_schema") {
            Some(schema @ Value::Object(_)) => schema.to_string(),
            Some(_) => return Err(invalid(&format!("{path}.input_schema"), "must be a JSON Schema object")),
            None => return Err(invalid(&format!("{path}.input_schema"), "Field required")),
        };
        if cache_point(object.get("cache_control"), &format!("{path}.cache_control"))? {
            cached = true;
        }
        specs.push(ToolSpec { name: name.to_string(), description: description.to_string(), input_schema: schema });
    }
    Ok((specs, cached))
}

/// Fields of a custom tool Anthropic's API takes that the Converse translation accepts and
/// does not carry (docs/api-anthropic-messages.md, "Tool fields"): none changes which calls the
/// model may make or what they hold. `eager_input_streaming` only changes how a call's input is
/// streamed (Converse streams it in fragments regardless); `strict` asks Anthropic to validate
/// the input against the schema the model is given anyway; `input_examples` are prompting hints;
/// `defer_loading` defers a tool to Anthropic's tool search, which Bedrock has not, so the tool
/// is simply offered; `allowed_callers` must let the model call the tool directly (`direct`),
/// code execution being an Anthropic server tool.
const ACCEPTED_TOOL_FIELDS: &[&str] = &["eager_input_streaming", "strict", "input_examples", "defer_loading", "allowed_callers"];

/// The accepted tool fields checked for their types (a wrong type is the client's 400).
fn accepted_tool_fields(object: &Map<String, Value>, path: &str) -> Result<(), HttpError> {
    for key in ["eager_input_streaming", "strict", "defer_loading"] {
        if object.get(key).is_some_and(|value| !value.is_boolean() && !value.is_null()) {
            return Err(invalid(&format!("{path}.{key}"), "must be true or false"));
        }
    }
    match object.get("input_examples") {
        None | Some(Value::Null) => {}
        Some(Value::Array(examples)) if examples.iter().all(Value::is_object) => {}
        Some(_) => return Err(invalid(&format!("{path}.input_examples"), "must be a list of objects")),
    }
    match object.get("allowed_callers") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(callers)) if callers.iter().any(|caller| caller == "direct") => Ok(()),
        Some(Value::Array(_)) => Err(invalid(
            &format!("{path}.allowed_callers"),
            "not supported: only code execution may call this tool, and code execution is an Anthropic server tool Bedrock does not run; include `direct`",
        )),
        Some(_) => Err(invalid(&format!("{path}.allowed_callers"), "must be a list")),
    }
}

/// What `tool_choice` asks of Converse.
enum Choice {
    /// A Converse tool choice (`None`: the model's default, auto).
    Model(Option<ToolChoice>),
    /// `none`: the tools are left out of the call.
    NoTools,
}

/// `tool_choice`: `auto`, `any`, `tool {name}`, `none`. `disable_parallel_tool_use` has no
/// Converse switch: the call layer keeps the answer's first tool call (`single_tool_call` in
/// chat_api.rs; docs/api-anthropic-messages.md).
fn tool_choice(value: Option<&Value>, tools: &[ToolSpec]) -> Result<Choice, HttpError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(Choice::Model(None)),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(invalid("tool_choice", "must be an object with a `type`")),
    };
    if object.get("disable_parallel_tool_use").is_some_and(|v| !v.is_boolean() && !v.is_null()) {
        return Err(invalid("tool_choice.disable_parallel_tool_use", "must be true or false"));
    }
    let kind = object.get("type").and_then(Value::as_str);
    if kind != Some("none") && kind.is_some() && tools.is_empty() {
        return Err(invalid("tool_choice", "needs `tools`: there is no tool to choose from"));
    }
    match kind {
        Some("auto") => Ok(Choice::Model(Some(ToolChoice::Auto))),
        Some("any") => Ok(Choice::Model(Some(ToolChoice::Any))),
        Some("none") => Ok(Choice::NoTools),
        Some("tool") => match object.get("name").and_then(Value::as_str) {
            Some(name) if tools.iter().any(|tool| tool.name == name) => Ok(Choice::Model(Some(ToolChoice::Tool(name.to_string())))),
            Some(name) => Err(invalid("tool_choice.name", format!("no tool named `{}` in `tools`", shown(name)))),
            None => Err(invalid("tool_choice.name", "Field required for `type: tool`")),
        },
        _ => Err(invalid("tool_choice.type", "must be `auto`, `any`, `tool` or `none`")),
    }
}
