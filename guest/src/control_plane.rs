//! The policy's own view of the host's control plane and credential descriptions (the WIT
//! `control-plane` and `credentials.visible-sources` imports): plain types and one small trait,
//! so that discovery and model resolution run natively against a fake in unit tests and
//! against the host through `component`.

use crate::runtime::ApiError;

/// A kind of credential source the host can see without a network call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// `AWS_BEARER_TOKEN_BEDROCK`.
    BearerToken,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    Environment,
    /// A profile in the shared config or credentials file.
    Profile,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE`.
    WebIdentity,
    /// The ECS/EKS container credentials variables.
    Container,
    /// The EC2 instance profile (never visible without the network; listed for completeness).
    InstanceProfile,
}

/// A credential source the host can see without a network call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisibleSource {
    /// The kind.
    pub kind: SourceKind,
    /// In words, e.g. `profile "dev" (~/.aws/credentials)`.
    pub description: String,
}

/// A foundation model summary as `ListFoundationModels` returns it; enum-like fields are kept
/// as the strings Bedrock sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FoundationModelRecord {
    /// e.g. `anthropic.claude-sonnet-4-6-20251001-v1:0`.
    pub model_id: String,
    /// The model's ARN.
    pub model_arn: String,
    /// e.g. `Claude Sonnet 4.6`.
    pub model_name: String,
    /// e.g. `Anthropic`.
    pub provider_name: String,
    /// `TEXT`, `IMAGE`, `DOCUMENT`, `VIDEO`, `EMBEDDING`, ...
    pub input_modalities: Vec<String>,
    /// As sent.
    pub output_modalities: Vec<String>,
    /// `None` when the service did not say (counts as false).
    pub response_streaming_supported: Option<bool>,
    /// As sent.
    pub customizations_supported: Vec<String>,
    /// `ON_DEMAND`, `PROVISIONED`, `INFERENCE_PROFILE`, ...
    pub inference_types_supported: Vec<String>,
    /// `ACTIVE`, `LEGACY`, ...; `None` when the service did not say.
    pub lifecycle_status: Option<String>,
}

/// An inference profile summary as `ListInferenceProfiles` returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InferenceProfileRecord {
    /// A system profile's id (`us.anthropic...`), or an application profile's id.
    pub id: String,
    /// The profile's ARN.
    pub arn: String,
    /// e.g. `US Anthropic Claude Sonnet 4.6`.
    pub name: String,
    /// The description, when there is one.
    pub description: Option<String>,
    /// `ACTIVE`, ...
    pub status: String,
    /// `SYSTEM_DEFINED`, `APPLICATION`, ...
    pub profile_type: String,
    /// ARNs of the models the profile routes to; the first is the base model.
    pub model_arns: Vec<String>,
}

/// The raw catalog of one region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The region it was listed in.
    pub region: String,
    /// Every foundation model.
    pub models: Vec<FoundationModelRecord>,
    /// Every inference profile, all pages.
    pub profiles: Vec<InferenceProfileRecord>,
    /// When it was fetched, in seconds since the Unix epoch.
    pub fetched_at: u64,
    /// True when a refresh failed and this is the last good catalog.
    pub stale: bool,
    /// Why the refresh failed, when `stale`.
    pub stale_reason: Option<String>,
}

/// How fresh the caller needs the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogRequest {
    /// The region to list.
    pub region: String,
    /// Oldest acceptable cached catalog, in seconds (`refreshInterval`); 0 = always fetch.
    pub max_age_seconds: u64,
    /// Fetch now even if the cache is fresh.
    pub refresh: bool,
}

/// What discovery and model resolution ask of the host.
pub trait ControlPlane {
    /// The credential sources visible without a network call.
    fn visible_sources(&self) -> Vec<VisibleSource>;
    /// The region's catalog, from the host's cache when fresh enough, else fetched.
    fn list_catalog(&self, request: &CatalogRequest) -> Result<Catalog, ApiError>;
}

impl<T: ControlPlane + ?Sized> ControlPlane for &T {
    fn visible_sources(&self) -> Vec<VisibleSource> {
        (**self).visible_sources()
    }

    fn list_catalog(&self, request: &CatalogRequest) -> Result<Catalog, ApiError> {
        (**self).list_catalog(request)
    }
}

/// A fake control plane and catalog builders for unit tests.
#[cfg(test)]
pub mod fake {
    use super::*;
    use crate::runtime::ErrorClass;
    use std::cell::RefCell;

    /// Serves one catalog (or an error) with the given sources visible; records every request.
    pub struct FakeControlPlane {
        /// The sources reported visible.
        pub visible: Vec<SourceKind>,
        /// The answer to every `list_catalog`.
        pub answer: Result<Catalog, ApiError>,
        /// The requests made.
        pub requests: RefCell<Vec<CatalogRequest>>,
    }

    impl FakeControlPlane {
        /// Serves `catalog` (its region set to each request's) with the environment keys visible.
        pub fn serving(catalog: Catalog) -> Self {
            Self { visible: vec![SourceKind::Environment], answer: Ok(catalog), requests: RefCell::new(Vec::new()) }
        }

        /// Fails every `list_catalog` with `class`.
        pub fn failing(class: ErrorClass, message: &str) -> Self {
            let error = ApiError::policy(class, message);
            Self { visible: vec![SourceKind::Environment], answer: Err(error), requests: RefCell::new(Vec::new()) }
        }

        /// The same, with `visible` sources instead.
        pub fn with_visible(mut self, visible: &[SourceKind]) -> Self {
            self.visible = visible.to_vec();
            self
        }
    }

    impl ControlPlane for FakeControlPlane {
        fn visible_sources(&self) -> Vec<VisibleSource> {
            self.visible.iter().map(|kind| VisibleSource { kind: *kind, description: format!("{kind:?}").to_lowercase() }).collect()
        }

        fn list_catalog(&self, request: &CatalogRequest) -> Result<Catalog, ApiError> {
            self.requests.borrow_mut().push(request.clone());
            self.answer.clone().map(|catalog| Catalog { region: request.region.clone(), ..catalog })
        }
    }

    /// An ACTIVE, streaming, text-out, on-demand foundation model `provider.rest` named `name`.
    pub fn model(id: &str, name: &str, provider: &str) -> FoundationModelRecord {
        FoundationModelRecord {
            model_id: id.to_string(),
            model_arn: format!("arn:aws:bedrock:us-east-1::foundation-model/{id}"),
            model_name: name.to_string(),
            provider_name: provider.to_string(),
            input_modalities: vec!["TEXT".into()],
            output_modalities: vec!["TEXT".into()],
            response_streaming_supported: Some(true),
            customizations_supported: Vec::new(),
            inference_types_supported: vec!["ON_DEMAND".into()],
            lifecycle_status: Some("ACTIVE".into()),
        }
    }

    /// An ACTIVE system profile `id` named `name` routing to `base` in `regions`.
    pub fn system_profile(id: &str, name: &str, base: &str, regions: &[&str]) -> InferenceProfileRecord {
        InferenceProfileRecord {
            id: id.to_string(),
            arn: format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{id}"),
            name: name.to_string(),
            description: None,
            status: "ACTIVE".into(),
            profile_type: "SYSTEM_DEFINED".into(),
            model_arns: regions.iter().map(|region| format!("arn:aws:bedrock:{region}::foundation-model/{base}")).collect(),
        }
    }
}
