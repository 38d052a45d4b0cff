//! A 0.3.0 policy that reads the config only (world `config-policy`): the default policy
//! discovers, routes and chats with its settings. It reads a key of its own, `defaultModel`
//! (a bare model id), from a flat JSON object, and offers it under the alias `configured`;
//! the region is the environment's (else `us-east-1`), discovery is left on auto. A file
//! without `defaultModel` is invalid (one error at the path `defaultModel`); a missing file
//! means no default model.

wit_bindgen::generate!({
    path: "../../../wit",
    world: "config-policy",
});

use exports::openclaw::bedrock::config::{ConfigSource, Diagnostic, Guest as Config, ModelReference, Settings};
use exports::openclaw::bedrock::identity::{Guest as Identity, PolicyInfo};
use openclaw::bedrock::environment;
use openclaw::bedrock::policy_types::{DiscoverySettings, ModelAlias, ReferenceKind, RegionSource, ResolvedRegion, SettingSource, Severity};

/// The alias it offers for the configured model.
const ALIAS: &str = "configured";

struct PartsConfig;

impl Identity for PartsConfig {
    fn self_check() -> Result<PolicyInfo, String> {
        Ok(PolicyInfo { name: "parts-config".into(), version: "0.1.0".into(), contract: "0.3.0".into() })
    }
}

/// The string value of `"key": "value"` in `text`, if written so.
fn string_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let after_key = &text[text.find(&format!("\"{key}\""))? + key.len() + 2..];
    let after_colon = after_key.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    after_colon.split('"').next()
}

fn region() -> ResolvedRegion {
    let env = environment::get_region_environment();
    let found =
        [(env.aws_region, RegionSource::AwsRegion), (env.aws_default_region, RegionSource::AwsDefaultRegion), (env.profile_region, RegionSource::Profile)]
            .into_iter()
            .find_map(|(value, source)| value.map(|name| name.trim().to_string()).filter(|name| !name.is_empty()).map(|name| ResolvedRegion { name, source }));
    found.unwrap_or_else(|| ResolvedRegion { name: "us-east-1".into(), source: RegionSource::Default })
}

fn bare(id: &str) -> ModelReference {
    ModelReference { kind: ReferenceKind::BareId, target: id.into(), resource_id: id.into(), qualifier: None, partition: None, region: None, account: None }
}

impl Config for PartsConfig {
    fn load_config(source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        let model = match source.text.as_deref() {
            None => None,
            Some(text) => match string_value(text, "defaultModel") {
                Some(model) if !model.trim().is_empty() => Some(model.trim().to_string()),
                _ => {
                    let message = "parts-config reads `defaultModel` (a model id) and found none".to_string();
                    return Err(vec![Diagnostic { severity: Severity::Error, path: "defaultModel".into(), line: 0, column: 0, message }]);
                }
            },
        };
        Ok(Settings {
            default_model_reference: model.as_deref().map(bare),
            sources: model.iter().map(|_| SettingSource { setting: "model".into(), path: "defaultModel".into() }).collect(),
            aliases: model.iter().map(|target| ModelAlias { name: ALIAS.into(), target: target.clone() }).collect(),
            default_model: model,
            discovery: DiscoverySettings {
                enabled: None,
                region: None,
                provider_filter: Vec::new(),
                refresh_interval: 3600,
                default_context_window: 32000,
                default_max_tokens: 4096,
            },
            region: region(),
            warnings: Vec::new(),
        })
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        let id = text.trim();
        if id.is_empty() || id.contains(char::is_whitespace) || id.starts_with("arn:") {
            return Err(format!("parts-config parses bare model ids only, not {text:?}"));
        }
        Ok(bare(id))
    }
}

export!(PartsConfig);
