//! A policy whose self-check fails: the host must refuse it and keep the old one.

use guest_kit::{ConfigSource, Diagnostic, Guest, ModelReference, PolicyInfo, Settings, marked_settings};

struct Refuses;

impl Guest for Refuses {
    fn self_check() -> Result<PolicyInfo, String> {
        Err("known-models table is inconsistent (test component)".into())
    }

    fn load_config(_source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        Ok(marked_settings("refuses", Vec::new()))
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("refuses does not parse {text}"))
    }
}

guest_kit::export_policy!(Refuses);
