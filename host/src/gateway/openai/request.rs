//! `POST /v1/chat/completions` bodies: every field OpenAI documents has a fate here (see
//! [`FIELDS`] and the table in docs/api-openai-chat.md): honoured, mapped to Bedrock, accepted without effect
//! where that is harmless and said so, or refused with a 400 naming the `param`. A field
//! OpenAI does not document is refused too, so nothing a client asks is dropped unsaid.

use super::HttpError;
use super::content::{Conversation, cache_control, parse_messages};
use super::options::{self, Choice};
use crate::aws::model::{ContentBlock, ConverseOptions, ToolSpec};
use crate::gateway::request_bounds;
use crate::types::{ChatRequest, ConfigSource};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Cache points the gateway adds by itself (`openclaw-bedrock gateway --prompt-cache`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PromptCache {
    /// Only where a client's `cache_control` asks.
    #[default]
    Off,
    /// Also after the last system prompt and after the tools of every request.
    Auto,
}

/// Every top-level field the gateway knows; anything else is refused.
pub const FIELDS: &[&str] = &[
    "model",
    "messages",
    "stream",
    "stream_options",
    "n",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "stop",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "reasoning_effort",
    "thinking",
    "metadata",
    "user",
    "safety_identifier",
    "seed",
    "logprobs",
    "top_logprobs",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "modalities",
    "audio",
    "prediction",
    "service_tier",
    "store",
    "web_search_options",
    "verbosity",
    "functions",
    "function_call",
    "prompt_cache_key",
    "prompt_cache_retention",
];

/// A parsed `POST /v1/chat/completions` body.
#[derive(Debug, Clone)]
pub struct Completion {
    /// What is asked (a 0.1.0 policy's `chat` also gets the config, filled in by the caller).
    pub request: ChatRequest,
    /// What contract 0.2.0's chat request does not carry: tool choice, reasoning, output
    /// schema, cache points, request metadata.
    pub options: ConverseOptions,
    /// The field that asked for reasoning (`reasoning_effort` or `thinking`), for refusals.
    pub reasoning_param: &'static str,
    /// The first field a 0.1.0 policy's `chat` cannot carry, if any.
    pub beyond_contract: Option<String>,
    /// The model as the client wrote it (echoed in responses).
    pub model: String,
    /// `stream: true`.
    pub stream: bool,
    /// `stream_options.include_usage`.
    pub include_usage: bool,
}

/// Parses a request body (already known to be JSON).
pub fn parse_completion(body: &Value, timeout: Duration, prompt_cache: PromptCache) -> Result<Completion, HttpError> {
    let Some(object) = body.as_object() else {
        return Err(HttpError::invalid("", "the request body must be a JSON object"));
    };
    request_bounds::check_chat(object).map_err(|e| HttpError::invalid(e.field, e.message))?;
    if let Some(unknown) = object.keys().find(|key| !FIELDS.contains(&key.as_str())) {
        let shown: String = unknown.chars().take(64).collect();
        return Err(HttpError::invalid(
            shown.clone(),
            format!("unknown field `{shown}`: the gateway refuses fields it does not map (see docs/api-openai-chat.md)"),
        ));
    }
    let model = match object.get("model") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(model)) => model.trim().to_string(),
        Some(_) => return Err(HttpError::invalid("model", "`model` must be a string")),
    };
    let stream = optional_bool(object, "stream")?.unwrap_or(false);
    let include_usage = stream_options(object.get("stream_options"))?;
    if object.get("n").is_some_and(|n| !n.is_null() && n.as_u64() != Some(1)) {
        return Err(HttpError::invalid("n", "only n = 1 is supported"));
    }
    refusals(object)?;
    let max_tokens = match optional_u32(object, "max_completion_tokens")? {
        Some(max) => Some(max),
        None => optional_u32(object, "max_tokens")?,
    };
    let conversation = parse_messages(object.get("messages"))?;
    let uses_tools = conversation.uses_tools();
    let Conversation { system, system_cache_points, messages, beyond_contract: mut beyond } = conversation;
    let (mut tools, tools_cached) = parse_tools(object.get("tools"))?;
    let names: Vec<String> = tools.iter().map(|t| t.name.clone()).collect();
    let choice = options::tool_choice(object.get("tool_choice"), &names)?;
    let single_tool_call = options::single_tool_call(object.get("parallel_tool_calls"), !tools.is_empty())?;
    let mut options = ConverseOptions { system_cache_points, tools_cache_point: tools_cached, single_tool_call, ..ConverseOptions::default() };
    match choice {
        Choice::Auto => {}
        Choice::None if uses_tools => {}
        Choice::None => {
            tools.clear();
            options.tools_cache_point = false;
        }
        Choice::Forced(forced) => options.tool_choice = Some(forced),
    }
    options.output_schema = options::response_format(object.get("response_format"))?;
    let reasoning = options::reasoning(object)?;
    let reasoning_param = reasoning.as_ref().map_or("reasoning_effort", |(_, param)| *param);
    options.reasoning = reasoning.map(|(request, _)| request);
    options.request_metadata = options::request_metadata(object)?;
    options.service_tier = options::service_tier(object.get("service_tier"))?;
    let asked = [
        (options.service_tier.is_some(), "service_tier"),
        (options.tools_cache_point, "tools"),
        (options.tool_choice.is_some(), "tool_choice"),
        (options.output_schema.is_some(), "response_format"),
        (options.reasoning.is_some(), reasoning_param),
        (!options.request_metadata.is_empty(), "metadata"),
    ];
    if beyond.is_none() {
        beyond = asked.iter().find(|(set, _)| *set).map(|(_, param)| param.to_string());
    }
    let request = ChatRequest {
        config: ConfigSource::default(),
        settings: None,
        model: Some(model.clone()).filter(|m| !m.is_empty()),
        system,
        messages,
        max_tokens,
        temperature: optional_f32(object, "temperature", 0.0, 2.0)?,
        top_p: optional_f32(object, "top_p", 0.0, 1.0)?,
        stop_sequences: parse_stop(object.get("stop"))?,
        tools,
        timeout,
    };
    let mut completion = Completion { request, options, reasoning_param, beyond_contract: beyond, model, stream, include_usage };
    let cache_points = completion.cache_points();
    if cache_points > 4 {
        return Err(HttpError::invalid("cache_control", format!("Bedrock takes at most 4 cache points; the request asks for {cache_points}")));
    }
    if prompt_cache == PromptCache::Auto {
        completion.add_automatic_cache_points();
    }
    Ok(completion)
}

impl Completion {
    /// The cache points asked for: in the messages, after system prompts, after the tools.
    fn cache_points(&self) -> usize {
        let in_messages = self.request.messages.iter().flat_map(|m| &m.content).filter(|b| matches!(b, ContentBlock::CachePoint)).count();
        in_messages + self.options.system_cache_points.len() + usize::from(self.options.tools_cache_point)
    }

    /// Adds the automatic cache points (`--prompt-cache auto`): after the last system prompt
    /// and after the tools, where the client put none and Bedrock's limit of 4 leaves room.
    /// They are the gateway's, not the client's: a 0.1.0 policy (which cannot carry them)
    /// drops them rather than refusing the request ([`Completion::beyond_contract`] stays unset).
    fn add_automatic_cache_points(&mut self) {
        let mut room = 4usize.saturating_sub(self.cache_points());
        if let Some(last) = self.request.system.len().checked_sub(1).and_then(|i| u32::try_from(i).ok())
            && room > 0
            && !self.options.system_cache_points.contains(&last)
        {
            self.options.system_cache_points.push(last);
            room -= 1;
        }
        if !self.request.tools.is_empty() && !self.options.tools_cache_point && room > 0 {
            self.options.tools_cache_point = true;
        }
    }
}

/// The fields with no Bedrock equivalent: harmless values pass, anything else is a 400.
fn refusals(object: &Map<String, Value>) -> Result<(), HttpError> {
    let get = |key: &str| object.get(key).filter(|v| !v.is_null());
    for key in ["seed", "audio", "prediction", "web_search_options", "verbosity", "functions", "function_call"] {
        if get(key).is_some() {
            let why = match key {
                "seed" => "Bedrock has no seed: sampling cannot be made reproducible; omit `seed`",
                "audio" => "audio output is not supported (Converse answers text)",
                "prediction" => "predicted outputs are not supported by Bedrock",
                "web_search_options" => "web search is not supported by Bedrock's Converse",
                "verbosity" => "`verbosity` has no Bedrock equivalent; omit it",
                _ => "`functions` and `function_call` are deprecated: use `tools` and `tool_choice`",
            };
            return Err(HttpError::invalid(key, why));
        }
    }
    for key in ["frequency_penalty", "presence_penalty"] {
        match get(key) {
            None => {}
            Some(value) => match value.as_f64() {
                Some(0.0) => {}
                Some(v) if (-2.0..=2.0).contains(&v) => return Err(HttpError::invalid(key, format!("`{key}` has no Bedrock equivalent; only 0 is accepted"))),
                _ => return Err(HttpError::invalid(key, format!("`{key}` must be a number from -2 to 2"))),
            },
        }
    }
    match get("logit_bias") {
        None => {}
        Some(Value::Object(map)) if map.is_empty() => {}
        Some(Value::Object(_)) => return Err(HttpError::invalid("logit_bias", "`logit_bias` has no Bedrock equivalent; send none")),
        Some(_) => return Err(HttpError::invalid("logit_bias", "`logit_bias` must be an object")),
    }
    if optional_bool(object, "logprobs")? == Some(true) {
        return Err(HttpError::invalid("logprobs", "Bedrock returns no log probabilities"));
    }
    match get("top_logprobs") {
        None => {}
        Some(value) => match value.as_u64() {
            Some(0) => {}
            Some(1..=20) => return Err(HttpError::invalid("top_logprobs", "Bedrock returns no log probabilities")),
            _ => return Err(HttpError::invalid("top_logprobs", "`top_logprobs` must be an integer from 0 to 20")),
        },
    }
    match get("modalities") {
        None => {}
        Some(Value::Array(list)) if list.iter().all(|m| m == "text") => {}
        Some(Value::Array(_)) => return Err(HttpError::invalid("modalities", "only the `text` modality is supported")),
        Some(_) => return Err(HttpError::invalid("modalities", "`modalities` must be a list")),
    }
    if optional_bool(object, "store")? == Some(true) {
        return Err(HttpError::invalid("store", "the gateway stores no completions; omit `store` or set it to false"));
    }
    match get("prompt_cache_key") {
        None | Some(Value::String(_)) => {}
        Some(_) => return Err(HttpError::invalid("prompt_cache_key", "`prompt_cache_key` must be a string")),
    }
    match get("prompt_cache_retention") {
        None => {}
        Some(Value::String(retention)) if retention == "in_memory" => {}
        Some(_) => return Err(HttpError::invalid("prompt_cache_retention", "only `in_memory` is supported (Bedrock's default cache lifetime, 5 minutes)")),
    }
    Ok(())
}

fn stream_options(value: Option<&Value>) -> Result<bool, HttpError> {
    match value {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Object(options)) => {
            if let Some(unknown) = options.keys().find(|k| *k != "include_usage" && *k != "include_obfuscation") {
                let shown: String = unknown.chars().take(64).collect();
                return Err(HttpError::invalid(format!("stream_options.{shown}"), "`stream_options` takes `include_usage` and `include_obfuscation`"));
            }
            optional_bool(options, "include_obfuscation").map_err(|e| reparam(e, "stream_options.include_obfuscation"))?;
            Ok(optional_bool(options, "include_usage").map_err(|e| reparam(e, "stream_options.include_usage"))?.unwrap_or(false))
        }
        Some(_) => Err(HttpError::invalid("stream_options", "`stream_options` must be an object")),
    }
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

/// The tools, and whether one asked for a cache point (`cache_control` on a tool, as
/// Anthropic's API takes it: Converse has one point, after the whole list).
fn parse_tools(tools: Option<&Value>) -> Result<(Vec<ToolSpec>, bool), HttpError> {
    let list = match tools {
        None | Some(Value::Null) => return Ok((Vec::new(), false)),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(HttpError::invalid("tools", "`tools` must be a list")),
    };
    let mut specs = Vec::with_capacity(list.len());
    let mut cached = false;
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
        if name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(HttpError::invalid(format!("{param}.function.name"), "Bedrock takes tool names of 1 to 64 letters, digits, `_` and `-`"));
        }
        let description = function.get("description").and_then(Value::as_str).filter(|d| !d.is_empty()).unwrap_or(name);
        let schema = match function.get("parameters") {
            None | Some(Value::Null) => json!({ "type": "object", "properties": {} }),
            Some(schema @ Value::Object(_)) => schema.clone(),
            Some(_) => return Err(HttpError::invalid(format!("{param}.function.parameters"), "`parameters` must be a JSON Schema object")),
        };
        cached |= cache_control(tool, &param)?;
        specs.push(ToolSpec { name: name.to_string(), description: description.to_string(), input_schema: schema.to_string() });
    }
    Ok((specs, cached))
}
