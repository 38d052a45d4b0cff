//! A policy that exports the 0.1.0 interfaces but says in its self-check that it implements
//! contract `9.9.9`: the host must refuse it, naming both versions.

use guest_kit::{
    ApiError, ChatRequest, ChatStream, ConfigSource, Diagnostic, DiscoverRequest, Discovery, Guest, ModelReference, NoChat,
    PolicyInfo, ProbeRequest, ProbeResult, Settings, chat_unsupported, discover_unsupported, marked_settings, probe_unsupported,
};

struct WrongContract;

impl Guest for WrongContract {
    type ChatStream = NoChat;

    fn self_check() -> Result<PolicyInfo, String> {
        Ok(PolicyInfo { name: "wrong-contract".into(), version: "0.1.0".into(), contract: "9.9.9".into() })
    }

    fn load_config(_source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        Ok(marked_settings("wrong-contract", Vec::new()))
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("wrong-contract does not parse {text}"))
    }

    fn probe(_request: ProbeRequest) -> ProbeResult {
        probe_unsupported("wrong-contract")
    }

    fn chat(_request: ChatRequest) -> Result<ChatStream, ApiError> {
        Err(chat_unsupported("wrong-contract"))
    }

    fn discover(_request: DiscoverRequest) -> Result<Discovery, ApiError> {
        Ok(discover_unsupported("wrong-contract"))
    }
}

guest_kit::export_policy!(WrongContract);
