//! Bindings for the `bedrock-policy` world, generated once for every test component, plus the
//! answers a test component gives when it has nothing special to say: marked settings, a probe
//! and a chat that relay to the host's runtime, a chat stream for components that do not chat,
//! and a discovery that declines or relays the host's catalog.

wit_bindgen::generate!({
    path: "../../../wit/v0.1.0",
    world: "bedrock-policy",
    pub_export_macro: true,
    export_macro_name: "export_policy",
    default_bindings_module: "guest_kit",
});

pub use exports::openclaw::bedrock::policy::{
    ChatRequest, ChatStream, ConfigSource, Diagnostic, DiscoverRequest, Discovery, DiscoverySettings, Guest, GuestChatStream,
    ModelReference, PolicyInfo, ProbeRequest, ProbeResult, ProbeStatus, RegionSource, ResolvedRegion, Settings, Severity,
};
pub use openclaw::bedrock::runtime::{self, BlockDelta, ContentBlock, Role, StreamEvent};
pub use openclaw::bedrock::types::{ApiError, ErrorClass, ModelCost, ModelInfo, ModelKind};
pub use openclaw::bedrock::{control_plane, credentials, environment, log};

use std::cell::RefCell;
use std::time::Instant;

/// Settings with every default, marked with `marker` as the default model so a test can tell
/// which component answered.
pub fn marked_settings(marker: &str, warnings: Vec<Diagnostic>) -> Settings {
    Settings {
        default_model: Some(marker.to_string()),
        default_model_reference: None,
        discovery: DiscoverySettings {
            enabled: None,
            region: None,
            provider_filter: Vec::new(),
            refresh_interval: 3600,
            default_context_window: 32000,
            default_max_tokens: 4096,
        },
        region: ResolvedRegion { name: "us-east-1".into(), source: RegionSource::Default },
        sources: Vec::new(),
        warnings,
    }
}

/// A warning carrying a finding, for components that report what they saw.
pub fn finding(path: &str, message: String) -> Diagnostic {
    Diagnostic { severity: Severity::Warning, path: path.into(), line: 0, column: 0, message }
}

/// `policy-info` for a test component.
pub fn info(name: &str) -> PolicyInfo {
    PolicyInfo { name: name.into(), version: "0.1.0".into(), contract: "0.1.0".into() }
}

/// An error raised by a test component itself.
pub fn own_error(class: ErrorClass, message: String) -> ApiError {
    ApiError { class, code: None, message, http_status: None, retryable: false }
}

/// The region the host's environment names (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's),
/// else `us-east-1`. Blank values count as unset.
pub fn environment_region() -> String {
    let env = environment::get_region_environment();
    [env.aws_region, env.aws_default_region, env.profile_region]
        .into_iter()
        .flatten()
        .map(|value| value.trim().to_string())
        .find(|value| !value.is_empty())
        .unwrap_or_else(|| "us-east-1".to_string())
}

/// The text of the first user message's first text block, for components whose behaviour a
/// test chooses through the prompt.
pub fn first_user_text(request: &ChatRequest) -> Option<&str> {
    let message = request.messages.iter().find(|message| message.role == Role::User)?;
    message.content.iter().find_map(|block| if let ContentBlock::Text(text) = block { Some(text.trim()) } else { None })
}

/// A probe of a component that does not probe: `unknown`, saying so.
pub fn probe_unsupported(name: &str) -> ProbeResult {
    ProbeResult {
        status: ProbeStatus::Unknown,
        model: None,
        target: None,
        region: environment_region(),
        latency_ms: 0,
        error: Some(own_error(ErrorClass::Unknown, format!("{name} does not probe"))),
    }
}

/// A probe through the host's runtime: one ConverseStream request to `model` (as is), `ok` on
/// the first text or reasoning, or a message stop; any failure reports its class (`unknown` for the rest).
pub fn probe_via_runtime(request: &ProbeRequest, model: &str) -> ProbeResult {
    let region = environment_region();
    let call = runtime::ConverseRequest {
        model_id: model.to_string(),
        region: region.clone(),
        system: Vec::new(),
        messages: vec![runtime::Message { role: Role::User, content: vec![ContentBlock::Text("Reply with OK.".into())] }],
        inference: runtime::InferenceConfig { max_tokens: Some(request.max_tokens), temperature: None, top_p: None, stop_sequences: Vec::new() },
        tools: Vec::new(),
        timeout_ms: request.timeout_ms,
    };
    let started = Instant::now();
    let outcome = runtime::converse_stream(&call).and_then(|stream| loop {
        match stream.next()? {
            Some(StreamEvent::TextDelta(_) | StreamEvent::ReasoningDelta(_) | StreamEvent::MessageStop(_)) => break Ok(()),
            Some(_) => {}
            None => break Err(own_error(ErrorClass::Unknown, "the stream ended without output".into())),
        }
    });
    let status = match outcome.as_ref().map_err(|error| error.class) {
        Ok(()) => ProbeStatus::Ok,
        Err(ErrorClass::Auth) => ProbeStatus::Auth,
        Err(ErrorClass::RateLimit) => ProbeStatus::RateLimit,
        Err(ErrorClass::Overloaded) => ProbeStatus::Overloaded,
        Err(ErrorClass::Timeout) => ProbeStatus::Timeout,
        Err(ErrorClass::Format | ErrorClass::ContextOverflow) => ProbeStatus::Format,
        Err(ErrorClass::NotFound) => ProbeStatus::NotFound,
        Err(_) => ProbeStatus::Unknown,
    };
    ProbeResult {
        status,
        model: Some(model.to_string()),
        target: Some(model.to_string()),
        region,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        error: outcome.err(),
    }
}

/// A chat stream that relays the host's ConverseStream, with an optional text delta injected
/// before the model's first event (so a test can tell which component served a stream).
pub struct RelayStream {
    target: String,
    region: String,
    prefix: RefCell<Option<String>>,
    inner: runtime::EventStream,
}

impl RelayStream {
    /// Calls the host's `converse-stream` with the request as it came, `model` as the model id
    /// (the request's, else `default_model`) and the environment's region.
    pub fn start(request: ChatRequest, default_model: &str, prefix: Option<&str>) -> Result<Self, ApiError> {
        let target = request.model.unwrap_or_else(|| default_model.to_string());
        let region = environment_region();
        let call = runtime::ConverseRequest {
            model_id: target.clone(),
            region: region.clone(),
            system: request.system,
            messages: request.messages,
            inference: runtime::InferenceConfig {
                max_tokens: request.max_tokens,
                temperature: request.temperature,
                top_p: request.top_p,
                stop_sequences: request.stop_sequences,
            },
            tools: request.tools,
            timeout_ms: request.timeout_ms,
        };
        let inner = runtime::converse_stream(&call)?;
        Ok(Self { target, region, prefix: RefCell::new(prefix.map(str::to_string)), inner })
    }
}

impl GuestChatStream for RelayStream {
    fn target(&self) -> String {
        self.target.clone()
    }

    fn region(&self) -> String {
        self.region.clone()
    }

    fn next(&self) -> Result<Option<StreamEvent>, ApiError> {
        if let Some(text) = self.prefix.borrow_mut().take() {
            return Ok(Some(StreamEvent::TextDelta(BlockDelta { index: 0, text })));
        }
        self.inner.next()
    }
}

/// The chat stream type of components that do not chat; `chat` refuses with [`chat_unsupported`]
/// before one is ever made.
pub struct NoChat;

impl GuestChatStream for NoChat {
    fn target(&self) -> String {
        String::new()
    }

    fn region(&self) -> String {
        String::new()
    }

    fn next(&self) -> Result<Option<StreamEvent>, ApiError> {
        Ok(None)
    }
}

/// The refusal of a component that does not chat.
pub fn chat_unsupported(name: &str) -> ApiError {
    own_error(ErrorClass::Unknown, format!("{name} does not chat"))
}

/// The discovery of a component that does not discover: it does not run, saying so.
pub fn discover_unsupported(name: &str) -> Discovery {
    Discovery {
        runs: false,
        reason: format!("{name} does not discover models"),
        region: environment_region(),
        models: Vec::new(),
        stale: false,
        stale_reason: None,
        fetched_at: None,
    }
}

/// A discovery that relays the host's catalog for the environment's region: every foundation
/// model becomes a `foundation` model-info named `<prefix><model name>` (no filtering, 32000 /
/// 4096 limits, zero cost), so a test can tell which component served a model list.
pub fn discover_via_catalog(request: &DiscoverRequest, prefix: &str) -> Result<Discovery, ApiError> {
    let region = environment_region();
    let catalog = control_plane::list_catalog(&control_plane::CatalogRequest { region: region.clone(), max_age_seconds: 3600, refresh: request.refresh })?;
    let models = catalog
        .models
        .into_iter()
        .map(|model| ModelInfo {
            name: format!("{prefix}{}", model.model_name),
            provider: model.provider_name,
            base_model_id: model.model_id.clone(),
            id: model.model_id,
            kind: ModelKind::Foundation,
            input: vec!["text".into()],
            reasoning: false,
            context_window: 32_000,
            max_tokens: 4_096,
            cost: ModelCost { input: 0.0, output: 0.0, cache_read: 0.0, cache_write: 0.0 },
            region: catalog.region.clone(),
        })
        .collect();
    Ok(Discovery {
        runs: true,
        reason: format!("{prefix}relays the host's catalog"),
        region,
        models,
        stale: catalog.stale,
        stale_reason: catalog.stale_reason,
        fetched_at: Some(catalog.fetched_at),
    })
}
