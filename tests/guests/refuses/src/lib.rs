//! A policy whose self-check fails: the host must refuse it and keep the old one.

use guest_kit::{
    ApiError, ChatRequest, ChatStream, ConfigSource, Diagnostic, DiscoverRequest, Discovery, Guest, ModelReference, NoChat,
    PolicyInfo, ProbeRequest, ProbeResult, Settings, chat_unsupported, discover_unsupported, marked_settings, probe_unsupported,
};

struct Refuses;

impl Guest for Refuses {
    type ChatStream = NoChat;

    fn self_check() -> Result<PolicyInfo, String> {
        Err("known-models table is inconsistent (test component)".into())
    }

    fn load_config(_source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        Ok(marked_settings("refuses", Vec::new()))
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("refuses does not parse {text}"))
    }

    fn probe(_request: ProbeRequest) -> ProbeResult {
        probe_unsupported("refuses")
    }

    fn chat(_request: ChatRequest) -> Result<ChatStream, ApiError> {
        Err(chat_unsupported("refuses"))
    }

    fn discover(_request: DiscoverRequest) -> Result<Discovery, ApiError> {
        Ok(discover_unsupported("refuses"))
    }
}

guest_kit::export_policy!(Refuses);
