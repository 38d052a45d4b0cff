//! A 0.3.0 policy that decides routing only (world `routing-policy`): the default policy reads
//! the config, discovers, and chats. Its rule is fixed and recognisable: `lane/fast` goes to
//! Nova Micro, a request naming no model goes to Nova Lite (whatever the config's default
//! model), every discovered model goes to itself; anything else is `not-found` in its words.
//! Its plan shows the discovered models unchanged.

wit_bindgen::generate!({
    path: "../../../wit",
    world: "routing-policy",
});

use exports::openclaw::bedrock::identity::{Guest as Identity, PolicyInfo};
use exports::openclaw::bedrock::routing::{Guest as Routing, PlanEntry, PlanRequest, Resolution, ResolveRequest, Route, RoutingPlan};
use openclaw::bedrock::types::{ApiError, ErrorClass};

/// The reference of its own lane.
const FAST_LANE: &str = "lane/fast";
/// Where the fast lane goes.
const FAST_TARGET: &str = "amazon.nova-micro-v1:0";
/// Where a request naming no model goes.
const DEFAULT_TARGET: &str = "amazon.nova-lite-v1:0";

struct PartsRouting;

fn route(target: &str, region: &str) -> Route {
    Route { target: target.to_string(), region: region.to_string(), max_tokens: 512, fallbacks: Vec::new() }
}

impl Identity for PartsRouting {
    fn self_check() -> Result<PolicyInfo, String> {
        Ok(PolicyInfo { name: "parts-routing".into(), version: "0.1.0".into(), contract: "0.3.0".into() })
    }
}

impl Routing for PartsRouting {
    fn plan(request: PlanRequest) -> Result<RoutingPlan, ApiError> {
        let region = request.settings.region.name.clone();
        let mut routes = vec![PlanEntry { reference: FAST_LANE.into(), route: route(FAST_TARGET, &region) }];
        routes.extend(request.discovery.models.iter().map(|model| PlanEntry { reference: model.id.clone(), route: route(&model.id, &region) }));
        Ok(RoutingPlan { routes, default_route: Some(route(DEFAULT_TARGET, &region)), discovery: request.discovery, valid_for_seconds: None })
    }

    fn resolve(request: ResolveRequest) -> Result<Resolution, ApiError> {
        let model = request.model.unwrap_or_default();
        Err(ApiError {
            class: ErrorClass::NotFound,
            code: None,
            message: format!("parts-routing routes `{FAST_LANE}`, the discovered models and requests naming none, not {model:?}"),
            http_status: None,
            retryable: false,
        })
    }
}

export!(PartsRouting);
