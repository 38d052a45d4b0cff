//! The wit-bindgen glue: converts between the WIT types and the policy's own, and delegates.
//! No decision is taken here.

use std::cell::RefCell;

use crate::{chat, config, diagnostics, discovery, model_ref, probe, region, runtime as policy_runtime, self_check};

mod control_plane;
#[cfg(not(feature = "contract-v0-1"))]
mod routing;
use control_plane::HostControlPlane;

// The newest contract. With the `contract-v0-1` feature the same policy is built against the
// frozen 0.1.0 contract instead (no `routing` export), so that the host's 0.1.0 path can be
// tested with the real default policy.
#[cfg(not(feature = "contract-v0-1"))]
wit_bindgen::generate!({
    path: "../wit",
    world: "bedrock-policy",
});
#[cfg(feature = "contract-v0-1")]
wit_bindgen::generate!({
    path: "../wit/v0.1.0",
    world: "bedrock-policy",
});

use exports::openclaw::bedrock::policy as wit;
use openclaw::bedrock::types::{ApiError, ErrorClass};
use openclaw::bedrock::{environment, log, runtime};

struct DefaultPolicy;

impl wit::Guest for DefaultPolicy {
    fn self_check() -> Result<wit::PolicyInfo, String> {
        self_check::self_check().map(|info| wit::PolicyInfo { name: info.name, version: info.version, contract: info.contract })
    }

    fn load_config(source: wit::ConfigSource) -> Result<wit::Settings, Vec<wit::Diagnostic>> {
        let environment = region_environment();
        let source = config_from_wit(source);
        let result = config::load_config(&source, &environment);
        let outcome = match &result {
            Ok(settings) => format!("ok, {} warning(s)", settings.warnings.len()),
            Err(diagnostics) => format!("invalid, {} diagnostic(s)", diagnostics.len()),
        };
        log::emit(log::Level::Debug, "config loaded", &[("origin".to_string(), source.origin), ("outcome".to_string(), outcome)]);
        result.map(settings_to_wit).map_err(|diagnostics| diagnostics.into_iter().map(diagnostic_to_wit).collect())
    }

    fn parse_model_reference(text: String) -> Result<wit::ModelReference, String> {
        model_ref::parse_model_reference(&text).map(reference_to_wit)
    }

    fn probe(request: wit::ProbeRequest) -> wit::ProbeResult {
        let request = probe::ProbeRequest { config: config_from_wit(request.config), max_tokens: request.max_tokens, timeout_ms: request.timeout_ms };
        let result = probe::probe(&request, &region_environment(), &HostRuntime, &HostControlPlane);
        wit::ProbeResult {
            status: match result.status {
                probe::ProbeStatus::Ok => wit::ProbeStatus::Ok,
                probe::ProbeStatus::Auth => wit::ProbeStatus::Auth,
                probe::ProbeStatus::RateLimit => wit::ProbeStatus::RateLimit,
                probe::ProbeStatus::Overloaded => wit::ProbeStatus::Overloaded,
                probe::ProbeStatus::Timeout => wit::ProbeStatus::Timeout,
                probe::ProbeStatus::Format => wit::ProbeStatus::Format,
                probe::ProbeStatus::NotFound => wit::ProbeStatus::NotFound,
                probe::ProbeStatus::NoModel => wit::ProbeStatus::NoModel,
                probe::ProbeStatus::Unknown => wit::ProbeStatus::Unknown,
            },
            model: result.model,
            target: result.target,
            region: result.region,
            latency_ms: result.latency_ms,
            error: result.error.map(error_to_wit),
        }
    }

    type ChatStream = ChatStreamResource;

    fn chat(request: wit::ChatRequest) -> Result<wit::ChatStream, ApiError> {
        let request = chat::ChatRequest {
            config: config_from_wit(request.config),
            model: request.model,
            system: request.system,
            messages: request.messages.into_iter().map(message_from_wit).collect(),
            max_tokens: request.max_tokens,
            temperature: request.temperature,
            top_p: request.top_p,
            stop_sequences: request.stop_sequences,
            tools: request
                .tools
                .into_iter()
                .map(|tool| policy_runtime::ToolSpec { name: tool.name, description: tool.description, input_schema: tool.input_schema })
                .collect(),
            timeout_ms: request.timeout_ms,
        };
        let stream = chat::start_chat(request, &region_environment(), HostRuntime, &HostControlPlane).map_err(error_to_wit)?;
        Ok(wit::ChatStream::new(ChatStreamResource(RefCell::new(stream))))
    }

    fn discover(request: wit::DiscoverRequest) -> Result<wit::Discovery, ApiError> {
        let request = discovery::DiscoverRequest { config: config_from_wit(request.config), refresh: request.refresh };
        let found = discovery::discover(&request, &region_environment(), &HostControlPlane).map_err(error_to_wit)?;
        let count = found.models.len().to_string();
        log::emit(
            log::Level::Debug,
            "discovery finished",
            &[("runs".to_string(), found.runs.to_string()), ("region".to_string(), found.region.clone()), ("models".to_string(), count)],
        );
        Ok(control_plane::discovery_to_wit(found))
    }
}

/// The `chat-stream` resource: the policy's stream behind a `RefCell` (resource methods take
/// `&self`; a component instance is single-threaded).
struct ChatStreamResource(RefCell<chat::ChatStream<HostRuntime>>);

impl wit::GuestChatStream for ChatStreamResource {
    fn target(&self) -> String {
        self.0.borrow().target().to_string()
    }

    fn region(&self) -> String {
        self.0.borrow().region().to_string()
    }

    fn next(&self) -> Result<Option<runtime::StreamEvent>, ApiError> {
        self.0.borrow_mut().next_event().map(|event| event.map(event_to_wit)).map_err(error_to_wit)
    }
}

/// The host's runtime and log imports, as the policy's [`policy_runtime::Runtime`].
struct HostRuntime;

/// A host `event-stream` resource, as the policy's [`policy_runtime::EventStream`].
struct HostStream(runtime::EventStream);

impl policy_runtime::Runtime for HostRuntime {
    fn converse_stream(&self, request: &policy_runtime::ConverseRequest) -> Result<Box<dyn policy_runtime::EventStream>, policy_runtime::ApiError> {
        let request = runtime::ConverseRequest {
            model_id: request.model_id.clone(),
            region: request.region.clone(),
            system: request.system.clone(),
            messages: request.messages.iter().cloned().map(message_to_wit).collect(),
            inference: runtime::InferenceConfig {
                max_tokens: request.inference.max_tokens,
                temperature: request.inference.temperature,
                top_p: request.inference.top_p,
                stop_sequences: request.inference.stop_sequences.clone(),
            },
            tools: request
                .tools
                .iter()
                .map(|tool| runtime::ToolSpec { name: tool.name.clone(), description: tool.description.clone(), input_schema: tool.input_schema.clone() })
                .collect(),
            timeout_ms: request.timeout_ms,
        };
        match runtime::converse_stream(&request) {
            Ok(stream) => Ok(Box::new(HostStream(stream))),
            Err(error) => Err(error_from_wit(error)),
        }
    }

    fn log(&self, level: policy_runtime::LogLevel, message: &str, fields: &[(&str, &str)]) {
        let level = match level {
            policy_runtime::LogLevel::Debug => log::Level::Debug,
            policy_runtime::LogLevel::Info => log::Level::Info,
            policy_runtime::LogLevel::Warn => log::Level::Warn,
        };
        let fields: Vec<(String, String)> = fields.iter().map(|(key, value)| ((*key).to_string(), (*value).to_string())).collect();
        log::emit(level, message, &fields);
    }
}

impl policy_runtime::EventStream for HostStream {
    fn next(&mut self) -> Result<Option<policy_runtime::StreamEvent>, policy_runtime::ApiError> {
        self.0.next().map(|event| event.map(event_from_wit)).map_err(error_from_wit)
    }
}

export!(DefaultPolicy);

fn region_environment() -> region::RegionEnvironment {
    let environment::RegionEnvironment { aws_region, aws_default_region, profile, profile_region } = environment::get_region_environment();
    region::RegionEnvironment { aws_region, aws_default_region, profile, profile_region }
}

fn config_from_wit(source: wit::ConfigSource) -> config::ConfigSource {
    config::ConfigSource { origin: source.origin, text: source.text }
}

fn settings_to_wit(settings: config::Settings) -> wit::Settings {
    let discovery = settings.discovery;
    wit::Settings {
        default_model: settings.default_model,
        default_model_reference: settings.default_model_reference.map(reference_to_wit),
        discovery: wit::DiscoverySettings {
            enabled: discovery.enabled,
            region: discovery.region,
            provider_filter: discovery.provider_filter,
            refresh_interval: discovery.refresh_interval,
            default_context_window: discovery.default_context_window,
            default_max_tokens: discovery.default_max_tokens,
        },
        region: wit::ResolvedRegion {
            name: settings.region.name,
            source: match settings.region.source {
                region::RegionSource::Config => wit::RegionSource::Config,
                region::RegionSource::AwsRegion => wit::RegionSource::AwsRegion,
                region::RegionSource::AwsDefaultRegion => wit::RegionSource::AwsDefaultRegion,
                region::RegionSource::Profile => wit::RegionSource::Profile,
                region::RegionSource::Default => wit::RegionSource::Default,
            },
        },
        sources: settings.sources.into_iter().map(|source| wit::SettingSource { setting: source.setting, path: source.path }).collect(),
        warnings: settings.warnings.into_iter().map(diagnostic_to_wit).collect(),
    }
}

fn diagnostic_to_wit(diagnostic: diagnostics::Diagnostic) -> wit::Diagnostic {
    wit::Diagnostic {
        severity: match diagnostic.severity {
            diagnostics::Severity::Error => wit::Severity::Error,
            diagnostics::Severity::Warning => wit::Severity::Warning,
        },
        path: diagnostic.path,
        line: diagnostic.line,
        column: diagnostic.column,
        message: diagnostic.message,
    }
}

fn reference_to_wit(reference: model_ref::ModelReference) -> wit::ModelReference {
    wit::ModelReference {
        kind: match reference.kind {
            model_ref::ReferenceKind::BareId => wit::ReferenceKind::BareId,
            model_ref::ReferenceKind::FoundationModelArn => wit::ReferenceKind::FoundationModelArn,
            model_ref::ReferenceKind::InferenceProfileArn => wit::ReferenceKind::InferenceProfileArn,
            model_ref::ReferenceKind::ApplicationProfileArn => wit::ReferenceKind::ApplicationProfileArn,
            model_ref::ReferenceKind::ProvisionedModelArn => wit::ReferenceKind::ProvisionedModelArn,
        },
        target: reference.target,
        resource_id: reference.resource_id,
        qualifier: reference.qualifier,
        partition: reference.partition,
        region: reference.region,
        account: reference.account,
    }
}

/// Both directions are exhaustive matches: a class added on either side breaks the build here.
fn error_class_to_wit(class: policy_runtime::ErrorClass) -> ErrorClass {
    use policy_runtime::ErrorClass as Ours;
    match class {
        Ours::Auth => ErrorClass::Auth,
        Ours::RateLimit => ErrorClass::RateLimit,
        Ours::Overloaded => ErrorClass::Overloaded,
        Ours::Timeout => ErrorClass::Timeout,
        Ours::ContextOverflow => ErrorClass::ContextOverflow,
        Ours::NotFound => ErrorClass::NotFound,
        Ours::Format => ErrorClass::Format,
        Ours::ModelError => ErrorClass::ModelError,
        Ours::Network => ErrorClass::Network,
        Ours::Unknown => ErrorClass::Unknown,
    }
}

fn error_class_from_wit(class: ErrorClass) -> policy_runtime::ErrorClass {
    use policy_runtime::ErrorClass as Ours;
    match class {
        ErrorClass::Auth => Ours::Auth,
        ErrorClass::RateLimit => Ours::RateLimit,
        ErrorClass::Overloaded => Ours::Overloaded,
        ErrorClass::Timeout => Ours::Timeout,
        ErrorClass::ContextOverflow => Ours::ContextOverflow,
        ErrorClass::NotFound => Ours::NotFound,
        ErrorClass::Format => Ours::Format,
        ErrorClass::ModelError => Ours::ModelError,
        ErrorClass::Network => Ours::Network,
        ErrorClass::Unknown => Ours::Unknown,
    }
}

fn error_to_wit(error: policy_runtime::ApiError) -> ApiError {
    ApiError { class: error_class_to_wit(error.class), code: error.code, message: error.message, http_status: error.http_status, retryable: error.retryable }
}

fn error_from_wit(error: ApiError) -> policy_runtime::ApiError {
    policy_runtime::ApiError {
        class: error_class_from_wit(error.class),
        code: error.code,
        message: error.message,
        http_status: error.http_status,
        retryable: error.retryable,
    }
}

fn role_from_wit(role: runtime::Role) -> policy_runtime::Role {
    match role {
        runtime::Role::User => policy_runtime::Role::User,
        runtime::Role::Assistant => policy_runtime::Role::Assistant,
    }
}

fn role_to_wit(role: policy_runtime::Role) -> runtime::Role {
    match role {
        policy_runtime::Role::User => runtime::Role::User,
        policy_runtime::Role::Assistant => runtime::Role::Assistant,
    }
}

fn message_from_wit(message: runtime::Message) -> policy_runtime::Message {
    use policy_runtime::ContentBlock as Ours;
    use runtime::ContentBlock as Theirs;
    let content = message
        .content
        .into_iter()
        .map(|block| match block {
            Theirs::Text(text) => Ours::Text(text),
            Theirs::Image(image) => Ours::Image { format: image.format, bytes: image.bytes },
            Theirs::ToolUse(call) => Ours::ToolUse { id: call.id, name: call.name, input: call.input },
            Theirs::ToolResult(result) => Ours::ToolResult { id: result.id, content: result.content, is_error: result.is_error },
            Theirs::Reasoning(text) => Ours::Reasoning(text),
        })
        .collect();
    policy_runtime::Message { role: role_from_wit(message.role), content }
}

fn message_to_wit(message: policy_runtime::Message) -> runtime::Message {
    use policy_runtime::ContentBlock as Ours;
    use runtime::ContentBlock as Theirs;
    let content = message
        .content
        .into_iter()
        .map(|block| match block {
            Ours::Text(text) => Theirs::Text(text),
            Ours::Image { format, bytes } => Theirs::Image(runtime::Image { format, bytes }),
            Ours::ToolUse { id, name, input } => Theirs::ToolUse(runtime::ToolUse { id, name, input }),
            Ours::ToolResult { id, content, is_error } => Theirs::ToolResult(runtime::ToolResult { id, content, is_error }),
            Ours::Reasoning(text) => Theirs::Reasoning(text),
        })
        .collect();
    runtime::Message { role: role_to_wit(message.role), content }
}

fn event_from_wit(event: runtime::StreamEvent) -> policy_runtime::StreamEvent {
    use policy_runtime::StreamEvent as Ours;
    use runtime::StreamEvent as Theirs;
    match event {
        Theirs::MessageStart(role) => Ours::MessageStart(role_from_wit(role)),
        Theirs::TextDelta(delta) => Ours::TextDelta { index: delta.index, text: delta.text },
        Theirs::ReasoningDelta(delta) => Ours::ReasoningDelta { index: delta.index, text: delta.text },
        Theirs::ToolUseStart(start) => Ours::ToolUseStart { index: start.index, id: start.id, name: start.name },
        Theirs::ToolUseDelta(delta) => Ours::ToolUseDelta { index: delta.index, text: delta.text },
        Theirs::BlockStop(index) => Ours::BlockStop(index),
        Theirs::MessageStop(reason) => Ours::MessageStop(reason),
        Theirs::Metadata(metadata) => Ours::Metadata {
            usage: policy_runtime::Usage {
                input_tokens: metadata.usage.input_tokens,
                output_tokens: metadata.usage.output_tokens,
                total_tokens: metadata.usage.total_tokens,
            },
            latency_ms: metadata.latency_ms,
        },
    }
}

fn event_to_wit(event: policy_runtime::StreamEvent) -> runtime::StreamEvent {
    use policy_runtime::StreamEvent as Ours;
    use runtime::StreamEvent as Theirs;
    match event {
        Ours::MessageStart(role) => Theirs::MessageStart(role_to_wit(role)),
        Ours::TextDelta { index, text } => Theirs::TextDelta(runtime::BlockDelta { index, text }),
        Ours::ReasoningDelta { index, text } => Theirs::ReasoningDelta(runtime::BlockDelta { index, text }),
        Ours::ToolUseStart { index, id, name } => Theirs::ToolUseStart(runtime::ToolUseStart { index, id, name }),
        Ours::ToolUseDelta { index, text } => Theirs::ToolUseDelta(runtime::BlockDelta { index, text }),
        Ours::BlockStop(index) => Theirs::BlockStop(index),
        Ours::MessageStop(reason) => Theirs::MessageStop(reason),
        Ours::Metadata { usage, latency_ms } => Theirs::Metadata(runtime::StreamMetadata {
            usage: runtime::Usage { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, total_tokens: usage.total_tokens },
            latency_ms,
        }),
    }
}
