//! The config file: parsing, strict validation of the keys this provider owns, the two
//! locations of each setting and their merge (BEHAVIOUR.md sections 2 and 3).

mod credentials;
mod fields;
mod resolve;
#[cfg(test)]
mod tests;
mod walk;

pub use credentials::is_credential_key;
pub use fields::{DISCOVERY_FIELDS, DiscoveryField, FieldKind};

use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::json5;
use crate::model_ref::ModelReference;
use crate::region::{RegionEnvironment, ResolvedRegion};

/// A config file handed to the policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigSource {
    /// Where the text came from (a path); used only in log lines.
    pub origin: String,
    /// The file's text; `None` when the file does not exist.
    pub text: Option<String>,
}

/// The model-discovery settings, every field resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoverySettings {
    /// `Some` when configured; `None` leaves the decision to credential visibility.
    pub enabled: Option<bool>,
    /// The configured region (trimmed), when configured.
    pub region: Option<String>,
    /// Providers to keep, as configured; empty keeps all.
    pub provider_filter: Vec<String>,
    /// Seconds a discovered list stays fresh; 0 turns the cache off.
    pub refresh_interval: u64,
    /// Context window for models the policy knows nothing about.
    pub default_context_window: u32,
    /// Max output tokens for models the policy knows nothing about.
    pub default_max_tokens: u32,
}

/// Where one setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingSource {
    /// The setting: `model` or `discovery.<field>` (`discovery.refreshInterval`).
    pub setting: String,
    /// The JSON path it was read from.
    pub path: String,
}

/// What a config file resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The default model reference as written (trimmed), when one is configured.
    pub default_model: Option<String>,
    /// The default model reference, parsed.
    pub default_model_reference: Option<ModelReference>,
    /// Model-discovery settings.
    pub discovery: DiscoverySettings,
    /// The effective region and its source.
    pub region: ResolvedRegion,
    /// Where each configured setting came from, `model` first, then discovery fields in
    /// [`DISCOVERY_FIELDS`] order; settings not listed have their default.
    pub sources: Vec<SettingSource>,
    /// Warnings about the valid config, ordered by position.
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates a config file and resolves every setting against `environment`.
///
/// A missing file gives every default. Otherwise every problem is reported at once: on failure
/// the list holds every error and warning, ordered by position.
pub fn load_config(source: &ConfigSource, environment: &RegionEnvironment) -> Result<Settings, Vec<Diagnostic>> {
    let mut diagnostics = Diagnostics::default();
    let input = match &source.text {
        None => walk::ConfigInput::default(),
        Some(text) => match json5::parse(text) {
            Ok(root) => walk::walk_document(&root, &mut diagnostics),
            Err(syntax) => {
                diagnostics.error("", syntax.position, syntax.message);
                return Err(without_repeats(diagnostics.into_sorted()));
            }
        },
    };
    let mut settings = resolve::resolve(input, environment, &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(without_repeats(diagnostics.into_sorted()));
    }
    settings.warnings = without_repeats(diagnostics.into_sorted());
    debug_assert!(settings.warnings.iter().all(|warning| warning.severity == Severity::Warning));
    Ok(settings)
}

/// The diagnostics with each one kept once: a credential in the provider's own sections is found
/// both by the walk and by the document-wide scan for AWS names.
fn without_repeats(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    diagnostics.into_iter().filter(|d| seen.insert((d.path.clone(), d.line, d.column, d.message.clone()))).collect()
}
