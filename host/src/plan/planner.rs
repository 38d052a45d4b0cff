//! Computing plans and swapping them in.
//!
//! A plan is computed in a fresh instance of the policy it belongs to, with the config text it
//! is computed from, and swapped in together with that policy and config: a request takes one
//! [`Serving`] and never sees a policy with another policy's plan. Plans are computed one at a
//! time (a new request to plan waits for the one running and then computes from the newest
//! inputs), and a failed plan leaves the previous one serving, with the reason in the log.

use super::{RoutingPlan, Serving};
use crate::capability::Capabilities;
use crate::sandbox::{LoadedPolicy, PolicyError, PolicyHost};
use crate::types::{ConfigSource, RegionEnvironment};
use arc_swap::ArcSwap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a plan was not computed; the previous one keeps serving.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The policy failed (trap, deadline, memory cap).
    #[error("the policy failed while planning: {0}")]
    Policy(#[from] PolicyError),
    /// The policy refused to plan (an invalid config, the control plane down, ...).
    #[error("the policy did not plan: {0}")]
    Refused(crate::aws::model::ApiError),
}

/// Holds what requests are served from and replaces it when an input changes.
pub struct Planner {
    host: Arc<PolicyHost>,
    /// What plans (and the policy's `resolve` and `discover` for requests) are computed with;
    /// its region environment is replaced when the AWS profile files change.
    capabilities: ArcSwap<Capabilities>,
    current: ArcSwap<Serving>,
    planning: tokio::sync::Mutex<()>,
    versions: AtomicU64,
}

impl std::fmt::Debug for Planner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planner").field("current", &self.current.load()).finish_non_exhaustive()
    }
}

impl Planner {
    /// Serves the host's current policy with `config`, planning once now. A plan that fails
    /// here is logged, and requests are resolved one by one until a plan computes.
    pub async fn start(host: Arc<PolicyHost>, capabilities: Capabilities, config: Arc<ConfigSource>) -> Self {
        let policy = host.current();
        let planner = Planner {
            current: ArcSwap::from_pointee(Serving::new(Arc::clone(&policy), Arc::clone(&config), None, 0)),
            host,
            capabilities: ArcSwap::from_pointee(capabilities),
            planning: tokio::sync::Mutex::new(()),
            versions: AtomicU64::new(0),
        };
        let _ = planner.replan(Some(policy), Some(config), false, "start").await;
        planner
    }

    /// What requests are served from now.
    pub fn current(&self) -> Arc<Serving> {
        self.current.load_full()
    }

    /// The capabilities policy instances get now (the newest region environment).
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities.load().as_ref().clone()
    }

    /// Plans again with a new region environment (the AWS profile's region changed) or the
    /// same one (the visible credential sources changed), which also serves the policy's
    /// `resolve` and `discover` from now on.
    pub async fn replan_environment(&self, environment: Arc<RegionEnvironment>, why: &'static str) -> Result<Arc<Serving>, PlanError> {
        let _one_at_a_time = self.planning.lock().await;
        let bedrock = self.capabilities.load().bedrock.clone();
        self.capabilities.store(Arc::new(Capabilities { environment, bedrock }));
        self.replan_locked(None, None, false, why).await
    }

    /// Plans again from the current inputs, replacing `policy` and/or `config` when given
    /// (`refresh` asks the policy to refresh the catalog). On success the new plan serves new
    /// requests. On failure the previous plan keeps serving when it belongs to the same
    /// policy; a new policy whose plan fails serves through `resolve` (its decisions cannot be
    /// another policy's plan). Either way the reason is logged and returned.
    pub async fn replan(
        &self,
        policy: Option<Arc<LoadedPolicy>>,
        config: Option<Arc<ConfigSource>>,
        refresh: bool,
        why: &'static str,
    ) -> Result<Arc<Serving>, PlanError> {
        let _one_at_a_time = self.planning.lock().await;
        self.replan_locked(policy, config, refresh, why).await
    }

    /// Plans again with a refreshed catalog (`GET /v1/models?refresh=true`). Refreshes asked
    /// for while one runs are answered by it: a burst of them costs one set of control-plane
    /// calls, not one per request.
    pub async fn refresh(&self) -> Result<Arc<Serving>, PlanError> {
        let asked_at = std::time::Instant::now();
        let _one_at_a_time = self.planning.lock().await;
        let current = self.current();
        if current.planned_at() >= asked_at {
            return Ok(current);
        }
        self.replan_locked(None, None, true, "catalog refresh").await
    }

    async fn replan_locked(
        &self,
        policy: Option<Arc<LoadedPolicy>>,
        config: Option<Arc<ConfigSource>>,
        refresh: bool,
        why: &'static str,
    ) -> Result<Arc<Serving>, PlanError> {
        let previous = self.current();
        // A policy swapped out since it was handed here (two swaps race: the file watcher's and
        // a SIGHUP's, each planning after its swap) must not be planned over its successor:
        // the later swap's own plan, queued behind this lock or done, serves the current one.
        if let Some(given) = &policy
            && !Arc::ptr_eq(given, &self.host.current())
        {
            tracing::debug!(why, policy = %given.info(), "no plan for a policy swapped out since");
            return Ok(previous);
        }
        let policy = policy.unwrap_or_else(|| Arc::clone(previous.policy()));
        let config = config.unwrap_or_else(|| Arc::clone(previous.config()));
        let same_policy = Arc::ptr_eq(&policy, previous.policy());
        let version = self.versions.fetch_add(1, Ordering::Relaxed) + 1;
        let planned = match self.compute(&policy, &config, refresh).await {
            Ok(plan) => plan.map(Arc::new),
            Err(error) => {
                tracing::warn!(%error, why, policy = %policy.info(), "no new routing plan; {}", if same_policy { "the previous one keeps serving" } else { "requests are resolved one by one" });
                if same_policy {
                    // The config may have changed all the same: requests resolved one by one
                    // (and the next plan) must see the new text.
                    if !Arc::ptr_eq(&config, previous.config()) {
                        self.current.store(Arc::new(Serving::new(policy, config, previous.plan().cloned(), previous.version())));
                    }
                } else {
                    self.current.store(Arc::new(Serving::new(policy, config, None, version)));
                }
                return Err(error);
            }
        };
        let routes = planned.as_ref().map_or(0, |plan| plan.routes.len());
        let serving = Arc::new(Serving::new(policy, config, planned, version));
        self.current.store(Arc::clone(&serving));
        // Logged once it is true: a request sent after this line is served from this plan.
        let policy = serving.policy();
        tracing::info!(why, version, routes, policy = %policy.info(), contract = policy.contract().as_str(), "routing plan in service");
        Ok(serving)
    }

    /// A plan from `policy` for `config`, or `None` for a contract version without plans.
    async fn compute(&self, policy: &Arc<LoadedPolicy>, config: &ConfigSource, refresh: bool) -> Result<Option<RoutingPlan>, PlanError> {
        if !policy.contract().plans() {
            return Ok(None);
        }
        let mut instance = self.host.instance_of(Arc::clone(policy), self.capabilities()).await?;
        match instance.plan(config, refresh).await? {
            Ok(plan) => Ok(Some(plan)),
            Err(error) => Err(PlanError::Refused(error)),
        }
    }
}
