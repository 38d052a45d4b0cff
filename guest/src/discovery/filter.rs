//! Which foundation models and inference profiles are kept (BEHAVIOUR.md 5.3 and 5.4).
//!
//! Enum-like fields are compared as strings, ASCII case-insensitively: real responses carry
//! values newer than any SDK's enums, and a change of case must not hide a model.

use crate::control_plane::{FoundationModelRecord, InferenceProfileRecord};

/// The configured `providerFilter`, normalised: trimmed, lower-cased, blank entries and
/// duplicates dropped. Empty keeps every provider.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderFilter(Vec<String>);

impl ProviderFilter {
    /// Normalises the configured entries.
    pub fn new(entries: &[String]) -> Self {
        let mut kept: Vec<String> = Vec::new();
        for entry in entries {
            let entry = entry.trim().to_lowercase();
            if !entry.is_empty() && !kept.contains(&entry) {
                kept.push(entry);
            }
        }
        Self(kept)
    }

    /// The normalised entries.
    pub fn entries(&self) -> &[String] {
        &self.0
    }

    /// Whether a model of `provider_name` (`Mistral AI`) with base id `model_id`
    /// (`mistral.mistral-large-2407-v1:0`) is kept: the filter is empty, or an entry equals the
    /// provider name or the id's provider prefix (`mistral`), ignoring case.
    pub fn keeps(&self, provider_name: &str, model_id: &str) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let name = provider_name.trim().to_lowercase();
        let prefix = provider_prefix(model_id).to_lowercase();
        self.0.iter().any(|entry| *entry == name || (!prefix.is_empty() && *entry == prefix))
    }
}

/// The provider part of a base model id: what comes before its first dot (`mistral` of
/// `mistral.mistral-large-2407-v1:0`); empty when there is no dot.
pub fn provider_prefix(model_id: &str) -> &str {
    model_id.split_once('.').map_or("", |(prefix, _)| prefix)
}

/// Whether an enum-like value is `expected`, ignoring ASCII case and surrounding blanks.
pub fn is(value: &str, expected: &str) -> bool {
    value.trim().eq_ignore_ascii_case(expected)
}

fn contains(values: &[String], expected: &str) -> bool {
    values.iter().any(|value| is(value, expected))
}

/// Why a foundation model is not usable for chat, or `None` when it is: its lifecycle is
/// `ACTIVE`, it outputs `TEXT`, and it streams (an absent flag counts as false).
pub fn unusable(model: &FoundationModelRecord) -> Option<&'static str> {
    if !model.lifecycle_status.as_deref().is_some_and(|status| is(status, "ACTIVE")) {
        Some("not ACTIVE")
    } else if !contains(&model.output_modalities, "TEXT") {
        Some("no TEXT output")
    } else if model.response_streaming_supported != Some(true) {
        Some("no response streaming")
    } else {
        None
    }
}

/// How a foundation model may be invoked, from `inferenceTypesSupported`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `ON_DEMAND` is offered (or the list is empty: nothing says otherwise): listed by bare id.
    OnDemand,
    /// `INFERENCE_PROFILE` without `ON_DEMAND`: listed only under its profiles' ids.
    ProfileOnly,
    /// Neither (`PROVISIONED` only, or only values this policy does not know): not listed.
    Other,
}

/// How `model` may be invoked.
pub fn access(model: &FoundationModelRecord) -> Access {
    let types = &model.inference_types_supported;
    if types.is_empty() || contains(types, "ON_DEMAND") {
        Access::OnDemand
    } else if contains(types, "INFERENCE_PROFILE") {
        Access::ProfileOnly
    } else {
        Access::Other
    }
}

/// Whether the profile's status is `ACTIVE`.
pub fn profile_active(profile: &InferenceProfileRecord) -> bool {
    is(&profile.status, "ACTIVE")
}

/// Whether the profile is an application profile (type `APPLICATION`, or an
/// `application-inference-profile` ARN): listed by ARN. Any other profile is a system profile,
/// listed by id.
pub fn is_application(profile: &InferenceProfileRecord) -> bool {
    is(&profile.profile_type, "APPLICATION") || profile.arn.contains(":application-inference-profile/")
}

/// The id of the profile's base model: the resource id of its first model ARN
/// (`arn:aws:bedrock:us-east-1::foundation-model/<id>`); `None` when it lists no model.
pub fn base_model_id(profile: &InferenceProfileRecord) -> Option<&str> {
    let first = profile.model_arns.first()?.trim();
    let id = first.rsplit_once('/').map_or(first, |(_, id)| id);
    (!id.is_empty()).then_some(id)
}

/// The region of an ARN (`arn:<partition>:bedrock:<region>:...`), when it names one.
pub fn arn_region(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.nth(2).filter(|region| !region.is_empty())
}
