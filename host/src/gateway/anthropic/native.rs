//! Claude natively: a `/v1/messages` request whose attempt goes to a Claude model is sent as the
//! client's own body through InvokeModel / InvokeModelWithResponseStream, as both Anthropic
//! SDKs' Bedrock clients send it (../shared/notes/claude-native-facts.md, issue 24):
//!
//! - `model` goes to the path (the attempt's target: the plan's route and fallbacks), `stream`
//!   is dropped (the operation says it), `anthropic_version` is `bedrock-2023-05-31`;
//! - the betas of the `anthropic-beta` header and of the body's `anthropic_beta` are merged
//!   (in order, without repeats) into `anthropic_beta`, filtered by the model's row of the
//!   table ([`table`]), which also drops the first-party fields Bedrock refuses; what it drops
//!   is logged and named in the `openclaw-dropped` response header;
//! - every other field passes unchanged: Bedrock, not the gateway, decides what it takes, and
//!   its 400 reaches the client with its text verbatim.
//!
//! The answer is relayed, not rebuilt: the message JSON with `model` set to the client's name
//! ([`whole`]), or each stream chunk as one SSE event ([`relay`]), the invocation metrics
//! Bedrock appends taken out for the accounting.

pub mod table;

use super::content::invalid;
use crate::aws::model::{InvokeRequest, Usage};
use crate::gateway::call::Relayed;
use crate::gateway::errors::HttpError;
use crate::plan::call::Aim;
use bytes::Bytes;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};
use table::ModelRow;

/// The version Bedrock's Anthropic body names.
pub const BEDROCK_VERSION: &str = "bedrock-2023-05-31";
/// The response header naming what the table dropped: `beta:<name>` and `field:<name>`.
pub const DROPPED_HEADER: &str = "openclaw-dropped";
/// Most betas one request may ask for (header and body together; Claude Code sends about ten).
pub const MAX_BETAS: usize = 64;
/// Longest beta name.
const MAX_BETA_LEN: usize = 128;

/// The client's body, ready to be sent to any Claude model.
#[derive(Debug, Clone)]
pub struct NativeBody {
    /// The fields, without `model`, `stream` and `anthropic_beta`.
    fields: Map<String, Value>,
    /// The betas asked for, header first, without repeats.
    betas: Vec<String>,
}

/// What the table dropped for the attempt that answered.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Betas the model does not take.
    pub betas: Vec<String>,
    /// Fields Bedrock refuses for the model.
    pub fields: Vec<String>,
}

impl Dropped {
    /// The header's value: `beta:<name>, field:<name>, ...` (`None` when nothing was dropped).
    pub fn header_value(&self) -> Option<String> {
        let names: Vec<String> = self.betas.iter().map(|beta| format!("beta:{beta}")).chain(self.fields.iter().map(|field| format!("field:{field}"))).collect();
        (!names.is_empty()).then(|| names.join(", "))
    }
}

/// Shared between a request's upstream builder (which fills it for each attempt) and its
/// render (which names it in the response).
pub type DroppedSlot = Arc<Mutex<Dropped>>;

/// One beta name, checked: a short token of letters, digits, `-`, `_` and `.`.
fn beta_name(text: &str, field: &str) -> Result<String, HttpError> {
    let name = text.trim();
    let fine = !name.is_empty() && name.len() <= MAX_BETA_LEN && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if fine { Ok(name.to_string()) } else { Err(invalid(field, format!("a beta is a name of at most {MAX_BETA_LEN} letters, digits, `-`, `_` or `.`"))) }
}

impl NativeBody {
    /// Reads the body's own betas and merges the header's (`anthropic-beta: a,b`) before them.
    pub fn read(mut fields: Map<String, Value>, header_betas: &[String]) -> Result<Self, HttpError> {
        fields.remove("model");
        fields.remove("stream");
        output_format_to_config(&mut fields)?;
        let mut betas: Vec<String> = Vec::new();
        let mut add = |name: String| {
            if !betas.contains(&name) {
                betas.push(name);
            }
        };
        let body_betas = match fields.remove("anthropic_beta") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) if list.len() + header_betas.len() > MAX_BETAS => {
                return Err(invalid(
                    "anthropic_beta",
                    format!("at most {MAX_BETAS} betas may be asked for; this request has {}", list.len() + header_betas.len()),
                ));
            }
            Some(Value::Array(list)) => list,
            Some(_) => return Err(invalid("anthropic_beta", "must be a list of beta names")),
        };
        if header_betas.len() > MAX_BETAS {
            return Err(invalid("anthropic-beta", format!("at most {MAX_BETAS} betas may be asked for; the header has {}", header_betas.len())));
        }
        for beta in header_betas {
            add(beta_name(beta, "anthropic-beta")?);
        }
        for (i, beta) in body_betas.iter().enumerate() {
            let field = format!("anthropic_beta.{i}");
            add(beta_name(beta.as_str().ok_or_else(|| invalid(&field, "must be a string"))?, &field)?);
        }
        Ok(Self { fields, betas })
    }

    /// The body's fields (without `model`, `stream` and `anthropic_beta`).
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// Sets `max_tokens` (lowered to the routed model's maximum by the call layer).
    pub fn set_max_tokens(&mut self, max_tokens: u32) {
        self.fields.insert("max_tokens".into(), Value::from(max_tokens));
    }

    /// The InvokeModel request for an attempt on a model of `row`, and what the row dropped.
    pub fn request(&self, row: &ModelRow, aim: &Aim<'_>) -> (InvokeRequest, Dropped) {
        let mut dropped = Dropped::default();
        let mut body = Map::with_capacity(self.fields.len() + 2);
        body.insert("anthropic_version".into(), Value::from(BEDROCK_VERSION));
        for (key, value) in &self.fields {
            if key == "anthropic_version" {
                continue;
            }
            if row.dropped_fields.contains(&key.as_str()) {
                dropped.fields.push(key.clone());
                continue;
            }
            body.insert(key.clone(), value.clone());
        }
        body.entry("max_tokens").or_insert_with(|| Value::from(aim.max_tokens));
        let (kept, refused): (Vec<&String>, Vec<&String>) = self.betas.iter().partition(|beta| row.takes(beta));
        dropped.betas = refused.into_iter().cloned().collect();
        if !kept.is_empty() {
            body.insert("anthropic_beta".into(), Value::from(kept.into_iter().cloned().collect::<Vec<_>>()));
        }
        if dropped != Dropped::default() {
            tracing::info!(target_model = aim.target, betas = ?dropped.betas, fields = ?dropped.fields, "not sent to Bedrock: the model's row of the Claude table drops them");
        }
        // Serializing a `Map` of JSON values cannot fail.
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let request = InvokeRequest {
            model_id: aim.target.to_string(),
            region: aim.region.to_string(),
            body,
            content_type: "application/json".into(),
            accept: "application/json".into(),
            timeout: aim.timeout,
            guardrail: None,
        };
        (request, dropped)
    }

    /// The body CountTokens counts for a model of `row`: the request's own, with the smallest
    /// `max_tokens` a generation could have (1, or the thinking budget + 1).
    pub fn counted(&self, row: &ModelRow, aim: &Aim<'_>) -> Vec<u8> {
        let mut fields = self.clone();
        let budget = fields.fields.get("thinking").and_then(|thinking| thinking.get("budget_tokens")).and_then(Value::as_u64);
        fields.fields.insert("max_tokens".into(), Value::from(budget.map_or(1, |budget| budget + 1)));
        fields.request(row, aim).0.body
    }
}

/// `output_format`, the structured-outputs beta's name for what the API now takes as
/// `output_config.format` (LiteLLM and older SDKs still send it; Bedrock takes only the new
/// name): moved there, unless `output_config.format` is given too (then that one stands).
fn output_format_to_config(fields: &mut Map<String, Value>) -> Result<(), HttpError> {
    let Some(format) = fields.remove("output_format").filter(|format| !format.is_null()) else { return Ok(()) };
    let config = fields.entry("output_config").or_insert_with(|| Value::Object(Map::new()));
    if config.is_null() {
        *config = Value::Object(Map::new());
    }
    let Some(config) = config.as_object_mut() else { return Err(invalid("output_config", "must be an object")) };
    config.entry("format").or_insert(format);
    Ok(())
}

/// The betas of an `anthropic-beta` header: comma-separated, blanks skipped; `None` when a
/// value is not text.
pub fn header_betas(values: hyper::header::GetAll<'_, hyper::header::HeaderValue>) -> Result<Vec<String>, HttpError> {
    let mut betas = Vec::new();
    for value in values {
        let text = value.to_str().map_err(|_| invalid("anthropic-beta", "the header must be plain text"))?;
        betas.extend(text.split(',').map(str::trim).filter(|beta| !beta.is_empty()).map(str::to_string));
        if betas.len() > MAX_BETAS {
            return Err(invalid("anthropic-beta", format!("at most {MAX_BETAS} betas may be asked for")));
        }
    }
    Ok(betas)
}

/// A field of Bedrock's usage as a `u32`.
fn count(object: &Value, key: &str) -> u32 {
    object.get(key).and_then(Value::as_u64).map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// The usage of an Anthropic `usage` object.
fn anthropic_usage(usage: &Value) -> Usage {
    let (input, output) = (count(usage, "input_tokens"), count(usage, "output_tokens"));
    Usage {
        input_tokens: input,
        output_tokens: output,
        total_tokens: input.saturating_add(output),
        cache_read_input_tokens: count(usage, "cache_read_input_tokens"),
        cache_write_input_tokens: count(usage, "cache_creation_input_tokens"),
        // InvokeModel says its tier in a response header, which the relay does not read.
        service_tier: None,
    }
}

/// An answer Bedrock sent that is not the JSON object it should be.
fn unreadable(what: &str) -> HttpError {
    HttpError::new(502, "api_error", format!("Bedrock's {what} is not a JSON object"))
}

/// The whole message relayed: Bedrock's JSON with `model` set to the client's name.
pub(in crate::gateway) fn whole(client_model: &str, body: &[u8]) -> Result<Relayed, HttpError> {
    let mut message: Value = serde_json::from_slice(body).map_err(|_| unreadable("answer"))?;
    let object = message.as_object_mut().ok_or_else(|| unreadable("answer"))?;
    object.insert("model".into(), Value::from(client_model));
    let usage = object.get("usage").map(anthropic_usage);
    let finish = object.get("stop_reason").and_then(Value::as_str).map(str::to_string);
    let body = serde_json::to_vec(&message).map_err(|_| unreadable("answer"))?;
    Ok(Relayed { body: Bytes::from(body), output: true, usage, finish })
}

/// One stream chunk relayed as one SSE event (`event: <type>` and the JSON): Bedrock's
/// `amazon-bedrock-invocationMetrics` taken out (they are the usage), `message_start`'s
/// model set to the client's name.
pub(in crate::gateway) fn relay(client_model: &str, chunk: &[u8]) -> Result<Relayed, HttpError> {
    let head: EventHead<'_> = serde_json::from_slice(chunk).map_err(|_| unreadable("stream event"))?;
    // Content events, most of a stream, carry nothing the relay changes: they go as Bedrock
    // sent them, read once for their type (no JSON tree built and written again per delta).
    if let Some(kind @ ("content_block_start" | "content_block_delta" | "content_block_stop" | "ping")) = head.kind.as_deref()
        && chunk.trim_ascii_start().starts_with(b"{")
        && !chunk.windows(INVOCATION_METRICS.len()).any(|window| window == INVOCATION_METRICS.as_bytes())
    {
        let output = kind != "content_block_stop" && kind != "ping";
        return Ok(Relayed { body: sse_frame(kind, chunk), output, usage: None, finish: None });
    }
    let mut event: Value = serde_json::from_slice(chunk).map_err(|_| unreadable("stream event"))?;
    let object = event.as_object_mut().ok_or_else(|| unreadable("stream event"))?;
    let metrics = object.remove(INVOCATION_METRICS);
    let kind = object.get("type").and_then(Value::as_str).unwrap_or("").to_string();
    if kind == "message_start"
        && let Some(message) = object.get_mut("message").and_then(Value::as_object_mut)
    {
        message.insert("model".into(), Value::from(client_model));
    }
    let finish =
        (kind == "message_delta").then(|| object.get("delta").and_then(|delta| delta.get("stop_reason")).and_then(Value::as_str).map(str::to_string)).flatten();
    let usage = metrics.map(|metrics| {
        let (input, output) = (count(&metrics, "inputTokenCount"), count(&metrics, "outputTokenCount"));
        Usage {
            input_tokens: input,
            output_tokens: output,
            total_tokens: input.saturating_add(output),
            cache_read_input_tokens: count(&metrics, "cacheReadInputTokenCount"),
            cache_write_input_tokens: count(&metrics, "cacheWriteInputTokenCount"),
            service_tier: None,
        }
    });
    let output = matches!(kind.as_str(), "content_block_start" | "content_block_delta");
    let data = serde_json::to_vec(&event).map_err(|_| unreadable("stream event"))?;
    Ok(Relayed { body: sse_frame(if kind.is_empty() { "message" } else { &kind }, &data), output, usage, finish })
}

/// Bedrock's usage figures inside a stream event (taken out before the client sees it).
const INVOCATION_METRICS: &str = "amazon-bedrock-invocationMetrics";

/// What the relay reads of every stream event: its type (the rest is checked as JSON, not kept).
#[derive(serde::Deserialize)]
struct EventHead<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<std::borrow::Cow<'a, str>>,
}

/// One SSE event: `event: <kind>` and the JSON as its data.
fn sse_frame(kind: &str, data: &[u8]) -> Bytes {
    let mut frame = Vec::with_capacity(data.len() + kind.len() + 16);
    frame.extend_from_slice(b"event: ");
    frame.extend_from_slice(kind.as_bytes());
    frame.extend_from_slice(b"\ndata: ");
    frame.extend_from_slice(data);
    frame.extend_from_slice(b"\n\n");
    Bytes::from(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn aim() -> Aim<'static> {
        Aim { target: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", region: "us-east-1", max_tokens: 4096, timeout: Duration::from_secs(5), last: true }
    }

    fn sent(body: Value, header: &[&str], model: &str) -> (Value, Dropped) {
        let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        let native = NativeBody::read(body.as_object().cloned().unwrap_or_default(), &header).expect("readable");
        let (request, dropped) = native.request(table::row(model).expect("a Claude row"), &aim());
        (serde_json::from_slice(&request.body).expect("json"), dropped)
    }

    #[test]
    fn the_body_goes_as_the_client_sent_it_with_bedrocks_changes() {
        const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        const OPUS_4_7: &str = "anthropic.claude-opus-4-7-v1:0";
        let base = json!({ "model": "claude-x", "stream": true, "max_tokens": 10, "messages": [], "future_field": { "a": 1 } });
        // (body patch, header betas, model, sent betas, dropped header)
        type Case<'a> = (Value, &'a [&'a str], &'a str, Value, Option<&'a str>);
        let cases: [Case; 5] = [
            (json!({}), &[], SONNET, Value::Null, None),
            (
                json!({ "anthropic_beta": ["context-management-2025-06-27"] }),
                &["effort-2025-11-24", "context-management-2025-06-27"],
                SONNET,
                json!(["effort-2025-11-24", "context-management-2025-06-27"]),
                None,
            ),
            (
                json!({}),
                &["claude-code-20250219", "interleaved-thinking-2025-05-14"],
                SONNET,
                json!(["interleaved-thinking-2025-05-14"]),
                Some("beta:claude-code-20250219"),
            ),
            (
                json!({}),
                &["interleaved-thinking-2025-05-14", "effort-2025-11-24"],
                OPUS_4_7,
                json!(["effort-2025-11-24"]),
                Some("beta:interleaved-thinking-2025-05-14"),
            ),
            (json!({ "mcp_servers": [], "anthropic_version": "2023-06-01" }), &[], SONNET, Value::Null, Some("field:mcp_servers")),
        ];
        for (patch, header, model, betas, dropped_header) in cases {
            let mut body = base.clone();
            for (key, value) in patch.as_object().cloned().unwrap_or_default() {
                body[key] = value;
            }
            let (sent, dropped) = sent(body, header, model);
            assert_eq!(sent["anthropic_version"], BEDROCK_VERSION, "{sent}");
            assert_eq!((sent.get("model"), sent.get("stream"), sent.get("mcp_servers")), (None, None, None), "{sent}");
            assert_eq!(sent["future_field"], json!({ "a": 1 }), "unknown fields pass unchanged");
            assert_eq!(sent.get("anthropic_beta").cloned().unwrap_or(Value::Null), betas, "{model} {header:?}");
            assert_eq!(dropped.header_value().as_deref(), dropped_header, "{model} {header:?}");
        }
    }

    #[test]
    fn bad_betas_are_refused_before_any_call() {
        let many: Vec<String> = (0..10_000).map(|i| format!("beta-{i}")).collect();
        let body = |betas: Value| json!({ "max_tokens": 1, "messages": [], "anthropic_beta": betas }).as_object().cloned().unwrap_or_default();
        let cases = [
            (NativeBody::read(body(json!(many)), &[]), "anthropic_beta: at most 64 betas"),
            (NativeBody::read(body(json!("a,b")), &[]), "anthropic_beta: must be a list"),
            (NativeBody::read(body(json!([7])), &[]), "anthropic_beta.0: must be a string"),
            (NativeBody::read(body(json!(["../x"])), &[]), "anthropic_beta.0: a beta is a name"),
            (NativeBody::read(body(Value::Null), &many), "anthropic-beta: at most 64 betas"),
        ];
        for (outcome, start) in cases {
            let error = outcome.expect_err(start);
            assert!(error.message.starts_with(start), "{}", error.message);
        }
    }

    #[test]
    fn answers_are_relayed_with_the_clients_model_and_bedrocks_metrics_taken_out() {
        let whole = whole(
            "claude-x",
            br#"{"type":"message","model":"claude-sonnet","stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":2,"cache_read_input_tokens":3}}"#,
        )
        .expect("relayed");
        let message: Value = serde_json::from_slice(&whole.body).expect("json");
        assert_eq!((message["model"].as_str(), whole.finish.as_deref()), (Some("claude-x"), Some("end_turn")));
        assert_eq!(whole.usage.map(|u| (u.input_tokens, u.output_tokens, u.cache_read_input_tokens)), Some((5, 2, 3)));
        let start = relay("claude-x", br#"{"type":"message_start","message":{"model":"claude-sonnet","content":[]}}"#).expect("relayed");
        let text = std::str::from_utf8(&start.body).expect("utf-8");
        let data = text.strip_prefix("event: message_start\ndata: ").and_then(|rest| rest.strip_suffix("\n\n")).expect("one SSE event");
        assert_eq!(serde_json::from_str::<Value>(data).ok(), Some(json!({ "type": "message_start", "message": { "model": "claude-x", "content": [] } })));
        let stop = relay("m", br#"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":7,"outputTokenCount":4}}"#).expect("relayed");
        assert_eq!(std::str::from_utf8(&stop.body).ok(), Some("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
        assert_eq!(stop.usage.map(|u| (u.input_tokens, u.output_tokens)), Some((7, 4)));
        let delta = relay("m", br#"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}}"#).expect("relayed");
        assert_eq!((delta.finish.as_deref(), delta.output), (Some("tool_use"), false));
        assert_eq!(relay("m", b"not json").expect_err("refused").status, 502);
        assert_eq!(relay("m", br#"["content_block_delta"]"#).expect_err("not an object").status, 502);
        // Content events go as Bedrock sent them, byte for byte.
        let chunk = br#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Echo"}}"#;
        let delta = relay("m", chunk).expect("relayed");
        assert_eq!(&delta.body[..], [&b"event: content_block_delta\ndata: "[..], chunk, b"\n\n"].concat(), "verbatim");
        assert_eq!((delta.output, delta.usage.is_none(), delta.finish.is_none()), (true, true, true));
        let ping = relay("m", br#"{"type":"ping"}"#).expect("relayed");
        assert!(!ping.output);
    }
}
