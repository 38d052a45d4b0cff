//! A running gateway's controls ([`GatewayHandle`]): what an embedder, the CLI's signal
//! handling and the tests use to reload, read the policy and the metrics, and start draining.

use super::Shared;
use crate::control::ReloadError;
use crate::plan::Serving;
use crate::sandbox::LoadedPolicy;
use std::sync::Arc;

/// A running gateway's controls, cheap to clone: reload, current policy, metrics.
#[derive(Clone)]
pub struct GatewayHandle {
    pub(super) shared: Arc<Shared>,
}

impl GatewayHandle {
    /// The policy new requests run.
    pub fn policy(&self) -> Arc<LoadedPolicy> {
        self.shared.control.policy()
    }

    /// Reloads the policy file (and the config) now, as SIGHUP does.
    pub async fn reload(&self) -> Result<Arc<LoadedPolicy>, ReloadError> {
        self.shared.control.reload(true).await
    }

    /// What requests are served from now: the policy, its config and its routing plan.
    pub fn serving(&self) -> Arc<Serving> {
        self.shared.control.serving()
    }

    /// Listens for SIGHUP (from now on) and reloads on each, until the returned task is aborted.
    pub fn reload_on_sighup(&self) -> tokio::task::JoinHandle<()> {
        crate::control::watch::reload_on_sighup(Arc::clone(&self.shared.control))
    }

    /// The metrics in the Prometheus text format.
    pub fn metrics(&self) -> String {
        self.shared.metrics.render(&self.shared.control.policy().info().to_string())
    }

    /// Chat requests routed so far: (from the plan with no guest call, by asking the policy).
    pub fn routing_counts(&self) -> (u64, u64) {
        self.shared.metrics.routing_counts()
    }

    /// Policy swaps so far: (loaded, refused).
    pub fn swap_counts(&self) -> (u64, u64) {
        self.shared.metrics.swap_counts()
    }

    /// Shutdown is coming: `/readyz` answers 503 (reason `draining`) from now on, so a load
    /// balancer takes this gateway out of rotation, while it goes on serving every request
    /// until [`super::Gateway::serve`]'s shutdown future completes.
    pub fn start_draining(&self) {
        if self.shared.readiness.start_draining() {
            tracing::info!("draining: /readyz answers 503; still serving");
        }
    }

    /// Whether [`GatewayHandle::start_draining`] was called (or shutdown began).
    pub fn is_draining(&self) -> bool {
        self.shared.readiness.is_draining()
    }
}
