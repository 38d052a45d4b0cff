//! One sandboxed instance of a policy: a fresh store with its own limits, and typed calls.

use super::LoadedPolicy;
use super::error::{PolicyError, one_line};
use super::limits::Limits;
use crate::bindings::{BedrockPolicy, BedrockPolicyPre};
use crate::state::HostState;
use crate::types::{ConfigOutcome, ConfigSource, ModelReference, PolicyInfo, RegionEnvironment};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::{Engine, Store, Trap};

/// A live instance of one policy. Calls run one at a time, each under the call deadline; the
/// memory cap holds for the instance's life. After a failed call the instance is poisoned
/// (a trapped guest may be in any state) and further calls are refused.
pub struct PolicyInstance {
    store: Store<HostState>,
    bindings: BedrockPolicy,
    policy: Option<Arc<LoadedPolicy>>,
    deadline: Duration,
    deadline_ticks: u64,
    memory_cap: usize,
    poisoned: bool,
}

impl PolicyInstance {
    pub(crate) async fn start(
        engine: &Engine,
        pre: &BedrockPolicyPre<HostState>,
        limits: &Limits,
        environment: Arc<RegionEnvironment>,
        policy: Option<Arc<LoadedPolicy>>,
    ) -> Result<Self, PolicyError> {
        let mut store = Store::new(engine, HostState::new(limits.memory_bytes, environment));
        store.limiter(|state| &mut state.memory);
        let deadline_ticks = limits.deadline_ticks();
        store.set_epoch_deadline(deadline_ticks);
        let mut instance = Self {
            bindings: match pre.instantiate_async(&mut store).await {
                Ok(bindings) => bindings,
                Err(error) => return Err(classify("instantiate", &error, &store, limits.call_deadline, limits.memory_bytes)),
            },
            store,
            policy,
            deadline: limits.call_deadline,
            deadline_ticks,
            memory_cap: limits.memory_bytes,
            poisoned: false,
        };
        instance.poisoned = false;
        Ok(instance)
    }

    /// The policy this instance runs; `None` only for the self-check run during loading.
    pub fn policy(&self) -> Option<&Arc<LoadedPolicy>> {
        self.policy.as_ref()
    }

    /// The component's self-check: who it is, or why it refuses to run.
    pub async fn self_check(&mut self) -> Result<Result<PolicyInfo, String>, PolicyError> {
        self.before_call()?;
        let result = self.bindings.openclaw_bedrock_policy().call_self_check(&mut self.store).await;
        let info = self.after_call("self-check", result)?;
        Ok(info.map(Into::into))
    }

    /// Parses and validates a config file.
    pub async fn load_config(&mut self, source: &ConfigSource) -> Result<ConfigOutcome, PolicyError> {
        self.before_call()?;
        let source = source.into();
        let result = self.bindings.openclaw_bedrock_policy().call_load_config(&mut self.store, &source).await;
        let outcome = self.after_call("load-config", result)?;
        Ok(outcome.map(Into::into).map_err(|diagnostics| diagnostics.into_iter().map(Into::into).collect()))
    }

    /// Parses one model reference.
    pub async fn parse_model_reference(&mut self, text: &str) -> Result<Result<ModelReference, String>, PolicyError> {
        self.before_call()?;
        let result = self.bindings.openclaw_bedrock_policy().call_parse_model_reference(&mut self.store, text).await;
        let parsed = self.after_call("parse-model-reference", result)?;
        Ok(parsed.map(Into::into))
    }

    fn before_call(&mut self) -> Result<(), PolicyError> {
        if self.poisoned {
            return Err(PolicyError::Poisoned);
        }
        self.store.set_epoch_deadline(self.deadline_ticks);
        Ok(())
    }

    fn after_call<T>(&mut self, call: &'static str, result: wasmtime::Result<T>) -> Result<T, PolicyError> {
        result.map_err(|error| {
            self.poisoned = true;
            classify(call, &error, &self.store, self.deadline, self.memory_cap)
        })
    }
}

/// Says why a guest call failed: deadline, memory cap, or another trap.
fn classify(call: &'static str, error: &wasmtime::Error, store: &Store<HostState>, deadline: Duration, cap_bytes: usize) -> PolicyError {
    if store.data().memory.exceeded {
        return PolicyError::MemoryCap { call, cap_bytes };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => PolicyError::Deadline { call, deadline },
        _ => PolicyError::Trap { call, message: one_line(error) },
    }
}
