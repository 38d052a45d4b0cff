//! Conversions from the `routing` export's generated types to the domain types (0.2.0 on), in
//! the style of `convert.rs`. Plan validity crosses the WIT in whole seconds.

use super::generated_routing as r;
use openclaw_domain as d;
use std::time::Duration;

impl From<r::FallbackStep> for d::FallbackStep {
    fn from(step: r::FallbackStep) -> Self {
        Self {
            on: step.on.into_iter().map(Into::into).collect(),
            target: step.target,
            region: step.region,
            report_original_on: step.report_original_on.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<r::Route> for d::Route {
    fn from(route: r::Route) -> Self {
        Self { target: route.target, region: route.region, max_tokens: route.max_tokens, fallbacks: route.fallbacks.into_iter().map(Into::into).collect() }
    }
}

impl From<r::RoutingPlan> for d::RoutingPlan {
    fn from(plan: r::RoutingPlan) -> Self {
        d::RoutingPlan::new(
            plan.routes.into_iter().map(|entry| (entry.reference, entry.route.into())),
            plan.default_route.map(Into::into),
            plan.discovery.into(),
            plan.valid_for_seconds.map(Duration::from_secs),
        )
    }
}

impl From<r::Resolution> for d::Resolution {
    fn from(resolution: r::Resolution) -> Self {
        Self { route: resolution.route.into(), remember: resolution.remember }
    }
}
