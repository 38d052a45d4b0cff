//! A policy whose self-check panics, as a policy author's bug would: it first writes a line to
//! stderr, then panics with a known message. The host must refuse it with those words.

use guest_kit::{
    ApiError, ChatRequest, ChatStream, ConfigSource, Diagnostic, DiscoverRequest, Discovery, Guest, ModelReference, NoChat, PolicyInfo, ProbeRequest,
    ProbeResult, Settings, chat_unsupported, discover_unsupported, marked_settings, probe_unsupported,
};

struct Panics;

impl Guest for Panics {
    type ChatStream = NoChat;

    fn self_check() -> Result<PolicyInfo, String> {
        eprintln!("panics: checking the known-models table");
        let table: Vec<&str> = std::hint::black_box(Vec::new());
        match table.first() {
            Some(_) => Ok(guest_kit::info("panics")),
            None => panic!("known-models table is empty (test panic)"),
        }
    }

    fn load_config(_source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        Ok(marked_settings("panics", Vec::new()))
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("panics does not parse {text}"))
    }

    fn probe(_request: ProbeRequest) -> ProbeResult {
        probe_unsupported("panics")
    }

    fn chat(_request: ChatRequest) -> Result<ChatStream, ApiError> {
        Err(chat_unsupported("panics"))
    }

    fn discover(_request: DiscoverRequest) -> Result<Discovery, ApiError> {
        Ok(discover_unsupported("panics"))
    }
}

guest_kit::export_policy!(Panics);
