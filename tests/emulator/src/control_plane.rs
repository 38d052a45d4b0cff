//! Bedrock's control plane: ListFoundationModels, GetFoundationModel, ListInferenceProfiles and
//! GetInferenceProfile.
//!
//! ListInferenceProfiles pages at [`DEFAULT_PAGE_SIZE`] profiles unless `maxResults` says
//! otherwise (1..=1000); `nextToken` is opaque (the base64 of the next offset).

use base64::Engine as _;
use serde_json::{Value, json};

use crate::catalog::{Catalog, ModelFilter};
use crate::errors::ApiError;
use crate::reply::Reply;

/// Profiles per ListInferenceProfiles page when `maxResults` is absent; small enough that the
/// built-in catalog (34 profiles) spans four pages.
pub const DEFAULT_PAGE_SIZE: usize = 10;

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn check_enum(query: &[(String, String)], name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match param(query, name) {
        None => Ok(None),
        Some(value) if allowed.contains(&value) => Ok(Some(value.to_string())),
        Some(value) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{name}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ))),
    }
}

/// `GET /foundation-models` with `byProvider`, `byOutputModality`, `byInferenceType`,
/// `byCustomizationType`.
pub fn list_foundation_models(catalog: &Catalog, query: &[(String, String)]) -> Result<Reply, ApiError> {
    let filter = ModelFilter {
        provider: param(query, "byProvider").map(str::to_string),
        output_modality: check_enum(query, "byOutputModality", &["TEXT", "IMAGE", "EMBEDDING"])?,
        inference_type: check_enum(query, "byInferenceType", &["ON_DEMAND", "PROVISIONED"])?,
        customization_type: check_enum(query, "byCustomizationType", &["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"])?,
    };
    if let Some(provider) = &filter.provider {
        let valid = !provider.is_empty() && provider.len() <= 63 && provider.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ');
        if !valid {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{provider}' at 'byProvider' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9- ]{{1,63}}"
            )));
        }
    }
    let summaries: Vec<Value> = catalog.list_models(&filter).into_iter().map(|m| m.summary.clone()).collect();
    Ok(Reply::json(200, &json!({ "modelSummaries": summaries })))
}

/// `GET /foundation-models/{modelIdentifier}` (id or ARN).
pub fn get_foundation_model(catalog: &Catalog, identifier: &str) -> Result<Reply, ApiError> {
    let model = catalog.model(identifier).ok_or_else(ApiError::invalid_model_identifier)?;
    Ok(Reply::json(200, &json!({ "modelDetails": model.summary })))
}

/// `GET /inference-profiles` with `maxResults`, `nextToken` and `type` (the `typeEquals` member).
pub fn list_inference_profiles(catalog: &Catalog, query: &[(String, String)]) -> Result<Reply, ApiError> {
    // The SDKs send the typeEquals member as the `type` query parameter.
    let type_equals = check_enum(query, "type", &["SYSTEM_DEFINED", "APPLICATION"])?;
    let page_size = match param(query, "maxResults") {
        None => DEFAULT_PAGE_SIZE,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::validation(format!(
                    "1 validation error detected: Value '{text}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000"
                )));
            }
        },
    };
    let start = match param(query, "nextToken") {
        None => 0,
        Some(token) => decode_token(token).ok_or_else(|| ApiError::validation("The provided pagination token is invalid."))?,
    };
    let matching: Vec<&Value> = catalog.profiles.iter().filter(|p| type_equals.as_deref().is_none_or(|t| p.profile_type == t)).map(|p| &p.summary).collect();
    if start > matching.len() {
        return Err(ApiError::validation("The provided pagination token is invalid."));
    }
    let end = (start + page_size).min(matching.len());
    let mut body = json!({ "inferenceProfileSummaries": matching[start..end] });
    if end < matching.len() {
        body["nextToken"] = Value::String(encode_token(end));
    }
    Ok(Reply::json(200, &body))
}

fn encode_token(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("emulator-offset:{offset}"))
}

fn decode_token(token: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::STANDARD.decode(token).ok()?;
    String::from_utf8(raw).ok()?.strip_prefix("emulator-offset:")?.parse().ok()
}

/// `GET /inference-profiles/{inferenceProfileIdentifier}` (id or ARN).
pub fn get_inference_profile(catalog: &Catalog, identifier: &str) -> Result<Reply, ApiError> {
    match catalog.profile(identifier) {
        Some(profile) => Ok(Reply::json(200, &profile.summary)),
        None => Err(ApiError::not_found(format!("The specified inference profile {identifier} couldn't be found."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        assert_eq!(decode_token(&encode_token(20)), Some(20));
        for garbage in ["", "!!!", "AAAA", "ZW11bGF0b3Itb2Zmc2V0Onh4"] {
            assert_eq!(decode_token(garbage), None, "{garbage}");
        }
    }
}
