//! The records of 0.3.0 that differ from older versions: every part's request carries the
//! settings the config part resolved (and the plan request the discovered models), so the
//! host converts settings and discovery both ways; settings carry the config's aliases.
//!
//! The host fills `settings` (and `discovery`) into a domain request before it calls a 0.3.0
//! part ([`crate::sandbox::PolicyInstance`]); a request without them cannot be sent to this
//! version and converts to [`SettingsMissing`].

use super::convert::millis;
use super::{generated_policy as p, generated_routing as r, generated_types as t};
use openclaw_domain as d;

/// A domain request without the settings a 0.3.0 part needs (the host fills them first, so
/// this names a host mistake, not a policy's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingsMissing(pub &'static str);

/// The aliases of 0.3.0's settings record, moved out of it.
pub(super) fn take_aliases(settings: &mut p::Settings) -> Vec<d::ModelAlias> {
    std::mem::take(&mut settings.aliases).into_iter().map(|alias| d::ModelAlias { name: alias.name, target: alias.target }).collect()
}

impl From<&d::Diagnostic> for p::Diagnostic {
    fn from(d: &d::Diagnostic) -> Self {
        Self { severity: d.severity.into(), path: d.path.clone(), line: d.line, column: d.column, message: d.message.clone() }
    }
}

impl From<&d::ModelReference> for p::ModelReference {
    fn from(r: &d::ModelReference) -> Self {
        Self {
            kind: r.kind.into(),
            target: r.target.clone(),
            resource_id: r.resource_id.clone(),
            qualifier: r.qualifier.clone(),
            partition: r.partition.clone(),
            region: r.region.clone(),
            account: r.account.clone(),
        }
    }
}

impl From<&d::Settings> for p::Settings {
    fn from(s: &d::Settings) -> Self {
        let d = &s.discovery;
        Self {
            default_model: s.default_model.clone(),
            default_model_reference: s.default_model_reference.as_ref().map(Into::into),
            discovery: p::DiscoverySettings {
                enabled: d.enabled,
                region: d.region.clone(),
                provider_filter: d.provider_filter.clone(),
                refresh_interval: d.refresh_interval,
                default_context_window: d.default_context_window,
                default_max_tokens: d.default_max_tokens,
            },
            region: p::ResolvedRegion { name: s.region.name.clone(), source: s.region.source.into() },
            sources: s.sources.iter().map(|src| p::SettingSource { setting: src.setting.clone(), path: src.path.clone() }).collect(),
            warnings: s.warnings.iter().map(Into::into).collect(),
            aliases: s.aliases.iter().map(|alias| p::ModelAlias { name: alias.name.clone(), target: alias.target.clone() }).collect(),
        }
    }
}

impl From<&d::ModelInfo> for t::ModelInfo {
    fn from(m: &d::ModelInfo) -> Self {
        Self {
            id: m.id.clone(),
            name: m.name.clone(),
            provider: m.provider.clone(),
            base_model_id: m.base_model_id.clone(),
            kind: m.kind.into(),
            input: m.input.clone(),
            reasoning: m.reasoning,
            context_window: m.context_window,
            max_tokens: m.max_tokens,
            cost: t::ModelCost { input: m.cost.input, output: m.cost.output, cache_read: m.cost.cache_read, cache_write: m.cost.cache_write },
            region: m.region.clone(),
        }
    }
}

impl From<&d::Discovery> for p::Discovery {
    fn from(d: &d::Discovery) -> Self {
        Self {
            runs: d.runs,
            reason: d.reason.clone(),
            region: d.region.clone(),
            models: d.models.iter().map(Into::into).collect(),
            stale: d.stale,
            stale_reason: d.stale_reason.clone(),
            fetched_at: d.fetched_at,
        }
    }
}

/// The settings of a request bound for a 0.3.0 part.
fn settings(given: Option<&d::Settings>, request: &'static str) -> Result<p::Settings, SettingsMissing> {
    given.map(Into::into).ok_or(SettingsMissing(request))
}

impl TryFrom<&d::DiscoverRequest> for p::DiscoverRequest {
    type Error = SettingsMissing;

    fn try_from(request: &d::DiscoverRequest) -> Result<Self, SettingsMissing> {
        Ok(Self { config: (&request.config).into(), settings: settings(request.settings.as_ref(), "discover-request")?, refresh: request.refresh })
    }
}

impl TryFrom<&d::ProbeRequest> for p::ProbeRequest {
    type Error = SettingsMissing;

    fn try_from(request: &d::ProbeRequest) -> Result<Self, SettingsMissing> {
        Ok(Self {
            config: (&request.config).into(),
            settings: settings(request.settings.as_ref(), "probe-request")?,
            max_tokens: request.max_tokens,
            timeout_ms: millis(request.timeout),
        })
    }
}

impl TryFrom<&d::ChatRequest> for p::ChatRequest {
    type Error = SettingsMissing;

    fn try_from(request: &d::ChatRequest) -> Result<Self, SettingsMissing> {
        Ok(Self {
            config: (&request.config).into(),
            settings: settings(request.settings.as_ref(), "chat-request")?,
            model: request.model.clone(),
            system: request.system.clone(),
            messages: request.messages.iter().cloned().map(Into::into).collect(),
            max_tokens: request.max_tokens,
            temperature: request.temperature,
            top_p: request.top_p,
            stop_sequences: request.stop_sequences.clone(),
            tools: request.tools.iter().cloned().map(Into::into).collect(),
            timeout_ms: millis(request.timeout),
        })
    }
}

impl TryFrom<&d::PlanRequest> for r::PlanRequest {
    type Error = SettingsMissing;

    fn try_from(request: &d::PlanRequest) -> Result<Self, SettingsMissing> {
        Ok(Self {
            config: (&request.config).into(),
            settings: settings(request.settings.as_ref(), "plan-request")?,
            discovery: request.discovery.as_ref().map(Into::into).ok_or(SettingsMissing("plan-request"))?,
            refresh: request.refresh,
        })
    }
}

impl TryFrom<&d::ResolveRequest> for r::ResolveRequest {
    type Error = SettingsMissing;

    fn try_from(request: &d::ResolveRequest) -> Result<Self, SettingsMissing> {
        Ok(Self { config: (&request.config).into(), settings: settings(request.settings.as_ref(), "resolve-request")?, model: request.model.clone() })
    }
}
