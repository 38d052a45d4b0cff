//! The forms the domain types take outside Rust: their one-line text and, with the host's
//! `serde` feature, the JSON that `openclaw-bedrock config show --json` prints and the corpus compares.

use openclaw_domain::{ApiError, ErrorClass, Route, RoutingPlan};

#[test]
fn an_api_error_reads_code_then_message() {
    // (code, message, text)
    let cases = [
        (Some("ThrottlingException"), "Too many requests", "ThrottlingException: Too many requests"),
        (None, "no default model is configured", "no default model is configured"),
    ];
    for (code, message, text) in cases {
        let error =
            ApiError { class: ErrorClass::RateLimit, code: code.map(str::to_string), message: message.to_string(), http_status: None, retryable: false };
        assert_eq!(error.to_string(), text);
    }
}

#[test]
fn a_plan_keeps_the_first_listing_of_a_reference() {
    let route = |target: &str| Route { target: target.to_string(), region: "us-east-1".to_string(), max_tokens: 1, fallbacks: Vec::new() };
    let discovery = openclaw_domain::Discovery {
        runs: false,
        reason: String::new(),
        region: "us-east-1".to_string(),
        models: Vec::new(),
        stale: false,
        stale_reason: None,
        fetched_at: None,
    };
    let plan = RoutingPlan::new([("a".to_string(), route("first")), ("a".to_string(), route("second"))], Some(route("default")), discovery, None);
    assert_eq!(plan.route(Some("a")).map(|route| route.target.as_str()), Some("first"));
    assert_eq!(plan.route(None).map(|route| route.target.as_str()), Some("default"));
    assert_eq!(plan.route(Some("b")), None);
    assert!(plan.serves_requests());
}

#[cfg(feature = "serde")]
#[test]
fn settings_sources_are_an_object_in_json_both_ways() {
    use openclaw_domain::{DiscoverySettings, RegionSource, ResolvedRegion, SettingSource, Settings};
    let settings = Settings {
        default_model: None,
        default_model_reference: None,
        discovery: DiscoverySettings {
            enabled: None,
            region: None,
            provider_filter: Vec::new(),
            refresh_interval: 3600,
            default_context_window: 32000,
            default_max_tokens: 4096,
        },
        region: ResolvedRegion { name: "us-east-1".to_string(), source: RegionSource::Default },
        sources: vec![
            SettingSource { setting: "model".to_string(), path: "agents.defaults.model.primary".to_string() },
            SettingSource { setting: "discovery.region".to_string(), path: "models.bedrockDiscovery.region".to_string() },
        ],
        warnings: Vec::new(),
        aliases: Vec::new(),
    };
    let json = serde_json::to_value(&settings).expect("serializes");
    assert_eq!(json["sources"], serde_json::json!({ "model": "agents.defaults.model.primary", "discovery.region": "models.bedrockDiscovery.region" }));
    assert_eq!(json["region"]["source"], "default");
    // Through the text, the order of the sources is kept too.
    let back: Settings = serde_json::from_str(&serde_json::to_string(&settings).expect("serializes")).expect("deserializes");
    assert_eq!(back, settings);
}
