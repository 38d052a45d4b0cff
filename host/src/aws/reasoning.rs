//! Reasoning by model family: how a client's `reasoning_effort` or thinking budget reaches a
//! model through Converse `additionalModelRequestFields`, decided in one table.
//!
//! | family (foundation model) | field sent | effort or budget → value |
//! |---|---|---|
//! | Claude 3.7 to 4.5 (`anthropic.claude-3-7-…`, `…-sonnet-4…`, `…-opus-4-1…`, `…-haiku-4-5…`) | `thinking {type: enabled, budget_tokens}` | minimal 1024, low 2048, medium 8192, high 16384 tokens, at most half the call's max tokens (not below 1024); a budget as given |
//! | Claude Opus 4.6, Sonnet 4.6 | an effort: `thinking {type: adaptive}` + `output_config {effort}`; a budget: `thinking {type: enabled, budget_tokens}` (deprecated for these models, still taken) | minimal and low `low`, medium `medium`, high `high` |
//! | Claude Opus 4.7 and later (Mythos, Fable, Opus 5, …) | `thinking {type: adaptive}` + `output_config {effort}` (budgets are refused by Bedrock: a budget becomes the effort it stands for) | as above; a budget alone: up to 2048 `low`, up to 8192 `medium`, else `high` |
//! | OpenAI gpt-oss (`openai.gpt-oss`) | `reasoning_effort` | as above |
//! | Amazon Nova 2 (`amazon.nova-2`) | `reasoningConfig {type: enabled, maxReasoningEffort}` | as above |
//! | DeepSeek-R1 (`deepseek.r1`) | none: it reasons on every call | accepted, nothing sent |
//! | anything else (Claude before 3.7, Nova 1, Llama, Mistral, ...) | none | refused: [`ReasoningUnsupported`] |
//!
//! The facts: `../shared/notes/bedrock-api-facts.md` ("Claude Opus 4.7 and later") and AWS's
//! adaptive-thinking page: Opus 4.7 and later refuse `thinking.type: enabled` (and `disabled`)
//! with a 400, and take no sampling parameters ([`takes_sampling`]). The family is read from
//! the foundation model: a system profile's id or ARN by its shape, an application profile's
//! ARN through the model the call layer looked up (`gateway/call/models.rs`); one whose model
//! is not known yet is decided per attempt ([`check`]).
//!
//! The Anthropic budget must stay below the call's max tokens: a budget that does not is
//! refused here (Bedrock would refuse it too, less clearly).

use serde_json::{Value, json};

use super::model::{ReasoningEffort, ReasoningRequest};
use super::model_id::foundation_model;

/// A reasoning family: what the model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Claude 3.7 to 4.5: extended thinking with a token budget.
    ClaudeBudget,
    /// Claude Opus 4.6 and Sonnet 4.6: adaptive thinking with an effort, or a budget.
    ClaudeAdaptive,
    /// Claude Opus 4.7 and later: adaptive thinking only, no sampling parameters.
    ClaudeAdaptiveOnly,
    /// OpenAI gpt-oss `reasoning_effort`.
    GptOss,
    /// Amazon Nova 2 `reasoningConfig`.
    Nova2,
    /// Reasons on every call and takes no control (DeepSeek-R1).
    Always,
    /// No reasoning.
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

/// A Claude model's version as its id says it: `(3, 7)` for `claude-3-7-sonnet-…`, `(4, 6)`
/// for `claude-opus-4-6-v1`, `(4, 0)` for `claude-sonnet-4-20250514-v1:0`; `None` for an id
/// that carries none (`claude-mythos-preview`). A number of more than two digits is a date.
fn claude_version(rest: &str) -> Option<(u32, u32)> {
    let small = |part: &str| (part.len() <= 2).then(|| part.parse::<u32>().ok()).flatten();
    let mut parts = rest.split('-').skip_while(|part| small(part).is_none());
    let major = small(parts.next()?)?;
    Some((major, parts.next().and_then(small).unwrap_or(0)))
}

/// The family of a foundation model id.
fn family_of_model(id: &str) -> Family {
    if let Some(rest) = id.strip_prefix("anthropic.claude-") {
        // Claude 1 and 2 (`claude-v2`, `claude-instant-v1`) predate reasoning.
        if rest.starts_with('v') || rest.starts_with("instant") {
            return Family::None;
        }
        let name_first = !rest.starts_with(|c: char| c.is_ascii_digit());
        return match claude_version(rest) {
            Some((3, minor)) if minor >= 7 => Family::ClaudeBudget,
            Some((major, _)) if major <= 3 => Family::None,
            Some((4, minor)) if minor < 6 => Family::ClaudeBudget,
            Some((4, 6)) => Family::ClaudeAdaptive,
            // Opus 4.7 and every later Claude; a new name without a version (Mythos Preview)
            // is of the newest kind.
            Some(_) => Family::ClaudeAdaptiveOnly,
            None if name_first => Family::ClaudeAdaptiveOnly,
            None => Family::None,
        };
    }
    if id.starts_with("openai.gpt-oss") {
        return Family::GptOss;
    }
    if id.starts_with("amazon.nova-2") {
        return Family::Nova2;
    }
    if id.starts_with("deepseek.r1") {
        return Family::Always;
    }
    Family::None
}

/// The reasoning family of a model id, profile id or ARN; an application profile's ARN,
/// which names no model, has [`Family::None`] (look its model up first).
pub fn family(model_id: &str) -> Family {
    foundation_model(model_id).map_or(Family::None, family_of_model)
}

/// Whether the model takes sampling parameters (`temperature`, `top_p`): Claude Opus 4.7 and
/// later refuse them.
pub fn takes_sampling(model_id: &str) -> bool {
    family(model_id) != Family::ClaudeAdaptiveOnly
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

fn adaptive(request: &ReasoningRequest) -> Value {
    json!({ "thinking": { "type": "adaptive" }, "output_config": { "effort": effort_level(request) } })
}

fn budgeted(request: &ReasoningRequest, max_tokens: Option<u32>) -> Result<Value, ReasoningUnsupported> {
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

/// The `additionalModelRequestFields` that ask `model_id` (a foundation model, a system
/// profile or its ARN) to reason as `request` says, within `max_tokens` (the call's, when
/// known); `None` when the model reasons without being asked.
pub fn request_fields(model_id: &str, request: &ReasoningRequest, max_tokens: Option<u32>) -> Result<Option<Value>, ReasoningUnsupported> {
    match family(model_id) {
        Family::ClaudeBudget => budgeted(request, max_tokens).map(Some),
        Family::ClaudeAdaptive if request.budget_tokens.is_some() => budgeted(request, max_tokens).map(Some),
        Family::ClaudeAdaptive | Family::ClaudeAdaptiveOnly => Ok(Some(adaptive(request))),
        Family::GptOss => Ok(Some(json!({ "reasoning_effort": effort_level(request) }))),
        Family::Nova2 => Ok(Some(json!({ "reasoningConfig": { "type": "enabled", "maxReasoningEffort": effort_level(request) } }))),
        Family::Always => Ok(None),
        Family::None => Err(ReasoningUnsupported::NoControl { model: model_id.to_string() }),
    }
}

/// Checks before the call that `target` can reason as asked; a target whose model its id does
/// not name (an application profile) is checked on each attempt, once its model is known.
pub fn check(target: &str, request: &ReasoningRequest, max_tokens: Option<u32>) -> Result<(), ReasoningUnsupported> {
    match foundation_model(target) {
        Some(_) => request_fields(target, request, max_tokens).map(drop),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_model_id() {
        let cases = [
            ("anthropic.claude-sonnet-4-5-20250929-v1:0", Family::ClaudeBudget),
            ("us.anthropic.claude-haiku-4-5-20251001-v1:0", Family::ClaudeBudget),
            ("anthropic.claude-sonnet-4-20250514-v1:0", Family::ClaudeBudget),
            ("anthropic.claude-opus-4-1-20250805-v1:0", Family::ClaudeBudget),
            ("anthropic.claude-3-7-sonnet-20250219-v1:0", Family::ClaudeBudget),
            ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-opus-4-6-v1", Family::ClaudeAdaptive),
            ("anthropic.claude-sonnet-4-6", Family::ClaudeAdaptive),
            ("anthropic.claude-opus-4-7", Family::ClaudeAdaptiveOnly),
            ("global.anthropic.claude-opus-4-8-v1:0", Family::ClaudeAdaptiveOnly),
            ("anthropic.claude-opus-5", Family::ClaudeAdaptiveOnly),
            ("anthropic.claude-mythos-preview", Family::ClaudeAdaptiveOnly),
            ("anthropic.claude-fable-5", Family::ClaudeAdaptiveOnly),
            ("anthropic.claude-3-haiku-20240307-v1:0", Family::None),
            ("anthropic.claude-3-5-sonnet-20240620-v1:0", Family::None),
            ("anthropic.claude-v2:1", Family::None),
            ("anthropic.claude-instant-v1", Family::None),
            ("openai.gpt-oss-120b-1:0", Family::GptOss),
            ("amazon.nova-2-lite-v1:0", Family::Nova2),
            ("us.amazon.nova-2-lite-v1:0", Family::Nova2),
            ("amazon.nova-pro-v1:0", Family::None),
            ("us.deepseek.r1-v1:0", Family::Always),
            ("meta.llama3-3-70b-instruct-v1:0", Family::None),
            ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123", Family::None),
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
        let sonnet_4_6 = "global.anthropic.claude-sonnet-4-6";
        let opus_4_7 = "us.anthropic.claude-opus-4-7";
        let adaptive = |effort: &str| Ok(Some(json!({ "thinking": { "type": "adaptive" }, "output_config": { "effort": effort } })));
        type Case = (&'static str, ReasoningRequest, Option<u32>, Result<Option<Value>, ReasoningUnsupported>);
        let cases: Vec<Case> = vec![
            (sonnet, effort(ReasoningEffort::Low), Some(4096), Ok(Some(json!({ "thinking": { "type": "enabled", "budget_tokens": 2048 } })))),
            (sonnet, effort(ReasoningEffort::High), None, Ok(Some(json!({ "thinking": { "type": "enabled", "budget_tokens": 16384 } })))),
            (
                sonnet,
                ReasoningRequest { effort: Some(ReasoningEffort::High), budget_tokens: Some(3000) },
                Some(4096),
                Ok(Some(json!({ "thinking": { "type": "enabled", "budget_tokens": 3000 } }))),
            ),
            (sonnet, effort(ReasoningEffort::Medium), Some(8192), Ok(Some(json!({ "thinking": { "type": "enabled", "budget_tokens": 4096 } })))),
            (sonnet, effort(ReasoningEffort::Low), Some(1024), Err(ReasoningUnsupported::BudgetTooLarge { budget: 1024, max_tokens: 1024 })),
            (sonnet, budget(9000), Some(8192), Err(ReasoningUnsupported::BudgetTooLarge { budget: 9000, max_tokens: 8192 })),
            // Opus and Sonnet 4.6: an effort goes adaptive; a budget is still taken as one.
            (sonnet_4_6, effort(ReasoningEffort::Medium), Some(8192), adaptive("medium")),
            (sonnet_4_6, budget(4000), Some(8192), Ok(Some(json!({ "thinking": { "type": "enabled", "budget_tokens": 4000 } })))),
            // Opus 4.7: adaptive only, a budget becomes its effort and max tokens bound nothing.
            (opus_4_7, effort(ReasoningEffort::Minimal), Some(1024), adaptive("low")),
            (opus_4_7, effort(ReasoningEffort::High), None, adaptive("high")),
            (opus_4_7, budget(5000), Some(4096), adaptive("medium")),
            ("openai.gpt-oss-20b-1:0", effort(ReasoningEffort::Minimal), None, Ok(Some(json!({ "reasoning_effort": "low" })))),
            ("openai.gpt-oss-20b-1:0", budget(5000), None, Ok(Some(json!({ "reasoning_effort": "medium" })))),
            (
                "amazon.nova-2-lite-v1:0",
                effort(ReasoningEffort::High),
                None,
                Ok(Some(json!({ "reasoningConfig": { "type": "enabled", "maxReasoningEffort": "high" } }))),
            ),
            ("deepseek.r1-v1:0", effort(ReasoningEffort::Low), None, Ok(None)),
            (
                "meta.llama3-3-70b-instruct-v1:0",
                effort(ReasoningEffort::Low),
                None,
                Err(ReasoningUnsupported::NoControl { model: "meta.llama3-3-70b-instruct-v1:0".into() }),
            ),
        ];
        for (model, request, max, expected) in cases {
            assert_eq!(request_fields(model, &request, max), expected, "{model} {request:?}");
        }
    }

    #[test]
    fn an_application_profile_is_checked_per_attempt() {
        let request = ReasoningRequest { effort: Some(ReasoningEffort::High), budget_tokens: None };
        let profile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
        assert_eq!(check(profile, &request, Some(1024)), Ok(()));
        assert!(check("meta.llama3-3-70b-instruct-v1:0", &request, None).is_err());
        assert!(!takes_sampling("us.anthropic.claude-opus-4-7"));
        assert!(takes_sampling("us.anthropic.claude-opus-4-6-v1"));
    }
}
