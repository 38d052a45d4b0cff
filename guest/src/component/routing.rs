//! The glue for the `routing` export (0.2.0 on).

use super::control_plane::HostControlPlane;
use super::exports::openclaw::bedrock::routing as wit;
use super::openclaw::bedrock::types::ApiError;
use super::{HostRuntime, region_environment};
use crate::routing;
use openclaw_domain::{PlanRequest, ResolveRequest};

impl wit::Guest for super::DefaultPolicy {
    fn plan(request: wit::PlanRequest) -> Result<wit::RoutingPlan, ApiError> {
        let request = PlanRequest::from(request);
        Ok(routing::plan(&request.config, request.refresh, &region_environment(), &HostControlPlane, &HostRuntime)?.into())
    }

    fn resolve(request: wit::ResolveRequest) -> Result<wit::Resolution, ApiError> {
        let request = ResolveRequest::from(request);
        Ok(routing::resolve_one(&request.config, request.model.as_deref(), &region_environment(), &HostControlPlane, &HostRuntime)?.into())
    }
}
