//! One sandboxed instance of a policy: a fresh store with its own limits, and typed calls.

use super::LoadedPolicy;
use super::contract::{Contract, PolicyBindings, PolicyPre, with_policy_export};
use super::error::{PolicyError, one_line};
use super::limits::{Limits, deadline_ticks};
use super::stderr::StderrTail;
use crate::aws::model::{ApiError, StreamEvent};
use crate::capability::Capabilities;
use crate::state::HostState;
use crate::types::{ChatRequest, ConfigOutcome, ConfigSource, Discovery, ModelReference, PolicyInfo, ProbeRequest, ProbeResult};
use openclaw_domain::{Resolution, RoutingPlan};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::component::ResourceAny;
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

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
        let mut store = Store::new(engine, HostState::new(limits.memory_bytes, capabilities, stderr.clone()));
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
        };
        Ok(instance)
    }

    /// The policy this instance runs; `None` only for the self-check run during loading.
    pub fn policy(&self) -> Option<&Arc<LoadedPolicy>> {
        self.policy.as_ref()
    }

    /// The component's self-check: who it is, or why it refuses to run.
    pub async fn self_check(&mut self) -> Result<Result<PolicyInfo, String>, PolicyError> {
        self.before_call(Duration::ZERO)?;
        let Self { bindings, store, .. } = self;
        let result = with_policy_export!(bindings, policy => policy.call_self_check(&mut *store).await.map(|info| info.map(Into::into)));
        self.after_call("self-check", result)
    }

    /// Parses and validates a config file.
    pub async fn load_config(&mut self, source: &ConfigSource) -> Result<ConfigOutcome, PolicyError> {
        self.before_call(Duration::ZERO)?;
        let Self { bindings, store, .. } = self;
        let result = with_policy_export!(bindings, policy => policy
            .call_load_config(&mut *store, &source.into())
            .await
            .map(|outcome| outcome.map(Into::into).map_err(|diagnostics| diagnostics.into_iter().map(Into::into).collect())));
        self.after_call("load-config", result)
    }

    /// Parses one model reference.
    pub async fn parse_model_reference(&mut self, text: &str) -> Result<Result<ModelReference, String>, PolicyError> {
        self.before_call(Duration::ZERO)?;
        let Self { bindings, store, .. } = self;
        let result = with_policy_export!(bindings, policy => policy.call_parse_model_reference(&mut *store, text).await.map(|parsed| parsed.map(Into::into)));
        self.after_call("parse-model-reference", result)
    }

    /// Sends one tiny request to the default model and judges the outcome. The call may
    /// wait on Bedrock for the probe's timeout on top of the usual deadline.
    pub async fn probe(&mut self, request: &ProbeRequest) -> Result<ProbeResult, PolicyError> {
        self.before_call(request.timeout)?;
        let Self { bindings, store, .. } = self;
        let result = with_policy_export!(bindings, policy => policy.call_probe(&mut *store, &request.into()).await.map(Into::into));
        self.after_call("probe", result)
    }

    /// Decides whether discovery runs and lists the models. The call may wait on the control
    /// plane (two calls of up to 30 s each, made at once) on top of the usual deadline.
    pub async fn discover(&mut self, config: &ConfigSource, refresh: bool) -> Result<Result<Discovery, ApiError>, PolicyError> {
        self.before_call(DISCOVERY_IO_ALLOWANCE)?;
        let Self { bindings, store, .. } = self;
        let result = with_policy_export!(bindings, policy => {
            let request = (config, refresh).into();
            policy.call_discover(&mut *store, &request).await.map(|discovery| discovery.map(Into::into).map_err(Into::into))
        });
        self.after_call("discover", result)
    }

    /// Computes the policy's routing plan (contract 0.2.0 on). The call may wait on the
    /// control plane, as `discover` does.
    pub async fn plan(&mut self, config: &ConfigSource, refresh: bool) -> Result<Result<RoutingPlan, ApiError>, PolicyError> {
        self.before_call(DISCOVERY_IO_ALLOWANCE)?;
        let PolicyBindings::V0_2(bindings) = &self.bindings else { return Err(PolicyError::Unsupported { call: "plan", contract: self.contract() }) };
        let request = crate::bindings::generated_routing::PlanRequest { config: config.into(), refresh };
        let result = bindings.openclaw_bedrock_routing().call_plan(&mut self.store, &request).await.map(|plan| plan.map(Into::into).map_err(Into::into));
        self.after_call("plan", result)
    }

    /// Resolves one reference the plan does not cover (contract 0.2.0 on). The call may wait
    /// on the control plane for the region's catalog.
    pub async fn resolve(&mut self, config: &ConfigSource, model: Option<&str>) -> Result<Result<Resolution, ApiError>, PolicyError> {
        self.before_call(DISCOVERY_IO_ALLOWANCE)?;
        let PolicyBindings::V0_2(bindings) = &self.bindings else { return Err(PolicyError::Unsupported { call: "resolve", contract: self.contract() }) };
        let request = crate::bindings::generated_routing::ResolveRequest { config: config.into(), model: model.map(str::to_string) };
        let result = bindings.openclaw_bedrock_routing().call_resolve(&mut self.store, &request).await.map(|answer| answer.map(Into::into).map_err(Into::into));
        self.after_call("resolve", result)
    }

    /// The contract version of the running component.
    pub fn contract(&self) -> Contract {
        match self.bindings {
            PolicyBindings::V0_1(_) => Contract::V0_1,
            PolicyBindings::V0_2(_) => Contract::V0_2,
        }
    }

    /// Starts a streamed chat; the stream keeps this instance for its whole life.
    pub async fn chat(mut self, request: &ChatRequest) -> Result<Result<ChatStream, ApiError>, PolicyError> {
        self.before_call(request.timeout)?;
        let Self { bindings, store, .. } = &mut self;
        let result = with_policy_export!(bindings, policy => policy.call_chat(&mut *store, &request.into()).await.map(|started| started.map_err(Into::into)));
        match self.after_call("chat", result)? {
            Ok(stream) => Ok(Ok(ChatStream { instance: self, stream, io_allowance: request.timeout })),
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

/// A chat response in progress, served by the policy's `chat-stream` (which wraps the host's
/// Bedrock stream). Dropping it drops the instance.
pub struct ChatStream {
    instance: PolicyInstance,
    stream: ResourceAny,
    io_allowance: Duration,
}

impl ChatStream {
    /// The policy that serves this stream.
    pub fn policy(&self) -> Option<&Arc<LoadedPolicy>> {
        self.instance.policy()
    }

    /// The model id being called now (after resolution and any fallback).
    pub async fn target(&mut self) -> Result<String, PolicyError> {
        let instance = &mut self.instance;
        instance.before_call(Duration::ZERO)?;
        let PolicyInstance { bindings, store, .. } = instance;
        let result = with_policy_export!(bindings, policy => policy.chat_stream().call_target(&mut *store, self.stream).await);
        instance.after_call("chat-stream.target", result)
    }

    /// The region being called now.
    pub async fn region(&mut self) -> Result<String, PolicyError> {
        let instance = &mut self.instance;
        instance.before_call(Duration::ZERO)?;
        let PolicyInstance { bindings, store, .. } = instance;
        let result = with_policy_export!(bindings, policy => policy.chat_stream().call_region(&mut *store, self.stream).await);
        instance.after_call("chat-stream.region", result)
    }

    /// The next event; `None` after the last. An `ApiError` ends the stream; a
    /// `PolicyError` means the policy itself failed (trap, deadline, memory).
    pub async fn next(&mut self) -> Result<Result<Option<StreamEvent>, ApiError>, PolicyError> {
        let instance = &mut self.instance;
        instance.before_call(self.io_allowance)?;
        let PolicyInstance { bindings, store, .. } = instance;
        let result = with_policy_export!(bindings, policy => policy
            .chat_stream()
            .call_next(&mut *store, self.stream)
            .await
            .map(|next| next.map(|event| event.map(Into::into)).map_err(Into::into)));
        instance.after_call("chat-stream.next", result)
    }
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
