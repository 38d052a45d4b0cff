//! Runs the config behaviour corpus (`tests/config-cases/`) against the policy's Rust API, so
//! that the corpus is verified natively before (and besides) the host's sandboxed harness.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{check_basis, check_subset, environment_of};

use openclaw_policy::config::is_credential_key;
use openclaw_policy::json5::{self, Value, ValueKind};
use openclaw_policy::{ConfigSource, Diagnostic, ModelReference, ReferenceKind, RegionSource, Settings, Severity, load_config, parse_model_reference};
use serde_json::{Value as Json, json};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/config-cases")
}

fn kind_name(kind: ReferenceKind) -> &'static str {
    match kind {
        ReferenceKind::BareId => "bare_id",
        ReferenceKind::FoundationModelArn => "foundation_model_arn",
        ReferenceKind::InferenceProfileArn => "inference_profile_arn",
        ReferenceKind::ApplicationProfileArn => "application_profile_arn",
        ReferenceKind::ProvisionedModelArn => "provisioned_model_arn",
    }
}

fn reference_json(reference: &ModelReference) -> Json {
    json!({
        "kind": kind_name(reference.kind),
        "target": reference.target,
        "resource_id": reference.resource_id,
        "qualifier": reference.qualifier,
        "partition": reference.partition,
        "region": reference.region,
        "account": reference.account,
    })
}

/// The settings document as the host renders it (see the corpus README).
fn settings_json(settings: &Settings) -> Json {
    let source = match settings.region.source {
        RegionSource::Config => "config",
        RegionSource::AwsRegion => "aws_region",
        RegionSource::AwsDefaultRegion => "aws_default_region",
        RegionSource::Profile => "profile",
        RegionSource::Default => "default",
    };
    let sources: serde_json::Map<String, Json> = settings.sources.iter().map(|source| (source.setting.clone(), Json::String(source.path.clone()))).collect();
    let discovery = &settings.discovery;
    json!({
        "default_model": settings.default_model,
        "default_model_reference": settings.default_model_reference.as_ref().map(reference_json),
        "discovery": {
            "enabled": discovery.enabled,
            "region": discovery.region,
            "provider_filter": discovery.provider_filter,
            "refresh_interval": discovery.refresh_interval,
            "default_context_window": discovery.default_context_window,
            "default_max_tokens": discovery.default_max_tokens,
        },
        "region": { "name": settings.region.name, "source": source },
        "sources": sources,
    })
}

/// Checks diagnostics against `[{path, line, column, contains?}]`, exactly and in order.
fn check_diagnostics(expected: &Json, actual: &[&Diagnostic], what: &str, problems: &mut Vec<String>) {
    let expected = expected.as_array().cloned().unwrap_or_default();
    let shown: Vec<String> = actual.iter().map(|d| format!("{}:{}:{}: {}", d.path, d.line, d.column, d.message)).collect();
    if expected.len() != actual.len() {
        problems.push(format!("expected {} {what}, found {}: {shown:#?}", expected.len(), actual.len()));
        return;
    }
    for (index, (expected, actual)) in expected.iter().zip(actual).enumerate() {
        let matches = expected["path"].as_str() == Some(actual.path.as_str())
            && expected["line"].as_u64() == Some(u64::from(actual.line))
            && expected["column"].as_u64() == Some(u64::from(actual.column))
            && expected["contains"].as_str().is_none_or(|fragment| actual.message.to_lowercase().contains(&fragment.to_lowercase()));
        if !matches {
            problems.push(format!("{what}[{index}]: expected {expected}, found {}", shown[index]));
        }
    }
}

/// Every string value held by a credential-looking key, anywhere in the document.
fn credential_values(value: &Value, found: &mut Vec<String>) {
    match &value.kind {
        ValueKind::Object(members) => {
            for member in members {
                match (&member.value.kind, is_credential_key(&member.key)) {
                    (ValueKind::String(secret), true) => found.push(secret.clone()),
                    _ => credential_values(&member.value, found),
                }
            }
        }
        ValueKind::Array(items) => items.iter().for_each(|item| credential_values(item, found)),
        _ => {}
    }
}

fn run_case(case_file: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let case: Json = serde_json::from_str(&fs::read_to_string(case_file).expect("case file")).expect("case file is JSON");
    if case["about"].as_str().is_none_or(str::is_empty) {
        problems.push("no `about`".to_string());
    }
    check_basis(&case, &mut problems);
    let stem = case_file.file_name().and_then(|name| name.to_str()).and_then(|name| name.strip_suffix(".case.json")).expect("stem");
    let config_file = case_file.with_file_name(format!("{stem}.json5"));
    let text = match case["config"].as_str() {
        Some("missing") => {
            if config_file.exists() {
                problems.push("`config: missing` but a .json5 file exists".to_string());
            }
            None
        }
        _ => Some(fs::read_to_string(&config_file).expect("the case's .json5 file")),
    };
    let source = ConfigSource { origin: config_file.display().to_string(), text: text.clone() };
    let result = load_config(&source, &environment_of(&case));
    let messages: Vec<String> = match &result {
        Ok(settings) => settings.warnings.iter().map(|d| d.message.clone()).collect(),
        Err(diagnostics) => diagnostics.iter().map(|d| d.message.clone()).collect(),
    };
    // The values listed in `never_echo`, and every credential value found in the document.
    let mut secrets: Vec<String> = case["never_echo"].as_array().into_iter().flatten().filter_map(|secret| secret.as_str().map(str::to_string)).collect();
    if let Some(root) = text.as_deref().and_then(|text| json5::parse(text).ok()) {
        credential_values(&root, &mut secrets);
    }
    if stem.starts_with("credential-") && case["never_echo"].as_array().is_none_or(Vec::is_empty) {
        problems.push("a credential case lists no `never_echo` values".to_string());
    }
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        if messages.iter().any(|message| message.contains(secret.as_str())) {
            problems.push(format!("a message echoes the credential value {secret:?}"));
        }
    }
    let expect = &case["expect"];
    // Warnings are always compared: a case that lists none expects none.
    let no_warnings = json!([]);
    let expected_warnings = expect.get("warnings").unwrap_or(&no_warnings);
    match (&result, expect.get("errors")) {
        (Err(diagnostics), Some(expected)) => {
            let (errors, warnings): (Vec<&Diagnostic>, Vec<&Diagnostic>) = diagnostics.iter().partition(|d| d.severity == Severity::Error);
            check_diagnostics(expected, &errors, "errors", &mut problems);
            check_diagnostics(expected_warnings, &warnings, "warnings", &mut problems);
        }
        (Ok(settings), Some(_)) => problems.push(format!("expected errors, the config loaded: {}", settings_json(settings))),
        (Err(diagnostics), None) => problems.push(format!("expected settings, found diagnostics: {diagnostics:#?}")),
        (Ok(settings), None) => {
            if let Some(expected) = expect.get("settings") {
                check_subset(expected, &settings_json(settings), "settings", &mut problems);
            }
            let warnings: Vec<&Diagnostic> = settings.warnings.iter().collect();
            check_diagnostics(expected_warnings, &warnings, "warnings", &mut problems);
        }
    }
    problems
}

#[test]
fn the_config_corpus_holds() {
    // Today's count: a case that disappears fails this.
    common::assert_corpus_holds(&corpus_dir(), 81, run_case);
}

#[test]
fn every_config_file_has_a_case() {
    for entry in fs::read_dir(corpus_dir()).expect("tests/config-cases").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(stem) = name.strip_suffix(".json5") {
            assert!(corpus_dir().join(format!("{stem}.case.json")).exists(), "{name} has no .case.json");
        }
    }
}

#[test]
fn the_model_reference_table_holds() {
    let table: Json = serde_json::from_str(&fs::read_to_string(corpus_dir().join("model-references.json")).expect("model-references.json")).expect("JSON");
    let rows = table.as_array().expect("an array of rows");
    assert!(rows.len() >= 43, "only {} rows (today's count is 43)", rows.len());
    let mut failures = Vec::new();
    for row in rows {
        let input = row["input"].as_str().expect("input");
        match (parse_model_reference(input), row.get("expect"), row["error"].as_str()) {
            (Ok(reference), Some(expected), None) => {
                let mut problems = Vec::new();
                check_subset(expected, &reference_json(&reference), "reference", &mut problems);
                failures.extend(problems.into_iter().map(|problem| format!("{input:?}: {problem}")));
            }
            (Err(message), None, Some(fragment)) => {
                if !message.to_lowercase().contains(&fragment.to_lowercase()) {
                    failures.push(format!("{input:?}: error {message:?} lacks {fragment:?}"));
                }
                if message.contains('\n') {
                    failures.push(format!("{input:?}: the error is not one line"));
                }
            }
            (outcome, _, _) => failures.push(format!("{input:?}: unexpected {outcome:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
