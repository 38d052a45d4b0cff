//! Conversions between the generated `types`, `runtime` and `credentials` types and
//! [`crate::aws::model`], in the directions the host needs.

use super::{generated_control_plane as cp, generated_credentials as c, generated_runtime as r, generated_types as t};
use crate::aws::model as m;
use std::time::Duration;

/// `From` both ways between two field-less enums with the same variant names.
macro_rules! same_variants {
    ($a:ty, $b:ty, [$($variant:ident),+ $(,)?]) => {
        impl From<$a> for $b {
            fn from(value: $a) -> Self {
                match value { $(<$a>::$variant => Self::$variant),+ }
            }
        }
        impl From<$b> for $a {
            fn from(value: $b) -> Self {
                match value { $(<$b>::$variant => Self::$variant),+ }
            }
        }
    };
}

same_variants!(t::ErrorClass, m::ErrorClass, [Auth, RateLimit, Overloaded, Timeout, ContextOverflow, NotFound, Format, ModelError, Network, Unknown]);
same_variants!(r::Role, m::Role, [User, Assistant]);
same_variants!(c::SourceKind, m::SourceKind, [BearerToken, Environment, Profile, WebIdentity, Container, InstanceProfile]);

impl From<m::ApiError> for t::ApiError {
    fn from(e: m::ApiError) -> Self {
        Self { class: e.class.into(), code: e.code, message: e.message, http_status: e.http_status, retryable: e.retryable }
    }
}

impl From<t::ApiError> for m::ApiError {
    fn from(e: t::ApiError) -> Self {
        Self { class: e.class.into(), code: e.code, message: e.message, http_status: e.http_status, retryable: e.retryable }
    }
}

impl From<r::ContentBlock> for m::ContentBlock {
    fn from(block: r::ContentBlock) -> Self {
        match block {
            r::ContentBlock::Text(text) => Self::Text(text),
            r::ContentBlock::Image(image) => Self::Image { format: image.format, bytes: image.bytes },
            r::ContentBlock::ToolUse(call) => Self::ToolUse { id: call.id, name: call.name, input: call.input },
            r::ContentBlock::ToolResult(result) => Self::ToolResult { id: result.id, content: result.content, is_error: result.is_error },
            r::ContentBlock::Reasoning(text) => Self::Reasoning(text),
        }
    }
}

impl From<m::ContentBlock> for r::ContentBlock {
    fn from(block: m::ContentBlock) -> Self {
        match block {
            m::ContentBlock::Text(text) => Self::Text(text),
            m::ContentBlock::Image { format, bytes } => Self::Image(r::Image { format, bytes }),
            m::ContentBlock::ToolUse { id, name, input } => Self::ToolUse(r::ToolUse { id, name, input }),
            m::ContentBlock::ToolResult { id, content, is_error } => Self::ToolResult(r::ToolResult { id, content, is_error }),
            m::ContentBlock::Reasoning(text) => Self::Reasoning(text),
        }
    }
}

impl From<r::Message> for m::Message {
    fn from(message: r::Message) -> Self {
        Self { role: message.role.into(), content: message.content.into_iter().map(Into::into).collect() }
    }
}

impl From<m::Message> for r::Message {
    fn from(message: m::Message) -> Self {
        Self { role: message.role.into(), content: message.content.into_iter().map(Into::into).collect() }
    }
}

impl From<r::ToolSpec> for m::ToolSpec {
    fn from(tool: r::ToolSpec) -> Self {
        Self { name: tool.name, description: tool.description, input_schema: tool.input_schema }
    }
}

impl From<m::ToolSpec> for r::ToolSpec {
    fn from(tool: m::ToolSpec) -> Self {
        Self { name: tool.name, description: tool.description, input_schema: tool.input_schema }
    }
}

impl From<r::Usage> for m::Usage {
    fn from(u: r::Usage) -> Self {
        Self { input_tokens: u.input_tokens, output_tokens: u.output_tokens, total_tokens: u.total_tokens }
    }
}

impl From<m::Usage> for r::Usage {
    fn from(u: m::Usage) -> Self {
        Self { input_tokens: u.input_tokens, output_tokens: u.output_tokens, total_tokens: u.total_tokens }
    }
}

impl From<r::ConverseRequest> for m::ConverseRequest {
    fn from(request: r::ConverseRequest) -> Self {
        let inference = request.inference;
        Self {
            model_id: request.model_id,
            region: request.region,
            system: request.system,
            messages: request.messages.into_iter().map(Into::into).collect(),
            inference: m::InferenceConfig {
                max_tokens: inference.max_tokens,
                temperature: inference.temperature,
                top_p: inference.top_p,
                stop_sequences: inference.stop_sequences,
            },
            tools: request.tools.into_iter().map(Into::into).collect(),
            timeout: Duration::from_millis(request.timeout_ms.into()),
        }
    }
}

impl From<m::ConverseResponse> for r::ConverseResponse {
    fn from(response: m::ConverseResponse) -> Self {
        Self {
            content: response.content.into_iter().map(Into::into).collect(),
            stop_reason: response.stop_reason,
            usage: response.usage.into(),
            latency_ms: response.latency_ms,
        }
    }
}

impl From<m::StreamEvent> for r::StreamEvent {
    fn from(event: m::StreamEvent) -> Self {
        match event {
            m::StreamEvent::MessageStart(role) => Self::MessageStart(role.into()),
            m::StreamEvent::TextDelta { index, text } => Self::TextDelta(r::BlockDelta { index, text }),
            m::StreamEvent::ReasoningDelta { index, text } => Self::ReasoningDelta(r::BlockDelta { index, text }),
            m::StreamEvent::ToolUseStart { index, id, name } => Self::ToolUseStart(r::ToolUseStart { index, id, name }),
            m::StreamEvent::ToolUseDelta { index, text } => Self::ToolUseDelta(r::BlockDelta { index, text }),
            m::StreamEvent::BlockStop(index) => Self::BlockStop(index),
            m::StreamEvent::MessageStop(reason) => Self::MessageStop(reason),
            m::StreamEvent::Metadata { usage, latency_ms } => Self::Metadata(r::StreamMetadata { usage: usage.into(), latency_ms }),
        }
    }
}

impl From<r::StreamEvent> for m::StreamEvent {
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

impl From<r::InvokeRequest> for m::InvokeRequest {
    fn from(request: r::InvokeRequest) -> Self {
        Self {
            model_id: request.model_id,
            region: request.region,
            body: request.body,
            content_type: request.content_type,
            accept: request.accept,
            timeout: Duration::from_millis(request.timeout_ms.into()),
        }
    }
}

impl From<m::InvokeResponse> for r::InvokeResponse {
    fn from(response: m::InvokeResponse) -> Self {
        Self { body: response.body, content_type: response.content_type }
    }
}

impl From<m::VisibleSource> for c::VisibleSource {
    fn from(source: m::VisibleSource) -> Self {
        Self { kind: source.kind.into(), description: source.description }
    }
}

impl From<m::CredentialDescription> for c::CredentialDescription {
    fn from(d: m::CredentialDescription) -> Self {
        Self { kind: d.kind.into(), source: d.source, access_key_id: d.access_key_id, expires_at: d.expires_at }
    }
}

impl From<m::FoundationModelRecord> for t::FoundationModelRecord {
    fn from(r: m::FoundationModelRecord) -> Self {
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

impl From<m::InferenceProfileRecord> for t::InferenceProfileRecord {
    fn from(r: m::InferenceProfileRecord) -> Self {
        Self { id: r.id, arn: r.arn, name: r.name, description: r.description, status: r.status, profile_type: r.profile_type, model_arns: r.model_arns }
    }
}

impl From<m::Catalog> for cp::Catalog {
    fn from(c: m::Catalog) -> Self {
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

impl From<cp::CatalogRequest> for m::CatalogRequest {
    fn from(request: cp::CatalogRequest) -> Self {
        Self { region: request.region, max_age: Duration::from_secs(request.max_age_seconds), refresh: request.refresh }
    }
}
