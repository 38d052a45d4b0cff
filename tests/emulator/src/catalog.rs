//! The models and inference profiles the emulator serves.
//!
//! Both halves are kept exactly as Bedrock's REST JSON returns them (`ListFoundationModels`'s
//! `modelSummaries[]`, `ListInferenceProfiles`'s `inferenceProfileSummaries[]`), so a file passed
//! with `--catalog` / `--profiles` is served back byte-for-byte in meaning. The built-in data lives
//! in `catalog_data/*.json` with `${region}` and `${account}` placeholders.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::errors::{ApiError, EmulatorError};

/// The account id in the ARNs of the built-in catalog and of issued credentials.
pub const ACCOUNT_ID: &str = "123456789012";

const BUILTIN_MODELS: &str = include_str!("catalog_data/foundation_models.json");
const BUILTIN_PROFILES: &str = include_str!("catalog_data/inference_profiles.json");

/// Fields of a model summary the emulator acts on; the full JSON is kept alongside.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelFields {
    model_arn: String,
    model_id: String,
    #[serde(default)]
    provider_name: String,
    #[serde(default)]
    input_modalities: Vec<String>,
    #[serde(default)]
    output_modalities: Vec<String>,
    #[serde(default)]
    response_streaming_supported: Option<bool>,
    #[serde(default)]
    customizations_supported: Vec<String>,
    #[serde(default)]
    inference_types_supported: Vec<String>,
}

/// One foundation model: its summary JSON and the fields the runtime needs.
#[derive(Debug, Clone)]
pub struct FoundationModel {
    /// The summary exactly as listed.
    pub summary: Value,
    /// `modelId`.
    pub id: String,
    /// `modelArn`.
    pub arn: String,
    /// `providerName`.
    pub provider: String,
    /// `inputModalities` (TEXT, IMAGE, VIDEO, ...).
    pub input_modalities: Vec<String>,
    /// `outputModalities` (TEXT, IMAGE, EMBEDDING).
    pub output_modalities: Vec<String>,
    /// `responseStreamingSupported`, absent counting as false.
    pub streaming: bool,
    /// `customizationsSupported`.
    pub customizations: Vec<String>,
    /// `inferenceTypesSupported` (ON_DEMAND, PROVISIONED, INFERENCE_PROFILE).
    pub inference_types: Vec<String>,
}

impl FoundationModel {
    fn from_summary(summary: Value) -> Result<Self, serde_json::Error> {
        let fields: ModelFields = serde_json::from_value(summary.clone())?;
        Ok(FoundationModel {
            summary,
            id: fields.model_id,
            arn: fields.model_arn,
            provider: fields.provider_name,
            input_modalities: fields.input_modalities,
            output_modalities: fields.output_modalities,
            streaming: fields.response_streaming_supported.unwrap_or(false),
            customizations: fields.customizations_supported,
            inference_types: fields.inference_types_supported,
        })
    }

    /// Whether the bare id may be invoked on demand.
    pub fn on_demand(&self) -> bool {
        self.inference_types.iter().any(|t| t == "ON_DEMAND")
    }

    /// Whether the model produces text (and so can converse).
    pub fn outputs_text(&self) -> bool {
        self.output_modalities.iter().any(|m| m == "TEXT")
    }

    /// Whether the model accepts an input modality (`IMAGE`, `VIDEO`, ...).
    pub fn accepts(&self, modality: &str) -> bool {
        self.input_modalities.iter().any(|m| m.eq_ignore_ascii_case(modality))
    }

    /// The most output tokens one request may ask for.
    pub fn max_output_tokens(&self) -> u32 {
        max_output_tokens(&self.id)
    }
}

/// The output-token ceiling of a model, from its id (the summaries do not carry it).
pub fn max_output_tokens(model_id: &str) -> u32 {
    const LIMITS: &[(&str, u32)] = &[
        ("anthropic.claude-sonnet-4-6", 64_000),
        ("anthropic.claude-sonnet-4-5", 64_000),
        ("anthropic.claude-haiku-4-5", 64_000),
        ("anthropic.claude-sonnet-4-", 64_000),
        ("anthropic.claude-opus-4-7", 128_000),
        ("anthropic.claude-opus-4", 32_000),
        ("anthropic.claude-3-7-sonnet", 64_000),
        ("anthropic.claude-3-5", 8_192),
        ("anthropic.claude-3", 4_096),
        ("meta.llama", 8_192),
        ("mistral.mistral-large", 8_192),
        ("mistral.pixtral", 8_192),
        ("mistral.", 4_096),
        ("amazon.nova-premier", 32_000),
        ("amazon.nova", 10_000),
        ("amazon.titan-text", 8_192),
        ("cohere.command-r", 4_096),
        ("cohere.", 4_096),
        ("deepseek.r1", 32_768),
        ("deepseek.", 8_192),
        ("openai.gpt-oss", 32_768),
    ];
    LIMITS.iter().find(|(prefix, _)| model_id.starts_with(prefix)).map(|(_, limit)| *limit).unwrap_or(4_096)
}

/// Fields of a profile summary the emulator acts on.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileFields {
    inference_profile_id: String,
    inference_profile_arn: String,
    #[serde(default)]
    models: Vec<ProfileModel>,
    #[serde(default, rename = "type")]
    profile_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileModel {
    model_arn: String,
}

/// One inference profile.
#[derive(Debug, Clone)]
pub struct InferenceProfile {
    /// The summary exactly as listed.
    pub summary: Value,
    /// `inferenceProfileId`.
    pub id: String,
    /// `inferenceProfileArn`.
    pub arn: String,
    /// `type`: SYSTEM_DEFINED or APPLICATION.
    pub profile_type: String,
    /// The model ARNs it routes to; the first is its base model.
    pub model_arns: Vec<String>,
}

impl InferenceProfile {
    fn from_summary(summary: Value) -> Result<Self, serde_json::Error> {
        let fields: ProfileFields = serde_json::from_value(summary.clone())?;
        Ok(InferenceProfile {
            summary,
            id: fields.inference_profile_id,
            arn: fields.inference_profile_arn,
            profile_type: fields.profile_type,
            model_arns: fields.models.into_iter().map(|m| m.model_arn).collect(),
        })
    }

    /// The foundation model id of the first model ARN.
    pub fn base_model_id(&self) -> Option<&str> {
        self.model_arns.first().and_then(|arn| model_id_from_arn(arn))
    }
}

/// The model id at the end of a foundation-model ARN.
pub fn model_id_from_arn(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")?.split_once(":foundation-model/").map(|(_, id)| id)
}

/// Filters of `ListFoundationModels`.
#[derive(Debug, Clone, Default)]
pub struct ModelFilter {
    /// `byProvider`, matched case-insensitively against `providerName`.
    pub provider: Option<String>,
    /// `byOutputModality`.
    pub output_modality: Option<String>,
    /// `byInferenceType`.
    pub inference_type: Option<String>,
    /// `byCustomizationType`.
    pub customization_type: Option<String>,
}

/// The models and profiles served.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Foundation models in listing order.
    pub models: Vec<FoundationModel>,
    /// Inference profiles in listing order.
    pub profiles: Vec<InferenceProfile>,
}

/// What a runtime request's model identifier resolves to.
#[derive(Debug, Clone)]
pub struct InvocationTarget {
    /// The foundation model id that answers.
    pub model_id: String,
    /// The model's catalog entry, absent for a profile whose base model is not in the catalog.
    pub model: Option<FoundationModel>,
    /// The profile id when invoked through one.
    pub profile_id: Option<String>,
}

impl Catalog {
    /// The built-in catalog, with ARNs in `region` and the emulator's account.
    pub fn builtin(region: &str) -> Catalog {
        let fill = |text: &str| text.replace("${region}", region).replace("${account}", ACCOUNT_ID);
        // The built-in JSON is checked by this crate's tests, so a parse failure is a bug here.
        Catalog::from_json(Some(&fill(BUILTIN_MODELS)), Some(&fill(BUILTIN_PROFILES))).unwrap_or_else(|e| panic!("built-in catalog data is invalid: {e}"))
    }

    /// A catalog from a ListFoundationModels and a ListInferenceProfiles response body; a missing
    /// half is empty.
    pub fn from_json(models: Option<&str>, profiles: Option<&str>) -> Result<Catalog, serde_json::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Models {
            model_summaries: Vec<Value>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Profiles {
            inference_profile_summaries: Vec<Value>,
        }
        let models = match models {
            None => Vec::new(),
            Some(text) => serde_json::from_str::<Models>(text)?.model_summaries.into_iter().map(FoundationModel::from_summary).collect::<Result<_, _>>()?,
        };
        let profiles = match profiles {
            None => Vec::new(),
            Some(text) => {
                serde_json::from_str::<Profiles>(text)?.inference_profile_summaries.into_iter().map(InferenceProfile::from_summary).collect::<Result<_, _>>()?
            }
        };
        Ok(Catalog { models, profiles })
    }

    /// The built-in catalog with either half replaced by a file, as `--catalog` / `--profiles` do.
    pub fn from_files(models: Option<&Path>, profiles: Option<&Path>, region: &str) -> Result<Catalog, EmulatorError> {
        let builtin = Catalog::builtin(region);
        let read = |path: &Path| std::fs::read_to_string(path).map_err(|source| EmulatorError::ReadFile { path: path.to_path_buf(), source });
        let parse_error = |path: &Path, what, source| EmulatorError::ParseFile { path: path.to_path_buf(), what, source };
        let models = match models {
            None => builtin.models,
            Some(path) => Catalog::from_json(Some(&read(path)?), None).map_err(|e| parse_error(path, "ListFoundationModels response", e))?.models,
        };
        let profiles = match profiles {
            None => builtin.profiles,
            Some(path) => Catalog::from_json(None, Some(&read(path)?)).map_err(|e| parse_error(path, "ListInferenceProfiles response", e))?.profiles,
        };
        Ok(Catalog { models, profiles })
    }

    /// A model by id or ARN.
    pub fn model(&self, id_or_arn: &str) -> Option<&FoundationModel> {
        let id = model_id_from_arn(id_or_arn).unwrap_or(id_or_arn);
        self.models.iter().find(|m| m.id == id || m.arn == id_or_arn)
    }

    /// A profile by id or ARN.
    pub fn profile(&self, id_or_arn: &str) -> Option<&InferenceProfile> {
        self.profiles.iter().find(|p| p.id == id_or_arn || p.arn == id_or_arn)
    }

    /// The models `ListFoundationModels` returns for these filters.
    pub fn list_models(&self, filter: &ModelFilter) -> Vec<&FoundationModel> {
        let matches = |wanted: &Option<String>, values: &[String]| match wanted {
            None => true,
            Some(w) => values.iter().any(|v| v.eq_ignore_ascii_case(w)),
        };
        self.models
            .iter()
            .filter(|m| filter.provider.as_ref().is_none_or(|p| m.provider.eq_ignore_ascii_case(p)))
            .filter(|m| matches(&filter.output_modality, &m.output_modalities))
            .filter(|m| matches(&filter.inference_type, &m.inference_types))
            .filter(|m| matches(&filter.customization_type, &m.customizations))
            .collect()
    }

    /// What CountTokens counts with: a foundation model by its id or ARN, whatever throughput
    /// it is invoked with (counting runs no inference); a profile resolves as for a call (and
    /// CountTokens then refuses it).
    pub fn counting_target(&self, identifier: &str) -> Result<InvocationTarget, ApiError> {
        match self.model(identifier) {
            Some(model) => Ok(InvocationTarget { model_id: model.id.clone(), model: Some(model.clone()), profile_id: None }),
            None => self.resolve(identifier),
        }
    }

    /// Resolves a runtime model identifier (bare id, model ARN, profile id or ARN) as Bedrock
    /// does, with Bedrock's errors for unknown ids and for bare ids that need a profile.
    pub fn resolve(&self, identifier: &str) -> Result<InvocationTarget, ApiError> {
        if let Some(profile) = self.profile(identifier) {
            let model_id = profile.base_model_id().ok_or_else(ApiError::invalid_model_identifier)?.to_string();
            return Ok(InvocationTarget { model: self.model(&model_id).cloned(), model_id, profile_id: Some(profile.id.clone()) });
        }
        let Some(model) = self.model(identifier) else {
            return Err(ApiError::invalid_model_identifier());
        };
        if !model.on_demand() {
            let retry_with = if model.inference_types.iter().any(|t| t == "INFERENCE_PROFILE") { "an inference profile" } else { "a provisioned throughput" };
            return Err(ApiError::validation(format!(
                "Invocation of model ID {} with on-demand throughput isn\u{2019}t supported. Retry your request with the ID or ARN of {retry_with} that contains this model.",
                model.id
            )));
        }
        Ok(InvocationTarget { model_id: model.id.clone(), model: Some(model.clone()), profile_id: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_covers_the_required_kinds() {
        let catalog = Catalog::builtin("us-east-1");
        assert!(catalog.models.len() >= 25);
        for provider in ["Anthropic", "Meta", "Mistral AI", "Amazon", "Cohere", "DeepSeek", "OpenAI"] {
            assert!(catalog.models.iter().any(|m| m.provider == provider), "{provider}");
        }
        let status = |m: &FoundationModel| m.summary["modelLifecycle"]["status"].as_str().unwrap_or("").to_string();
        assert!(catalog.models.iter().any(|m| status(m) == "LEGACY"));
        assert!(catalog.models.iter().any(|m| m.inference_types == ["PROVISIONED"]));
        assert!(catalog.models.iter().any(|m| m.inference_types == ["INFERENCE_PROFILE"]));
        assert!(catalog.models.iter().any(|m| m.output_modalities == ["EMBEDDING"]));
        assert!(catalog.models.iter().any(|m| m.outputs_text() && !m.streaming));
        assert!(catalog.models.iter().any(|m| m.accepts("IMAGE")));
        assert!(catalog.models.iter().any(|m| m.accepts("VIDEO")));
        for prefix in ["us.", "eu.", "apac.", "global."] {
            assert!(catalog.profiles.iter().any(|p| p.id.starts_with(prefix)), "{prefix}");
        }
        assert_eq!(catalog.profiles.iter().filter(|p| p.profile_type == "APPLICATION").count(), 1);
        assert!(!BUILTIN_MODELS.is_empty() && !catalog.models[0].arn.contains("${"));
    }

    #[test]
    fn resolves_identifiers_as_bedrock_does() {
        let catalog = Catalog::builtin("us-east-1");
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("amazon.nova-pro-v1:0", Ok("amazon.nova-pro-v1:0")),
            ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0", Ok("amazon.nova-pro-v1:0")),
            ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", Ok("anthropic.claude-sonnet-4-5-20250929-v1:0")),
            ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9x2pq7v4z", Ok("anthropic.claude-sonnet-4-5-20250929-v1:0")),
            ("anthropic.claude-sonnet-4-5-20250929-v1:0", Err("with on-demand throughput isn\u{2019}t supported")),
            ("anthropic.claude-3-haiku-20240307-v1:0:200k", Err("provisioned throughput")),
            ("no.such-model-v1:0", Err("The provided model identifier is invalid.")),
        ];
        for (identifier, expected) in cases {
            match (catalog.resolve(identifier), expected) {
                (Ok(target), Ok(model)) => assert_eq!(&target.model_id, model, "{identifier}"),
                (Err(error), Err(text)) => assert!(error.message.contains(text), "{identifier}: {error}"),
                (got, want) => panic!("{identifier}: got {got:?}, want {want:?}"),
            }
        }
    }
}
