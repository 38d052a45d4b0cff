//! The generated bindings of the `bedrock-policy` world, wrapped in one place.
//!
//! Everything outside this module works with the crate's own types ([`crate::types`]); the
//! conversions between those and the generated ones live here, next to the `bindgen!` call.

use crate::types;

wasmtime::component::bindgen!({
    path: "../wit",
    world: "bedrock-policy",
    imports: { default: async },
    exports: { default: async },
});

pub use exports::openclaw::bedrock::policy as generated_policy;
pub use openclaw::bedrock::environment as generated_environment;
pub use openclaw::bedrock::log as generated_log;

use generated_policy as p;

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
