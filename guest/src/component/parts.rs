//! The glue of contract 0.3.0: one export per part, each a line calling the body in
//! `component.rs` (the `routing` part is in `routing.rs`, shared with 0.2.0).

use super::exports::openclaw::bedrock::{chat, config, discovery, identity};
use super::openclaw::bedrock::policy_types as records;
use super::openclaw::bedrock::types::ApiError;
use super::{ChatStreamResource, DefaultPolicy};

impl identity::Guest for DefaultPolicy {
    fn self_check() -> Result<records::PolicyInfo, String> {
        super::bodies::self_check()
    }
}

impl config::Guest for DefaultPolicy {
    fn load_config(source: records::ConfigSource) -> Result<records::Settings, Vec<records::Diagnostic>> {
        super::bodies::load_config(source)
    }

    fn parse_model_reference(text: String) -> Result<records::ModelReference, String> {
        super::bodies::parse_model_reference(text)
    }
}

impl discovery::Guest for DefaultPolicy {
    fn discover(request: records::DiscoverRequest) -> Result<records::Discovery, ApiError> {
        super::bodies::discover(request)
    }
}

impl chat::Guest for DefaultPolicy {
    type ChatStream = ChatStreamResource;

    fn chat(request: records::ChatRequest) -> Result<chat::ChatStream, ApiError> {
        super::bodies::chat(request)
    }

    fn probe(request: records::ProbeRequest) -> records::ProbeResult {
        super::bodies::probe(request)
    }
}
