//! Every conversion between the generated WIT types and the domain types (`openclaw-domain`),
//! in one style: `From` impls, each direction the glue needs; field-less enums through
//! [`same_variants!`] (exhaustive both ways), so a variant added to the WIT or the domain breaks
//! this build until it is handled. (Past 400 lines on purpose: the one conversion file of the
//! guest side, as the house asks; split, the "every conversion in one place" rule would break.)
//! Durations cross the WIT as whole milliseconds (calls) or seconds (catalog age, plan
//! validity), saturating.

use std::time::Duration;

// The records of the policy's exports: in `policy-types` from 0.3.0, in the `policy` export
// before (the glue picks the module: `super::records`).
#[cfg(not(feature = "contract-v0-1"))]
use super::exports::openclaw::bedrock::routing as r;
use super::openclaw::bedrock::{control_plane as c, credentials as k, environment as e, runtime as rt, types as t};
use super::records as p;
use openclaw_domain::{self as d, same_variants};

fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

fn from_millis(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

same_variants!(t::ErrorClass, d::ErrorClass, [Auth, RateLimit, Overloaded, Timeout, ContextOverflow, NotFound, Format, ModelError, Network, Unknown]);
same_variants!(t::ModelKind, d::ModelKind, [Foundation, SystemProfile, ApplicationProfile]);
same_variants!(k::SourceKind, d::SourceKind, [BearerToken, Environment, Profile, WebIdentity, Container, InstanceProfile]);
same_variants!(rt::Role, d::Role, [User, Assistant]);
same_variants!(p::Severity, d::Severity, [Error, Warning]);
same_variants!(p::RegionSource, d::RegionSource, [Config, AwsRegion, AwsDefaultRegion, Profile, Default]);
same_variants!(p::ReferenceKind, d::ReferenceKind, [BareId, FoundationModelArn, InferenceProfileArn, ApplicationProfileArn, ProvisionedModelArn]);
same_variants!(p::ProbeStatus, d::ProbeStatus, [Ok, Auth, RateLimit, Overloaded, Timeout, Format, NotFound, NoModel, Unknown]);

// --- types ---

impl From<t::ApiError> for d::ApiError {
    fn from(error: t::ApiError) -> Self {
        Self { class: error.class.into(), code: error.code, message: error.message, http_status: error.http_status, retryable: error.retryable }
    }
}

impl From<d::ApiError> for t::ApiError {
    fn from(error: d::ApiError) -> Self {
        Self { class: error.class.into(), code: error.code, message: error.message, http_status: error.http_status, retryable: error.retryable }
    }
}

impl From<d::ModelInfo> for t::ModelInfo {
    fn from(model: d::ModelInfo) -> Self {
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
            cost: t::ModelCost { input: cost.input, output: cost.output, cache_read: cost.cache_read, cache_write: cost.cache_write },
            region: model.region,
        }
    }
}

impl From<t::FoundationModelRecord> for d::FoundationModelRecord {
    fn from(model: t::FoundationModelRecord) -> Self {
        Self {
            model_id: model.model_id,
            model_arn: model.model_arn,
            model_name: model.model_name,
            provider_name: model.provider_name,
            input_modalities: model.input_modalities,
            output_modalities: model.output_modalities,
            response_streaming_supported: model.response_streaming_supported,
            customizations_supported: model.customizations_supported,
            inference_types_supported: model.inference_types_supported,
            lifecycle_status: model.lifecycle_status,
        }
    }
}

impl From<t::InferenceProfileRecord> for d::InferenceProfileRecord {
    fn from(profile: t::InferenceProfileRecord) -> Self {
        Self {
            id: profile.id,
            arn: profile.arn,
            name: profile.name,
            description: profile.description,
            status: profile.status,
            profile_type: profile.profile_type,
            model_arns: profile.model_arns,
        }
    }
}

// --- environment, credentials, control-plane ---

impl From<e::RegionEnvironment> for d::RegionEnvironment {
    fn from(environment: e::RegionEnvironment) -> Self {
        Self {
            aws_region: environment.aws_region,
            aws_default_region: environment.aws_default_region,
            profile: environment.profile,
            profile_region: environment.profile_region,
        }
    }
}

impl From<k::VisibleSource> for d::VisibleSource {
    fn from(source: k::VisibleSource) -> Self {
        Self { kind: source.kind.into(), description: source.description }
    }
}

impl From<&d::CatalogRequest> for c::CatalogRequest {
    fn from(request: &d::CatalogRequest) -> Self {
        Self { region: request.region.clone(), max_age_seconds: request.max_age.as_secs(), refresh: request.refresh }
    }
}

impl From<c::Catalog> for d::Catalog {
    fn from(catalog: c::Catalog) -> Self {
        Self {
            region: catalog.region,
            models: catalog.models.into_iter().map(Into::into).collect(),
            profiles: catalog.profiles.into_iter().map(Into::into).collect(),
            fetched_at: catalog.fetched_at,
            stale: catalog.stale,
            stale_reason: catalog.stale_reason,
        }
    }
}

// --- runtime ---

impl From<rt::ContentBlock> for d::ContentBlock {
    fn from(block: rt::ContentBlock) -> Self {
        match block {
            rt::ContentBlock::Text(text) => Self::Text(text),
            rt::ContentBlock::Image(image) => Self::Image { format: image.format, bytes: image.bytes },
            rt::ContentBlock::ToolUse(call) => Self::ToolUse { id: call.id, name: call.name, input: call.input },
            rt::ContentBlock::ToolResult(result) => Self::ToolResult { id: result.id, content: result.content, is_error: result.is_error },
            rt::ContentBlock::Reasoning(text) => Self::Reasoning { text, signature: None },
        }
    }
}

/// A domain value the contract has no form for (documents, cache points, encrypted reasoning,
/// reasoning signatures): only the host's data path sends them, so a policy never holds one
/// it would have to pass on.
#[derive(Debug)]
pub struct NotInContract;

impl TryFrom<d::ContentBlock> for rt::ContentBlock {
    type Error = NotInContract;

    fn try_from(block: d::ContentBlock) -> Result<Self, NotInContract> {
        Ok(match block {
            d::ContentBlock::Text(text) => Self::Text(text),
            d::ContentBlock::Image { format, bytes } => Self::Image(rt::Image { format, bytes }),
            d::ContentBlock::ToolUse { id, name, input } => Self::ToolUse(rt::ToolUse { id, name, input }),
            d::ContentBlock::ToolResult { id, content, is_error } => Self::ToolResult(rt::ToolResult { id, content, is_error }),
            d::ContentBlock::Reasoning { text, signature: _ } => Self::Reasoning(text),
            d::ContentBlock::RedactedReasoning(_) | d::ContentBlock::Document { .. } | d::ContentBlock::CachePoint => return Err(NotInContract),
        })
    }
}

impl From<rt::Message> for d::Message {
    fn from(message: rt::Message) -> Self {
        Self { role: message.role.into(), content: message.content.into_iter().map(Into::into).collect() }
    }
}

impl From<d::Message> for rt::Message {
    fn from(message: d::Message) -> Self {
        Self { role: message.role.into(), content: message.content.into_iter().filter_map(|block| block.try_into().ok()).collect() }
    }
}

impl From<rt::ToolSpec> for d::ToolSpec {
    fn from(tool: rt::ToolSpec) -> Self {
        Self { name: tool.name, description: tool.description, input_schema: tool.input_schema }
    }
}

impl From<d::ToolSpec> for rt::ToolSpec {
    fn from(tool: d::ToolSpec) -> Self {
        Self { name: tool.name, description: tool.description, input_schema: tool.input_schema }
    }
}

impl From<&d::ConverseRequest> for rt::ConverseRequest {
    fn from(request: &d::ConverseRequest) -> Self {
        let inference = &request.inference;
        Self {
            model_id: request.model_id.clone(),
            region: request.region.clone(),
            system: request.system.clone(),
            messages: request.messages.iter().cloned().map(Into::into).collect(),
            inference: rt::InferenceConfig {
                max_tokens: inference.max_tokens,
                temperature: inference.temperature,
                top_p: inference.top_p,
                stop_sequences: inference.stop_sequences.clone(),
            },
            tools: request.tools.iter().cloned().map(Into::into).collect(),
            timeout_ms: millis(request.timeout),
        }
    }
}

impl From<rt::Usage> for d::Usage {
    fn from(usage: rt::Usage) -> Self {
        Self { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, total_tokens: usage.total_tokens, ..d::Usage::default() }
    }
}

impl From<d::Usage> for rt::Usage {
    fn from(usage: d::Usage) -> Self {
        Self { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, total_tokens: usage.total_tokens }
    }
}

impl From<rt::StreamEvent> for d::StreamEvent {
    fn from(event: rt::StreamEvent) -> Self {
        match event {
            rt::StreamEvent::MessageStart(role) => Self::MessageStart(role.into()),
            rt::StreamEvent::TextDelta(delta) => Self::TextDelta { index: delta.index, text: delta.text },
            rt::StreamEvent::ReasoningDelta(delta) => Self::ReasoningDelta { index: delta.index, text: delta.text },
            rt::StreamEvent::ToolUseStart(start) => Self::ToolUseStart { index: start.index, id: start.id, name: start.name },
            rt::StreamEvent::ToolUseDelta(delta) => Self::ToolUseDelta { index: delta.index, text: delta.text },
            rt::StreamEvent::BlockStop(index) => Self::BlockStop(index),
            rt::StreamEvent::MessageStop(reason) => Self::MessageStop(reason),
            rt::StreamEvent::Metadata(metadata) => Self::Metadata { usage: metadata.usage.into(), latency_ms: metadata.latency_ms },
        }
    }
}

impl TryFrom<d::StreamEvent> for rt::StreamEvent {
    type Error = NotInContract;

    fn try_from(event: d::StreamEvent) -> Result<Self, NotInContract> {
        Ok(match event {
            d::StreamEvent::MessageStart(role) => Self::MessageStart(role.into()),
            d::StreamEvent::TextDelta { index, text } => Self::TextDelta(rt::BlockDelta { index, text }),
            d::StreamEvent::ReasoningDelta { index, text } => Self::ReasoningDelta(rt::BlockDelta { index, text }),
            d::StreamEvent::ToolUseStart { index, id, name } => Self::ToolUseStart(rt::ToolUseStart { index, id, name }),
            d::StreamEvent::ToolUseDelta { index, text } => Self::ToolUseDelta(rt::BlockDelta { index, text }),
            d::StreamEvent::BlockStop(index) => Self::BlockStop(index),
            d::StreamEvent::MessageStop(reason) => Self::MessageStop(reason),
            d::StreamEvent::Metadata { usage, latency_ms } => Self::Metadata(rt::StreamMetadata { usage: usage.into(), latency_ms }),
            d::StreamEvent::ReasoningSignature { .. } | d::StreamEvent::RedactedReasoning { .. } => return Err(NotInContract),
        })
    }
}

// --- policy ---

impl From<d::PolicyInfo> for p::PolicyInfo {
    fn from(info: d::PolicyInfo) -> Self {
        Self { name: info.name, version: info.version, contract: info.contract }
    }
}

impl From<p::ConfigSource> for d::ConfigSource {
    fn from(source: p::ConfigSource) -> Self {
        Self { origin: source.origin, text: source.text }
    }
}

impl From<d::Diagnostic> for p::Diagnostic {
    fn from(diagnostic: d::Diagnostic) -> Self {
        Self { severity: diagnostic.severity.into(), path: diagnostic.path, line: diagnostic.line, column: diagnostic.column, message: diagnostic.message }
    }
}

impl From<d::ModelReference> for p::ModelReference {
    fn from(reference: d::ModelReference) -> Self {
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

impl From<d::Settings> for p::Settings {
    fn from(settings: d::Settings) -> Self {
        let discovery = settings.discovery;
        Self {
            default_model: settings.default_model,
            default_model_reference: settings.default_model_reference.map(Into::into),
            discovery: p::DiscoverySettings {
                enabled: discovery.enabled,
                region: discovery.region,
                provider_filter: discovery.provider_filter,
                refresh_interval: discovery.refresh_interval,
                default_context_window: discovery.default_context_window,
                default_max_tokens: discovery.default_max_tokens,
            },
            region: p::ResolvedRegion { name: settings.region.name, source: settings.region.source.into() },
            sources: settings.sources.into_iter().map(|source| p::SettingSource { setting: source.setting, path: source.path }).collect(),
            warnings: settings.warnings.into_iter().map(Into::into).collect(),
            #[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
            aliases: settings.aliases.into_iter().map(|alias| p::ModelAlias { name: alias.name, target: alias.target }).collect(),
        }
    }
}

impl From<p::ProbeRequest> for d::ProbeRequest {
    fn from(request: p::ProbeRequest) -> Self {
        Self {
            config: request.config.into(),
            #[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
            settings: Some(request.settings.into()),
            #[cfg(any(feature = "contract-v0-1", feature = "contract-v0-2"))]
            settings: None,
            max_tokens: request.max_tokens,
            timeout: from_millis(request.timeout_ms),
        }
    }
}

impl From<d::ProbeResult> for p::ProbeResult {
    fn from(result: d::ProbeResult) -> Self {
        Self {
            status: result.status.into(),
            model: result.model,
            target: result.target,
            region: result.region,
            latency_ms: result.latency_ms,
            error: result.error.map(Into::into),
        }
    }
}

impl From<p::ChatRequest> for d::ChatRequest {
    fn from(request: p::ChatRequest) -> Self {
        Self {
            config: request.config.into(),
            #[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
            settings: Some(request.settings.into()),
            #[cfg(any(feature = "contract-v0-1", feature = "contract-v0-2"))]
            settings: None,
            model: request.model,
            system: request.system,
            messages: request.messages.into_iter().map(Into::into).collect(),
            max_tokens: request.max_tokens,
            temperature: request.temperature,
            top_p: request.top_p,
            stop_sequences: request.stop_sequences,
            tools: request.tools.into_iter().map(Into::into).collect(),
            timeout: from_millis(request.timeout_ms),
        }
    }
}

impl From<p::DiscoverRequest> for d::DiscoverRequest {
    fn from(request: p::DiscoverRequest) -> Self {
        Self {
            config: request.config.into(),
            #[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
            settings: Some(request.settings.into()),
            #[cfg(any(feature = "contract-v0-1", feature = "contract-v0-2"))]
            settings: None,
            refresh: request.refresh,
        }
    }
}

impl From<d::Discovery> for p::Discovery {
    fn from(found: d::Discovery) -> Self {
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

// --- routing (0.2.0 on) ---

#[cfg(not(feature = "contract-v0-1"))]
impl From<r::PlanRequest> for d::PlanRequest {
    fn from(request: r::PlanRequest) -> Self {
        Self {
            config: request.config.into(),
            #[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
            settings: Some(request.settings.into()),
            #[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
            discovery: Some(request.discovery.into()),
            #[cfg(feature = "contract-v0-2")]
            settings: None,
            #[cfg(feature = "contract-v0-2")]
            discovery: None,
            refresh: request.refresh,
        }
    }
}

#[cfg(not(feature = "contract-v0-1"))]
impl From<r::ResolveRequest> for d::ResolveRequest {
    fn from(request: r::ResolveRequest) -> Self {
        Self {
            config: request.config.into(),
            #[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
            settings: Some(request.settings.into()),
            #[cfg(feature = "contract-v0-2")]
            settings: None,
            model: request.model,
        }
    }
}

#[cfg(not(feature = "contract-v0-1"))]
impl From<d::Route> for r::Route {
    fn from(route: d::Route) -> Self {
        let classes = |classes: Vec<d::ErrorClass>| classes.into_iter().map(Into::into).collect();
        Self {
            target: route.target,
            region: route.region,
            max_tokens: route.max_tokens,
            fallbacks: route
                .fallbacks
                .into_iter()
                .map(|step| r::FallbackStep {
                    on: classes(step.on),
                    target: step.target,
                    region: step.region,
                    report_original_on: classes(step.report_original_on),
                })
                .collect(),
        }
    }
}

#[cfg(not(feature = "contract-v0-1"))]
impl From<d::RoutingPlan> for r::RoutingPlan {
    fn from(plan: d::RoutingPlan) -> Self {
        Self {
            routes: plan.routes.into_iter().map(|(reference, route)| r::PlanEntry { reference, route: route.into() }).collect(),
            default_route: plan.default_route.map(Into::into),
            discovery: plan.discovery.into(),
            valid_for_seconds: plan.valid_for.map(|valid_for| valid_for.as_secs()),
        }
    }
}

#[cfg(not(feature = "contract-v0-1"))]
impl From<d::Resolution> for r::Resolution {
    fn from(resolution: d::Resolution) -> Self {
        Self { route: resolution.route.into(), remember: resolution.remember }
    }
}
