//! Reasoning, as Bedrock's reasoning families take it in `additionalModelRequestFields`:
//!
//! - Anthropic Claude (3.7 and later): `thinking {type: enabled | disabled, budget_tokens}`;
//!   `budget_tokens` must be at least 1024 and below `maxTokens`. The answer starts with a
//!   `reasoningContent.reasoningText {text, signature}` block, text `Thinking about: <what the
//!   reply echoes>`, signature [`sign`] of the text. Every `reasoningText` block an assistant
//!   message sends back must carry the signature given for its exact text; with thinking enabled,
//!   an assistant message holding a `toolUse` must start with its reasoning block. Refusals use
//!   Anthropic's wording inside Bedrock's "The model returned the following errors" envelope.
//! - OpenAI gpt-oss: `reasoning_effort` `low | medium | high`; the answer starts with an unsigned
//!   `reasoningText` block.
//! - Amazon Nova 2: `reasoningConfig {type: enabled | disabled, maxReasoningEffort: low | medium |
//!   high}`; the same unsigned block when enabled.
//!
//! A reasoning key sent to a model of another family is refused as Bedrock refuses an extraneous
//! key. Without a reasoning request no model reasons (DeepSeek-R1 included), so plain replies stay
//! as they were.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::errors::ApiError;

/// The key signatures are made with: fixed, so a signature is stable across emulator runs.
const SIGNING_KEY: &[u8] = b"bedrock-emulator reasoning signature v1";

/// What a request asks the model to reason with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// No reasoning.
    Off,
    /// Anthropic extended thinking with this budget; the block is signed.
    Thinking {
        /// `budget_tokens`.
        budget: u64,
    },
    /// An effort level (gpt-oss, Nova 2); the block is not signed.
    Effort(String),
    /// Anthropic adaptive thinking at this effort; the block is signed.
    Adaptive(String),
}

/// A reasoning block of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reasoning {
    /// The reasoning text.
    pub text: String,
    /// Its signature (Anthropic only).
    pub signature: Option<String>,
}

impl Reasoning {
    /// The reasoning a reply to `echoed` starts with, in `mode`.
    pub fn for_reply(mode: &Mode, echoed: &str) -> Option<Reasoning> {
        let text = format!("Thinking about: {echoed}");
        match mode {
            Mode::Off => None,
            Mode::Thinking { .. } | Mode::Adaptive(_) => Some(Reasoning { signature: Some(sign(&text)), text }),
            Mode::Effort(_) => Some(Reasoning { text, signature: None }),
        }
    }

    /// The `reasoningContent` JSON of a Converse answer.
    pub fn block(&self) -> Value {
        let mut text = serde_json::json!({ "text": self.text });
        if let Some(signature) = &self.signature {
            text["signature"] = Value::String(signature.clone());
        }
        serde_json::json!({ "reasoningContent": { "reasoningText": text } })
    }
}

/// The signature of a reasoning text: base64 of HMAC-SHA256 under the emulator's fixed key.
pub fn sign(text: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SIGNING_KEY).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn model_error(detail: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!("The model returned the following errors: {detail}"))
}

fn extraneous(key: &str) -> ApiError {
    model_error(format!("Malformed input request: extraneous key [{key}] is not permitted, please reformat your input and try again."))
}

/// Anthropic models that take `thinking`: Claude 3.7 Sonnet and every Claude 4 and later.
fn thinks(model_id: &str) -> bool {
    let before_3_7 = model_id.starts_with("anthropic.claude-3-") && !model_id.starts_with("anthropic.claude-3-7");
    model_id.starts_with("anthropic.") && !before_3_7
}

/// The Claude models that take only adaptive thinking (AWS's adaptive-thinking page: Claude
/// Opus 4.7, Opus 5, the Mythos and Fable models): `thinking.type` `enabled` and `disabled`
/// are refused, and so are sampling parameters.
const ADAPTIVE_ONLY: &[&str] =
    &["anthropic.claude-opus-4-7", "anthropic.claude-opus-4-8", "anthropic.claude-opus-5", "anthropic.claude-mythos", "anthropic.claude-fable"];
/// The Claude models that take adaptive thinking beside budgets (Opus 4.6, Sonnet 4.6).
const ADAPTIVE_TOO: &[&str] = &["anthropic.claude-opus-4-6", "anthropic.claude-sonnet-4-6"];
/// Claude Opus 4.5 takes `output_config.effort` (with budgets) but not adaptive thinking.
const EFFORT_ONLY: &[&str] = &["anthropic.claude-opus-4-5"];

/// Whether `model_id` takes only adaptive thinking.
pub fn adaptive_only(model_id: &str) -> bool {
    ADAPTIVE_ONLY.iter().any(|prefix| model_id.starts_with(prefix))
}

fn takes_adaptive(model_id: &str) -> bool {
    adaptive_only(model_id) || ADAPTIVE_TOO.iter().any(|prefix| model_id.starts_with(prefix))
}

fn takes_effort(model_id: &str) -> bool {
    takes_adaptive(model_id) || EFFORT_ONLY.iter().any(|prefix| model_id.starts_with(prefix))
}

/// `output_config.effort`, if given: `low`, `medium`, `high`, `max`, and `xhigh` on the
/// adaptive-only models.
fn output_effort(fields: &serde_json::Map<String, Value>, model_id: &str) -> Result<Option<String>, ApiError> {
    let Some(config) = fields.get("output_config") else { return Ok(None) };
    match config.get("effort").map(Value::as_str) {
        None => Ok(None),
        Some(Some(level @ ("low" | "medium" | "high" | "max"))) => Ok(Some(level.to_string())),
        Some(Some("xhigh")) if adaptive_only(model_id) => Ok(Some("xhigh".into())),
        Some(_) => Err(model_error("output_config.effort: Input should be 'low', 'medium', 'high' or 'max'")),
    }
}

/// The adaptive-only models take no sampling parameters: Converse's `temperature` and `topP`
/// are refused by name.
fn check_sampling(body: &Value, model_id: &str) -> Result<(), ApiError> {
    if !adaptive_only(model_id) {
        return Ok(());
    }
    let config = body.get("inferenceConfig");
    for (field, name) in [("temperature", "temperature"), ("topP", "top_p")] {
        if config.and_then(|c| c.get(field)).is_some() {
            return Err(model_error(format!("`{name}` is not supported for this model.")));
        }
    }
    Ok(())
}

fn effort_of(value: Option<&Value>, field: &str) -> Result<String, ApiError> {
    match value.and_then(Value::as_str) {
        Some(level @ ("low" | "medium" | "high")) => Ok(level.to_string()),
        _ => Err(model_error(format!("{field}: Input should be 'low', 'medium' or 'high'"))),
    }
}

/// The reasoning `additionalModelRequestFields` asks for on `model_id`, checked against
/// `max_tokens` (see the module documentation).
pub fn requested(body: &Value, model_id: &str, max_tokens: u64) -> Result<Mode, ApiError> {
    check_sampling(body, model_id)?;
    let Some(fields) = body.get("additionalModelRequestFields").and_then(Value::as_object) else { return Ok(Mode::Off) };
    let family_keys = [
        ("thinking", thinks(model_id)),
        ("output_config", takes_effort(model_id)),
        ("reasoning_effort", model_id.starts_with("openai.gpt-oss")),
        ("reasoningConfig", model_id.starts_with("amazon.nova-2")),
    ];
    for (key, allowed) in family_keys {
        if fields.contains_key(key) && !allowed {
            return Err(extraneous(key));
        }
    }
    let effort = output_effort(fields, model_id)?;
    if let Some(thinking) = fields.get("thinking") {
        let kind = thinking.get("type").and_then(Value::as_str);
        if adaptive_only(model_id) && matches!(kind, Some("enabled" | "disabled")) {
            return Err(model_error(format!(
                "thinking.type.{} is not supported for this model. Use thinking.type.adaptive and output_config.effort to control thinking behavior.",
                kind.unwrap_or_default()
            )));
        }
        return match kind {
            Some("disabled") => Ok(Mode::Off),
            Some("adaptive") if takes_adaptive(model_id) => Ok(Mode::Adaptive(effort.unwrap_or_else(|| "high".into()))),
            Some("enabled") => {
                let budget = match thinking.get("budget_tokens") {
                    None => return Err(model_error("thinking.enabled.budget_tokens: Field required")),
                    Some(value) => value.as_i64().ok_or_else(|| model_error("thinking.enabled.budget_tokens: Input should be a valid integer"))?,
                };
                if budget < 1024 {
                    return Err(model_error("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"));
                }
                if budget as u64 >= max_tokens {
                    return Err(model_error(
                        "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size",
                    ));
                }
                Ok(Mode::Thinking { budget: budget as u64 })
            }
            other => Err(model_error(format!(
                "thinking.type: Input tag '{}' found using 'type' does not match any of the expected tags: 'disabled', 'enabled'",
                other.unwrap_or("")
            ))),
        };
    }
    if let Some(effort) = fields.get("reasoning_effort") {
        return effort_of(Some(effort), "reasoning_effort").map(Mode::Effort);
    }
    if let Some(config) = fields.get("reasoningConfig") {
        return match config.get("type").and_then(Value::as_str) {
            Some("disabled") => Ok(Mode::Off),
            Some("enabled") => effort_of(config.get("maxReasoningEffort"), "reasoningConfig.maxReasoningEffort").map(Mode::Effort),
            _ => Err(model_error("reasoningConfig.type: Input should be 'enabled' or 'disabled'")),
        };
    }
    Ok(Mode::Off)
}

fn block_type(block: &Value) -> &'static str {
    let keys = [
        ("text", "text"),
        ("toolUse", "tool_use"),
        ("toolResult", "tool_result"),
        ("image", "image"),
        ("document", "document"),
        ("reasoningContent", "thinking"),
    ];
    keys.iter().find(|(key, _)| block.get(*key).is_some()).map(|(_, name)| *name).unwrap_or("unknown")
}

/// Checks the reasoning blocks assistant messages send back (Anthropic models only; see the
/// module documentation).
pub fn check_history(body: &Value, model_id: &str, mode: &Mode) -> Result<(), ApiError> {
    if !model_id.starts_with("anthropic.") {
        return Ok(());
    }
    let messages = body.get("messages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for (i, message) in messages.iter().enumerate() {
        if message.get("role").and_then(Value::as_str) != Some("assistant") {
            continue;
        }
        let blocks = message.get("content").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for (j, block) in blocks.iter().enumerate() {
            let Some(text) = block.get("reasoningContent").and_then(|r| r.get("reasoningText")) else { continue };
            let content = text.get("text").and_then(Value::as_str).unwrap_or("");
            match text.get("signature").and_then(Value::as_str) {
                None => return Err(model_error(format!("messages.{i}.content.{j}.thinking.signature: Field required"))),
                Some(signature) if signature != sign(content) => {
                    return Err(model_error(format!("messages.{i}.content.{j}: Invalid `signature` in `thinking` block")));
                }
                Some(_) => {}
            }
        }
        let uses_tool = blocks.iter().any(|b| b.get("toolUse").is_some());
        let first = blocks.first().map(block_type).unwrap_or("unknown");
        if matches!(mode, Mode::Thinking { .. }) && uses_tool && first != "thinking" {
            return Err(model_error(format!(
                "messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{first}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    fn with(fields: Value) -> Value {
        json!({ "additionalModelRequestFields": fields })
    }

    #[test]
    fn reasoning_requests_by_family() {
        let cases: Vec<(Value, &str, Result<Mode, &str>)> = vec![
            (json!({ "thinking": { "type": "enabled", "budget_tokens": 1024 } }), SONNET, Ok(Mode::Thinking { budget: 1024 })),
            (json!({ "thinking": { "type": "disabled" } }), SONNET, Ok(Mode::Off)),
            (json!({ "thinking": { "type": "enabled", "budget_tokens": 1023 } }), SONNET, Err("greater than or equal to 1024")),
            (json!({ "thinking": { "type": "enabled", "budget_tokens": 4096 } }), SONNET, Err("`max_tokens` must be greater")),
            (json!({ "thinking": { "type": "enabled" } }), SONNET, Err("budget_tokens: Field required")),
            (json!({ "thinking": { "type": "sometimes" } }), SONNET, Err("expected tags")),
            (json!({ "thinking": { "type": "enabled", "budget_tokens": 2000 } }), "anthropic.claude-3-haiku-20240307-v1:0", Err("extraneous key [thinking]")),
            (json!({ "thinking": { "type": "enabled", "budget_tokens": 2000 } }), "amazon.nova-pro-v1:0", Err("extraneous key [thinking]")),
            (json!({ "reasoning_effort": "high" }), "openai.gpt-oss-20b-1:0", Ok(Mode::Effort("high".into()))),
            (json!({ "reasoning_effort": "extreme" }), "openai.gpt-oss-20b-1:0", Err("'low', 'medium' or 'high'")),
            (json!({ "reasoning_effort": "low" }), SONNET, Err("extraneous key [reasoning_effort]")),
            (json!({ "reasoningConfig": { "type": "enabled", "maxReasoningEffort": "low" } }), "amazon.nova-2-lite-v1:0", Ok(Mode::Effort("low".into()))),
            (json!({ "top_k": 5 }), SONNET, Ok(Mode::Off)),
        ];
        for (fields, model, expected) in cases {
            let got = requested(&with(fields.clone()), model, 4096);
            match expected {
                Ok(mode) => assert_eq!(got, Ok(mode), "{fields} {model}"),
                Err(part) => assert!(got.as_ref().is_err_and(|e| e.message.contains(part)), "{fields} {model}: {got:?}"),
            }
        }
    }

    #[test]
    fn history_signatures_and_the_leading_thinking_block() {
        let thinking = Mode::Thinking { budget: 1024 };
        let signed = |text: &str, signature: Option<String>| {
            let mut inner = json!({ "text": text });
            if let Some(s) = signature {
                inner["signature"] = json!(s);
            }
            json!({ "reasoningContent": { "reasoningText": inner } })
        };
        let tool_use = json!({ "toolUse": { "toolUseId": "t", "name": "f", "input": {} } });
        let conversation = |assistant: Vec<Value>| {
            json!({ "messages": [
                { "role": "user", "content": [{ "text": "hi" }] },
                { "role": "assistant", "content": assistant },
                { "role": "user", "content": [{ "text": "more" }] },
            ] })
        };
        let good = signed("Thinking about: hi", Some(sign("Thinking about: hi")));
        let cases: Vec<(Vec<Value>, &Mode, Option<&str>)> = vec![
            (vec![good.clone(), tool_use.clone()], &thinking, None),
            (vec![signed("Thinking about: hi!", Some(sign("Thinking about: hi")))], &thinking, Some("messages.1.content.0: Invalid `signature`")),
            (vec![signed("Thinking about: hi", None)], &Mode::Off, Some("messages.1.content.0.thinking.signature: Field required")),
            (vec![tool_use.clone()], &thinking, Some("Expected `thinking` or `redacted_thinking`, but found `tool_use`")),
            (vec![tool_use.clone()], &Mode::Off, None),
            (vec![json!({ "text": "ok" })], &thinking, None),
        ];
        for (assistant, mode, expected) in cases {
            let got = check_history(&conversation(assistant.clone()), SONNET, mode);
            match expected {
                None => assert_eq!(got, Ok(()), "{assistant:?}"),
                Some(part) => assert!(got.as_ref().is_err_and(|e| e.message.contains(part)), "{assistant:?}: {got:?}"),
            }
        }
        assert_eq!(check_history(&conversation(vec![signed("x", None)]), "openai.gpt-oss-20b-1:0", &Mode::Off), Ok(()));
        assert_eq!(sign("a"), sign("a"));
        assert_ne!(sign("a"), sign("b"));
    }
}
