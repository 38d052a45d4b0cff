//! Config cases: a config file (and environment) in, the resolved settings or every
//! diagnostic out.

use super::matching::{ExpectedDiagnostic, compare_diagnostics, subset_mismatches};
use super::{Basis, CorpusError, format_error};
use crate::types::{ConfigOutcome, ConfigSource, Diagnostic, RegionEnvironment, Severity};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One config case.
#[derive(Debug, Clone)]
pub struct ConfigCase {
    /// The file stem.
    pub name: String,
    /// What the case pins down.
    pub about: String,
    /// Where its expectation comes from.
    pub basis: Basis,
    /// The environment the policy sees.
    pub environment: RegionEnvironment,
    /// The config handed to the policy.
    pub source: ConfigSource,
    /// What must come out.
    pub expect: Expectation,
    /// Strings that must not appear in any output (credential values).
    pub never_echo: Vec<String>,
}

/// The expected outcome of a case.
#[derive(Debug, Clone)]
pub enum Expectation {
    /// Valid: the settings must contain `settings` (subset match), with exactly `warnings`
    /// (none when the case lists none).
    Valid {
        /// Subset of the settings document.
        settings: Value,
        /// The exact warnings, in order.
        warnings: Vec<ExpectedDiagnostic>,
    },
    /// Invalid: exactly these errors, in order, and exactly `warnings` beside them.
    Invalid {
        /// The errors.
        errors: Vec<ExpectedDiagnostic>,
        /// The exact warnings, in order.
        warnings: Vec<ExpectedDiagnostic>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    about: String,
    basis: String,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    config: Option<String>,
    expect: ExpectFile,
    #[serde(default)]
    never_echo: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectFile {
    #[serde(default)]
    settings: Option<Value>,
    #[serde(default)]
    warnings: Option<Vec<ExpectedDiagnostic>>,
    #[serde(default)]
    errors: Option<Vec<ExpectedDiagnostic>>,
}

pub(super) fn load(dir: &Path, name: &str, case_path: &Path, raw: Value) -> Result<ConfigCase, CorpusError> {
    let file: CaseFile = serde_json::from_value(raw).map_err(|e| format_error(case_path, e.to_string()))?;
    let config_path: PathBuf = dir.join(format!("{name}.json5"));
    let config_text = match file.config.as_deref() {
        Some("missing") => None,
        Some(other) => return Err(format_error(case_path, format!("`config` may only be \"missing\", not {other:?}"))),
        None => Some(std::fs::read_to_string(&config_path).map_err(|source| CorpusError::Io { path: config_path.display().to_string(), source })?),
    };
    let environment = super::region_environment(case_path, file.env)?;
    let warnings = file.expect.warnings.unwrap_or_default();
    let expect = match (file.expect.settings, file.expect.errors) {
        (None, Some(errors)) => Expectation::Invalid { errors, warnings },
        (Some(settings), None) => Expectation::Valid { settings, warnings },
        _ => return Err(format_error(case_path, "`expect` needs `settings` or `errors` (each optionally with `warnings`)".into())),
    };
    let basis = Basis::parse(&file.basis).map_err(|message| format_error(case_path, message))?;
    Ok(ConfigCase {
        name: name.to_string(),
        about: file.about,
        basis,
        environment,
        source: ConfigSource { origin: format!("{name}.json5"), text: config_text },
        expect,
        never_echo: file.never_echo,
    })
}

/// A failure for each credential value of the case that a diagnostic echoes (every policy must
/// never echo one: this check belongs to both tiers).
pub(super) fn echoed_secrets(case: &ConfigCase, outcome: &ConfigOutcome) -> Vec<String> {
    let echoed: Vec<&Diagnostic> = match outcome {
        Ok(settings) => settings.warnings.iter().collect(),
        Err(diagnostics) => diagnostics.iter().collect(),
    };
    let mut failures = Vec::new();
    for secret in &case.never_echo {
        if echoed.iter().any(|d| d.message.contains(secret.as_str()) || d.path.contains(secret.as_str())) {
            failures.push(format!("a diagnostic echoes the credential value {secret:?}"));
        }
    }
    failures
}

pub(super) fn check(case: &ConfigCase, outcome: ConfigOutcome) -> Vec<String> {
    let mut failures = echoed_secrets(case, &outcome);
    match (&case.expect, outcome) {
        (Expectation::Valid { settings: expected, warnings }, Ok(settings)) => {
            let actual = serde_json::to_value(&settings).unwrap_or(Value::Null);
            subset_mismatches(expected, &actual, "settings", &mut failures);
            compare_diagnostics("warnings", warnings, &settings.warnings, &mut failures);
        }
        (Expectation::Valid { .. }, Err(diagnostics)) => {
            let errors: Vec<String> = diagnostics.iter().map(|d| d.render(&case.source.origin)).collect();
            failures.push(format!("expected a valid config, got errors: {}", errors.join(" | ")));
        }
        (Expectation::Invalid { errors, warnings }, Err(diagnostics)) => {
            let (actual, actual_warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics.into_iter().partition(|d| d.severity == Severity::Error);
            compare_diagnostics("errors", errors, &actual, &mut failures);
            compare_diagnostics("warnings", warnings, &actual_warnings, &mut failures);
        }
        (Expectation::Invalid { .. }, Ok(_)) => failures.push("expected errors, the policy accepted the config".into()),
    }
    failures
}
