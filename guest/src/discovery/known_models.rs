//! The known-models table (BEHAVIOUR.md 5.5): context window, max output tokens, extended
//! reasoning, document input and list prices of the Bedrock models the policy knows, keyed by
//! the base model id with its geography prefix and version suffix removed ([`table_key`]).
//!
//! The table is data: one [`KnownModel`] line per model, in [`KNOWN_MODELS`]. To add a model,
//! add a line; [`check_table`] (run by the self-check) refuses a duplicate key, a key that is
//! not already normalised, a limit of 0, max tokens above the context window, or a price that
//! is negative or not finite.
//!
//! Figures are the ones AWS and the model makers publish for Bedrock (context window, and the
//! largest `maxTokens` Bedrock accepts without a beta header). Prices are US dollars per million
//! tokens, on-demand in `us-east-1`, for the models whose price is well established; `ZERO`
//! elsewhere (the spec's "zeros unless known"). `documents` says whether Bedrock's Converse API
//! takes document blocks for the model (AWS's "supported models and model features" table).

use openclaw_domain::ModelCost;

/// Unknown prices.
pub const ZERO: ModelCost = ModelCost { input: 0.0, output: 0.0, cache_read: 0.0, cache_write: 0.0 };

const fn price(input: f64, output: f64) -> ModelCost {
    ModelCost { input, output, cache_read: 0.0, cache_write: 0.0 }
}

const fn cached(input: f64, output: f64, cache_read: f64, cache_write: f64) -> ModelCost {
    ModelCost { input, output, cache_read, cache_write }
}

/// What the policy knows about one model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KnownModel {
    /// The normalised base id, e.g. `anthropic.claude-sonnet-4-6` (see [`table_key`]).
    pub key: &'static str,
    /// Context window in tokens.
    pub context_window: u32,
    /// Largest output per request, in tokens.
    pub max_tokens: u32,
    /// Extended reasoning (thinking) is supported.
    pub reasoning: bool,
    /// Converse accepts document blocks.
    pub documents: bool,
    /// List prices.
    pub cost: ModelCost,
}

const fn known(key: &'static str, context_window: u32, max_tokens: u32, reasoning: bool, documents: bool, cost: ModelCost) -> KnownModel {
    KnownModel { key, context_window, max_tokens, reasoning, documents, cost }
}

/// The table. Keep it grouped by provider; order does not matter otherwise.
#[rustfmt::skip]
pub const KNOWN_MODELS: &[KnownModel] = &[
    // Anthropic: reasoning from Claude 3.7 on.
    known("anthropic.claude-3-haiku", 200_000, 4_096, false, true, price(0.25, 1.25)),
    known("anthropic.claude-3-sonnet", 200_000, 4_096, false, true, price(3.0, 15.0)),
    known("anthropic.claude-3-opus", 200_000, 4_096, false, true, price(15.0, 75.0)),
    known("anthropic.claude-3-5-haiku", 200_000, 8_192, false, true, cached(0.8, 4.0, 0.08, 1.0)),
    known("anthropic.claude-3-5-sonnet", 200_000, 8_192, false, true, price(3.0, 15.0)),
    known("anthropic.claude-3-7-sonnet", 200_000, 64_000, true, true, cached(3.0, 15.0, 0.3, 3.75)),
    known("anthropic.claude-sonnet-4", 200_000, 64_000, true, true, cached(3.0, 15.0, 0.3, 3.75)),
    known("anthropic.claude-opus-4", 200_000, 32_000, true, true, cached(15.0, 75.0, 1.5, 18.75)),
    known("anthropic.claude-opus-4-1", 200_000, 32_000, true, true, cached(15.0, 75.0, 1.5, 18.75)),
    known("anthropic.claude-sonnet-4-5", 200_000, 64_000, true, true, cached(3.0, 15.0, 0.3, 3.75)),
    known("anthropic.claude-haiku-4-5", 200_000, 64_000, true, true, cached(1.0, 5.0, 0.1, 1.25)),
    known("anthropic.claude-opus-4-5", 200_000, 64_000, true, true, cached(5.0, 25.0, 0.5, 6.25)),
    known("anthropic.claude-sonnet-4-6", 200_000, 64_000, true, true, cached(3.0, 15.0, 0.3, 3.75)),
    known("anthropic.claude-opus-4-6", 200_000, 128_000, true, true, cached(5.0, 25.0, 0.5, 6.25)),
    known("anthropic.claude-opus-4-7", 1_000_000, 128_000, true, true, cached(5.0, 25.0, 0.5, 6.25)),
    // Meta.
    known("meta.llama3-8b-instruct", 8_192, 2_048, false, true, price(0.3, 0.6)),
    known("meta.llama3-70b-instruct", 8_192, 2_048, false, true, price(2.65, 3.5)),
    known("meta.llama3-1-8b-instruct", 128_000, 2_048, false, true, price(0.22, 0.22)),
    known("meta.llama3-1-70b-instruct", 128_000, 2_048, false, true, price(0.72, 0.72)),
    known("meta.llama3-1-405b-instruct", 128_000, 4_096, false, true, price(2.4, 2.4)),
    known("meta.llama3-2-1b-instruct", 128_000, 4_096, false, true, price(0.1, 0.1)),
    known("meta.llama3-2-3b-instruct", 128_000, 4_096, false, true, price(0.15, 0.15)),
    known("meta.llama3-2-11b-instruct", 128_000, 4_096, false, true, price(0.16, 0.16)),
    known("meta.llama3-2-90b-instruct", 128_000, 4_096, false, true, price(0.72, 0.72)),
    known("meta.llama3-3-70b-instruct", 128_000, 4_096, false, true, price(0.72, 0.72)),
    known("meta.llama4-scout-17b-instruct", 3_500_000, 8_192, false, true, price(0.17, 0.66)),
    known("meta.llama4-maverick-17b-instruct", 1_000_000, 8_192, false, true, price(0.24, 0.97)),
    // Mistral AI.
    known("mistral.mistral-7b-instruct", 32_000, 8_192, false, true, price(0.15, 0.2)),
    known("mistral.mixtral-8x7b-instruct", 32_000, 4_096, false, true, price(0.45, 0.7)),
    known("mistral.mistral-small-2402", 32_000, 8_192, false, true, price(1.0, 3.0)),
    known("mistral.mistral-large-2402", 32_000, 8_192, false, true, price(4.0, 12.0)),
    known("mistral.mistral-large-2407", 128_000, 8_192, false, true, price(2.0, 6.0)),
    known("mistral.pixtral-large-2502", 128_000, 8_192, false, true, price(2.0, 6.0)),
    // Amazon.
    known("amazon.nova-micro", 128_000, 10_000, false, false, cached(0.035, 0.14, 0.00875, 0.0)),
    known("amazon.nova-lite", 300_000, 10_000, false, true, cached(0.06, 0.24, 0.015, 0.0)),
    known("amazon.nova-pro", 300_000, 10_000, false, true, cached(0.8, 3.2, 0.2, 0.0)),
    known("amazon.nova-premier", 1_000_000, 10_000, false, true, price(2.5, 12.5)),
    known("amazon.titan-text-lite", 4_096, 4_096, false, true, price(0.15, 0.2)),
    known("amazon.titan-text-express", 8_192, 8_192, false, true, price(0.2, 0.6)),
    known("amazon.titan-text-premier", 32_000, 3_072, false, false, price(0.5, 1.5)),
    // Cohere.
    known("cohere.command-r", 128_000, 4_096, false, true, price(0.5, 1.5)),
    known("cohere.command-r-plus", 128_000, 4_096, false, true, price(3.0, 15.0)),
    // DeepSeek.
    known("deepseek.r1", 128_000, 32_768, true, true, price(1.35, 5.4)),
    known("deepseek.v3", 128_000, 8_192, false, true, ZERO),
    // OpenAI (open-weight): reasoning models.
    known("openai.gpt-oss-20b", 128_000, 16_384, true, false, price(0.07, 0.3)),
    known("openai.gpt-oss-120b", 128_000, 16_384, true, false, price(0.15, 0.6)),
    // AI21 Labs.
    known("ai21.jamba-1-5-mini", 256_000, 4_096, false, true, price(0.2, 0.4)),
    known("ai21.jamba-1-5-large", 256_000, 4_096, false, true, price(2.0, 8.0)),
];

/// Strips the version suffix of a model id (no geography prefix, no ARN), lower-cased:
///
/// 1. everything from the first `:` goes (`:0`, `:2`, `:0:200k`), remembering whether there
///    was one;
/// 2. then a trailing `-v<digits>` goes (`-v1`, `-v14`); if there is none and step 1 cut a
///    revision, a trailing `-<digits>` after a part holding a letter goes instead
///    (`openai.gpt-oss-120b-1:0`, but not the `-6` of `claude-sonnet-4-6:0`);
/// 3. then a trailing `-<8 digits>` release date goes (`-20251001`).
///
/// `anthropic.claude-sonnet-4-6-20251001-v1:0` gives `anthropic.claude-sonnet-4-6`;
/// `mistral.mistral-large-2407-v1:0` keeps its `2407` (not a date); `anthropic.claude-opus-4-1`
/// (no revision) keeps its `-1`.
pub fn strip_version(model_id: &str) -> String {
    let lowered = model_id.trim().to_ascii_lowercase();
    let (head, revision) = match lowered.split_once(':') {
        Some((head, _)) => (head, true),
        None => (lowered.as_str(), false),
    };
    let without_version = match trailing_number(head, "-v") {
        Some(rest) => rest,
        None if revision => trailing_number(head, "-").filter(|rest| last_segment_has_letter(rest)).unwrap_or(head),
        None => head,
    };
    match without_version.rsplit_once('-') {
        Some((rest, date)) if date.len() == 8 && date.bytes().all(|byte| byte.is_ascii_digit()) => rest.to_string(),
        _ => without_version.to_string(),
    }
}

/// Whether the last `-`/`.`-separated part of `text` holds a letter (`120b`, not `4`).
fn last_segment_has_letter(text: &str) -> bool {
    text.rsplit(['-', '.']).next().is_some_and(|part| part.bytes().any(|byte| byte.is_ascii_alphabetic()))
}

/// `text` without a trailing `<marker><digits>`, when it has one (at least one digit).
fn trailing_number<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let digits = text.len() - text.trim_end_matches(|ch: char| ch.is_ascii_digit()).len();
    let rest = text[..text.len() - digits].strip_suffix(marker)?;
    (digits > 0).then_some(rest)
}

/// The keys a model id may be known under, most specific first: the id with its version suffix
/// stripped ([`strip_version`]), then, when the id has at least two dots, the same without its
/// first dot-separated part (a geography prefix: `us.`, `global.`, `us-gov.`, or one never seen
/// before). An ARN is reduced to its resource id first. Trying the full id first keeps ids
/// whose model part holds a dot (`deepseek.v3.2`) intact.
pub fn candidate_keys(model_id: &str) -> Vec<String> {
    let resource = model_id.rsplit_once('/').map_or(model_id, |(_, id)| id);
    let stripped = strip_version(resource);
    let mut keys = vec![stripped.clone()];
    if stripped.matches('.').count() >= 2
        && let Some((_, rest)) = stripped.split_once('.')
    {
        keys.push(rest.to_string());
    }
    keys
}

/// The table key of `model_id`: the first of [`candidate_keys`] the table holds, else the
/// first candidate (the normalised id itself).
pub fn table_key(model_id: &str) -> String {
    let keys = candidate_keys(model_id);
    keys.iter().find(|key| lookup_key(key).is_some()).or(keys.first()).cloned().unwrap_or_default()
}

/// What the table knows about `model_id` (a bare id, a profile id or an ARN).
pub fn lookup(model_id: &str) -> Option<&'static KnownModel> {
    candidate_keys(model_id).iter().find_map(|key| lookup_key(key))
}

fn lookup_key(key: &str) -> Option<&'static KnownModel> {
    KNOWN_MODELS.iter().find(|model| model.key == key)
}

/// The table's invariants; the error names the first broken one.
pub fn check_table() -> Result<(), String> {
    for (index, model) in KNOWN_MODELS.iter().enumerate() {
        let key = model.key;
        if KNOWN_MODELS[..index].iter().any(|earlier| earlier.key == key) {
            return Err(format!("the known model `{key}` is listed twice"));
        }
        if strip_version(key) != key || key.split_once('.').is_none_or(|(provider, name)| provider.is_empty() || name.is_empty()) {
            return Err(format!("the known-model key `{key}` is not a normalised `<provider>.<model>` id"));
        }
        if model.context_window == 0 || model.max_tokens == 0 || model.max_tokens > model.context_window {
            return Err(format!("the known model `{key}` has limits {} / {}", model.context_window, model.max_tokens));
        }
        let prices = [model.cost.input, model.cost.output, model.cost.cache_read, model.cost.cache_write];
        if prices.iter().any(|price| !price.is_finite() || *price < 0.0) {
            return Err(format!("the known model `{key}` has an invalid price"));
        }
    }
    Ok(())
}
