//! The conversions of what contract 0.3.0 hands a part besides the config text: the settings
//! another part (the host's config part, this policy's or another's) made, and the models a
//! discovery part found. Older contracts hand neither, so this file is compiled for 0.3.0 only;
//! the style is `convert.rs`'s (`From`, field by field).

use super::openclaw::bedrock::policy_types as p;
use super::openclaw::bedrock::types as t;
use openclaw_domain as d;

impl From<p::Settings> for d::Settings {
    fn from(settings: p::Settings) -> Self {
        let discovery = settings.discovery;
        Self {
            default_model: settings.default_model,
            default_model_reference: settings.default_model_reference.map(Into::into),
            discovery: d::DiscoverySettings {
                enabled: discovery.enabled,
                region: discovery.region,
                provider_filter: discovery.provider_filter,
                refresh_interval: discovery.refresh_interval,
                default_context_window: discovery.default_context_window,
                default_max_tokens: discovery.default_max_tokens,
            },
            region: d::ResolvedRegion { name: settings.region.name, source: settings.region.source.into() },
            sources: settings.sources.into_iter().map(|source| d::SettingSource { setting: source.setting, path: source.path }).collect(),
            warnings: settings.warnings.into_iter().map(Into::into).collect(),
            aliases: settings.aliases.into_iter().map(|alias| d::ModelAlias { name: alias.name, target: alias.target }).collect(),
        }
    }
}

impl From<p::Diagnostic> for d::Diagnostic {
    fn from(diagnostic: p::Diagnostic) -> Self {
        Self { severity: diagnostic.severity.into(), path: diagnostic.path, line: diagnostic.line, column: diagnostic.column, message: diagnostic.message }
    }
}

impl From<p::ModelReference> for d::ModelReference {
    fn from(reference: p::ModelReference) -> Self {
        Self {
            kind: reference.kind.into(),
            target: reference.target,
            resource_id: reference.resource_id,
            qualifier: reference.qualifier,
            partition: reference.partition,
            region: reference.region,
            account: reference.account,
        }
    }
}

impl From<p::Discovery> for d::Discovery {
    fn from(found: p::Discovery) -> Self {
        Self {
            runs: found.runs,
            reason: found.reason,
            region: found.region,
            models: found.models.into_iter().map(Into::into).collect(),
            stale: found.stale,
            stale_reason: found.stale_reason,
            fetched_at: found.fetched_at,
        }
    }
}

impl From<t::ModelInfo> for d::ModelInfo {
    fn from(model: t::ModelInfo) -> Self {
        let cost = model.cost;
        Self {
            id: model.id,
            name: model.name,
            provider: model.provider,
            base_model_id: model.base_model_id,
            kind: model.kind.into(),
            input: model.input,
            reasoning: model.reasoning,
            context_window: model.context_window,
            max_tokens: model.max_tokens,
            cost: d::ModelCost { input: cost.input, output: cost.output, cache_read: cost.cache_read, cache_write: cost.cache_write },
            region: model.region,
        }
    }
}
