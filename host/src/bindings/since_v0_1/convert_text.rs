//! The requests of contracts 0.1.0 and 0.2.0: the policy is handed the config text and reads
//! it itself, so the settings a 0.3.0 host may have filled into a domain request are not part
//! of these versions' records; nor are the aliases part of their settings. (0.3.0's records,
//! which carry the settings, are in `bindings/convert_parts.rs`.)

use super::convert::millis;
use super::generated_policy as p;
use openclaw_domain as d;

/// The aliases of a version's settings record: these versions' settings carry none (the
/// policy uses them itself).
pub(super) fn take_aliases(_settings: &mut p::Settings) -> Vec<d::ModelAlias> {
    Vec::new()
}

impl From<&d::DiscoverRequest> for p::DiscoverRequest {
    fn from(request: &d::DiscoverRequest) -> Self {
        Self { config: (&request.config).into(), refresh: request.refresh }
    }
}

impl From<&d::ProbeRequest> for p::ProbeRequest {
    fn from(request: &d::ProbeRequest) -> Self {
        Self { config: (&request.config).into(), max_tokens: request.max_tokens, timeout_ms: millis(request.timeout) }
    }
}

impl From<&d::ChatRequest> for p::ChatRequest {
    fn from(request: &d::ChatRequest) -> Self {
        Self {
            config: (&request.config).into(),
            model: request.model.clone(),
            system: request.system.clone(),
            messages: request.messages.iter().cloned().map(Into::into).collect(),
            max_tokens: request.max_tokens,
            temperature: request.temperature,
            top_p: request.top_p,
            stop_sequences: request.stop_sequences.clone(),
            tools: request.tools.iter().cloned().map(Into::into).collect(),
            timeout_ms: millis(request.timeout),
        }
    }
}
