//! Bindings for the `bedrock-policy` world, generated once for every test component, plus the
//! settings a test component answers with.

wit_bindgen::generate!({
    path: "../../../wit",
    world: "bedrock-policy",
    pub_export_macro: true,
    export_macro_name: "export_policy",
    default_bindings_module: "guest_kit",
});

pub use exports::openclaw::bedrock::policy::{
    ConfigSource, Diagnostic, DiscoverySettings, Guest, ModelReference, PolicyInfo, RegionSource, ResolvedRegion,
    Settings, Severity,
};

/// Settings with every default, marked with `marker` as the default model so a test can tell
/// which component answered.
pub fn marked_settings(marker: &str, warnings: Vec<Diagnostic>) -> Settings {
    Settings {
        default_model: Some(marker.to_string()),
        default_model_reference: None,
        discovery: DiscoverySettings {
            enabled: None,
            region: None,
            provider_filter: Vec::new(),
            refresh_interval: 3600,
            default_context_window: 32000,
            default_max_tokens: 4096,
        },
        region: ResolvedRegion { name: "us-east-1".into(), source: RegionSource::Default },
        sources: Vec::new(),
        warnings,
    }
}

/// A warning carrying a finding, for components that report what they saw.
pub fn finding(path: &str, message: String) -> Diagnostic {
    Diagnostic { severity: Severity::Warning, path: path.into(), line: 0, column: 0, message }
}
