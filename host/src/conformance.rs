//! The config-behaviour corpus and its runner: `openclaw policy test`, and the integration
//! tests, check a policy component against the same cases through the real sandbox.
//!
//! A corpus is a directory of cases, each `<name>.case.json` (what to expect) with an optional
//! `<name>.json5` (the config text; absent when the case sets `"config": "missing"`), plus an
//! optional `model-references.json` table. See `tests/config-cases/README.md`.

use crate::capability::Capabilities;
use crate::runtime::{LoadedPolicy, PolicyError, PolicyHost, PolicyInstance};
use crate::types::{ConfigSource, Diagnostic, RegionEnvironment, Severity};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a corpus could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A file or the directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A case file is not in the corpus format.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The directory holds no cases.
    #[error("{0} holds no cases (*.case.json)")]
    Empty(String),
}

/// One config case.
#[derive(Debug, Clone)]
pub struct ConfigCase {
    /// The file stem.
    pub name: String,
    /// What the case pins down.
    pub about: String,
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
    /// Valid: the settings must contain `settings` (subset match); when `warnings` is given,
    /// exactly those warnings.
    Valid {
        /// Subset of the settings document.
        settings: Value,
        /// The exact warnings, when checked.
        warnings: Option<Vec<ExpectedDiagnostic>>,
    },
    /// Invalid: exactly these errors, in order.
    Invalid {
        /// The errors.
        errors: Vec<ExpectedDiagnostic>,
    },
}

/// A diagnostic as a case expects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedDiagnostic {
    /// JSON path.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// A substring of the message (case-insensitive), when checked.
    #[serde(default)]
    pub contains: Option<String>,
}

/// One row of the model-reference table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceCase {
    /// The reference text.
    pub input: String,
    /// Subset of the parsed reference, for a valid one.
    #[serde(default)]
    pub expect: Option<Value>,
    /// A substring of the error (case-insensitive), for an invalid one.
    #[serde(default)]
    pub error: Option<String>,
}

/// A whole corpus.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The config cases, by name.
    pub cases: Vec<ConfigCase>,
    /// The model-reference rows.
    pub references: Vec<ReferenceCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    about: String,
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

const CASE_SUFFIX: &str = ".case.json";
const REFERENCES_FILE: &str = "model-references.json";

impl Corpus {
    /// Reads every case in `dir`.
    pub fn load(dir: &Path) -> Result<Self, CorpusError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| CorpusError::Io { path, source }
        };
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(io(dir))?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter_map(|file| file.strip_suffix(CASE_SUFFIX).map(str::to_string))
            .collect();
        names.sort();
        let mut cases = Vec::with_capacity(names.len());
        for name in names {
            cases.push(load_case(dir, &name)?);
        }
        let references_path = dir.join(REFERENCES_FILE);
        let references = match std::fs::read_to_string(&references_path) {
            Ok(text) => serde_json::from_str::<Vec<ReferenceCase>>(&text).map_err(|e| format_error(&references_path, e.to_string()))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(io(&references_path)(source)),
        };
        for (row, reference) in references.iter().enumerate() {
            if reference.expect.is_some() == reference.error.is_some() {
                return Err(format_error(&references_path, format!("row {}: give exactly one of `expect` and `error`", row + 1)));
            }
        }
        if cases.is_empty() && references.is_empty() {
            return Err(CorpusError::Empty(dir.display().to_string()));
        }
        Ok(Self { cases, references })
    }
}

fn format_error(path: &Path, message: String) -> CorpusError {
    CorpusError::Format { path: path.display().to_string(), message }
}

fn load_case(dir: &Path, name: &str) -> Result<ConfigCase, CorpusError> {
    let case_path = dir.join(format!("{name}{CASE_SUFFIX}"));
    let text = std::fs::read_to_string(&case_path).map_err(|source| CorpusError::Io { path: case_path.display().to_string(), source })?;
    let file: CaseFile = serde_json::from_str(&text).map_err(|e| format_error(&case_path, e.to_string()))?;
    let config_path: PathBuf = dir.join(format!("{name}.json5"));
    let config_text = match file.config.as_deref() {
        Some("missing") => None,
        Some(other) => return Err(format_error(&case_path, format!("`config` may only be \"missing\", not {other:?}"))),
        None => Some(std::fs::read_to_string(&config_path).map_err(|source| CorpusError::Io { path: config_path.display().to_string(), source })?),
    };
    let mut environment = RegionEnvironment::default();
    for (key, value) in file.env {
        let slot = match key.as_str() {
            "AWS_REGION" => &mut environment.aws_region,
            "AWS_DEFAULT_REGION" => &mut environment.aws_default_region,
            "AWS_PROFILE" => &mut environment.profile,
            "profile_region" => &mut environment.profile_region,
            other => return Err(format_error(&case_path, format!("unknown env key {other:?} (AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, profile_region)"))),
        };
        *slot = Some(value);
    }
    let expect = match (file.expect.settings, file.expect.warnings, file.expect.errors) {
        (None, None, Some(errors)) => Expectation::Invalid { errors },
        (Some(settings), warnings, None) => Expectation::Valid { settings, warnings },
        _ => return Err(format_error(&case_path, "`expect` needs `settings` (and optionally `warnings`) or `errors`".into())),
    };
    Ok(ConfigCase {
        name: name.to_string(),
        about: file.about,
        environment,
        source: ConfigSource { origin: format!("{name}.json5"), text: config_text },
        expect,
        never_echo: file.never_echo,
    })
}

/// The outcome of one case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseResult {
    /// The case name (or `model-references.json#N`).
    pub name: String,
    /// Every way the policy's answer differs from the expectation; empty when it passed.
    pub failures: Vec<String>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every case against `policy` (the host's current one when `None`), each config case in
/// a fresh instance.
pub async fn run(host: &PolicyHost, policy: Option<Arc<LoadedPolicy>>, corpus: &Corpus) -> Vec<CaseResult> {
    let policy = policy.unwrap_or_else(|| host.current());
    let mut results = Vec::with_capacity(corpus.cases.len() + corpus.references.len());
    for case in &corpus.cases {
        let failures = match host.instance_of(Arc::clone(&policy), Capabilities { environment: Arc::new(case.environment.clone()), bedrock: None }).await {
            Ok(mut instance) => match instance.load_config(&case.source).await {
                Ok(outcome) => check_config(case, outcome),
                Err(error) => vec![format!("the policy failed: {error}")],
            },
            Err(error) => vec![format!("the policy failed to start: {error}")],
        };
        results.push(CaseResult { name: case.name.clone(), failures });
    }
    let mut instance: Option<PolicyInstance> = None;
    for (row, reference) in corpus.references.iter().enumerate() {
        let name = format!("{REFERENCES_FILE}#{} {:?}", row + 1, reference.input);
        let failures = match parse_reference(host, &policy, &mut instance, &reference.input).await {
            Ok(parsed) => check_reference(reference, parsed),
            Err(error) => vec![format!("the policy failed: {error}")],
        };
        results.push(CaseResult { name, failures });
    }
    results
}

/// Parses with a shared instance, replacing it after a failure (a trapped instance is poisoned).
async fn parse_reference(
    host: &PolicyHost,
    policy: &Arc<LoadedPolicy>,
    slot: &mut Option<PolicyInstance>,
    input: &str,
) -> Result<Result<Value, String>, PolicyError> {
    let mut instance = match slot.take() {
        Some(instance) => instance,
        None => host.instance_of(Arc::clone(policy), Capabilities::default()).await?,
    };
    let parsed = instance.parse_model_reference(input).await?;
    *slot = Some(instance);
    Ok(parsed.map(|reference| serde_json::to_value(reference).unwrap_or(Value::Null)))
}

fn check_config(case: &ConfigCase, outcome: crate::types::ConfigOutcome) -> Vec<String> {
    let mut failures = Vec::new();
    let echoed: Vec<&Diagnostic> = match &outcome {
        Ok(settings) => settings.warnings.iter().collect(),
        Err(diagnostics) => diagnostics.iter().collect(),
    };
    for secret in &case.never_echo {
        if echoed.iter().any(|d| d.message.contains(secret.as_str()) || d.path.contains(secret.as_str())) {
            failures.push(format!("a diagnostic echoes the credential value {secret:?}"));
        }
    }
    match (&case.expect, outcome) {
        (Expectation::Valid { settings: expected, warnings }, Ok(settings)) => {
            let actual = serde_json::to_value(&settings).unwrap_or(Value::Null);
            subset_mismatches(expected, &actual, "settings", &mut failures);
            if let Some(expected) = warnings {
                compare_diagnostics("warnings", expected, &settings.warnings, &mut failures);
            }
        }
        (Expectation::Valid { .. }, Err(diagnostics)) => {
            let errors: Vec<String> = diagnostics.iter().map(|d| d.render(&case.source.origin)).collect();
            failures.push(format!("expected a valid config, got errors: {}", errors.join(" | ")));
        }
        (Expectation::Invalid { errors }, Err(diagnostics)) => {
            let actual: Vec<Diagnostic> = diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
            compare_diagnostics("errors", errors, &actual, &mut failures);
        }
        (Expectation::Invalid { .. }, Ok(_)) => failures.push("expected errors, the policy accepted the config".into()),
    }
    failures
}

fn check_reference(case: &ReferenceCase, parsed: Result<Value, String>) -> Vec<String> {
    let mut failures = Vec::new();
    match (&case.expect, &case.error, parsed) {
        (Some(expected), _, Ok(actual)) => subset_mismatches(expected, &actual, "reference", &mut failures),
        (Some(_), _, Err(error)) => failures.push(format!("expected it to parse, got the error: {error}")),
        (None, needle, Err(error)) => {
            // `Corpus::load` guarantees `error` is given when `expect` is not.
            let needle = needle.as_deref().unwrap_or_default();
            if !contains_ignoring_case(&error, needle) {
                failures.push(format!("the error {error:?} does not contain {needle:?}"));
            }
        }
        (None, _, Ok(actual)) => failures.push(format!("expected an error, it parsed as {actual}")),
    }
    failures
}

fn compare_diagnostics(what: &str, expected: &[ExpectedDiagnostic], actual: &[Diagnostic], failures: &mut Vec<String>) {
    let show = |d: &Diagnostic| format!("{}:{}:{} {}", d.path, d.line, d.column, d.message);
    if expected.len() != actual.len() {
        let listed: Vec<String> = actual.iter().map(show).collect();
        failures.push(format!("expected {} {what}, got {}: [{}]", expected.len(), actual.len(), listed.join(" | ")));
        return;
    }
    for (index, (want, got)) in expected.iter().zip(actual).enumerate() {
        let position_matches = want.path == got.path && want.line == got.line && want.column == got.column;
        let text_matches = want.contains.as_deref().is_none_or(|needle| contains_ignoring_case(&got.message, needle));
        if !position_matches || !text_matches {
            let needle = want.contains.as_deref().unwrap_or("");
            failures.push(format!(
                "{what}[{index}]: expected {}:{}:{} containing {needle:?}, got {}",
                want.path,
                want.line,
                want.column,
                show(got)
            ));
        }
    }
}

fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// Objects match when every expected key matches; arrays need the same length and match
/// element-wise; anything else must be equal.
fn subset_mismatches(expected: &Value, actual: &Value, path: &str, failures: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, want) in want {
                let here = format!("{path}.{key}");
                match got.get(key) {
                    Some(got) => subset_mismatches(want, got, &here, failures),
                    None => failures.push(format!("{here}: missing (expected {want})")),
                }
            }
        }
        (Value::Array(want), Value::Array(got)) if want.len() == got.len() => {
            for (index, (want, got)) in want.iter().zip(got).enumerate() {
                subset_mismatches(want, got, &format!("{path}[{index}]"), failures);
            }
        }
        _ if expected == actual => {}
        _ => failures.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

#[cfg(test)]
mod tests {
    use super::subset_mismatches;
    use serde_json::json;

    #[test]
    fn subset_matching() {
        let actual = json!({"a": 1, "b": {"c": [1, {"d": 2, "e": 3}]}, "f": null});
        let cases = [
            (json!({}), 0),
            (json!({"a": 1}), 0),
            (json!({"b": {"c": [1, {"d": 2}]}}), 0),
            (json!({"f": null}), 0),
            (json!({"a": 2}), 1),
            (json!({"b": {"c": [1]}}), 1),
            (json!({"g": 1}), 1),
            (json!({"a": 2, "b": {"c": [2, {"d": 3}]}}), 3),
        ];
        for (expected, mismatches) in cases {
            let mut failures = Vec::new();
            subset_mismatches(&expected, &actual, "settings", &mut failures);
            assert_eq!(failures.len(), mismatches, "{expected}: {failures:?}");
        }
    }
}
