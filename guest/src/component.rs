//! The wit-bindgen glue: each export converts its arguments to the domain types (`convert`),
//! calls the policy, and converts the answer back. No decision is taken here.

use std::cell::RefCell;

use crate::{chat, config, discovery, model_ref, probe, runtime as policy_runtime, self_check};
use openclaw_domain::{ConfigSource, RegionEnvironment};

mod control_plane;
mod convert;
#[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
mod convert_given;
#[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
mod parts;
#[cfg(any(feature = "contract-v0-1", feature = "contract-v0-2"))]
mod policy_export;
#[cfg(not(feature = "contract-v0-1"))]
mod routing;
use control_plane::HostControlPlane;

// The newest contract, 0.3.0: one export per part (`parts.rs`). With the `contract-v0-2` or
// `contract-v0-1` feature the same policy is built against a frozen contract instead (one
// `policy` export, `policy_export.rs`; 0.1.0 without `routing`), so that the host's paths for
// older components are tested with the real default policy.
#[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
wit_bindgen::generate!({
    path: "../wit",
    world: "bedrock-policy",
});
#[cfg(feature = "contract-v0-2")]
wit_bindgen::generate!({
    path: "../wit/v0.2.0",
    world: "bedrock-policy",
});
#[cfg(feature = "contract-v0-1")]
wit_bindgen::generate!({
    path: "../wit/v0.1.0",
    world: "bedrock-policy",
});

/// The interface that holds the `chat-stream` resource: the `chat` part from 0.3.0 on.
#[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
use exports::openclaw::bedrock::chat as chat_part;
#[cfg(any(feature = "contract-v0-1", feature = "contract-v0-2"))]
use exports::openclaw::bedrock::policy as records;
#[cfg(any(feature = "contract-v0-1", feature = "contract-v0-2"))]
use exports::openclaw::bedrock::policy as chat_part;
/// The records the exports exchange: the types-only `policy-types` from 0.3.0 on, the `policy`
/// export's own records before.
#[cfg(not(any(feature = "contract-v0-1", feature = "contract-v0-2")))]
use openclaw::bedrock::policy_types as records;
use openclaw::bedrock::types::ApiError;
use openclaw::bedrock::{environment, log, runtime};

struct DefaultPolicy;

/// Each export's body, once: the glue of every contract version calls these.
mod bodies {
    use super::*;

    pub(super) fn self_check() -> Result<records::PolicyInfo, String> {
        self_check::self_check().map(Into::into)
    }

    pub(super) fn load_config(source: records::ConfigSource) -> Result<records::Settings, Vec<records::Diagnostic>> {
        let source: ConfigSource = source.into();
        let result = config::load_config(&source, &region_environment());
        let outcome = match &result {
            Ok(settings) => format!("ok, {} warning(s)", settings.warnings.len()),
            Err(diagnostics) => format!("invalid, {} diagnostic(s)", diagnostics.len()),
        };
        log::emit(log::Level::Debug, "config loaded", &[("origin".to_string(), source.origin), ("outcome".to_string(), outcome)]);
        result.map(Into::into).map_err(|diagnostics| diagnostics.into_iter().map(Into::into).collect())
    }

    pub(super) fn parse_model_reference(text: String) -> Result<records::ModelReference, String> {
        model_ref::parse_model_reference(&text).map(Into::into)
    }

    pub(super) fn probe(request: records::ProbeRequest) -> records::ProbeResult {
        probe::probe(&request.into(), &region_environment(), &HostRuntime, &HostControlPlane).into()
    }

    pub(super) fn chat(request: records::ChatRequest) -> Result<chat_part::ChatStream, ApiError> {
        let stream = chat::start_chat(request.into(), &region_environment(), HostRuntime, &HostControlPlane)?;
        Ok(chat_part::ChatStream::new(ChatStreamResource(RefCell::new(stream))))
    }

    pub(super) fn discover(request: records::DiscoverRequest) -> Result<records::Discovery, ApiError> {
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

impl chat_part::GuestChatStream for ChatStreamResource {
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
