//! The policy's own view of the host's control plane and credential descriptions (the WIT
//! `control-plane` and `credentials.visible-sources` imports): plain types and one small trait,
//! so that discovery and model resolution run natively against a fake in unit tests and
//! against the host through `component`.

pub use openclaw_domain::{Catalog, CatalogRequest, FoundationModelRecord, InferenceProfileRecord, SourceKind, VisibleSource};

use crate::runtime::ApiError;

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
