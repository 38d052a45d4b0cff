//! The routing plan: computed by the policy when its inputs change, held by the host behind an
//! atomic swap, and looked up for every request with no guest call.
//!
//! - [`RoutingPlan`], [`Route`], [`FallbackStep`], [`Resolution`]: what a policy decides
//!   (the WIT `routing` interface, `wit/routing.wit`), in the host's own types.
//! - [`Serving`]: one policy, the config it planned with, its plan and the resolutions it
//!   allowed the host to remember; requests take an `Arc` of it and finish on it.
//! - [`Planner`] ([`planner`]): computes plans (a fresh instance each time) and swaps them in.
//! - [`call`]: a Bedrock call on a route, with the route's fallback chain executed by the host.

pub mod call;
mod planner;

pub use planner::{PlanError, Planner};

use crate::aws::model::ErrorClass;
use crate::runtime::LoadedPolicy;
use crate::types::{ConfigSource, Discovery};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most resolutions one plan remembers: the references a client sends are the client's
/// choice, so the memory they take is bounded; past the bound, misses are resolved each time.
pub const MAX_REMEMBERED: usize = 4096;

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
    routes: HashMap<String, Route>,
    default_route: Option<Route>,
    discovery: Discovery,
    valid_for: Option<Duration>,
}

impl RoutingPlan {
    /// A plan from its routes (the first listing of a reference wins).
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

    /// How many references the plan routes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether the plan routes no reference.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The models clients are shown.
    pub fn discovery(&self) -> &Discovery {
        &self.discovery
    }

    /// How long the plan holds; `None` until an input changes.
    pub fn valid_for(&self) -> Option<Duration> {
        self.valid_for
    }

    /// Whether the policy allows serving requests from it at all (`valid-for-seconds: 0`
    /// means not: the catalog cache is off, every request resolves afresh).
    pub fn serves_requests(&self) -> bool {
        self.valid_for != Some(Duration::ZERO)
    }
}

/// A route for one reference, and whether the host may keep it until the next plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Where it goes.
    pub route: Route,
    /// Whether to remember it for the plan's lifetime.
    pub remember: bool,
}

/// What requests are served from now: a policy, the config it planned with, and its plan.
/// Each request holds an `Arc` of it, so swaps never touch requests in flight.
pub struct Serving {
    policy: Arc<LoadedPolicy>,
    config: Arc<ConfigSource>,
    plan: Option<Arc<RoutingPlan>>,
    remembered: Mutex<HashMap<Option<String>, Route>>,
    version: u64,
    planned_at: Instant,
}

impl std::fmt::Debug for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serving")
            .field("policy", &self.policy.info())
            .field("version", &self.version)
            .field("routes", &self.plan.as_ref().map(|plan| plan.len()))
            .finish()
    }
}

impl Serving {
    pub(crate) fn new(policy: Arc<LoadedPolicy>, config: Arc<ConfigSource>, plan: Option<Arc<RoutingPlan>>, version: u64) -> Self {
        Self { policy, config, plan, remembered: Mutex::default(), version, planned_at: Instant::now() }
    }

    /// The policy requests are served by (misses and 0.1.0 components call it).
    pub fn policy(&self) -> &Arc<LoadedPolicy> {
        &self.policy
    }

    /// The config text the plan was computed from.
    pub fn config(&self) -> &Arc<ConfigSource> {
        &self.config
    }

    /// The plan, when the policy has one (0.2.0 on) and it computed.
    pub fn plan(&self) -> Option<&Arc<RoutingPlan>> {
        self.plan.as_ref()
    }

    /// Counts plans: each new one gets the next number (in logs, metrics and headers).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The route for `model` from the plan or a remembered resolution: a hit needs no guest
    /// call. `None` means ask the policy.
    pub fn route(&self, model: Option<&str>) -> Option<Route> {
        let plan = self.plan.as_ref().filter(|plan| plan.serves_requests())?;
        if let Some(route) = plan.route(model) {
            return Some(route.clone());
        }
        let remembered = self.remembered.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        remembered.get(&model.map(str::to_string)).cloned()
    }

    /// Keeps a resolution the policy allowed the host to remember, while there is room.
    pub fn remember(&self, model: Option<&str>, route: &Route) {
        if self.plan.as_ref().is_none_or(|plan| !plan.serves_requests()) {
            return;
        }
        let mut remembered = self.remembered.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if remembered.len() < MAX_REMEMBERED {
            remembered.entry(model.map(str::to_string)).or_insert_with(|| route.clone());
        }
    }

    /// When the plan was computed.
    pub fn planned_at(&self) -> Instant {
        self.planned_at
    }

    /// Whether the plan's validity has run out (the host then asks for a new one).
    pub fn expired(&self) -> bool {
        self.plan.as_ref().and_then(|plan| plan.valid_for()).is_some_and(|valid_for| !valid_for.is_zero() && self.planned_at.elapsed() >= valid_for)
    }
}

#[cfg(test)]
mod tests;
