//! Discovery cases: a control-plane catalog in (as Bedrock serves it), a config in, the
//! expected model list out. The policy runs in the real sandbox; the catalog comes from a
//! [`StaticCatalog`] capability instead of AWS.

use super::matching::{contains_ignoring_case, same_id, subset_mismatches};
use super::{Basis, CorpusError, format_error};
use crate::aws::model::{
    ApiError, Catalog, CatalogRequest, ConverseRequest, ConverseResponse, CredentialDescription, ErrorClass, FoundationModelRecord, InferenceProfileRecord,
    InvokeRequest, InvokeResponse, SourceKind, VisibleSource,
};
use crate::capability::{BedrockAccess, BoxFuture, ChunkStream, EventStream};
use crate::types::{ConfigSource, Discovery, RegionEnvironment};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// One discovery case.
#[derive(Debug, Clone)]
pub struct DiscoveryCase {
    /// The file stem.
    pub name: String,
    /// What it pins down.
    pub about: String,
    /// Where its expectation comes from.
    pub basis: Basis,
    /// The region environment the policy sees.
    pub environment: RegionEnvironment,
    /// The config handed to the policy.
    pub config: ConfigSource,
    /// The catalog the policy gets from `list-catalog`.
    pub catalog: StaticCatalog,
    /// What must come out.
    pub expect: DiscoveryExpectation,
}

/// What a discovery case expects.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryExpectation {
    /// Whether discovery runs.
    pub runs: bool,
    /// The region discovered.
    #[serde(default)]
    pub region: Option<String>,
    /// The exact ids, in order.
    #[serde(default)]
    pub ids: Option<Vec<String>>,
    /// Subsets of listed models, matched by id.
    #[serde(default)]
    pub models: Vec<Value>,
    /// Ids that must not be listed.
    #[serde(default)]
    pub absent: Vec<String>,
    /// A substring of the error, when discovery must fail.
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    about: String,
    basis: String,
    #[serde(default)]
    config: Option<String>,
    #[serde(default)]
    env: std::collections::BTreeMap<String, String>,
    #[serde(default = "default_visible")]
    visible_sources: Vec<String>,
    #[serde(default)]
    catalog: Option<Value>,
    #[serde(default)]
    profiles: Option<Value>,
    expect: DiscoveryExpectation,
}

fn default_visible() -> Vec<String> {
    vec!["environment".into()]
}

/// Placeholders the emulator's catalog files use.
const ACCOUNT_PLACEHOLDER: (&str, &str) = ("${account}", "123456789012");

pub(super) fn load(dir: &Path, name: &str, case_path: &Path, raw: Value) -> Result<DiscoveryCase, CorpusError> {
    let file: CaseFile = serde_json::from_value(raw).map_err(|e| format_error(case_path, e.to_string()))?;
    let environment = super::region_environment(case_path, file.env)?;
    let visible = file
        .visible_sources
        .iter()
        .map(|kind| source_kind(kind).map(|kind| VisibleSource { kind, description: format!("{kind:?} (conformance case)") }))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| format_error(case_path, "`visible_sources` takes bearer_token, environment, profile, web_identity, container".into()))?;
    let catalog = StaticCatalog::new(
        catalog_text(dir, case_path, file.catalog, "modelSummaries")?,
        catalog_text(dir, case_path, file.profiles, "inferenceProfileSummaries")?,
        visible,
    );
    catalog.records("us-east-1").map_err(|e| format_error(case_path, e.message))?;
    Ok(DiscoveryCase {
        name: name.to_string(),
        about: file.about,
        basis: Basis::parse(&file.basis).map_err(|message| format_error(case_path, message))?,
        environment,
        config: ConfigSource { origin: format!("{name}.json5"), text: file.config },
        catalog,
        expect: file.expect,
    })
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

/// Inline JSON, or the text of a file relative to the case directory; empty when absent.
fn catalog_text(dir: &Path, case_path: &Path, value: Option<Value>, list_key: &str) -> Result<String, CorpusError> {
    match value {
        None => Ok(format!("{{\"{list_key}\": []}}")),
        Some(Value::String(relative)) => {
            let path = dir.join(&relative);
            std::fs::read_to_string(&path).map_err(|source| CorpusError::Io { path: path.display().to_string(), source })
        }
        Some(inline @ Value::Object(_)) => Ok(inline.to_string()),
        Some(_) => Err(format_error(case_path, format!("`{list_key}` source must be a path or an object"))),
    }
}

pub(super) fn check(case: &DiscoveryCase, outcome: Result<Discovery, ApiError>) -> Vec<String> {
    let mut failures = Vec::new();
    let expect = &case.expect;
    let discovery = match (outcome, &expect.error) {
        (Err(error), Some(needle)) => {
            if !contains_ignoring_case(&error.message, needle) {
                failures.push(format!("the error {:?} does not contain {needle:?}", error.message));
            }
            return failures;
        }
        (Err(error), None) => return vec![format!("discovery failed: {}", error.message)],
        (Ok(_), Some(needle)) => return vec![format!("expected an error containing {needle:?}, discovery succeeded")],
        (Ok(discovery), None) => discovery,
    };
    if discovery.runs != expect.runs {
        failures.push(format!("runs: expected {}, got {} ({})", expect.runs, discovery.runs, discovery.reason));
    }
    if let Some(region) = &expect.region
        && &discovery.region != region
    {
        failures.push(format!("region: expected {region}, got {}", discovery.region));
    }
    let ids: Vec<&str> = discovery.models.iter().map(|model| model.id.as_str()).collect();
    if let Some(expected) = &expect.ids
        && expected.iter().map(String::as_str).ne(ids.iter().copied())
    {
        failures.push(format!("ids: expected {expected:?}, got {ids:?}"));
    }
    for id in &expect.absent {
        if ids.iter().any(|listed| same_id(listed, id)) {
            failures.push(format!("{id} is listed but must not be"));
        }
    }
    for wanted in &expect.models {
        let Some(id) = wanted.get("id").and_then(Value::as_str) else {
            failures.push(format!("an expected model has no id: {wanted}"));
            continue;
        };
        match discovery.models.iter().find(|model| model.id == id) {
            Some(model) => {
                let actual = serde_json::to_value(model).unwrap_or(Value::Null);
                subset_mismatches(wanted, &actual, &format!("models[{id}]"), &mut failures);
            }
            None => failures.push(format!("{id} is not listed (listed: {ids:?})")),
        }
    }
    failures
}

/// A control plane that serves a fixed catalog: for conformance runs, tests and benchmarks.
/// Every other Bedrock call is refused.
#[derive(Debug, Clone)]
pub struct StaticCatalog {
    source: CatalogSource,
    visible: Vec<VisibleSource>,
}

#[derive(Debug, Clone)]
enum CatalogSource {
    /// ListFoundationModels / ListInferenceProfiles JSON with `${region}` placeholders.
    Json { models_json: String, profiles_json: String },
    /// Records, served as they are (the requested region is set on the catalog).
    Records(Arc<Catalog>),
}

impl StaticCatalog {
    /// A catalog from ListFoundationModels / ListInferenceProfiles JSON (`${region}` and
    /// `${account}` are filled in per request), with these credential sources visible.
    pub fn new(models_json: String, profiles_json: String, visible: Vec<VisibleSource>) -> Self {
        Self { source: CatalogSource::Json { models_json, profiles_json }, visible }
    }

    /// A catalog of ready records, with these credential sources visible.
    pub fn from_records(catalog: Catalog, visible: Vec<VisibleSource>) -> Self {
        Self { source: CatalogSource::Records(Arc::new(catalog)), visible }
    }

    fn records(&self, region: &str) -> Result<Catalog, ApiError> {
        let (models_json, profiles_json) = match &self.source {
            CatalogSource::Records(catalog) => return Ok(Catalog { region: region.to_string(), ..Catalog::clone(catalog) }),
            CatalogSource::Json { models_json, profiles_json } => (models_json, profiles_json),
        };
        let fill = |text: &str| text.replace("${region}", region).replace(ACCOUNT_PLACEHOLDER.0, ACCOUNT_PLACEHOLDER.1);
        let models: ModelsPage = serde_json::from_str(&fill(models_json)).map_err(|e| invalid(format!("the foundation-model list: {e}")))?;
        let profiles: ProfilesPage = serde_json::from_str(&fill(profiles_json)).map_err(|e| invalid(format!("the profile list: {e}")))?;
        Ok(Catalog {
            region: region.to_string(),
            models: models.model_summaries.into_iter().map(Into::into).collect(),
            profiles: profiles.inference_profile_summaries.into_iter().map(Into::into).collect(),
            fetched_at: 0,
            stale: false,
            stale_reason: None,
        })
    }
}

fn invalid(message: String) -> ApiError {
    ApiError { class: ErrorClass::Format, code: None, message, http_status: None, retryable: false }
}

fn refused() -> ApiError {
    ApiError {
        class: ErrorClass::Unknown,
        code: None,
        message: "only the control-plane catalog is available in a conformance run".into(),
        http_status: None,
        retryable: false,
    }
}

impl BedrockAccess for StaticCatalog {
    fn visible_sources(&self) -> Vec<VisibleSource> {
        self.visible.clone()
    }
    fn resolve_credentials(&self) -> BoxFuture<'_, Result<CredentialDescription, ApiError>> {
        Box::pin(async { Err(refused()) })
    }
    fn converse(&self, _: ConverseRequest) -> BoxFuture<'_, Result<ConverseResponse, ApiError>> {
        Box::pin(async { Err(refused()) })
    }
    fn converse_stream(&self, _: ConverseRequest) -> BoxFuture<'_, Result<Box<dyn EventStream>, ApiError>> {
        Box::pin(async { Err(refused()) })
    }
    fn count_tokens(&self, _: ConverseRequest) -> BoxFuture<'_, Result<u32, ApiError>> {
        Box::pin(async { Err(refused()) })
    }
    fn count_tokens_invoke(&self, _: InvokeRequest) -> BoxFuture<'_, Result<u32, ApiError>> {
        Box::pin(async { Err(refused()) })
    }
    fn invoke_model(&self, _: InvokeRequest) -> BoxFuture<'_, Result<InvokeResponse, ApiError>> {
        Box::pin(async { Err(refused()) })
    }
    fn invoke_model_with_response_stream(&self, _: InvokeRequest) -> BoxFuture<'_, Result<Box<dyn ChunkStream>, ApiError>> {
        Box::pin(async { Err(refused()) })
    }
    fn list_catalog(&self, request: CatalogRequest) -> BoxFuture<'_, Result<Catalog, ApiError>> {
        Box::pin(async move { self.records(&request.region) })
    }
    fn is_bedrock_endpoint(&self, _: &str, _: &str) -> bool {
        false
    }
    fn authenticate<'a>(&'a self, _: &'a mut http::Request<bytes::Bytes>) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async { Err(refused()) })
    }
}

/// `ListFoundationModels`' JSON.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelsPage {
    #[serde(default)]
    model_summaries: Vec<ModelSummary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelSummary {
    model_arn: String,
    model_id: String,
    #[serde(default)]
    model_name: String,
    #[serde(default)]
    provider_name: String,
    #[serde(default)]
    input_modalities: Vec<String>,
    #[serde(default)]
    output_modalities: Vec<String>,
    #[serde(default)]
    response_streaming_supported: Option<bool>,
    #[serde(default)]
    customizations_supported: Vec<String>,
    #[serde(default)]
    inference_types_supported: Vec<String>,
    #[serde(default)]
    model_lifecycle: Option<Lifecycle>,
}

#[derive(Deserialize)]
struct Lifecycle {
    status: String,
}

impl From<ModelSummary> for FoundationModelRecord {
    fn from(m: ModelSummary) -> Self {
        Self {
            model_id: m.model_id,
            model_arn: m.model_arn,
            model_name: m.model_name,
            provider_name: m.provider_name,
            input_modalities: m.input_modalities,
            output_modalities: m.output_modalities,
            response_streaming_supported: m.response_streaming_supported,
            customizations_supported: m.customizations_supported,
            inference_types_supported: m.inference_types_supported,
            lifecycle_status: m.model_lifecycle.map(|l| l.status),
        }
    }
}

/// `ListInferenceProfiles`' JSON (one page, or all pages concatenated).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfilesPage {
    #[serde(default)]
    inference_profile_summaries: Vec<ProfileSummary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileSummary {
    inference_profile_id: String,
    inference_profile_arn: String,
    #[serde(default)]
    inference_profile_name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(rename = "type", default)]
    profile_type: String,
    #[serde(default)]
    models: Vec<ProfileModel>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileModel {
    model_arn: String,
}

impl From<ProfileSummary> for InferenceProfileRecord {
    fn from(p: ProfileSummary) -> Self {
        Self {
            id: p.inference_profile_id,
            arn: p.inference_profile_arn,
            name: p.inference_profile_name,
            description: p.description,
            status: p.status,
            profile_type: p.profile_type,
            model_arns: p.models.into_iter().map(|m| m.model_arn).collect(),
        }
    }
}
