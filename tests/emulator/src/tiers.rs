//! Service tiers, as Bedrock's Converse takes them: `serviceTier {type}` with `default`,
//! `flex`, `priority` or `reserved` (the pinned SDK's `ServiceTierType`;
//! ../shared/notes/bedrock-api-facts.md, "Service tiers"). Not every model has every tier: a
//! tier the model lacks is a ValidationException, and the answer names the tier that served
//! (`serviceTier` in the response and in the stream's `metadata` event) when one was asked.
//!
//! The emulator's tiers per model: every model has `default`; Claude also `priority`; the
//! open-weight and Amazon models (Nova, gpt-oss, DeepSeek, Qwen, Llama 4) also `flex` and
//! `priority`; no account has `reserved` capacity here.

use serde_json::Value;

use crate::errors::ApiError;

const FLEX_AND_PRIORITY: &[&str] = &["amazon.nova", "openai.gpt-oss", "deepseek.", "qwen.", "meta.llama4"];

fn offered(model_id: &str, tier: &str) -> bool {
    match tier {
        "default" => true,
        "priority" => model_id.starts_with("anthropic.claude") || FLEX_AND_PRIORITY.iter().any(|prefix| model_id.starts_with(prefix)),
        "flex" => FLEX_AND_PRIORITY.iter().any(|prefix| model_id.starts_with(prefix)),
        _ => false,
    }
}

/// The tier a Converse body asks of `model_id`, if it asks one.
pub fn requested(body: &Value, model_id: &str) -> Result<Option<&'static str>, ApiError> {
    let Some(tier) = body.get("serviceTier") else { return Ok(None) };
    let name = match tier.get("type").and_then(Value::as_str) {
        Some("default") => "default",
        Some("flex") => "flex",
        Some("priority") => "priority",
        Some("reserved") => "reserved",
        other => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{}' at 'serviceTier.type' failed to satisfy constraint: Member must satisfy enum value set: [reserved, priority, default, flex]",
                other.unwrap_or("null")
            )));
        }
    };
    if !offered(model_id, name) {
        return Err(ApiError::validation(format!("The provided service tier ({name}) is not supported for this model.")));
    }
    Ok(Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tiers_per_model() {
        let cases = [
            (json!({}), "anthropic.claude-sonnet-4-5", Ok(None)),
            (json!({ "serviceTier": { "type": "default" } }), "anthropic.claude-sonnet-4-5", Ok(Some("default"))),
            (json!({ "serviceTier": { "type": "priority" } }), "anthropic.claude-sonnet-4-5", Ok(Some("priority"))),
            (json!({ "serviceTier": { "type": "flex" } }), "anthropic.claude-sonnet-4-5", Err("not supported for this model")),
            (json!({ "serviceTier": { "type": "flex" } }), "amazon.nova-lite-v1:0", Ok(Some("flex"))),
            (json!({ "serviceTier": { "type": "reserved" } }), "amazon.nova-lite-v1:0", Err("not supported for this model")),
            (json!({ "serviceTier": { "type": "fast" } }), "amazon.nova-lite-v1:0", Err("enum value set")),
        ];
        for (body, model, expected) in cases {
            let got = requested(&body, model).map_err(|e| e.message);
            match expected {
                Ok(tier) => assert_eq!(got, Ok(tier), "{body} {model}"),
                Err(part) => assert!(got.as_ref().is_err_and(|m| m.contains(part)), "{body} {model}: {got:?}"),
            }
        }
    }
}
