//! The wit-bindgen glue: each export converts its arguments to the domain types (`convert`),
//! calls the policy, and converts the answer back. No decision is taken here.

use std::cell::RefCell;

use crate::{chat, config, discovery, model_ref, probe, runtime as policy_runtime, self_check};
use openclaw_domain::{ConfigSource, RegionEnvironment};

mod control_plane;
mod convert;
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
use openclaw::bedrock::types::ApiError;
use openclaw::bedrock::{environment, log, runtime};

struct DefaultPolicy;

impl wit::Guest for DefaultPolicy {
    fn self_check() -> Result<wit::PolicyInfo, String> {
        self_check::self_check().map(Into::into)
    }

    fn load_config(source: wit::ConfigSource) -> Result<wit::Settings, Vec<wit::Diagnostic>> {
        let source: ConfigSource = source.into();
        let result = config::load_config(&source, &region_environment());
        let outcome = match &result {
            Ok(settings) => format!("ok, {} warning(s)", settings.warnings.len()),
            Err(diagnostics) => format!("invalid, {} diagnostic(s)", diagnostics.len()),
        };
        log::emit(log::Level::Debug, "config loaded", &[("origin".to_string(), source.origin), ("outcome".to_string(), outcome)]);
        result.map(Into::into).map_err(|diagnostics| diagnostics.into_iter().map(Into::into).collect())
    }

    fn parse_model_reference(text: String) -> Result<wit::ModelReference, String> {
        model_ref::parse_model_reference(&text).map(Into::into)
    }

    fn probe(request: wit::ProbeRequest) -> wit::ProbeResult {
        probe::probe(&request.into(), &region_environment(), &HostRuntime, &HostControlPlane).into()
    }

    type ChatStream = ChatStreamResource;

    fn chat(request: wit::ChatRequest) -> Result<wit::ChatStream, ApiError> {
        let stream = chat::start_chat(request.into(), &region_environment(), HostRuntime, &HostControlPlane)?;
        Ok(wit::ChatStream::new(ChatStreamResource(RefCell::new(stream))))
    }

    fn discover(request: wit::DiscoverRequest) -> Result<wit::Discovery, ApiError> {
        let found = discovery::discover(&request.into(), &region_environment(), &HostControlPlane)?;
        let count = found.models.len().to_string();
        log::emit(
            log::Level::Debug,
            "discovery finished",
            &[("runs".to_string(), found.runs.to_string()), ("region".to_string(), found.region.clone()), ("models".to_string(), count)],
        );
        Ok(found.into())
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
        // The host hands this policy only events the contract has a form for.
        loop {
            match self.0.borrow_mut().next_event()?.map(runtime::StreamEvent::try_from) {
                None => return Ok(None),
                Some(Ok(event)) => return Ok(Some(event)),
                Some(Err(convert::NotInContract)) => continue,
            }
        }
    }
}

/// The host's runtime and log imports, as the policy's [`policy_runtime::Runtime`].
struct HostRuntime;

/// A host `event-stream` resource, as the policy's [`policy_runtime::EventStream`].
struct HostStream(runtime::EventStream);

impl policy_runtime::Runtime for HostRuntime {
    fn converse_stream(&self, request: &openclaw_domain::ConverseRequest) -> Result<Box<dyn policy_runtime::EventStream>, openclaw_domain::ApiError> {
        let stream = runtime::converse_stream(&request.into())?;
        Ok(Box::new(HostStream(stream)))
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
    fn next(&mut self) -> Result<Option<openclaw_domain::StreamEvent>, openclaw_domain::ApiError> {
        Ok(self.0.next()?.map(Into::into))
    }
}

export!(DefaultPolicy);

fn region_environment() -> RegionEnvironment {
    environment::get_region_environment().into()
}
