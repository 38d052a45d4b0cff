//! The glue for the `routing` export (0.2.0 on; from 0.3.0 its requests carry the settings
//! and the discovered models, which the domain requests hold as `Some`).

use super::control_plane::HostControlPlane;
use super::exports::openclaw::bedrock::routing as wit;
use super::openclaw::bedrock::types::ApiError;
use super::{HostRuntime, region_environment};
use crate::routing;
use openclaw_domain::{PlanRequest, ResolveRequest};

impl wit::Guest for super::DefaultPolicy {
    fn plan(request: wit::PlanRequest) -> Result<wit::RoutingPlan, ApiError> {
        let request = PlanRequest::from(request);
        Ok(routing::plan(&request, &region_environment(), &HostControlPlane, &HostRuntime)?.into())
    }

    fn resolve(request: wit::ResolveRequest) -> Result<wit::Resolution, ApiError> {
        let request = ResolveRequest::from(request);
        Ok(routing::resolve_one(&request, &region_environment(), &HostControlPlane, &HostRuntime)?.into())
    }
}
