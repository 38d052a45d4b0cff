//! The glue of contracts 0.1.0 and 0.2.0 (the `contract-v0-1` / `contract-v0-2` builds): one
//! `policy` export with every function, each a line calling the body in `component.rs`.

use super::exports::openclaw::bedrock::policy as wit;
use super::openclaw::bedrock::types::ApiError;
use super::{ChatStreamResource, DefaultPolicy};

impl wit::Guest for DefaultPolicy {
    fn self_check() -> Result<wit::PolicyInfo, String> {
        super::bodies::self_check()
    }

    fn load_config(source: wit::ConfigSource) -> Result<wit::Settings, Vec<wit::Diagnostic>> {
        super::bodies::load_config(source)
    }

    fn parse_model_reference(text: String) -> Result<wit::ModelReference, String> {
        super::bodies::parse_model_reference(text)
    }

    fn probe(request: wit::ProbeRequest) -> wit::ProbeResult {
        super::bodies::probe(request)
    }

    type ChatStream = ChatStreamResource;

    fn chat(request: wit::ChatRequest) -> Result<wit::ChatStream, ApiError> {
        super::bodies::chat(request)
    }

    fn discover(request: wit::DiscoverRequest) -> Result<wit::Discovery, ApiError> {
        super::bodies::discover(request)
    }
}
