//! Every conversion between this contract version's generated types and the domain types
//! (`openclaw-domain`), in one style: `From` impls in the directions the host needs; field-less
//! enums through `same_variants!` (exhaustive both ways), so a variant added to the WIT or the
//! domain fails the build until it is handled. Durations cross the WIT as whole milliseconds
//! (calls, saturating) or seconds (catalog age). The `routing` export (0.2.0 on) has its own
//! file, `convert_routing.rs`, since older versions lack it; the request records, which carry
//! the config text up to 0.2.0 and the settings from 0.3.0, have one per shape
//! (`since_v0_1/convert_text.rs`, `convert_parts.rs`), and so does the one field of the
//! settings that differs (`take_aliases`, a hook each version module provides).

use super::{
    generated_control_plane as cp, generated_credentials as c, generated_environment, generated_policy as p, generated_runtime as r, generated_types as t,
};
use openclaw_domain::{self as d, same_variants};
use std::time::Duration;

same_variants!(t::ErrorClass, d::ErrorClass, [Auth, RateLimit, Overloaded, Timeout, ContextOverflow, NotFound, Format, ModelError, Network, Unknown]);
same_variants!(r::Role, d::Role, [User, Assistant]);
same_variants!(c::SourceKind, d::SourceKind, [BearerToken, Environment, Profile, WebIdentity, Container, InstanceProfile]);
same_variants!(t::ModelKind, d::ModelKind, [Foundation, SystemProfile, ApplicationProfile]);
same_variants!(p::Severity, d::Severity, [Error, Warning]);
same_variants!(p::RegionSource, d::RegionSource, [Config, AwsRegion, AwsDefaultRegion, Profile, Default]);
same_variants!(p::ReferenceKind, d::ReferenceKind, [BareId, FoundationModelArn, InferenceProfileArn, ApplicationProfileArn, ProvisionedModelArn]);
same_variants!(p::ProbeStatus, d::ProbeStatus, [Ok, Auth, RateLimit, Overloaded, Timeout, Format, NotFound, NoModel, Unknown]);

impl From<p::PolicyInfo> for d::PolicyInfo {
    fn from(info: p::PolicyInfo) -> Self {
        Self { name: info.name, version: info.version, contract: info.contract }
    }
}

impl From<p::Diagnostic> for d::Diagnostic {
    fn from(d: p::Diagnostic) -> Self {
        Self { severity: d.severity.into(), path: d.path, line: d.line, column: d.column, message: d.message }
    }
}

impl From<p::ModelReference> for d::ModelReference {
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

impl From<p::Settings> for d::Settings {
    fn from(mut s: p::Settings) -> Self {
        let aliases = super::take_aliases(&mut s);
        let d = s.discovery;
        Self {
            default_model: s.default_model,
            default_model_reference: s.default_model_reference.map(Into::into),
            discovery: d::DiscoverySettings {
                enabled: d.enabled,
                region: d.region,
                provider_filter: d.provider_filter,
                refresh_interval: d.refresh_interval,
                default_context_window: d.default_context_window,
                default_max_tokens: d.default_max_tokens,
            },
            region: d::ResolvedRegion { name: s.region.name, source: s.region.source.into() },
            sources: s.sources.into_iter().map(|src| d::SettingSource { setting: src.setting, path: src.path }).collect(),
            warnings: s.warnings.into_iter().map(Into::into).collect(),
            aliases,
        }
    }
}

impl From<&d::ConfigSource> for p::ConfigSource {
    fn from(source: &d::ConfigSource) -> Self {
        Self { origin: source.origin.clone(), text: source.text.clone() }
    }
}

impl From<&d::RegionEnvironment> for generated_environment::RegionEnvironment {
    fn from(env: &d::RegionEnvironment) -> Self {
        Self {
            aws_region: env.aws_region.clone(),
            aws_default_region: env.aws_default_region.clone(),
            profile: env.profile.clone(),
            profile_region: env.profile_region.clone(),
        }
    }
}

impl From<p::ProbeResult> for d::ProbeResult {
    fn from(r: p::ProbeResult) -> Self {
        Self { status: r.status.into(), model: r.model, target: r.target, region: r.region, latency_ms: r.latency_ms, error: r.error.map(Into::into) }
    }
}

/// Milliseconds for the WIT, saturating: a limit beyond ~49 days is no limit anyway.
pub(super) fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

impl From<t::ModelInfo> for d::ModelInfo {
    fn from(m: t::ModelInfo) -> Self {
        Self {
            id: m.id,
            name: m.name,
            provider: m.provider,
            base_model_id: m.base_model_id,
            kind: m.kind.into(),
            input: m.input,
            reasoning: m.reasoning,
            context_window: m.context_window,
            max_tokens: m.max_tokens,
            cost: d::ModelCost { input: m.cost.input, output: m.cost.output, cache_read: m.cost.cache_read, cache_write: m.cost.cache_write },
            region: m.region,
        }
    }
}

impl From<p::Discovery> for d::Discovery {
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

impl From<d::ApiError> for t::ApiError {
    fn from(e: d::ApiError) -> Self {
        Self { class: e.class.into(), code: e.code, message: e.message, http_status: e.http_status, retryable: e.retryable }
    }
}

impl From<t::ApiError> for d::ApiError {
    fn from(e: t::ApiError) -> Self {
        Self { class: e.class.into(), code: e.code, message: e.message, http_status: e.http_status, retryable: e.retryable }
    }
}

impl From<r::ContentBlock> for d::ContentBlock {
    fn from(block: r::ContentBlock) -> Self {
        match block {
            r::ContentBlock::Text(text) => Self::Text(text),
            r::ContentBlock::Image(image) => Self::Image { format: image.format, bytes: image.bytes },
            r::ContentBlock::ToolUse(call) => Self::ToolUse { id: call.id, name: call.name, input: call.input },
            r::ContentBlock::ToolResult(result) => Self::ToolResult { id: result.id, content: result.content, is_error: result.is_error },
            r::ContentBlock::Reasoning(text) => Self::Reasoning { text, signature: None },
        }
    }
}

/// A domain value the contract has no form for: documents, cache points, encrypted reasoning,
/// reasoning signatures. Only the host's data path asks Bedrock for them (the gateway refuses
/// a request that needs them when a 0.1.0 policy would have to carry it), so what a policy
/// receives without them is what it asked for.
#[derive(Debug)]
pub struct NotInContract;

impl TryFrom<d::ContentBlock> for r::ContentBlock {
    type Error = NotInContract;

    fn try_from(block: d::ContentBlock) -> Result<Self, NotInContract> {
        Ok(match block {
            d::ContentBlock::Text(text) => Self::Text(text),
            d::ContentBlock::Image { format, bytes } => Self::Image(r::Image { format, bytes }),
            d::ContentBlock::ToolUse { id, name, input } => Self::ToolUse(r::ToolUse { id, name, input }),
            d::ContentBlock::ToolResult { id, content, is_error } => Self::ToolResult(r::ToolResult { id, content, is_error }),
            d::ContentBlock::Reasoning { text, signature: _ } => Self::Reasoning(text),
            d::ContentBlock::RedactedReasoning(_) | d::ContentBlock::Document { .. } | d::ContentBlock::CachePoint => return Err(NotInContract),
        })
    }
}

/// The blocks the contract has a form for, in order.
fn contract_blocks(blocks: Vec<d::ContentBlock>) -> Vec<r::ContentBlock> {
    blocks.into_iter().filter_map(|block| block.try_into().ok()).collect()
}

impl From<r::Message> for d::Message {
    fn from(message: r::Message) -> Self {
        Self { role: message.role.into(), content: message.content.into_iter().map(Into::into).collect() }
    }
}

impl From<d::Message> for r::Message {
    fn from(message: d::Message) -> Self {
        Self { role: message.role.into(), content: contract_blocks(message.content) }
    }
}

impl From<r::ToolSpec> for d::ToolSpec {
    fn from(tool: r::ToolSpec) -> Self {
        Self { name: tool.name, description: tool.description, input_schema: tool.input_schema }
    }
}

impl From<d::ToolSpec> for r::ToolSpec {
    fn from(tool: d::ToolSpec) -> Self {
        Self { name: tool.name, description: tool.description, input_schema: tool.input_schema }
    }
}

impl From<r::Usage> for d::Usage {
    fn from(u: r::Usage) -> Self {
        Self { input_tokens: u.input_tokens, output_tokens: u.output_tokens, total_tokens: u.total_tokens, ..d::Usage::default() }
    }
}

impl From<d::Usage> for r::Usage {
    fn from(u: d::Usage) -> Self {
        Self { input_tokens: u.input_tokens, output_tokens: u.output_tokens, total_tokens: u.total_tokens }
    }
}

impl From<r::ConverseRequest> for d::ConverseRequest {
    fn from(request: r::ConverseRequest) -> Self {
        let inference = request.inference;
        Self {
            model_id: request.model_id,
            region: request.region,
            system: request.system,
            messages: request.messages.into_iter().map(Into::into).collect(),
            inference: d::InferenceConfig {
                max_tokens: inference.max_tokens,
                temperature: inference.temperature,
                top_p: inference.top_p,
                stop_sequences: inference.stop_sequences,
            },
            tools: request.tools.into_iter().map(Into::into).collect(),
            timeout: Duration::from_millis(request.timeout_ms.into()),
            options: d::ConverseOptions::default(),
        }
    }
}

impl From<d::ConverseResponse> for r::ConverseResponse {
    fn from(response: d::ConverseResponse) -> Self {
        Self { content: contract_blocks(response.content), stop_reason: response.stop_reason, usage: response.usage.into(), latency_ms: response.latency_ms }
    }
}

impl TryFrom<d::StreamEvent> for r::StreamEvent {
    type Error = NotInContract;

    fn try_from(event: d::StreamEvent) -> Result<Self, NotInContract> {
        Ok(match event {
            d::StreamEvent::MessageStart(role) => Self::MessageStart(role.into()),
            d::StreamEvent::TextDelta { index, text } => Self::TextDelta(r::BlockDelta { index, text }),
            d::StreamEvent::ReasoningDelta { index, text } => Self::ReasoningDelta(r::BlockDelta { index, text }),
            d::StreamEvent::ToolUseStart { index, id, name } => Self::ToolUseStart(r::ToolUseStart { index, id, name }),
            d::StreamEvent::ToolUseDelta { index, text } => Self::ToolUseDelta(r::BlockDelta { index, text }),
            d::StreamEvent::BlockStop(index) => Self::BlockStop(index),
            d::StreamEvent::MessageStop(reason) => Self::MessageStop(reason),
            d::StreamEvent::Metadata { usage, latency_ms } => Self::Metadata(r::StreamMetadata { usage: usage.into(), latency_ms }),
            d::StreamEvent::ReasoningSignature { .. } | d::StreamEvent::RedactedReasoning { .. } => return Err(NotInContract),
        })
    }
}

impl From<r::StreamEvent> for d::StreamEvent {
    fn from(event: r::StreamEvent) -> Self {
        match event {
            r::StreamEvent::MessageStart(role) => Self::MessageStart(role.into()),
            r::StreamEvent::TextDelta(d) => Self::TextDelta { index: d.index, text: d.text },
            r::StreamEvent::ReasoningDelta(d) => Self::ReasoningDelta { index: d.index, text: d.text },
            r::StreamEvent::ToolUseStart(s) => Self::ToolUseStart { index: s.index, id: s.id, name: s.name },
            r::StreamEvent::ToolUseDelta(d) => Self::ToolUseDelta { index: d.index, text: d.text },
            r::StreamEvent::BlockStop(index) => Self::BlockStop(index),
            r::StreamEvent::MessageStop(reason) => Self::MessageStop(reason),
            r::StreamEvent::Metadata(meta) => Self::Metadata { usage: meta.usage.into(), latency_ms: meta.latency_ms },
        }
    }
}

impl From<r::InvokeRequest> for d::InvokeRequest {
    fn from(request: r::InvokeRequest) -> Self {
        Self {
            model_id: request.model_id,
            region: request.region,
            body: request.body,
            content_type: request.content_type,
            accept: request.accept,
            timeout: Duration::from_millis(request.timeout_ms.into()),
            guardrail: None,
        }
    }
}

impl From<d::InvokeResponse> for r::InvokeResponse {
    fn from(response: d::InvokeResponse) -> Self {
        Self { body: response.body, content_type: response.content_type }
    }
}

impl From<d::VisibleSource> for c::VisibleSource {
    fn from(source: d::VisibleSource) -> Self {
        Self { kind: source.kind.into(), description: source.description }
    }
}

impl From<d::CredentialDescription> for c::CredentialDescription {
    fn from(d: d::CredentialDescription) -> Self {
        Self { kind: d.kind.into(), source: d.source, access_key_id: d.access_key_id, expires_at: d.expires_at }
    }
}

impl From<d::FoundationModelRecord> for t::FoundationModelRecord {
    fn from(r: d::FoundationModelRecord) -> Self {
        Self {
            model_id: r.model_id,
            model_arn: r.model_arn,
            model_name: r.model_name,
            provider_name: r.provider_name,
            input_modalities: r.input_modalities,
            output_modalities: r.output_modalities,
            response_streaming_supported: r.response_streaming_supported,
            customizations_supported: r.customizations_supported,
            inference_types_supported: r.inference_types_supported,
            lifecycle_status: r.lifecycle_status,
        }
    }
}

impl From<d::InferenceProfileRecord> for t::InferenceProfileRecord {
    fn from(r: d::InferenceProfileRecord) -> Self {
        Self { id: r.id, arn: r.arn, name: r.name, description: r.description, status: r.status, profile_type: r.profile_type, model_arns: r.model_arns }
    }
}

impl From<d::Catalog> for cp::Catalog {
    fn from(c: d::Catalog) -> Self {
        Self {
            region: c.region,
            models: c.models.into_iter().map(Into::into).collect(),
            profiles: c.profiles.into_iter().map(Into::into).collect(),
            fetched_at: c.fetched_at,
            stale: c.stale,
            stale_reason: c.stale_reason,
        }
    }
}

impl From<cp::CatalogRequest> for d::CatalogRequest {
    fn from(request: cp::CatalogRequest) -> Self {
        Self { region: request.region, max_age: Duration::from_secs(request.max_age_seconds), refresh: request.refresh }
    }
}
