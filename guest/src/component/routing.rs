//! The glue for the `routing` export: the plan and resolutions in their WIT form.

use super::control_plane::{HostControlPlane, discovery_to_wit};
use super::exports::openclaw::bedrock::routing as wit;
use super::openclaw::bedrock::types::{ApiError, ErrorClass};
use super::{HostRuntime, config_from_wit, error_class_to_wit, error_to_wit, region_environment};
use crate::routing;

impl wit::Guest for super::DefaultPolicy {
    fn plan(request: wit::PlanRequest) -> Result<wit::RoutingPlan, ApiError> {
        let plan =
            routing::plan(&config_from_wit(request.config), request.refresh, &region_environment(), &HostControlPlane, &HostRuntime).map_err(error_to_wit)?;
        Ok(wit::RoutingPlan {
            routes: plan.routes.into_iter().map(|(reference, route)| wit::PlanEntry { reference, route: route_to_wit(route) }).collect(),
            default_route: plan.default_route.map(route_to_wit),
            discovery: discovery_to_wit(plan.discovery),
            valid_for_seconds: plan.valid_for_seconds,
        })
    }

    fn resolve(request: wit::ResolveRequest) -> Result<wit::Resolution, ApiError> {
        let resolution =
            routing::resolve_one(&config_from_wit(request.config), request.model.as_deref(), &region_environment(), &HostControlPlane, &HostRuntime)
                .map_err(error_to_wit)?;
        Ok(wit::Resolution { route: route_to_wit(resolution.route), remember: resolution.remember })
    }
}

fn route_to_wit(route: routing::Route) -> wit::Route {
    wit::Route {
        target: route.target,
        region: route.region,
        max_tokens: route.max_tokens,
        fallbacks: route
            .fallbacks
            .into_iter()
            .map(|step| wit::FallbackStep {
                on: classes_to_wit(&step.on),
                target: step.target,
                region: step.region,
                report_original_on: classes_to_wit(&step.report_original_on),
            })
            .collect(),
    }
}

fn classes_to_wit(classes: &[crate::runtime::ErrorClass]) -> Vec<ErrorClass> {
    classes.iter().map(|class| error_class_to_wit(*class)).collect()
}
