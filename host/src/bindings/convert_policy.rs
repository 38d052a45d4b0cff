//! Conversions between the policy export's generated types and [`crate::types`].

use super::{generated_environment, generated_policy as p, generated_types as t};
use crate::types;

impl From<p::PolicyInfo> for types::PolicyInfo {
    fn from(info: p::PolicyInfo) -> Self {
        Self { name: info.name, version: info.version, contract: info.contract }
    }
}

impl From<p::Severity> for types::Severity {
    fn from(severity: p::Severity) -> Self {
        match severity {
            p::Severity::Error => Self::Error,
            p::Severity::Warning => Self::Warning,
        }
    }
}

impl From<p::Diagnostic> for types::Diagnostic {
    fn from(d: p::Diagnostic) -> Self {
        Self { severity: d.severity.into(), path: d.path, line: d.line, column: d.column, message: d.message }
    }
}

impl From<p::RegionSource> for types::RegionSource {
    fn from(source: p::RegionSource) -> Self {
        match source {
            p::RegionSource::Config => Self::Config,
            p::RegionSource::AwsRegion => Self::AwsRegion,
            p::RegionSource::AwsDefaultRegion => Self::AwsDefaultRegion,
            p::RegionSource::Profile => Self::Profile,
            p::RegionSource::Default => Self::Default,
        }
    }
}

impl From<p::ReferenceKind> for types::ReferenceKind {
    fn from(kind: p::ReferenceKind) -> Self {
        match kind {
            p::ReferenceKind::BareId => Self::BareId,
            p::ReferenceKind::FoundationModelArn => Self::FoundationModelArn,
            p::ReferenceKind::InferenceProfileArn => Self::InferenceProfileArn,
            p::ReferenceKind::ApplicationProfileArn => Self::ApplicationProfileArn,
            p::ReferenceKind::ProvisionedModelArn => Self::ProvisionedModelArn,
        }
    }
}

impl From<p::ModelReference> for types::ModelReference {
    fn from(r: p::ModelReference) -> Self {
        Self {
            kind: r.kind.into(),
            target: r.target,
            resource_id: r.resource_id,
            qualifier: r.qualifier,
            partition: r.partition,
            region: r.region,
            account: r.account,
        }
    }
}

impl From<p::Settings> for types::Settings {
    fn from(s: p::Settings) -> Self {
        let d = s.discovery;
        Self {
            default_model: s.default_model,
            default_model_reference: s.default_model_reference.map(Into::into),
            discovery: types::DiscoverySettings {
                enabled: d.enabled,
                region: d.region,
                provider_filter: d.provider_filter,
                refresh_interval: d.refresh_interval,
                default_context_window: d.default_context_window,
                default_max_tokens: d.default_max_tokens,
            },
            region: types::ResolvedRegion { name: s.region.name, source: s.region.source.into() },
            sources: s.sources.into_iter().map(|src| (src.setting, src.path)).collect(),
            warnings: s.warnings.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<&types::ConfigSource> for p::ConfigSource {
    fn from(source: &types::ConfigSource) -> Self {
        Self { origin: source.origin.clone(), text: source.text.clone() }
    }
}

impl From<(&types::ConfigSource, bool)> for p::DiscoverRequest {
    fn from((config, refresh): (&types::ConfigSource, bool)) -> Self {
        Self { config: config.into(), refresh }
    }
}

impl From<&types::RegionEnvironment> for generated_environment::RegionEnvironment {
    fn from(env: &types::RegionEnvironment) -> Self {
        Self {
            aws_region: env.aws_region.clone(),
            aws_default_region: env.aws_default_region.clone(),
            profile: env.profile.clone(),
            profile_region: env.profile_region.clone(),
        }
    }
}

impl From<p::ProbeStatus> for types::ProbeStatus {
    fn from(status: p::ProbeStatus) -> Self {
        match status {
            p::ProbeStatus::Ok => Self::Ok,
            p::ProbeStatus::Auth => Self::Auth,
            p::ProbeStatus::RateLimit => Self::RateLimit,
            p::ProbeStatus::Overloaded => Self::Overloaded,
            p::ProbeStatus::Timeout => Self::Timeout,
            p::ProbeStatus::Format => Self::Format,
            p::ProbeStatus::NotFound => Self::NotFound,
            p::ProbeStatus::NoModel => Self::NoModel,
            p::ProbeStatus::Unknown => Self::Unknown,
        }
    }
}

impl From<p::ProbeResult> for types::ProbeResult {
    fn from(r: p::ProbeResult) -> Self {
        Self { status: r.status.into(), model: r.model, target: r.target, region: r.region, latency_ms: r.latency_ms, error: r.error.map(Into::into) }
    }
}

/// Milliseconds for the WIT, saturating: a limit beyond ~49 days is no limit anyway.
fn millis(duration: std::time::Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

impl From<&types::ProbeRequest> for p::ProbeRequest {
    fn from(request: &types::ProbeRequest) -> Self {
        Self { config: (&request.config).into(), max_tokens: request.max_tokens, timeout_ms: millis(request.timeout) }
    }
}

impl From<&types::ChatRequest> for p::ChatRequest {
    fn from(request: &types::ChatRequest) -> Self {
        Self {
            config: (&request.config).into(),
            model: request.model.clone(),
            system: request.system.clone(),
            messages: request.messages.iter().cloned().map(Into::into).collect(),
            max_tokens: request.max_tokens,
            temperature: request.temperature,
            top_p: request.top_p,
            stop_sequences: request.stop_sequences.clone(),
            tools: request.tools.iter().cloned().map(Into::into).collect(),
            timeout_ms: millis(request.timeout),
        }
    }
}

impl From<t::ModelInfo> for types::ModelInfo {
    fn from(m: t::ModelInfo) -> Self {
        Self {
            id: m.id,
            name: m.name,
            provider: m.provider,
            base_model_id: m.base_model_id,
            kind: match m.kind {
                t::ModelKind::Foundation => types::ModelKind::Foundation,
                t::ModelKind::SystemProfile => types::ModelKind::SystemProfile,
                t::ModelKind::ApplicationProfile => types::ModelKind::ApplicationProfile,
            },
            input: m.input,
            reasoning: m.reasoning,
            context_window: m.context_window,
            max_tokens: m.max_tokens,
            cost: types::ModelCost { input: m.cost.input, output: m.cost.output, cache_read: m.cost.cache_read, cache_write: m.cost.cache_write },
            region: m.region,
        }
    }
}

impl From<p::Discovery> for types::Discovery {
    fn from(d: p::Discovery) -> Self {
        Self {
            runs: d.runs,
            reason: d.reason,
            region: d.region,
            models: d.models.into_iter().map(Into::into).collect(),
            stale: d.stale,
            stale_reason: d.stale_reason,
            fetched_at: d.fetched_at,
        }
    }
}
