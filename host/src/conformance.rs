//! The conformance corpora and their runner: `openclaw-bedrock policy test` and the integration tests
//! check a policy component against the same cases through the real sandbox.
//!
//! A corpus is a directory of `<name>.case.json` files. A case whose `expect` says whether
//! discovery `runs` is a discovery case (a control-plane catalog in, the model list out; see
//! `tests/discovery-cases/README.md`); any other is a config case (a `<name>.json5` config in,
//! settings or diagnostics out; see `tests/config-cases/README.md`). A directory may also hold
//! a `model-references.json` table.
//!
//! Two tiers judge the same inputs: by default a case checks the default policy's exact answer
//! (the corpus pins down its behaviour, each case citing the section of `BEHAVIOUR.md` or the
//! default policy's decision it checks); with the tag `contract` it checks only what every
//! policy must satisfy ([`contract`]). Other tags select cases: see [`Selection`].

mod config_cases;
mod contract;
mod discovery_cases;
mod matching;

pub use config_cases::{ConfigCase, Expectation};
pub use discovery_cases::{DiscoveryCase, DiscoveryExpectation, StaticCatalog};
pub use matching::ExpectedDiagnostic;

use crate::capability::Capabilities;
use crate::sandbox::{LoadedPolicy, PolicyError, PolicyHost, PolicyInstance};
use crate::types::RegionEnvironment;
use matching::{contains_ignoring_case, subset_mismatches};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
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

/// Where a case's expectation comes from, always with the section of the behaviour document it
/// checks: the document itself (`"BEHAVIOUR.md §5.3"`), or a choice the default policy makes
/// where that section leaves room (`"default policy, BEHAVIOUR.md §2: <the decision>"`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// A section of `BEHAVIOUR.md`, e.g. `5.3`.
    Behaviour(&'static str),
    /// A decision of the default policy, in a few words, within a section of `BEHAVIOUR.md`.
    Policy {
        /// The section whose room the decision fills.
        section: &'static str,
        /// The decision.
        decision: String,
    },
}

/// The sections of `BEHAVIOUR.md` a case may cite (a test checks them against its headings).
pub const BEHAVIOUR_SECTIONS: [&str; 14] = ["1", "2", "3", "4", "5", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "6", "7", "8"];

/// The sections as `--tags` names them: `§5.3` selects the cases citing 5.3, `§5` every case of
/// section 5 and its subsections (same order as [`BEHAVIOUR_SECTIONS`]).
pub const SECTION_TAGS: [&str; 14] = ["§1", "§2", "§3", "§4", "§5", "§5.1", "§5.2", "§5.3", "§5.4", "§5.5", "§5.6", "§6", "§7", "§8"];

impl Basis {
    /// Parses a case's `basis`.
    pub fn parse(text: &str) -> Result<Self, String> {
        const FORMS: &str = "\"BEHAVIOUR.md §N\" or \"default policy, BEHAVIOUR.md §N: <decision>\"";
        if let Some(section) = text.strip_prefix("BEHAVIOUR.md §") {
            return Ok(Self::Behaviour(section_of(section)?));
        }
        let Some(rest) = text.strip_prefix("default policy, BEHAVIOUR.md §") else {
            return Err(format!("`basis` must be {FORMS}, not {text:?}"));
        };
        match rest.split_once(':') {
            Some((section, decision)) if !decision.trim().is_empty() => {
                Ok(Self::Policy { section: section_of(section)?, decision: decision.trim().to_string() })
            }
            _ => Err(format!("`basis` must be {FORMS} (a decision after the colon), not {text:?}")),
        }
    }

    /// The section of `BEHAVIOUR.md` the case checks.
    pub fn section(&self) -> &'static str {
        match self {
            Self::Behaviour(section) | Self::Policy { section, .. } => section,
        }
    }
}

/// `section` as one of [`BEHAVIOUR_SECTIONS`], or an error naming them.
fn section_of(section: &str) -> Result<&'static str, String> {
    BEHAVIOUR_SECTIONS
        .iter()
        .find(|known| **known == section)
        .copied()
        .ok_or_else(|| format!("`basis`: BEHAVIOUR.md has no section {section:?} (sections: {})", BEHAVIOUR_SECTIONS.join(", ")))
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
    /// The discovery cases, by name.
    pub discovery: Vec<DiscoveryCase>,
    /// The model-reference rows.
    pub references: Vec<ReferenceCase>,
}

const CASE_SUFFIX: &str = ".case.json";
const REFERENCES_FILE: &str = "model-references.json";

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CorpusError {
    let path = path.display().to_string();
    move |source| CorpusError::Io { path, source }
}

pub(crate) fn format_error(path: &Path, message: String) -> CorpusError {
    CorpusError::Format { path: path.display().to_string(), message }
}

impl Corpus {
    /// Reads every case in `dir`.
    pub fn load(dir: &Path) -> Result<Self, CorpusError> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(io_error(dir))?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter_map(|file| file.strip_suffix(CASE_SUFFIX).map(str::to_string))
            .collect();
        names.sort();
        let mut corpus = Self { cases: Vec::new(), discovery: Vec::new(), references: Vec::new() };
        for name in names {
            let case_path = dir.join(format!("{name}{CASE_SUFFIX}"));
            let text = std::fs::read_to_string(&case_path).map_err(io_error(&case_path))?;
            let raw: Value = serde_json::from_str(&text).map_err(|e| format_error(&case_path, e.to_string()))?;
            if raw.get("expect").and_then(|expect| expect.get("runs")).is_some() {
                corpus.discovery.push(discovery_cases::load(dir, &name, &case_path, raw)?);
            } else {
                corpus.cases.push(config_cases::load(dir, &name, &case_path, raw)?);
            }
        }
        let references_path = dir.join(REFERENCES_FILE);
        corpus.references = match std::fs::read_to_string(&references_path) {
            Ok(text) => serde_json::from_str::<Vec<ReferenceCase>>(&text).map_err(|e| format_error(&references_path, e.to_string()))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(io_error(&references_path)(source)),
        };
        for (row, reference) in corpus.references.iter().enumerate() {
            if reference.expect.is_some() == reference.error.is_some() {
                return Err(format_error(&references_path, format!("row {}: give exactly one of `expect` and `error`", row + 1)));
            }
        }
        if corpus.cases.is_empty() && corpus.discovery.is_empty() && corpus.references.is_empty() {
            return Err(CorpusError::Empty(dir.display().to_string()));
        }
        Ok(corpus)
    }
}

/// A case's `env`: the region environment the policy sees.
pub(crate) fn region_environment(case_path: &Path, env: BTreeMap<String, String>) -> Result<RegionEnvironment, CorpusError> {
    let mut environment = RegionEnvironment::default();
    for (key, value) in env {
        let slot = match key.as_str() {
            "AWS_REGION" => &mut environment.aws_region,
            "AWS_DEFAULT_REGION" => &mut environment.aws_default_region,
            "AWS_PROFILE" => &mut environment.profile,
            "profile_region" => &mut environment.profile_region,
            other => {
                let message = format!("unknown env key {other:?} (AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, profile_region)");
                return Err(format_error(case_path, message));
            }
        };
        *slot = Some(value);
    }
    Ok(environment)
}

/// Which cases run, and by which tier: `policy test --tags contract,discovery`. Every tag
/// given must apply (the tags narrow); `contract` switches to the contract tier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    contract: bool,
    tags: Vec<&'static str>,
}

/// The tags a selection may name: the tier (`contract`), the kind of case (`config`,
/// `discovery`, `references`), and the basis of a case's expectation (`behaviour`: a section
/// of `BEHAVIOUR.md`; `default-policy`: a decision of the default policy). A section of
/// `BEHAVIOUR.md` is a tag too ([`SECTION_TAGS`]: `§5.3`, or `5.3`).
pub const TAGS: [&str; 6] = ["contract", "config", "discovery", "references", "behaviour", "default-policy"];

impl Selection {
    /// Every case, by the default policy's exact answers.
    pub fn all() -> Self {
        Self::default()
    }

    /// A comma-separated list of [`TAGS`] and [`SECTION_TAGS`]; an unknown tag is an error
    /// naming the known ones.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut selection = Self::default();
        for word in list.split(',').map(str::trim).filter(|word| !word.is_empty()) {
            let section = word.strip_prefix('§').unwrap_or(word);
            let section = BEHAVIOUR_SECTIONS.iter().position(|known| *known == section).map(|index| SECTION_TAGS[index]);
            match TAGS.iter().find(|tag| tag.eq_ignore_ascii_case(word)).or(section.as_ref()) {
                Some(&"contract") => selection.contract = true,
                Some(tag) => selection.tags.push(tag),
                None => return Err(format!("unknown tag {word:?}; the tags are {} and the sections {}", TAGS.join(", "), SECTION_TAGS.join(", "))),
            }
        }
        Ok(selection)
    }

    /// Whether this selection judges by the contract tier.
    pub fn contract(&self) -> bool {
        self.contract
    }

    fn selects(&self, tags: &[&str]) -> bool {
        self.tags.iter().all(|wanted| tags.contains(wanted))
    }
}

/// The tags of a case of `kind` with `basis`: the kind, the basis, and the section it cites
/// with the sections above it (`§5.3` and `§5`).
fn case_tags(kind: &'static str, basis: Option<&Basis>) -> Vec<&'static str> {
    let mut tags = vec![kind];
    let Some(basis) = basis else { return tags };
    tags.push(match basis {
        Basis::Behaviour(_) => "behaviour",
        Basis::Policy { .. } => "default-policy",
    });
    let section = basis.section();
    for (known, tag) in BEHAVIOUR_SECTIONS.iter().zip(SECTION_TAGS) {
        if *known == section || section.strip_prefix(known).is_some_and(|rest| rest.starts_with('.')) {
            tags.push(tag);
        }
    }
    tags
}

/// The outcome of one case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseResult {
    /// The case name (or `model-references.json#N`).
    pub name: String,
    /// Its tags (kind, basis), as `--tags` selects them.
    pub tags: Vec<&'static str>,
    /// Every way the policy's answer differs from the expectation; empty when it passed.
    pub failures: Vec<String>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every case against `policy` (the host's current one when `None`), each config and
/// discovery case in a fresh instance.
pub async fn run(host: &PolicyHost, policy: Option<Arc<LoadedPolicy>>, corpus: &Corpus) -> Vec<CaseResult> {
    run_selected(host, policy, corpus, &Selection::all()).await
}

/// Runs the cases `selection` picks, by its tier. A policy failure (trap, deadline, memory)
/// fails a case in either tier.
pub async fn run_selected(host: &PolicyHost, policy: Option<Arc<LoadedPolicy>>, corpus: &Corpus, selection: &Selection) -> Vec<CaseResult> {
    let policy = policy.unwrap_or_else(|| host.current());
    let mut results = Vec::with_capacity(corpus.cases.len() + corpus.discovery.len() + corpus.references.len());
    for case in &corpus.cases {
        let tags = case_tags("config", Some(&case.basis));
        if !selection.selects(&tags) {
            continue;
        }
        let capabilities = Capabilities { environment: Arc::new(case.environment.clone()), bedrock: None };
        let failures = match host.instance_of(Arc::clone(&policy), capabilities).await {
            Ok(mut instance) => match instance.load_config(&case.source).await {
                Ok(outcome) if selection.contract => contract::config(case, &outcome),
                Ok(outcome) => config_cases::check(case, outcome),
                Err(error) => vec![format!("the policy failed: {error}")],
            },
            Err(error) => vec![format!("the policy failed to start: {error}")],
        };
        results.push(CaseResult { name: case.name.clone(), tags, failures });
    }
    for case in &corpus.discovery {
        let tags = case_tags("discovery", Some(&case.basis));
        if !selection.selects(&tags) {
            continue;
        }
        let capabilities = Capabilities { environment: Arc::new(case.environment.clone()), bedrock: Some(Arc::new(case.catalog.clone())) };
        let failures = match host.instance_of(Arc::clone(&policy), capabilities).await {
            Ok(mut instance) => match instance.discover(&case.config, false).await {
                Ok(outcome) if selection.contract => contract::discovery(&outcome),
                Ok(outcome) => discovery_cases::check(case, outcome),
                Err(error) => vec![format!("the policy failed: {error}")],
            },
            Err(error) => vec![format!("the policy failed to start: {error}")],
        };
        results.push(CaseResult { name: case.name.clone(), tags, failures });
    }
    let tags = case_tags("references", None);
    let references = if selection.selects(&tags) { &corpus.references[..] } else { &[] };
    let mut instance: Option<PolicyInstance> = None;
    for (row, reference) in references.iter().enumerate() {
        let name = format!("{REFERENCES_FILE}#{} {:?}", row + 1, reference.input);
        let failures = match parse_reference(host, &policy, &mut instance, &reference.input).await {
            Ok(parsed) if selection.contract => contract::reference(&parsed),
            Ok(parsed) => check_reference(reference, parsed),
            Err(error) => vec![format!("the policy failed: {error}")],
        };
        results.push(CaseResult { name, tags: tags.clone(), failures });
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

#[cfg(test)]
mod tests;
