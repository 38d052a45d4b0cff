//! The routing plan: computed by the policy when its inputs change, held by the host behind an
//! atomic swap, and looked up for every request with no guest call.
//!
//! - [`RoutingPlan`], [`Route`], [`FallbackStep`], [`Resolution`]: what a policy decides
//!   (the WIT `routing` interface, `wit/routing.wit`), as the contract's domain types.
//! - [`Serving`]: one policy, the config it planned with, its plan and the resolutions it
//!   allowed the host to remember; requests take an `Arc` of it and finish on it.
//! - [`Planner`] ([`planner`]): computes plans (a fresh instance each time) and swaps them in.
//! - [`call`]: a Bedrock call on a route, with the route's fallback chain executed by the host.

pub mod call;
mod planner;

pub use openclaw_domain::{FallbackStep, Resolution, Route, RoutingPlan};
pub use planner::{PlanError, Planner};

use crate::sandbox::LoadedPolicy;
use crate::types::ConfigSource;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Most resolutions one plan remembers: the references a client sends are the client's
/// choice, so the memory they take is bounded; past the bound, misses are resolved each time.
pub const MAX_REMEMBERED: usize = 4096;

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
            .field("routes", &self.plan.as_ref().map(|plan| plan.routes.len()))
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
        self.plan.as_ref().and_then(|plan| plan.valid_for).is_some_and(|valid_for| !valid_for.is_zero() && self.planned_at.elapsed() >= valid_for)
    }
}

#[cfg(test)]
mod tests;
