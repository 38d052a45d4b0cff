//! What a call is sent to: the model id and region a reference resolves to, the settings a call
//! starts from, and the `global.` profile a geography profile can fall back to.

use crate::config::{ConfigSource, Settings, load_config};
use crate::model_ref::ModelReference;
use crate::region::RegionEnvironment;
use crate::runtime::ApiError;

/// The model id and region a call goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallTarget {
    /// What Bedrock is sent as the model id: the bare id, or the whole ARN (never a qualifier).
    pub model_id: String,
    /// The region called: the ARN's own region, else the resolved one.
    pub region: String,
}

/// Resolves a parsed reference against the effective region (BEHAVIOUR.md section 3: the
/// region inside an ARN wins).
pub fn call_target(reference: &ModelReference, resolved_region: &str) -> CallTarget {
    CallTarget { model_id: reference.target.clone(), region: reference.region.clone().unwrap_or_else(|| resolved_region.to_string()) }
}

/// Loads the config a call starts from; an invalid one is a `format` error that names the file,
/// counts its errors and quotes the first ([`openclaw_domain::invalid_config`]).
pub fn load_settings(source: &ConfigSource, environment: &RegionEnvironment) -> Result<Settings, ApiError> {
    load_config(source, environment).map_err(|diagnostics| openclaw_domain::invalid_config(&source.origin, &diagnostics))
}

/// The settings a request carries (contract 0.3.0: the config part read them), else the
/// settings of its config text (older contracts hand the text only).
pub fn settings_of(given: Option<Settings>, source: &ConfigSource, environment: &RegionEnvironment) -> Result<Settings, ApiError> {
    match given {
        Some(settings) => Ok(settings),
        None => load_settings(source, environment),
    }
}

/// The `global.` profile to fall back to from a geography system profile id
/// (`us.anthropic.claude-sonnet-4-6-20251001-v1:0` gives
/// `global.anthropic.claude-sonnet-4-6-20251001-v1:0`), or `None`.
///
/// Geographies are not listed (new ones appear): an id is taken for a geography profile when it
/// has at least three dot-separated parts, the first of 2 to 8 lowercase letters other than
/// `global`, and the rest looks like a foundation model id `<provider>.<model>` (a provider word
/// of lowercase letters and digits). A misreading costs one extra call at most: a fallback that
/// Bedrock answers with `not-found` or `format` reports the original error.
pub fn global_fallback(model_id: &str) -> Option<String> {
    let (geography, rest) = model_id.split_once('.')?;
    let (provider, model) = rest.split_once('.')?;
    let geography_shaped = (2..=8).contains(&geography.len()) && geography.bytes().all(|byte| byte.is_ascii_lowercase());
    let provider_shaped = !provider.is_empty() && provider.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
    let model_shaped = model.starts_with(|ch: char| ch.is_ascii_alphanumeric());
    (geography_shaped && geography != "global" && provider_shaped && model_shaped && !model_id.starts_with("arn:")).then(|| format!("global.{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_ref::parse_model_reference;
    use crate::runtime::ErrorClass;

    #[test]
    fn targets_and_regions() {
        let cases = [
            ("us.anthropic.claude-sonnet-4-6-20251001-v1:0", "us.anthropic.claude-sonnet-4-6-20251001-v1:0", "eu-west-1"),
            ("amazon-bedrock/mistral.mistral-large-2407-v1:0", "mistral.mistral-large-2407-v1:0", "eu-west-1"),
            (
                "bedrock/arn:aws:bedrock:ap-south-1:123456789012:inference-profile/apac.meta.llama3-3-70b-instruct-v1:0",
                "arn:aws:bedrock:ap-south-1:123456789012:inference-profile/apac.meta.llama3-3-70b-instruct-v1:0",
                "ap-south-1",
            ),
            (
                "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0",
                "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0",
                "us-west-2",
            ),
        ];
        for (text, model_id, region) in cases {
            let reference = parse_model_reference(text).expect(text);
            assert_eq!(call_target(&reference, "eu-west-1"), CallTarget { model_id: model_id.into(), region: region.into() }, "{text}");
        }
    }

    #[test]
    fn fallbacks() {
        let cases = [
            ("us.anthropic.claude-sonnet-4-6-20251001-v1:0", Some("global.anthropic.claude-sonnet-4-6-20251001-v1:0")),
            ("eu.meta.llama3-2-3b-instruct-v1:0", Some("global.meta.llama3-2-3b-instruct-v1:0")),
            ("apac.amazon.nova-pro-v1:0", Some("global.amazon.nova-pro-v1:0")),
            ("jp.newprovider7.model-x-v1:0", Some("global.newprovider7.model-x-v1:0")),
            ("global.anthropic.claude-sonnet-4-6-20251001-v1:0", None),
            ("anthropic.claude-sonnet-4-6-20251001-v1:0", None),
            ("mistral.mistral-large-2407-v1:0", None),
            ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-v2", None),
            ("US.anthropic.claude-v2", None),
            ("u.anthropic.claude-v2", None),
            ("us..claude-v2", None),
            ("us.anthropic.", None),
            ("", None),
        ];
        for (model_id, expected) in cases {
            assert_eq!(global_fallback(model_id).as_deref(), expected, "{model_id}");
        }
    }

    #[test]
    fn invalid_configs_are_format_errors() {
        let source =
            ConfigSource { origin: "/tmp/openclaw.json".into(), text: Some("{ model: 3, models: { bedrockDiscovery: { refreshInterval: -1 } } }".into()) };
        let error = load_settings(&source, &RegionEnvironment::default()).expect_err("invalid");
        assert_eq!(error.class, ErrorClass::Format);
        assert!(error.message.starts_with("the config file /tmp/openclaw.json is invalid (2 error(s)): first `model` at 1:10: "), "{}", error.message);
        let broken = ConfigSource { origin: String::new(), text: Some("{".into()) };
        let error = load_settings(&broken, &RegionEnvironment::default()).expect_err("syntax");
        assert!(error.message.starts_with("the config file is invalid (1 error(s)): the error at 1:1: this object is never closed"), "{}", error.message);
    }
}
