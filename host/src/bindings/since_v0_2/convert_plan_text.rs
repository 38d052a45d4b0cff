//! The routing requests of 0.2.0: the config text only (the policy reads it itself, and
//! discovers itself while planning). The settings and discovery a 0.3.0 host may have filled
//! in are not part of this version's records.

use super::{generated_policy as p, generated_routing as r};
use openclaw_domain as d;

impl From<&d::PlanRequest> for r::PlanRequest {
    fn from(request: &d::PlanRequest) -> Self {
        Self { config: p::ConfigSource::from(&request.config), refresh: request.refresh }
    }
}

impl From<&d::ResolveRequest> for r::ResolveRequest {
    fn from(request: &d::ResolveRequest) -> Self {
        Self { config: p::ConfigSource::from(&request.config), model: request.model.clone() }
    }
}
