//! Live reloads: the `--policy` file, the config file and the AWS profile files are polled
//! (size, modification time; the policy's SHA-256 decides whether it really changed), and
//! SIGHUP reloads the policy and config at once. Each change makes a new routing plan
//! ([`crate::plan::Planner`]): an AWS profile file only when what the policy sees of it (the
//! profile's region, the visible credential sources) changed. So does a plan whose
//! validity ran out (the catalog's refresh interval), checked at the same polls, and a plan
//! that failed is tried again every [`PLAN_RETRY`].
//!
//! Polling is portable and cheap (two `stat` calls per interval). A policy file must look the
//! same on two polls in a row before it is loaded, so a copy in progress is not mistaken for a
//! broken component; writing to a temporary name and renaming avoids the wait altogether.

use super::ControlPlane;
use crate::aws::model::VisibleSource;
use crate::sandbox::{LoadedPolicy, PolicyError, PolicySource};
use crate::types::{ConfigSource, RegionEnvironment};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// How often a plan that failed to compute is tried again.
pub const PLAN_RETRY: Duration = Duration::from_secs(30);

/// What a poll sees of a file: size and modification time, or nothing when it is missing.
type Fingerprint = Option<(u64, SystemTime)>;

fn fingerprint(path: &Path) -> Fingerprint {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.len(), metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH)))
}

/// Why a reload did not swap the policy.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The gateway runs the embedded policy: there is no file to reload.
    #[error("the gateway runs the embedded policy; start it with --policy FILE to reload one")]
    NoPolicyFile,
    /// The new component was refused; the old one keeps serving.
    #[error("{0}; the previous policy keeps serving")]
    Refused(#[from] PolicyError),
}

/// Loads the policy file if its content differs from the current policy (or always, when
/// `force`), self-checks it and swaps it in. Counted in metrics and logged either way.
pub async fn reload_policy(control: &ControlPlane, force: bool) -> Result<Arc<LoadedPolicy>, ReloadError> {
    let Some(path) = &control.sources.policy_file else { return Err(ReloadError::NoPolicyFile) };
    let current = control.host.current();
    if !force
        && let Ok(bytes) = crate::files::read_async(path, crate::files::ReadSpec::POLICY).await
        && hex::encode(Sha256::digest(&bytes)) == current.digest()
    {
        return Ok(current);
    }
    match control.host.swap(PolicySource::File(path.clone())).await {
        Ok(loaded) => {
            control.metrics.swap(true);
            control.heap.active();
            let _ = control.planner.replan(Some(Arc::clone(&loaded)), None, false, "policy swapped").await;
            tracing::warn!(policy = %loaded.info(), sha256 = %loaded.digest(), "policy swapped in; new requests use it");
            Ok(loaded)
        }
        Err(error) => {
            control.metrics.swap(false);
            tracing::error!(%error, "policy refused; the previous one keeps serving");
            Err(ReloadError::Refused(error))
        }
    }
}

/// Reads the config file off the async runtime (a missing file means defaults; no path runs
/// on defaults). An unreadable file is logged and read as missing.
pub async fn read_config(path: Option<&Path>) -> ConfigSource {
    let Some(path) = path else { return ConfigSource { origin: "(no config file)".into(), text: None } };
    match read_config_file(path).await {
        Ok(source) => source,
        Err(error) => {
            tracing::error!(%error, "config file not read; running on defaults");
            ConfigSource { origin: path.display().to_string(), text: None }
        }
    }
}

async fn read_config_file(path: &Path) -> Result<ConfigSource, String> {
    let owned = path.to_path_buf();
    match tokio::task::spawn_blocking(move || crate::environment::read_config(&owned)).await {
        Ok(read) => read.map_err(|error| error.to_string()),
        Err(error) => Err(format!("cannot read {}: {error}", path.display())),
    }
}

/// Re-reads the config file (a missing file means defaults) and, when its text changed,
/// plans with it. An unreadable file keeps the previous text, with an error in the log.
pub async fn reload_config(control: &ControlPlane) {
    let Some(path) = &control.sources.config_path else { return };
    match read_config_file(path).await {
        Ok(source) => {
            tracing::info!(config = %source.origin, found = source.text.is_some(), "config file read");
            if *control.planner.current().config().as_ref() != source {
                control.heap.active();
                let _ = control.planner.replan(None, Some(Arc::new(source)), false, "config changed").await;
            }
        }
        Err(error) => tracing::error!(%error, "config file not re-read; the previous text stays in use"),
    }
}

/// What a policy sees of the AWS profile files: the region environment and the credential
/// sources visible without a network call.
#[derive(Debug, PartialEq)]
struct ProfileView {
    environment: RegionEnvironment,
    visible: Vec<VisibleSource>,
}

impl ProfileView {
    async fn read(control: &ControlPlane) -> Self {
        let environment = crate::environment::region_environment().await;
        let visible = control.bedrock.as_ref().map(|bedrock| bedrock.visible_sources()).unwrap_or_default();
        Self { environment, visible }
    }
}

/// Re-reads the AWS profile files' view and plans again when it changed; returns the view.
/// `first` (the watcher's first poll) says nothing when nothing changed.
async fn reload_profile(control: &ControlPlane, seen: ProfileView, first: bool) -> ProfileView {
    let now = ProfileView::read(control).await;
    if now != seen {
        tracing::info!(
            profile_region = now.environment.profile_region.as_deref().unwrap_or("(none)"),
            visible_sources = now.visible.len(),
            "AWS profile files changed"
        );
        control.heap.active();
        let _ = control.planner.replan_environment(Arc::new(now.environment.clone()), "AWS profile changed").await;
    } else if !first {
        tracing::info!("AWS profile files changed; nothing the policy sees of them did, the plan stays");
    }
    now
}

/// Polls the policy, config and AWS profile files every `control.sources.interval` until the
/// task is aborted. `idle` says whether the process is quiet (nothing in flight): the freed
/// heap is then given back (`heap.rs`).
pub async fn watch_files(control: Arc<ControlPlane>, idle: impl Fn() -> bool + Send + 'static) {
    // What the plan in service was computed from; the profile files' first poll compares with
    // it, so a change between start and the first poll is not missed.
    let mut profile_view = if control.sources.aws_profile_files.is_empty() {
        None
    } else {
        let environment = control.planner.capabilities().environment.as_ref().clone();
        let visible = control.bedrock.as_ref().map(|bedrock| bedrock.visible_sources()).unwrap_or_default();
        Some(ProfileView { environment, visible })
    };
    let mut profile_seen: Vec<Option<Fingerprint>> = vec![None; control.sources.aws_profile_files.len()];
    // Nothing seen yet: the first poll counts as a change, so a file replaced between loading
    // and the watcher's start is not missed (an unchanged policy is recognised by its digest).
    let mut policy_seen: Option<Fingerprint> = None;
    let mut policy_pending = false;
    let mut config_seen: Option<Fingerprint> = None;
    let mut plan_tried = Instant::now();
    let mut ticker = tokio::time::interval(control.sources.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Some(path) = control.sources.policy_file.as_deref() {
            let now = fingerprint(path);
            if Some(now) != policy_seen {
                // Changed since the last poll: wait one more interval for it to settle.
                policy_seen = Some(now);
                policy_pending = now.is_some();
            } else if policy_pending {
                policy_pending = false;
                let _ = reload_policy(&control, false).await;
            }
        }
        if let Some(path) = control.sources.config_path.as_deref() {
            let now = fingerprint(path);
            if Some(now) != config_seen {
                config_seen = Some(now);
                reload_config(&control).await;
            }
        }
        let now: Vec<Option<Fingerprint>> = control.sources.aws_profile_files.iter().map(|path| Some(fingerprint(path))).collect();
        if now != profile_seen {
            let first = profile_seen.iter().all(Option::is_none);
            profile_seen = now;
            if let Some(seen) = profile_view.take() {
                profile_view = Some(reload_profile(&control, seen, first).await);
            }
        }
        // Quiet now after activity: give the allocator's freed pages back (heap.rs).
        control.heap.trim_if_idle(idle());
        let serving = control.planner.current();
        let unplanned = serving.plan().is_none() && serving.policy().contract().plans();
        if serving.expired() || (unplanned && plan_tried.elapsed() >= PLAN_RETRY) {
            plan_tried = Instant::now();
            let why = if unplanned { "retry after a failed plan" } else { "plan expired" };
            control.heap.active();
            let _ = control.planner.replan(None, None, false, why).await;
        }
    }
}

/// Listens for SIGHUP now (so one sent right after this returns is not lost) and reloads the
/// policy (and config) on each, in a task that runs until aborted.
#[cfg(unix)]
pub fn reload_on_sighup(control: Arc<ControlPlane>) -> tokio::task::JoinHandle<()> {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(hangups) => tokio::spawn(reload_on_each(control, hangups)),
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGHUP; reload with the file watcher or POST /admin/policy");
            tokio::spawn(async {})
        }
    }
}

#[cfg(unix)]
async fn reload_on_each(control: Arc<ControlPlane>, mut hangups: tokio::signal::unix::Signal) {
    while hangups.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading the policy and the config");
        reload_config(&control).await;
        match reload_policy(&control, true).await {
            Ok(_) | Err(ReloadError::Refused(_)) => {}
            Err(error @ ReloadError::NoPolicyFile) => tracing::info!("{error}"),
        }
    }
}

/// SIGHUP does not exist here: nothing to listen for.
#[cfg(not(unix))]
pub fn reload_on_sighup(_control: Arc<ControlPlane>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {})
}
