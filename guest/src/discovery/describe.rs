//! What each kept model becomes (BEHAVIOUR.md 5.5): its `model-info`.

use super::known_models::{self, KnownModel, ZERO};
use super::{ModelInfo, ModelKind};
use crate::control_plane::{FoundationModelRecord, InferenceProfileRecord};

/// The input modalities a listed model may declare, in display order, with the WIT spelling.
const INPUTS: [(&str, &str); 4] = [("TEXT", "text"), ("IMAGE", "image"), ("DOCUMENT", "document"), ("VIDEO", "video")];

/// The limits of models the table does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// `defaultContextWindow`.
    pub context_window: u32,
    /// `defaultMaxTokens`.
    pub max_tokens: u32,
}

/// The input modalities of a model: the known ones it declares (`TEXT`, `IMAGE`, `DOCUMENT`,
/// `VIDEO`, any case; others such as `EMBEDDING` or `SPEECH` are not listed), lower-case, in
/// that order. `document` is added for a text model that the known-models table marks as
/// taking documents: `ListFoundationModels` does not report `DOCUMENT` although Converse
/// accepts document blocks for most text models (AWS's supported-features table), so the table
/// says which.
pub fn inputs(declared: &[String], known: Option<&KnownModel>) -> Vec<String> {
    let documents = known.is_some_and(|model| model.documents);
    let has = |wanted: &str| declared.iter().any(|value| value.trim().eq_ignore_ascii_case(wanted));
    INPUTS.iter().filter(|(raw, _)| has(raw) || (*raw == "DOCUMENT" && documents && has("TEXT"))).map(|(_, name)| (*name).to_string()).collect()
}

/// Who a listed model is; [`described`] adds what the table knows.
struct Listing {
    id: String,
    name: String,
    provider: String,
    kind: ModelKind,
    input: Vec<String>,
}

/// The listing with the limits, reasoning and prices `known` for its base model, else the
/// defaults (no reasoning, zero prices).
fn described(listing: Listing, base_id: &str, known: Option<&KnownModel>, region: &str, defaults: Defaults) -> ModelInfo {
    ModelInfo {
        id: listing.id,
        name: listing.name,
        provider: listing.provider,
        base_model_id: base_id.to_string(),
        kind: listing.kind,
        input: listing.input,
        reasoning: known.is_some_and(|model| model.reasoning),
        context_window: known.map_or(defaults.context_window, |model| model.context_window),
        max_tokens: known.map_or(defaults.max_tokens, |model| model.max_tokens),
        cost: known.map_or(ZERO, |model| model.cost),
        region: region.to_string(),
    }
}

/// A foundation model listed by its bare id.
pub fn foundation(model: &FoundationModelRecord, region: &str, defaults: Defaults) -> ModelInfo {
    let known = known_models::lookup(&model.model_id);
    let input = inputs(&model.input_modalities, known);
    let name = if model.model_name.trim().is_empty() { model.model_id.clone() } else { model.model_name.trim().to_string() };
    let listing = Listing { id: model.model_id.clone(), name, provider: model.provider_name.clone(), kind: ModelKind::Foundation, input };
    described(listing, &model.model_id, known, region, defaults)
}

/// A profile listed by id (system) or ARN (application). `base` is the base model's record when
/// the foundation list has it; `provider` the provider name to report.
///
/// Names: an application profile keeps its own (user-given) name. A system profile is named
/// `<geography> <provider> <model name>` (`US Anthropic Claude Sonnet 4.6`; the provider is
/// left out when the model name already starts with it: `US DeepSeek-R1`); without a base
/// record it keeps its own name. Inputs: the base model's, else `text` (plus `document` when
/// the table says so). Limits: from the table by base id, else the defaults.
pub fn profile(
    profile: &InferenceProfileRecord,
    base_id: &str,
    base: Option<&FoundationModelRecord>,
    provider: &str,
    region: &str,
    defaults: Defaults,
) -> ModelInfo {
    let known = known_models::lookup(base_id);
    let input = match base {
        Some(model) => inputs(&model.input_modalities, known),
        None => inputs(&["TEXT".to_string()], known),
    };
    let own_name = profile.name.trim();
    let (id, kind, name) = if super::filter::is_application(profile) {
        let name = if own_name.is_empty() { profile.id.clone() } else { own_name.to_string() };
        (profile.arn.clone(), ModelKind::ApplicationProfile, name)
    } else {
        let name = match base {
            Some(model) => prefixed(&geography_word(profile, base_id), provider, model.model_name.trim()),
            None if !own_name.is_empty() => own_name.to_string(),
            None => prefixed(&geography_word(profile, base_id), "", base_id),
        };
        (profile.id.clone(), ModelKind::SystemProfile, name)
    };
    described(Listing { id, name, provider: provider.to_string(), kind, input }, base_id, known, region, defaults)
}

/// `<geography> <provider> <model name>`, skipping empty parts and a provider the model name
/// already starts with as a word (`DeepSeek-R1`, not `Metadata` for `Meta`).
fn prefixed(geography: &str, provider: &str, model_name: &str) -> String {
    let lowered = model_name.to_lowercase();
    let repeats = lowered.strip_prefix(&provider.trim().to_lowercase()).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '-']));
    let provider = if repeats { "" } else { provider.trim() };
    [geography, provider, model_name].iter().filter(|part| !part.is_empty()).copied().collect::<Vec<_>>().join(" ")
}

/// The geography prefix of a system profile id, taken from the data: what precedes
/// `.<base id>` in the profile id (`us`, `global`, `us-gov`, `xy`), else the id's first
/// dot-separated part when it has at least two dots; empty when there is none.
pub fn geography_prefix<'a>(profile_id: &'a str, base_id: &str) -> &'a str {
    let lower_id = profile_id.to_ascii_lowercase();
    let suffix = format!(".{}", base_id.to_ascii_lowercase());
    if let Some(cut) = lower_id.strip_suffix(&suffix).map(str::len)
        && cut > 0
    {
        return profile_id.get(..cut).unwrap_or("");
    }
    if profile_id.matches('.').count() >= 2 { profile_id.split_once('.').map_or("", |(prefix, _)| prefix) } else { "" }
}

/// The geography as a word for a display name: the first word of the profile's own name when it
/// spells the prefix (`US`, `Global`, `APAC`), else the prefix upper-cased (`XY`).
pub fn geography_word(profile: &InferenceProfileRecord, base_id: &str) -> String {
    let prefix = geography_prefix(&profile.id, base_id);
    match profile.name.split_whitespace().next() {
        Some(word) if word.eq_ignore_ascii_case(prefix) => word.to_string(),
        _ => prefix.to_uppercase(),
    }
}
