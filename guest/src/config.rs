//! The config file: parsing, strict validation of the keys this provider owns, the two
//! locations of each setting and their merge (BEHAVIOUR.md sections 2 and 3).

pub use openclaw_domain::{ConfigSource, DiscoverySettings, SettingSource, Settings};

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
use crate::region::RegionEnvironment;

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
