//! An alternative policy for swap tests: answers with its own marker (`alt-policy`) as the
//! default model, and holds the call for `sleep=MS` milliseconds when the config says so,
//! so a test can keep a call in flight across a swap. Its chat works: it calls the host's
//! `converse-stream` with the request's model as is (else `alt-policy`) and injects a first
//! text delta `[alt-policy] ` before the model's events; its probe calls the runtime too. Its
//! discovery relays the host's catalog: every foundation model, named `[alt-policy] <name>`.

use guest_kit::{
    ApiError, ChatRequest, ChatStream, ConfigSource, Diagnostic, DiscoverRequest, Discovery, Guest, ModelReference, PolicyInfo,
    ProbeRequest, ProbeResult, RelayStream, Settings, discover_via_catalog, info, marked_settings, probe_via_runtime,
};
use std::time::{Duration, Instant};

/// The marker: the default model this component reports and calls.
const MARKER: &str = "alt-policy";
/// The text delta injected before the model's events.
const PREFIX: &str = "[alt-policy] ";

struct AltPolicy;

impl Guest for AltPolicy {
    type ChatStream = RelayStream;

    fn self_check() -> Result<PolicyInfo, String> {
        Ok(info(MARKER))
    }

    fn load_config(source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        let text = source.text.unwrap_or_default();
        if let Some(millis) = text.trim().strip_prefix("sleep=").and_then(|ms| ms.parse::<u64>().ok()) {
            // Busy-wait on the monotonic clock: the call stays in the guest the whole time.
            let until = Instant::now() + Duration::from_millis(millis);
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        }
        Ok(marked_settings(MARKER, Vec::new()))
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("alt-policy does not parse {text}"))
    }

    fn probe(request: ProbeRequest) -> ProbeResult {
        probe_via_runtime(&request, MARKER)
    }

    fn chat(request: ChatRequest) -> Result<ChatStream, ApiError> {
        RelayStream::start(request, MARKER, Some(PREFIX)).map(ChatStream::new)
    }

    fn discover(request: DiscoverRequest) -> Result<Discovery, ApiError> {
        discover_via_catalog(&request, PREFIX)
    }
}

guest_kit::export_policy!(AltPolicy);
