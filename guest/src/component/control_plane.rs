//! The host's `control-plane` and `credentials.visible-sources` imports as the policy's
//! [`ControlPlane`].

use super::openclaw::bedrock::{control_plane, credentials};
use crate::control_plane::ControlPlane;
use openclaw_domain::{ApiError, Catalog, CatalogRequest, VisibleSource};

/// The host's control-plane and credential imports.
pub struct HostControlPlane;

impl ControlPlane for HostControlPlane {
    fn visible_sources(&self) -> Vec<VisibleSource> {
        credentials::visible_sources().into_iter().map(Into::into).collect()
    }

    fn list_catalog(&self, request: &CatalogRequest) -> Result<Catalog, ApiError> {
        Ok(control_plane::list_catalog(&request.into())?.into())
    }
}
