//! Runs the discovery cases (`tests/discovery-cases/`) against the policy's Rust API with a
//! fake control plane serving each case's catalog, so that the corpus is verified natively
//! before (and besides) the host's sandboxed harness. The format is in the corpus README.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{check_subset, environment_of};
use openclaw_policy::{
    ApiError, Catalog, CatalogRequest, ConfigSource, ControlPlane, DiscoverRequest, ErrorClass, FoundationModelRecord, InferenceProfileRecord, ModelInfo,
    ModelKind, SourceKind, VisibleSource, discover,
};
use serde_json::{Value as Json, json};

/// The account id the emulator's catalog files stand for with `${account}`.
const ACCOUNT: &str = "123456789012";
const CASE_KEYS: [&str; 8] = ["about", "basis", "config", "env", "visible_sources", "catalog", "profiles", "expect"];
const EXPECT_KEYS: [&str; 6] = ["runs", "region", "ids", "models", "absent", "error"];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/discovery-cases")
}

/// Serves a case's catalog: the ListFoundationModels and ListInferenceProfiles JSON texts, with
/// `${region}` (the requested region) and `${account}` filled in per request.
struct CaseControlPlane {
    visible: Vec<VisibleSource>,
    models_json: String,
    profiles_json: String,
}

impl ControlPlane for CaseControlPlane {
    fn visible_sources(&self) -> Vec<VisibleSource> {
        self.visible.clone()
    }

    fn list_catalog(&self, request: &CatalogRequest) -> Result<Catalog, ApiError> {
        let fill = |text: &str| text.replace("${region}", &request.region).replace("${account}", ACCOUNT);
        let invalid = |what: &str, error: serde_json::Error| ApiError::policy(ErrorClass::Format, format!("{what}: {error}"));
        let models: Json = serde_json::from_str(&fill(&self.models_json)).map_err(|error| invalid("the foundation-model list", error))?;
        let profiles: Json = serde_json::from_str(&fill(&self.profiles_json)).map_err(|error| invalid("the profile list", error))?;
        Ok(Catalog {
            region: request.region.clone(),
            models: models["modelSummaries"].as_array().into_iter().flatten().map(model_record).collect(),
            profiles: profiles["inferenceProfileSummaries"].as_array().into_iter().flatten().map(profile_record).collect(),
            fetched_at: 1_700_000_000,
            stale: false,
            stale_reason: None,
        })
    }
}

fn text(value: &Json) -> String {
    value.as_str().unwrap_or_default().to_string()
}

fn texts(value: &Json) -> Vec<String> {
    value.as_array().into_iter().flatten().map(text).collect()
}

/// One `modelSummaries` element, camelCase as Bedrock sends it.
fn model_record(summary: &Json) -> FoundationModelRecord {
    FoundationModelRecord {
        model_id: text(&summary["modelId"]),
        model_arn: text(&summary["modelArn"]),
        model_name: text(&summary["modelName"]),
        provider_name: text(&summary["providerName"]),
        input_modalities: texts(&summary["inputModalities"]),
        output_modalities: texts(&summary["outputModalities"]),
        response_streaming_supported: summary["responseStreamingSupported"].as_bool(),
        customizations_supported: texts(&summary["customizationsSupported"]),
        inference_types_supported: texts(&summary["inferenceTypesSupported"]),
        lifecycle_status: summary["modelLifecycle"]["status"].as_str().map(str::to_string),
    }
}

/// One `inferenceProfileSummaries` element.
fn profile_record(summary: &Json) -> InferenceProfileRecord {
    InferenceProfileRecord {
        id: text(&summary["inferenceProfileId"]),
        arn: text(&summary["inferenceProfileArn"]),
        name: text(&summary["inferenceProfileName"]),
        description: summary["description"].as_str().map(str::to_string),
        status: text(&summary["status"]),
        profile_type: text(&summary["type"]),
        model_arns: summary["models"].as_array().into_iter().flatten().map(|model| text(&model["modelArn"])).collect(),
    }
}

/// A catalog source: inline JSON, a path relative to the corpus, or absent (an empty list).
fn catalog_text(value: &Json, list_key: &str) -> Result<String, String> {
    match value {
        Json::Null => Ok(format!("{{\"{list_key}\": []}}")),
        Json::String(relative) => fs::read_to_string(corpus_dir().join(relative)).map_err(|error| format!("{relative}: {error}")),
        Json::Object(_) if value.get(list_key).is_some() => Ok(value.to_string()),
        _ => Err(format!("a catalog source is a path or an object with `{list_key}`")),
    }
}

fn source_kind(word: &str) -> Option<SourceKind> {
    Some(match word {
        "bearer_token" => SourceKind::BearerToken,
        "environment" => SourceKind::Environment,
        "profile" => SourceKind::Profile,
        "web_identity" => SourceKind::WebIdentity,
        "container" => SourceKind::Container,
        _ => return None,
    })
}

/// A model-info as the host renders it (snake_case).
fn model_json(model: &ModelInfo) -> Json {
    let kind = match model.kind {
        ModelKind::Foundation => "foundation",
        ModelKind::SystemProfile => "system_profile",
        ModelKind::ApplicationProfile => "application_profile",
    };
    json!({
        "id": model.id, "name": model.name, "provider": model.provider, "base_model_id": model.base_model_id, "kind": kind,
        "input": model.input, "reasoning": model.reasoning, "context_window": model.context_window, "max_tokens": model.max_tokens,
        "cost": { "input": model.cost.input, "output": model.cost.output, "cache_read": model.cost.cache_read, "cache_write": model.cost.cache_write },
        "region": model.region,
    })
}

fn unknown_keys(value: &Json, allowed: &[&str], at: &str) -> Vec<String> {
    value.as_object().into_iter().flatten().filter(|(key, _)| !allowed.contains(&key.as_str())).map(|(key, _)| format!("unknown key `{at}{key}`")).collect()
}

fn run_case(case_file: &Path) -> Vec<String> {
    let case: Json = match fs::read_to_string(case_file).map_err(|e| e.to_string()).and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string())) {
        Ok(case) => case,
        Err(error) => return vec![error],
    };
    let expect = &case["expect"];
    let mut problems = unknown_keys(&case, &CASE_KEYS, "");
    problems.extend(unknown_keys(expect, &EXPECT_KEYS, "expect."));
    if case["about"].as_str().is_none_or(str::is_empty) {
        problems.push("no `about`".to_string());
    }
    common::check_basis(&case, &mut problems);
    let visible_words: Vec<String> = case.get("visible_sources").map_or_else(|| vec!["environment".to_string()], texts);
    let visible: Option<Vec<VisibleSource>> =
        visible_words.iter().map(|word| source_kind(word).map(|kind| VisibleSource { kind, description: word.replace('_', " ") })).collect();
    let (Some(visible), Ok(models_json), Ok(profiles_json)) =
        (visible, catalog_text(&case["catalog"], "modelSummaries"), catalog_text(&case["profiles"], "inferenceProfileSummaries"))
    else {
        problems.push("`visible_sources`, `catalog` or `profiles` is not in the corpus format".to_string());
        return problems;
    };
    let plane = CaseControlPlane { visible, models_json, profiles_json };
    let stem = case_file.file_name().and_then(|name| name.to_str()).unwrap_or_default().trim_end_matches(".case.json");
    let request = DiscoverRequest {
        config: ConfigSource { origin: format!("{stem}.json5"), text: case["config"].as_str().map(str::to_string) },
        settings: None,
        refresh: false,
    };
    let discovery = match (discover(&request, &environment_of(&case), &plane), expect["error"].as_str()) {
        (Err(error), Some(fragment)) => {
            if !error.message.to_lowercase().contains(&fragment.to_lowercase()) {
                problems.push(format!("the error {:?} lacks {fragment:?}", error.message));
            }
            return problems;
        }
        (Err(error), None) => return vec![format!("discovery failed: {}", error.message)],
        (Ok(_), Some(fragment)) => return vec![format!("expected an error containing {fragment:?}, discovery succeeded")],
        (Ok(discovery), None) => discovery,
    };
    match expect["runs"].as_bool() {
        Some(runs) if runs == discovery.runs => {}
        Some(runs) => problems.push(format!("runs: expected {runs}, found {} ({})", discovery.runs, discovery.reason)),
        None => problems.push("`expect.runs` is required".to_string()),
    }
    if let Some(region) = expect["region"].as_str()
        && region != discovery.region
    {
        problems.push(format!("region: expected {region}, found {}", discovery.region));
    }
    let ids: Vec<&str> = discovery.models.iter().map(|model| model.id.as_str()).collect();
    if let Some(expected) = expect.get("ids") {
        let expected = texts(expected);
        if expected != ids {
            problems.push(format!("ids: expected {expected:#?}\nfound {ids:#?}"));
        }
    }
    for absent in texts(&expect["absent"]) {
        if ids.iter().any(|id| id.eq_ignore_ascii_case(&absent)) {
            problems.push(format!("{absent} is listed but must not be"));
        }
    }
    for wanted in expect["models"].as_array().into_iter().flatten() {
        let id = wanted["id"].as_str().unwrap_or_default();
        match discovery.models.iter().find(|model| model.id == id) {
            Some(model) => check_subset(wanted, &model_json(model), &format!("models[{id}]"), &mut problems),
            None => problems.push(format!("{id} is not listed")),
        }
    }
    problems
}

#[test]
fn the_discovery_corpus_holds() {
    // Today's count: a case that disappears fails this.
    common::assert_corpus_holds(&corpus_dir(), 47, run_case);
}
