//! One sandboxed instance of a policy: a fresh store with its own limits, and typed calls of
//! the parts it exports. The calls the rest of the host makes, which compose the parts of a
//! 0.3.0 component with the default policy's, are in `compose.rs`.

use super::LoadedPolicy;
use super::contract::{Contract, PolicyBindings, PolicyPre, call_policy};
use super::error::{PolicyError, one_line};
use super::limits::{Limits, deadline_ticks};
use super::parts::Part;
use super::stderr::StderrTail;
use crate::aws::model::ApiError;
use crate::bindings::SettingsMissing;
use crate::capability::Capabilities;
use crate::instance_state::HostState;
use crate::types::{ChatRequest, ConfigOutcome, ConfigSource, DiscoverRequest, Discovery, ModelReference, PolicyInfo, ProbeRequest, ProbeResult};
use openclaw_domain::{PlanRequest, Resolution, ResolveRequest, RoutingPlan};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

mod stream;

pub use stream::ChatStream;

/// What a `discover` call may wait on Bedrock: the control plane's 30 s timeout and a margin.
const DISCOVERY_IO_ALLOWANCE: Duration = Duration::from_secs(35);

/// A live instance of one policy. Calls run one at a time, each under the call deadline; the
/// memory cap holds for the instance's life. After a failed call the instance is poisoned
/// (a trapped guest may be in any state) and further calls are refused.
pub struct PolicyInstance {
    store: Store<HostState>,
    bindings: PolicyBindings,
    policy: Option<Arc<LoadedPolicy>>,
    /// Where the component comes from, for the log, while it is being loaded (no `policy` yet).
    loading: Option<String>,
    deadline: Duration,
    epoch_tick: Duration,
    memory_cap: usize,
    poisoned: bool,
    budget: Arc<Mutex<CallBudget>>,
    /// What the guest wrote to stderr (the store's WASI context writes into the same tail).
    stderr: StderrTail,
    /// What starting another instance takes: the default policy's, for the parts a 0.3.0
    /// component leaves to it (`compose.rs`), is started at its first such call.
    pub(super) engine: Engine,
    pub(super) limits: Limits,
    pub(super) capabilities: Capabilities,
    pub(super) default: Option<Box<PolicyInstance>>,
}

/// What the current guest call may still use, checked at every epoch tick the guest runs
/// through. The guest yields to the async executor at each tick (so a spinning guest never
/// holds a worker thread for more than one tick), and is stopped when it has run for the
/// call deadline (ticks it ran through; waiting on host I/O costs one tick per wait) or when
/// the wall clock passes the deadline plus the call's I/O allowance.
#[derive(Debug)]
struct CallBudget {
    ends_at: Instant,
    ticks_left: u64,
}

impl CallBudget {
    fn new(deadline: Duration, io_allowance: Duration, tick: Duration) -> Self {
        Self { ends_at: Instant::now() + deadline + io_allowance, ticks_left: deadline_ticks(deadline, tick) }
    }

    fn tick(&mut self) -> UpdateDeadline {
        self.ticks_left = self.ticks_left.saturating_sub(1);
        if self.ticks_left == 0 || Instant::now() >= self.ends_at { UpdateDeadline::Interrupt } else { UpdateDeadline::Yield(1) }
    }
}

impl PolicyInstance {
    pub(crate) async fn start(
        engine: &Engine,
        pre: &PolicyPre,
        limits: &Limits,
        capabilities: Capabilities,
        policy: Result<Arc<LoadedPolicy>, &str>,
    ) -> Result<Self, PolicyError> {
        let (policy, loading) = match policy {
            Ok(policy) => (Some(policy), None),
            Err(origin) => (None, Some(origin.to_string())),
        };
        let stderr = StderrTail::default();
        let mut store = Store::new(engine, HostState::new(limits.memory_bytes, capabilities.clone(), stderr.clone()));
        store.limiter(|state| &mut state.memory);
        let budget = Arc::new(Mutex::new(CallBudget::new(limits.call_deadline, Duration::ZERO, limits.epoch_tick)));
        let ticking = Arc::clone(&budget);
        store.epoch_deadline_callback(move |_| Ok(ticking.lock().map_or(UpdateDeadline::Interrupt, |mut budget| budget.tick())));
        store.set_epoch_deadline(1);
        let instance = Self {
            bindings: match pre.instantiate(&mut store).await {
                Ok(bindings) => bindings,
                Err(error) => {
                    let label = policy.as_deref().map(LoadedPolicy::info_line).or(loading.as_deref());
                    return Err(classify("instantiate", &error, &store, &stderr, limits.call_deadline, limits.memory_bytes, label));
                }
            },
            store,
            policy,
            loading,
            deadline: limits.call_deadline,
            epoch_tick: limits.epoch_tick,
            memory_cap: limits.memory_bytes,
            poisoned: false,
            budget,
            stderr,
            engine: engine.clone(),
            limits: limits.clone(),
            capabilities,
            default: None,
        };
        Ok(instance)
    }

    /// The policy this instance runs; `None` only for the self-check run during loading.
    pub fn policy(&self) -> Option<&Arc<LoadedPolicy>> {
        self.policy.as_ref()
    }

    /// The contract version of the running component.
    pub fn contract(&self) -> Contract {
        self.bindings.contract()
    }

    /// Whether this instance's component exports `part` itself.
    pub(super) fn exports(&self, part: Part) -> bool {
        self.bindings.has(part)
    }

    /// The component's self-check: who it is, or why it refuses to run.
    pub async fn self_check(&mut self) -> Result<Result<PolicyInfo, String>, PolicyError> {
        self.before_call(Duration::ZERO)?;
        let Self { bindings, store, .. } = self;
        let result = call_policy!(bindings,
            policy => policy.call_self_check(&mut *store).await.map(|info| info.map(Into::into)),
            parts => parts.identity.call_self_check(&mut *store).await.map(|info| info.map(Into::into)));
        self.after_call("self-check", result)
    }

    /// `load-config` of this instance's own config part.
    pub(super) async fn own_load_config(&mut self, source: &ConfigSource) -> Result<ConfigOutcome, PolicyError> {
        const CALL: &str = "load-config";
        self.before_call(Duration::ZERO)?;
        let Self { bindings, store, .. } = self;
        let result = call_policy!(bindings,
        policy => policy.call_load_config(&mut *store, &source.into()).await.map(config_outcome),
        parts => match &parts.config {
            Some(config) => config.call_load_config(&mut *store, &source.into()).await.map(config_outcome),
            None => return Err(missing(Part::Config, CALL)),
        });
        self.after_call(CALL, result)
    }

    /// `parse-model-reference` of this instance's own config part.
    pub(super) async fn own_parse_model_reference(&mut self, text: &str) -> Result<Result<ModelReference, String>, PolicyError> {
        const CALL: &str = "parse-model-reference";
        self.before_call(Duration::ZERO)?;
        let Self { bindings, store, .. } = self;
        let result = call_policy!(bindings,
        policy => policy.call_parse_model_reference(&mut *store, text).await.map(|parsed| parsed.map(Into::into)),
        parts => match &parts.config {
            Some(config) => config.call_parse_model_reference(&mut *store, text).await.map(|parsed| parsed.map(Into::into)),
            None => return Err(missing(Part::Config, CALL)),
        });
        self.after_call(CALL, result)
    }

    /// `probe` of this instance's own chat part. The call may wait on Bedrock for the probe's
    /// timeout on top of the usual deadline.
    pub(super) async fn own_probe(&mut self, request: &ProbeRequest) -> Result<ProbeResult, PolicyError> {
        const CALL: &str = "probe";
        self.before_call(request.timeout)?;
        let Self { bindings, store, .. } = self;
        let result = call_policy!(bindings,
        policy => policy.call_probe(&mut *store, &request.into()).await.map(Into::into),
        parts => match &parts.chat {
            Some(chat) => chat.call_probe(&mut *store, &request.try_into().map_err(settings_missing)?).await.map(Into::into),
            None => return Err(missing(Part::Chat, CALL)),
        });
        self.after_call(CALL, result)
    }

    /// `discover` of this instance's own discovery part. The call may wait on the control
    /// plane (two calls of up to 30 s each, made at once) on top of the usual deadline.
    pub(super) async fn own_discover(&mut self, request: &DiscoverRequest) -> Result<Result<Discovery, ApiError>, PolicyError> {
        const CALL: &str = "discover";
        self.before_call(DISCOVERY_IO_ALLOWANCE)?;
        let Self { bindings, store, .. } = self;
        let result = call_policy!(bindings,
        policy => policy.call_discover(&mut *store, &request.into()).await.map(|found| found.map(Into::into).map_err(Into::into)),
        parts => match &parts.discovery {
            Some(discovery) => discovery
                .call_discover(&mut *store, &request.try_into().map_err(settings_missing)?)
                .await
                .map(|found| found.map(Into::into).map_err(Into::into)),
            None => return Err(missing(Part::Discovery, CALL)),
        });
        self.after_call(CALL, result)
    }

    /// `plan` of this instance's own routing part (contract 0.2.0 on). The call may wait on
    /// the control plane, as `discover` does.
    pub(super) async fn own_plan(&mut self, request: &PlanRequest) -> Result<Result<RoutingPlan, ApiError>, PolicyError> {
        const CALL: &str = "plan";
        self.before_call(DISCOVERY_IO_ALLOWANCE)?;
        let contract = self.contract();
        let result = match &self.bindings {
            PolicyBindings::V0_1(_) => return Err(PolicyError::Unsupported { call: CALL, contract }),
            PolicyBindings::V0_2(bindings) => {
                bindings.openclaw_bedrock_routing().call_plan(&mut self.store, &request.into()).await.map(|plan| plan.map(Into::into).map_err(Into::into))
            }
            PolicyBindings::V0_3(parts) => match &parts.routing {
                Some(routing) => routing
                    .call_plan(&mut self.store, &request.try_into().map_err(settings_missing)?)
                    .await
                    .map(|plan| plan.map(Into::into).map_err(Into::into)),
                None => return Err(missing(Part::Routing, CALL)),
            },
        };
        self.after_call(CALL, result)
    }

    /// `resolve` of this instance's own routing part (contract 0.2.0 on). The call may wait on
    /// the control plane for the region's catalog.
    pub(super) async fn own_resolve(&mut self, request: &ResolveRequest) -> Result<Result<Resolution, ApiError>, PolicyError> {
        const CALL: &str = "resolve";
        self.before_call(DISCOVERY_IO_ALLOWANCE)?;
        let contract = self.contract();
        let result = match &self.bindings {
            PolicyBindings::V0_1(_) => return Err(PolicyError::Unsupported { call: CALL, contract }),
            PolicyBindings::V0_2(bindings) => bindings
                .openclaw_bedrock_routing()
                .call_resolve(&mut self.store, &request.into())
                .await
                .map(|answer| answer.map(Into::into).map_err(Into::into)),
            PolicyBindings::V0_3(parts) => match &parts.routing {
                Some(routing) => routing
                    .call_resolve(&mut self.store, &request.try_into().map_err(settings_missing)?)
                    .await
                    .map(|answer| answer.map(Into::into).map_err(Into::into)),
                None => return Err(missing(Part::Routing, CALL)),
            },
        };
        self.after_call(CALL, result)
    }

    /// `chat` of this instance's own chat part; the stream keeps this instance for its whole
    /// life and names `policy` as the policy that serves it.
    pub(super) async fn own_chat(mut self, request: &ChatRequest, policy: Option<Arc<LoadedPolicy>>) -> Result<Result<ChatStream, ApiError>, PolicyError> {
        const CALL: &str = "chat";
        self.before_call(request.timeout)?;
        let Self { bindings, store, .. } = &mut self;
        let result = call_policy!(bindings,
        policy => policy.call_chat(&mut *store, &request.into()).await.map(|started| started.map_err(Into::into)),
        parts => match &parts.chat {
            Some(chat) => chat.call_chat(&mut *store, &request.try_into().map_err(settings_missing)?).await.map(|started| started.map_err(Into::into)),
            None => return Err(missing(Part::Chat, CALL)),
        });
        match self.after_call(CALL, result)? {
            Ok(stream) => Ok(Ok(ChatStream { instance: self, stream, io_allowance: request.timeout, policy })),
            Err(error) => Ok(Err(error)),
        }
    }

    fn before_call(&mut self, io_allowance: Duration) -> Result<(), PolicyError> {
        if self.poisoned {
            return Err(PolicyError::Poisoned);
        }
        if let Ok(mut budget) = self.budget.lock() {
            *budget = CallBudget::new(self.deadline, io_allowance, self.epoch_tick);
        }
        self.store.set_epoch_deadline(1);
        Ok(())
    }
    fn after_call<T>(&mut self, call: &'static str, result: wasmtime::Result<T>) -> Result<T, PolicyError> {
        let label = self.policy.as_deref().map(LoadedPolicy::info_line).or(self.loading.as_deref());
        match result {
            Ok(value) => {
                // What a working policy prints goes to the log, at info: it is the policy's
                // own debugging output, not the host's warning.
                let stderr = &self.stderr;
                if let Some(text) = stderr.take_new()
                    && stderr.may_log()
                {
                    tracing::info!(target: "policy", policy = label.unwrap_or(UNNAMED), call, "policy stderr: {text}");
                }
                Ok(value)
            }
            Err(error) => {
                self.poisoned = true;
                Err(classify(call, &error, &self.store, &self.stderr, self.deadline, self.memory_cap, label))
            }
        }
    }
}

/// `load-config`'s answer in the domain's types.
fn config_outcome<S: Into<crate::types::Settings>, D: Into<crate::types::Diagnostic>>(outcome: Result<S, Vec<D>>) -> ConfigOutcome {
    outcome.map(Into::into).map_err(|diagnostics| diagnostics.into_iter().map(Into::into).collect())
}

/// A call to a part the instance does not export (the composition asks the default policy for
/// those, so this names a default policy that lacks one).
fn missing(part: Part, call: &'static str) -> PolicyError {
    PolicyError::MissingPart { part, call }
}

/// A 0.3.0 part called without the settings the host fills in first.
fn settings_missing(SettingsMissing(record): SettingsMissing) -> PolicyError {
    PolicyError::Engine(format!("the host built a `{record}` without the settings a 0.3.0 part needs"))
}

/// How the log names an instance of no known policy (not expected: every instance has one).
const UNNAMED: &str = "(unnamed policy)";

/// Says why a guest call failed: deadline, memory cap, or another trap. The guest's own words
/// (what it wrote to stderr, where a panic or an uncaught exception goes) are logged under
/// target `policy` and, for a trap, are the error's message; wasmtime's backtrace of the
/// guest's functions is for the developer of the host and goes to the debug log only.
fn classify(
    call: &'static str,
    error: &wasmtime::Error,
    store: &Store<HostState>,
    stderr: &StderrTail,
    deadline: Duration,
    cap_bytes: usize,
    label: Option<&str>,
) -> PolicyError {
    let policy = label.unwrap_or(UNNAMED);
    tracing::debug!(target: "policy", policy, call, "policy call failed: {}", one_line(error));
    let said = stderr.take_new();
    if let Some(text) = &said
        && stderr.may_log()
    {
        tracing::warn!(target: "policy", policy, call, "policy failed; its stderr: {text}");
    }
    if store.data().memory.exceeded {
        return PolicyError::MemoryCap { call, cap_bytes };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => PolicyError::Deadline { call, deadline },
        _ => {
            let reason = reason(error);
            let message = match said {
                Some(text) => format!("{reason}; the policy wrote: {text}"),
                None => reason,
            };
            PolicyError::Trap { call, message }
        }
    }
}

/// The cause of a failed call in one line, without the backtrace wasmtime attaches: the trap
/// (`wasm \`unreachable\` instruction executed`), the exit status of a guest that exited, or the
/// innermost error (a host import's failure).
fn reason(error: &wasmtime::Error) -> String {
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return trap.to_string();
    }
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return format!("the policy exited with status {}", exit.0);
    }
    error.root_cause().to_string().replace(['\n', '\r'], " ")
}
