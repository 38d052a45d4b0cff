//! The glue for discovery: the host's `control-plane` and `credentials.visible-sources`
//! imports as the policy's [`policy_control_plane::ControlPlane`], and a discovery's WIT form.

use super::openclaw::bedrock::{control_plane, credentials, types};
use super::{error_from_wit, wit};
use crate::control_plane as policy_control_plane;
use crate::discovery;

/// The host's control-plane and credential imports.
pub struct HostControlPlane;

impl policy_control_plane::ControlPlane for HostControlPlane {
    fn visible_sources(&self) -> Vec<policy_control_plane::VisibleSource> {
        use credentials::SourceKind as Theirs;
        use policy_control_plane::SourceKind as Ours;
        credentials::visible_sources()
            .into_iter()
            .map(|source| policy_control_plane::VisibleSource {
                kind: match source.kind {
                    Theirs::BearerToken => Ours::BearerToken,
                    Theirs::Environment => Ours::Environment,
                    Theirs::Profile => Ours::Profile,
                    Theirs::WebIdentity => Ours::WebIdentity,
                    Theirs::Container => Ours::Container,
                    Theirs::InstanceProfile => Ours::InstanceProfile,
                },
                description: source.description,
            })
            .collect()
    }

    fn list_catalog(&self, request: &policy_control_plane::CatalogRequest) -> Result<policy_control_plane::Catalog, crate::runtime::ApiError> {
        let request = control_plane::CatalogRequest { region: request.region.clone(), max_age_seconds: request.max_age_seconds, refresh: request.refresh };
        let catalog = control_plane::list_catalog(&request).map_err(error_from_wit)?;
        Ok(policy_control_plane::Catalog {
            region: catalog.region,
            models: catalog.models.into_iter().map(model_from_wit).collect(),
            profiles: catalog.profiles.into_iter().map(profile_from_wit).collect(),
            fetched_at: catalog.fetched_at,
            stale: catalog.stale,
            stale_reason: catalog.stale_reason,
        })
    }
}

fn model_from_wit(model: types::FoundationModelRecord) -> policy_control_plane::FoundationModelRecord {
    policy_control_plane::FoundationModelRecord {
        model_id: model.model_id,
        model_arn: model.model_arn,
        model_name: model.model_name,
        provider_name: model.provider_name,
        input_modalities: model.input_modalities,
        output_modalities: model.output_modalities,
        response_streaming_supported: model.response_streaming_supported,
        customizations_supported: model.customizations_supported,
        inference_types_supported: model.inference_types_supported,
        lifecycle_status: model.lifecycle_status,
    }
}

fn profile_from_wit(profile: types::InferenceProfileRecord) -> policy_control_plane::InferenceProfileRecord {
    policy_control_plane::InferenceProfileRecord {
        id: profile.id,
        arn: profile.arn,
        name: profile.name,
        description: profile.description,
        status: profile.status,
        profile_type: profile.profile_type,
        model_arns: profile.model_arns,
    }
}

/// A discovery in its WIT form.
pub fn discovery_to_wit(found: discovery::Discovery) -> wit::Discovery {
    wit::Discovery {
        runs: found.runs,
        reason: found.reason,
        region: found.region,
        models: found.models.into_iter().map(model_info_to_wit).collect(),
        stale: found.stale,
        stale_reason: found.stale_reason,
        fetched_at: found.fetched_at,
    }
}

fn model_info_to_wit(model: discovery::ModelInfo) -> types::ModelInfo {
    types::ModelInfo {
        id: model.id,
        name: model.name,
        provider: model.provider,
        base_model_id: model.base_model_id,
        kind: match model.kind {
            discovery::ModelKind::Foundation => types::ModelKind::Foundation,
            discovery::ModelKind::SystemProfile => types::ModelKind::SystemProfile,
            discovery::ModelKind::ApplicationProfile => types::ModelKind::ApplicationProfile,
        },
        input: model.input,
        reasoning: model.reasoning,
        context_window: model.context_window,
        max_tokens: model.max_tokens,
        cost: types::ModelCost { input: model.cost.input, output: model.cost.output, cache_read: model.cost.cache_read, cache_write: model.cost.cache_write },
        region: model.region,
    }
}
