//! Merges the two locations of each setting, applies defaults and resolves the region.
//!
//! The newer location (`agents.defaults.model.primary`,
//! `plugins.entries.amazon-bedrock.config.discovery`) wins over the older one (`model`,
//! `models.bedrockDiscovery`), field by field; when both are given and disagree, a warning at
//! the newer location names the older path and both values.

use super::fields::{DEFAULT_CONTEXT_WINDOW, DEFAULT_MAX_TOKENS, DISCOVERY_FIELDS, ENABLED, FieldKind, FieldValue, PROVIDER_FILTER, REFRESH_INTERVAL, REGION};
use super::walk::{AgentsModel, ConfigInput, FieldSet, Located, ModelSetting};
use super::{DiscoverySettings, SettingSource, Settings};
use crate::diagnostics::Diagnostics;
use crate::region::{RegionEnvironment, resolve_region};
use openclaw_domain::ModelAlias;

/// The settings `input` resolves to (warnings go to `diagnostics`, not into the result).
pub(crate) fn resolve(input: ConfigInput, environment: &RegionEnvironment, diagnostics: &mut Diagnostics) -> Settings {
    let mut sources = Vec::new();
    let model = resolve_model(input.legacy_model, input.agents_model, diagnostics);
    if let Some(model) = &model {
        sources.push(SettingSource { setting: "model".to_string(), path: model.path.clone() });
    }
    let fields = merge_fields(input.legacy_discovery, input.plugin_discovery, diagnostics);
    for (field, value) in DISCOVERY_FIELDS.iter().zip(&fields) {
        if let Some(value) = value {
            sources.push(SettingSource { setting: field.setting.to_string(), path: value.path.clone() });
        }
    }
    if let Some(path) = input.aliases_path.filter(|_| !input.aliases.is_empty()) {
        sources.push(SettingSource { setting: "aliases".to_string(), path });
    }
    let discovery = discovery_settings(&fields);
    let region = resolve_region(discovery.region.as_deref(), environment);
    let (default_model, default_model_reference) = match model {
        Some(model) => (Some(model.value.text), Some(model.value.reference)),
        None => (None, None),
    };
    let aliases: Vec<ModelAlias> = input.aliases.into_iter().map(|(name, target)| ModelAlias { name, target: target.value.text }).collect();
    // A default model written as a name (an alias, an Anthropic name) means what it stands for.
    let default_model_reference = match (&default_model, default_model_reference) {
        (Some(written), Some(reference)) => {
            let target = crate::model_names::expand(written, &aliases, None);
            Some(if target == written.as_str() { reference } else { crate::model_ref::parse_model_reference(&target).unwrap_or(reference) })
        }
        (_, reference) => reference,
    };
    Settings { default_model, default_model_reference, discovery, region, sources, warnings: Vec::new(), aliases }
}

/// The default model: the agents location wins when it names one of ours. When it names
/// another provider's model (OpenClaw shares it across providers), that is no value for Bedrock:
/// the top-level `model` stays in force, or Bedrock has no default model, and a warning says so.
fn resolve_model(legacy: Option<Located<ModelSetting>>, agents: Option<AgentsModel>, diagnostics: &mut Diagnostics) -> Option<Located<ModelSetting>> {
    match agents {
        None => legacy,
        Some(AgentsModel::Ours(newer)) => {
            if let Some(older) = &legacy
                && older.value.reference.target != newer.value.reference.target
            {
                let message = overrides_message(&newer.path, &format!("{:?}", newer.value.text), &older.path, &format!("{:?}", older.value.text));
                diagnostics.warning(&newer.path, newer.position, message);
            }
            Some(newer)
        }
        Some(AgentsModel::Foreign { model, provider }) => {
            let consequence = match &legacy {
                Some(older) => format!("Bedrock's default model stays {:?} from `{}`", older.value.text, older.path),
                None => "Bedrock has no default model".to_string(),
            };
            let message = format!("{:?} is a model of provider `{provider}`, not Amazon Bedrock: {consequence}", model.value);
            diagnostics.warning(&model.path, model.position, message);
            legacy
        }
    }
}

/// Field by field, the plugin location wins over `models.bedrockDiscovery`.
fn merge_fields(legacy: FieldSet, plugin: FieldSet, diagnostics: &mut Diagnostics) -> FieldSet {
    let mut merged = FieldSet::default();
    for (index, (older, newer)) in legacy.into_iter().zip(plugin).enumerate() {
        merged[index] = match (older, newer) {
            (Some(older), Some(newer)) => {
                if older.value != newer.value {
                    let message = overrides_message(&newer.path, &newer.value.display(), &older.path, &older.value.display());
                    diagnostics.warning(&newer.path, newer.position, message);
                }
                Some(newer)
            }
            (older, newer) => newer.or(older),
        };
    }
    merged
}

fn overrides_message(newer_path: &str, newer_value: &str, older_path: &str, older_value: &str) -> String {
    format!("`{newer_path}` ({newer_value}) overrides `{older_path}` ({older_value}): the newer location wins")
}

/// The discovery settings: configured values, else the table's defaults.
fn discovery_settings(fields: &FieldSet) -> DiscoverySettings {
    let value = |index: usize| fields[index].as_ref().map(|located| &located.value);
    let count = |index: usize| match (value(index), DISCOVERY_FIELDS[index].kind) {
        (Some(FieldValue::Count(count)), _) => *count,
        (_, FieldKind::Count { default, .. }) => default,
        _ => 0,
    };
    // The table bounds these two by u32::MAX, so the conversion cannot fail.
    let count_u32 = |index: usize| u32::try_from(count(index)).unwrap_or(u32::MAX);
    DiscoverySettings {
        enabled: match value(ENABLED) {
            Some(FieldValue::Flag(flag)) => Some(*flag),
            _ => None,
        },
        region: match value(REGION) {
            Some(FieldValue::Text(region)) => Some(region.clone()),
            _ => None,
        },
        provider_filter: match value(PROVIDER_FILTER) {
            Some(FieldValue::List(names)) => names.clone(),
            _ => Vec::new(),
        },
        refresh_interval: count(REFRESH_INTERVAL),
        default_context_window: count_u32(DEFAULT_CONTEXT_WINDOW),
        default_max_tokens: count_u32(DEFAULT_MAX_TOKENS),
    }
}
