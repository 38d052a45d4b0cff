//! The control plane: what the gateway serves, and what changes it. It holds the policy host
//! and the planner ([`crate::plan::Planner`]: a policy, its config and its routing plan, swapped
//! whole) and watches the sources they come from ([`watch`]: the `--policy` file, the config
//! file, the AWS profile files, SIGHUP). The data path only reads [`ControlPlane::serving`]:
//! one source of the policy in service, so a response's headers, its metrics and its routing
//! never name two different policies during a swap.

pub mod watch;

pub use watch::ReloadError;

use crate::capability::{BedrockAccess, Capabilities};
use crate::heap::HeapTrim;
use crate::plan::{PlanError, Planner, Serving};
use crate::sandbox::{LoadedPolicy, PolicyError, PolicyHost, PolicyInstance};
use crate::telemetry::metrics::Metrics;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where the policy, the config and the AWS profile come from, and how often they are polled.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The `--policy` file; `None` for the embedded policy (nothing to reload).
    pub policy_file: Option<PathBuf>,
    /// The config file; `None` runs on defaults.
    pub config_path: Option<PathBuf>,
    /// The AWS shared config and credentials files (see `GatewayOptions::aws_profile_files`).
    pub aws_profile_files: Vec<PathBuf>,
    /// How often the files are polled.
    pub interval: Duration,
}

/// The policy in service, its plan, and their sources.
pub struct ControlPlane {
    host: Arc<PolicyHost>,
    planner: Planner,
    /// Bedrock access for the host's own calls (and the credential sources it can see).
    bedrock: Option<Arc<dyn BedrockAccess>>,
    sources: Sources,
    /// Swaps are counted here.
    metrics: Metrics,
    /// Swaps and new plans count as activity (the heap is trimmed once things go quiet).
    heap: Arc<HeapTrim>,
}

impl ControlPlane {
    /// Reads the config file and computes the first plan.
    pub async fn start(host: Arc<PolicyHost>, capabilities: Capabilities, sources: Sources, metrics: Metrics, heap: Arc<HeapTrim>) -> Self {
        let config = watch::read_config(sources.config_path.as_deref()).await;
        let bedrock = capabilities.bedrock.clone();
        let planner = Planner::start(Arc::clone(&host), capabilities, Arc::new(config)).await;
        let sources = Sources { interval: sources.interval.max(Duration::from_millis(10)), ..sources };
        Self { host, planner, bedrock, sources, metrics, heap }
    }

    /// What requests are served from now: the policy, its config and its routing plan.
    pub fn serving(&self) -> Arc<Serving> {
        self.planner.current()
    }

    /// The policy in service (the one [`ControlPlane::serving`] holds).
    pub fn policy(&self) -> Arc<LoadedPolicy> {
        Arc::clone(self.serving().policy())
    }

    /// What every policy instance is handed: the region environment and Bedrock access.
    pub fn capabilities(&self) -> Capabilities {
        self.planner.capabilities()
    }

    /// A fresh instance of `serving`'s policy, for what the plan does not cover.
    pub async fn instance(&self, serving: &Serving) -> Result<PolicyInstance, PolicyError> {
        self.host.instance_of(Arc::clone(serving.policy()), self.planner.capabilities()).await
    }

    /// Plans again with a refreshed catalog (coalesced with a refresh in progress).
    pub async fn refresh(&self) -> Result<Arc<Serving>, PlanError> {
        self.planner.refresh().await
    }

    /// Bedrock access for the host's own calls (none when no credentials were configured).
    pub fn bedrock(&self) -> Option<&Arc<dyn BedrockAccess>> {
        self.bedrock.as_ref()
    }

    /// Reloads the config file, then the policy file (`force`: even when its digest is the
    /// same), as SIGHUP and `POST /admin/policy` do.
    pub async fn reload(&self, force: bool) -> Result<Arc<LoadedPolicy>, ReloadError> {
        watch::reload_config(self).await;
        watch::reload_policy(self, force).await
    }
}
