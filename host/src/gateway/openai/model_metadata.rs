//! What a client needs to know about a listed model beyond the OpenAI list shape, for the
//! OpenClaw plugin (`packages/amazon-bedrock`, issue 23) to fill OpenClaw's model rows without
//! a table of its own: reasoning kind and effort control, tool support, prices, and the API the
//! gateway serves the model best through.
//!
//! Reasoning comes from the host's one reasoning table ([`crate::aws::reasoning`]); context
//! window, max tokens, inputs, prices and the reasoning flag from the policy's discovery.

use crate::aws::reasoning::{Family, family};
use crate::types::ModelInfo;
use serde_json::{Value, json};

/// Base model id prefixes whose Converse calls take no tools (AWS's "supported models and
/// model features" table): a client must not offer such a model tools.
const NO_TOOL_USE: &[&str] = &[
    "deepseek.r1",
    "amazon.titan-text",
    "meta.llama3-8b",
    "meta.llama3-70b",
    "meta.llama2",
    "mistral.mistral-7b",
    "mistral.mixtral",
    "cohere.command-text",
    "cohere.command-light",
    "ai21.j2",
];

/// The fields added to one `GET /v1/models` entry.
pub fn fields(model: &ModelInfo) -> [(&'static str, Value); 4] {
    [
        ("reasoning", reasoning(model)),
        ("tools", Value::Bool(supports_tools(&model.base_model_id))),
        ("cost", json!({ "input": model.cost.input, "output": model.cost.output, "cache_read": model.cost.cache_read, "cache_write": model.cost.cache_write })),
        ("api", Value::String(preferred_api(&model.base_model_id).to_string())),
    ]
}

/// `{"supported", "kind", "effort_control"}`: `kind` is `anthropic_thinking` (Claude: efforts
/// map to thinking budgets or adaptive efforts, by model), `effort` (a reasoning effort: gpt-oss, Nova 2), `always`
/// (the model reasons on every call and takes no control: DeepSeek-R1) or null.
fn reasoning(model: &ModelInfo) -> Value {
    let kind = match family(&model.base_model_id) {
        Family::ClaudeBudget | Family::ClaudeAdaptive | Family::ClaudeAdaptiveOnly => Some("anthropic_thinking"),
        Family::GptOss | Family::Nova2 => Some("effort"),
        Family::Always => Some("always"),
        Family::None if model.reasoning => Some("always"),
        Family::None => None,
    };
    let effort_control = matches!(kind, Some("anthropic_thinking" | "effort"));
    json!({ "supported": kind.is_some(), "kind": kind, "effort_control": effort_control })
}

fn supports_tools(base_model_id: &str) -> bool {
    !NO_TOOL_USE.iter().any(|prefix| base_model_id.starts_with(prefix))
}

/// `anthropic-messages` for Claude (signed thinking blocks replay only through the Messages
/// API), `openai-completions` for every other model.
fn preferred_api(base_model_id: &str) -> &'static str {
    if base_model_id.starts_with("anthropic.claude") { "anthropic-messages" } else { "openai-completions" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ModelCost, ModelKind};

    fn model(base: &str, reasoning: bool) -> ModelInfo {
        ModelInfo {
            id: format!("us.{base}"),
            name: base.into(),
            provider: "x".into(),
            base_model_id: base.into(),
            kind: ModelKind::SystemProfile,
            input: vec!["text".into()],
            reasoning,
            context_window: 1,
            max_tokens: 1,
            cost: ModelCost { input: 3.0, output: 15.0, cache_read: 0.3, cache_write: 3.75 },
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn fields_per_model_family() {
        // (base model id, discovery's reasoning flag, kind, effort control, tools, api)
        let cases = [
            ("anthropic.claude-sonnet-4-6", true, Some("anthropic_thinking"), true, true, "anthropic-messages"),
            ("anthropic.claude-3-haiku-20240307-v1:0", false, None, false, true, "anthropic-messages"),
            ("openai.gpt-oss-120b-1:0", true, Some("effort"), true, true, "openai-completions"),
            ("amazon.nova-2-lite-v1:0", true, Some("effort"), true, true, "openai-completions"),
            ("deepseek.r1-v1:0", true, Some("always"), false, false, "openai-completions"),
            ("meta.llama3-3-70b-instruct-v1:0", false, None, false, true, "openai-completions"),
            ("meta.llama3-70b-instruct-v1:0", false, None, false, false, "openai-completions"),
            ("mistral.mixtral-8x7b-instruct-v0:1", false, None, false, false, "openai-completions"),
        ];
        for (base, flag, kind, effort_control, tools, api) in cases {
            let fields: serde_json::Map<String, Value> = fields(&model(base, flag)).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            assert_eq!(fields["reasoning"], json!({ "supported": kind.is_some(), "kind": kind, "effort_control": effort_control }), "{base}");
            assert_eq!(fields["tools"], json!(tools), "{base}");
            assert_eq!(fields["api"], json!(api), "{base}");
            assert_eq!(fields["cost"], json!({ "input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75 }), "{base}");
        }
    }
}
