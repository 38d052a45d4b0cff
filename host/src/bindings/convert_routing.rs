//! Conversions from the `routing` export's generated types to [`crate::plan`] (0.2.0 on).

use super::generated_routing as r;
use crate::plan;
use std::time::Duration;

impl From<r::FallbackStep> for plan::FallbackStep {
    fn from(step: r::FallbackStep) -> Self {
        Self {
            on: step.on.into_iter().map(Into::into).collect(),
            target: step.target,
            region: step.region,
            report_original_on: step.report_original_on.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<r::Route> for plan::Route {
    fn from(route: r::Route) -> Self {
        Self { target: route.target, region: route.region, max_tokens: route.max_tokens, fallbacks: route.fallbacks.into_iter().map(Into::into).collect() }
    }
}

impl From<r::RoutingPlan> for plan::RoutingPlan {
    fn from(routing: r::RoutingPlan) -> Self {
        plan::RoutingPlan::new(
            routing.routes.into_iter().map(|entry| (entry.reference, entry.route.into())),
            routing.default_route.map(Into::into),
            routing.discovery.into(),
            routing.valid_for_seconds.map(Duration::from_secs),
        )
    }
}

impl From<r::Resolution> for plan::Resolution {
    fn from(resolution: r::Resolution) -> Self {
        Self { route: resolution.route.into(), remember: resolution.remember }
    }
}
