//! The policy's check of its own tables and invariants, run by the host before it accepts the
//! component.

pub use openclaw_domain::PolicyInfo;

use crate::config::{ConfigSource, DISCOVERY_FIELDS, FieldKind, is_credential_key, load_config};
use crate::discovery::known_models::{check_table, table_key};
use crate::model_ref::{ReferenceKind, parse_model_reference};
use crate::probe::ProbeStatus;
use crate::region::{DEFAULT_REGION, RegionEnvironment, RegionSource, check_region_name};
use crate::runtime::ErrorClass;
use crate::target::global_fallback;

/// The policy's name, reported by the self-check.
pub const POLICY_NAME: &str = "openclaw-default";
/// The version of the WIT package this policy implements.
#[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
pub const CONTRACT_VERSION: &str = "0.3.0";
/// The version of the WIT package this build implements (the `contract-v0-2` build).
#[cfg(feature = "contract-v0-2")]
pub const CONTRACT_VERSION: &str = "0.2.0";
/// The version of the WIT package this build implements (the `contract-v0-1` build).
#[cfg(feature = "contract-v0-1")]
pub const CONTRACT_VERSION: &str = "0.1.0";

/// References that must parse to the given kind, one per form.
const REFERENCE_EXAMPLES: [(&str, ReferenceKind); 5] = [
    ("us.anthropic.claude-sonnet-4-6-20251001-v1:0", ReferenceKind::BareId),
    ("arn:aws:bedrock:us-east-1::foundation-model/mistral.mistral-large-2407-v1:0", ReferenceKind::FoundationModelArn),
    ("bedrock/arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-3-70b-instruct-v1:0", ReferenceKind::InferenceProfileArn),
    ("arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:application-inference-profile/a1b2c3d4e5f6", ReferenceKind::ApplicationProfileArn),
    ("arn:aws:bedrock:eu-central-1:123456789012:provisioned-model/abcdefghij12", ReferenceKind::ProvisionedModelArn),
];

/// Model ids and the `global.` profile each falls back to, one per shape.
const FALLBACK_EXAMPLES: [(&str, Option<&str>); 4] = [
    ("us.anthropic.claude-sonnet-4-6-20251001-v1:0", Some("global.anthropic.claude-sonnet-4-6-20251001-v1:0")),
    ("apac.amazon.nova-pro-v1:0", Some("global.amazon.nova-pro-v1:0")),
    ("global.anthropic.claude-sonnet-4-6-20251001-v1:0", None),
    ("mistral.mistral-large-2407-v1:0", None),
];

/// Model ids and the known-models key each normalises to, one per shape.
const KEY_EXAMPLES: [(&str, &str); 4] = [
    ("us.anthropic.claude-sonnet-4-6-20251001-v1:0", "anthropic.claude-sonnet-4-6"),
    ("anthropic.claude-3-haiku-20240307-v1:0:200k", "anthropic.claude-3-haiku"),
    ("openai.gpt-oss-120b-1:0", "openai.gpt-oss-120b"),
    ("mistral.mistral-large-2407-v1:0", "mistral.mistral-large-2407"),
];

/// Every error class, for the probe's mapping.
const ERROR_CLASSES: [ErrorClass; 10] = [
    ErrorClass::Auth,
    ErrorClass::RateLimit,
    ErrorClass::Overloaded,
    ErrorClass::Timeout,
    ErrorClass::ContextOverflow,
    ErrorClass::NotFound,
    ErrorClass::Format,
    ErrorClass::ModelError,
    ErrorClass::Network,
    ErrorClass::Unknown,
];

/// Checks the policy's invariants and says who it is; the error names the first broken one.
pub fn self_check() -> Result<PolicyInfo, String> {
    check_fields()?;
    check_table()?;
    for (model_id, expected) in KEY_EXAMPLES {
        let key = table_key(model_id);
        if key != expected {
            return Err(format!("{model_id:?} is known as {key:?}, expected {expected:?}"));
        }
    }
    for (model_id, expected) in FALLBACK_EXAMPLES {
        let fallback = global_fallback(model_id);
        if fallback.as_deref() != expected {
            return Err(format!("{model_id:?} falls back to {fallback:?}, expected {expected:?}"));
        }
    }
    for class in ERROR_CLASSES {
        let status = ProbeStatus::of_class(class);
        if matches!(status, ProbeStatus::Ok | ProbeStatus::NoModel) {
            return Err(format!("a probe failing with {class:?} would report {status:?}"));
        }
    }
    check_region_name(DEFAULT_REGION).map_err(|problem| format!("the default region is invalid: {problem}"))?;
    for (text, kind) in REFERENCE_EXAMPLES {
        match parse_model_reference(text) {
            Ok(reference) if reference.kind == kind => {}
            other => return Err(format!("the reference {text:?} parses as {other:?}, expected {kind:?}")),
        }
    }
    let missing = ConfigSource { origin: "self-check".to_string(), text: None };
    let defaults = load_config(&missing, &RegionEnvironment::default()).map_err(|diagnostics| format!("a missing config file is refused: {diagnostics:?}"))?;
    if !defaults.sources.is_empty() || !defaults.warnings.is_empty() || defaults.region.source != RegionSource::Default {
        return Err(format!("a missing config file does not give the defaults: {defaults:?}"));
    }
    Ok(PolicyInfo { name: POLICY_NAME.to_string(), version: env!("CARGO_PKG_VERSION").to_string(), contract: CONTRACT_VERSION.to_string() })
}

/// The discovery table: unique keys, setting names that match them, defaults within range, and
/// no field that the credential check would refuse.
fn check_fields() -> Result<(), String> {
    for (index, field) in DISCOVERY_FIELDS.iter().enumerate() {
        if DISCOVERY_FIELDS[..index].iter().any(|earlier| earlier.key == field.key) {
            return Err(format!("the discovery field `{}` is listed twice", field.key));
        }
        if field.setting.strip_prefix("discovery.") != Some(field.key) {
            return Err(format!("the discovery field `{}` reports itself as `{}`", field.key, field.setting));
        }
        if is_credential_key(field.key) {
            return Err(format!("the discovery field `{}` looks like a credential", field.key));
        }
        if let FieldKind::Count { min, max, default } = field.kind
            && !(min <= default && default <= max)
        {
            return Err(format!("the default {default} of `{}` is outside {min}..={max}", field.key));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_policy_passes_its_self_check() {
        let info = super::self_check().expect("self-check");
        assert_eq!((info.name.as_str(), info.contract.as_str()), ("openclaw-default", super::CONTRACT_VERSION));
    }
}
