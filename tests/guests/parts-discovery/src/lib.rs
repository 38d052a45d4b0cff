//! A 0.3.0 policy that decides discovery only (world `discovery-policy`): the default policy
//! reads the config, routes and chats. It always shows the same two models, marked
//! `[parts-discovery]` in their names, in the settings' region.

wit_bindgen::generate!({
    path: "../../../wit",
    world: "discovery-policy",
});

use exports::openclaw::bedrock::discovery::{DiscoverRequest, Discovery, Guest as Discover};
use exports::openclaw::bedrock::identity::{Guest as Identity, PolicyInfo};
use openclaw::bedrock::types::{ApiError, ModelCost, ModelInfo, ModelKind};

/// The models it shows: (id, name, provider).
const MODELS: [(&str, &str, &str); 2] = [
    ("amazon.nova-micro-v1:0", "[parts-discovery] Nova Micro", "Amazon"),
    ("anthropic.claude-3-haiku-20240307-v1:0", "[parts-discovery] Claude 3 Haiku", "Anthropic"),
];

struct PartsDiscovery;

impl Identity for PartsDiscovery {
    fn self_check() -> Result<PolicyInfo, String> {
        Ok(PolicyInfo { name: "parts-discovery".into(), version: "0.1.0".into(), contract: "0.3.0".into() })
    }
}

impl Discover for PartsDiscovery {
    fn discover(request: DiscoverRequest) -> Result<Discovery, ApiError> {
        let region = request.settings.region.name;
        let models = MODELS
            .iter()
            .map(|(id, name, provider)| ModelInfo {
                id: id.to_string(),
                name: name.to_string(),
                provider: provider.to_string(),
                base_model_id: id.to_string(),
                kind: ModelKind::Foundation,
                input: vec!["text".into()],
                reasoning: false,
                context_window: 200_000,
                max_tokens: 4096,
                cost: ModelCost { input: 0.0, output: 0.0, cache_read: 0.0, cache_write: 0.0 },
                region: region.clone(),
            })
            .collect();
        Ok(Discovery { runs: true, reason: "parts-discovery shows a fixed list".into(), region, models, stale: false, stale_reason: None, fetched_at: None })
    }
}

export!(PartsDiscovery);
