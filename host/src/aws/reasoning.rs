//! Reasoning by model family: how a client's `reasoning_effort` or thinking budget reaches a
//! model through Converse `additionalModelRequestFields`, decided in one table.
//!
//! | family (model id, any region prefix or ARN) | field sent | effort → value |
//! |---|---|---|
//! | Anthropic Claude 3.7 and 4.x (`anthropic.claude-`, not `claude-3-` before 3.7) | `thinking {type: enabled, budget_tokens}` | minimal 1024, low 2048, medium 8192, high 16384 tokens, at most half the call's max tokens (not below 1024); an explicit budget is sent as given |
//! | OpenAI gpt-oss (`openai.gpt-oss`) | `reasoning_effort` | minimal and low `low`, medium `medium`, high `high`; a budget alone: up to 2048 `low`, up to 8192 `medium`, else `high` |
//! | Amazon Nova 2 (`amazon.nova-2`) | `reasoningConfig {type: enabled, maxReasoningEffort}` | as gpt-oss |
//! | anything else (DeepSeek-R1 reasons always and takes no control; Nova 1, Llama, Mistral, ...) | none | refused: [`ReasoningUnsupported`] |
//!
//! The Anthropic budget must stay below the call's max tokens: a budget that does not is
//! refused here (Bedrock would refuse it too, less clearly).

use serde_json::{Value, json};

use super::model::{ReasoningEffort, ReasoningRequest};

/// A reasoning family: what the model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Anthropic extended thinking with a token budget.
    AnthropicThinking,
    /// OpenAI gpt-oss `reasoning_effort`.
    GptOss,
    /// Amazon Nova 2 `reasoningConfig`.
    Nova2,
    /// No reasoning control.
    None,
}

/// Why a reasoning request cannot be sent to a model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReasoningUnsupported {
    /// The model's family has no reasoning control.
    #[error("model {model} has no reasoning control on Bedrock (reasoning works with Anthropic Claude 3.7 and later, OpenAI gpt-oss and Amazon Nova 2)")]
    NoControl {
        /// The model id.
        model: String,
    },
    /// The thinking budget does not fit below the call's max tokens.
    #[error("the thinking budget of {budget} tokens must be below the max tokens of the call ({max_tokens}); raise max_completion_tokens or lower the budget")]
    BudgetTooLarge {
        /// The budget.
        budget: u32,
        /// The max tokens.
        max_tokens: u32,
    },
}

/// The smallest thinking budget Anthropic takes.
pub const MIN_THINKING_BUDGET: u32 = 1024;

/// The model id without an ARN prefix or a geographic inference-profile prefix.
fn base_model(model_id: &str) -> &str {
    let id = model_id.rsplit('/').next().unwrap_or(model_id);
    match id.split_once('.') {
        Some((prefix, rest)) if ["us", "eu", "apac", "global", "jp", "au", "ca", "us-gov"].contains(&prefix) => rest,
        _ => id,
    }
}

/// The reasoning family of a model id, profile id or ARN.
pub fn family(model_id: &str) -> Family {
    let id = base_model(model_id);
    if id.starts_with("anthropic.claude-") {
        let before_3_7 = id.starts_with("anthropic.claude-3-") && !id.starts_with("anthropic.claude-3-7")
            || id.starts_with("anthropic.claude-v")
            || id.starts_with("anthropic.claude-instant");
        return if before_3_7 { Family::None } else { Family::AnthropicThinking };
    }
    if id.starts_with("openai.gpt-oss") {
        return Family::GptOss;
    }
    if id.starts_with("amazon.nova-2") {
        return Family::Nova2;
    }
    Family::None
}

/// The Anthropic budget an effort stands for.
pub fn budget_for(effort: ReasoningEffort) -> u32 {
    match effort {
        ReasoningEffort::Minimal => 1024,
        ReasoningEffort::Low => 2048,
        ReasoningEffort::Medium => 8192,
        ReasoningEffort::High => 16384,
    }
}

fn effort_level(request: &ReasoningRequest) -> &'static str {
    match (request.effort, request.budget_tokens) {
        (Some(ReasoningEffort::Minimal | ReasoningEffort::Low), _) => "low",
        (Some(ReasoningEffort::Medium), _) => "medium",
        (Some(ReasoningEffort::High), _) => "high",
        (None, Some(budget)) if budget <= 2048 => "low",
        (None, Some(budget)) if budget <= 8192 => "medium",
        (None, _) => "high",
    }
}

/// The `additionalModelRequestFields` that ask `model_id` to reason as `request` says, within
/// `max_tokens` (the call's, when known).
pub fn request_fields(model_id: &str, request: &ReasoningRequest, max_tokens: Option<u32>) -> Result<Value, ReasoningUnsupported> {
    match family(model_id) {
        Family::AnthropicThinking => {
            let budget = match (request.budget_tokens, max_tokens) {
                (Some(budget), _) => budget,
                // An effort is approximate: its budget shrinks to half the call's max tokens.
                (None, Some(max)) => request.effort.map_or(MIN_THINKING_BUDGET, budget_for).min(max / 2).max(MIN_THINKING_BUDGET),
                (None, None) => request.effort.map_or(MIN_THINKING_BUDGET, budget_for),
            };
            if let Some(max_tokens) = max_tokens.filter(|max| budget >= *max) {
                return Err(ReasoningUnsupported::BudgetTooLarge { budget, max_tokens });
            }
            Ok(json!({ "thinking": { "type": "enabled", "budget_tokens": budget } }))
        }
        Family::GptOss => Ok(json!({ "reasoning_effort": effort_level(request) })),
        Family::Nova2 => Ok(json!({ "reasoningConfig": { "type": "enabled", "maxReasoningEffort": effort_level(request) } })),
        Family::None => Err(ReasoningUnsupported::NoControl { model: model_id.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_model_id() {
        let cases = [
            ("anthropic.claude-sonnet-4-5-20250929-v1:0", Family::AnthropicThinking),
            ("us.anthropic.claude-haiku-4-5-20251001-v1:0", Family::AnthropicThinking),
            ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-opus-4-6-v1:0", Family::AnthropicThinking),
            ("anthropic.claude-3-7-sonnet-20250219-v1:0", Family::AnthropicThinking),
            ("anthropic.claude-3-haiku-20240307-v1:0", Family::None),
            ("anthropic.claude-3-5-sonnet-20240620-v1:0", Family::None),
            ("openai.gpt-oss-120b-1:0", Family::GptOss),
            ("amazon.nova-2-lite-v1:0", Family::Nova2),
            ("us.amazon.nova-2-lite-v1:0", Family::Nova2),
            ("amazon.nova-pro-v1:0", Family::None),
            ("deepseek.r1-v1:0", Family::None),
            ("meta.llama3-3-70b-instruct-v1:0", Family::None),
        ];
        for (model, expected) in cases {
            assert_eq!(family(model), expected, "{model}");
        }
    }

    #[test]
    fn request_fields_per_family() {
        let effort = |e| ReasoningRequest { effort: Some(e), budget_tokens: None };
        let budget = |b| ReasoningRequest { effort: None, budget_tokens: Some(b) };
        let sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        let cases: Vec<(&str, ReasoningRequest, Option<u32>, Result<Value, ReasoningUnsupported>)> = vec![
            (sonnet, effort(ReasoningEffort::Low), Some(4096), Ok(json!({ "thinking": { "type": "enabled", "budget_tokens": 2048 } }))),
            (sonnet, effort(ReasoningEffort::High), None, Ok(json!({ "thinking": { "type": "enabled", "budget_tokens": 16384 } }))),
            (
                sonnet,
                ReasoningRequest { effort: Some(ReasoningEffort::High), budget_tokens: Some(3000) },
                Some(4096),
                Ok(json!({ "thinking": { "type": "enabled", "budget_tokens": 3000 } })),
            ),
            (sonnet, effort(ReasoningEffort::Medium), Some(8192), Ok(json!({ "thinking": { "type": "enabled", "budget_tokens": 4096 } }))),
            (sonnet, effort(ReasoningEffort::Low), Some(1024), Err(ReasoningUnsupported::BudgetTooLarge { budget: 1024, max_tokens: 1024 })),
            (sonnet, budget(9000), Some(8192), Err(ReasoningUnsupported::BudgetTooLarge { budget: 9000, max_tokens: 8192 })),
            ("openai.gpt-oss-20b-1:0", effort(ReasoningEffort::Minimal), None, Ok(json!({ "reasoning_effort": "low" }))),
            ("openai.gpt-oss-20b-1:0", budget(5000), None, Ok(json!({ "reasoning_effort": "medium" }))),
            (
                "amazon.nova-2-lite-v1:0",
                effort(ReasoningEffort::High),
                None,
                Ok(json!({ "reasoningConfig": { "type": "enabled", "maxReasoningEffort": "high" } })),
            ),
            ("deepseek.r1-v1:0", effort(ReasoningEffort::Low), None, Err(ReasoningUnsupported::NoControl { model: "deepseek.r1-v1:0".into() })),
        ];
        for (model, request, max, expected) in cases {
            assert_eq!(request_fields(model, &request, max), expected, "{model} {request:?}");
        }
    }
}
