//! The WIT `routing` interface (contract 0.2.0 on): routes decided ahead of requests.

use std::collections::HashMap;
use std::time::Duration;

use crate::policy::{ConfigSource, Discovery, Settings};
use crate::types::ErrorClass;

/// One step of a fallback chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackStep {
    /// The failures that trigger the step.
    pub on: Vec<ErrorClass>,
    /// The model id to call instead.
    pub target: String,
    /// The region to call.
    pub region: String,
    /// When the step fails with one of these, the failure that triggered it is reported.
    pub report_original_on: Vec<ErrorClass>,
}

/// Where a request for one model reference goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The model id sent to Bedrock.
    pub target: String,
    /// The region called.
    pub region: String,
    /// Max output tokens when the request names none.
    pub max_tokens: u32,
    /// Tried in order, each at most once, while nothing has been delivered.
    pub fallbacks: Vec<FallbackStep>,
}

/// A policy's routing decisions for every reference it knows.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingPlan {
    /// Reference exactly as written to its route (a list in the WIT; the first listing wins).
    pub routes: HashMap<String, Route>,
    /// The route of a request that names no model.
    pub default_route: Option<Route>,
    /// The models clients are shown.
    pub discovery: Discovery,
    /// How long the plan holds; `None` until an input changes; zero: not at all (the catalog
    /// cache is off, every request resolves afresh). Whole seconds cross the WIT.
    pub valid_for: Option<Duration>,
}

impl RoutingPlan {
    /// A plan from its routes in listing order (the first listing of a reference wins).
    pub fn new(routes: impl IntoIterator<Item = (String, Route)>, default_route: Option<Route>, discovery: Discovery, valid_for: Option<Duration>) -> Self {
        let mut map = HashMap::new();
        for (reference, route) in routes {
            map.entry(reference).or_insert(route);
        }
        Self { routes: map, default_route, discovery, valid_for }
    }

    /// The route of `model` (exactly as written), or of a request naming none.
    pub fn route(&self, model: Option<&str>) -> Option<&Route> {
        match model {
            Some(model) => self.routes.get(model),
            None => self.default_route.as_ref(),
        }
    }

    /// Whether requests may be served from it at all (a validity of zero says not).
    pub fn serves_requests(&self) -> bool {
        self.valid_for != Some(Duration::ZERO)
    }
}

/// A route for one reference, and whether the host may keep it until the next plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Where the reference goes.
    pub route: Route,
    /// Whether the same reference resolves the same way until the next plan.
    pub remember: bool,
}

/// What a plan is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// The config file.
    pub config: ConfigSource,
    /// The settings the config part resolved `config` to (contract 0.3.0 on); `None` when the
    /// policy reads `config` itself (0.2.0).
    pub settings: Option<Settings>,
    /// The models the discovery part found (contract 0.3.0 on); `None` when the policy
    /// discovers itself (0.2.0).
    pub discovery: Option<Discovery>,
    /// Fetch the catalog now even if the host's cache is fresh.
    pub refresh: bool,
}

/// A reference the plan does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRequest {
    /// The config file.
    pub config: ConfigSource,
    /// The settings the plan was computed from (contract 0.3.0 on); `None` when the policy
    /// reads `config` itself (0.2.0).
    pub settings: Option<Settings>,
    /// The reference as the request wrote it; `None` for a request naming no model.
    pub model: Option<String>,
}
