//! The sandbox: one engine, the current policy (hot-swappable), and a fresh instance per call.
//!
//! [`PolicyHost`] owns the [`Engine`] (pooling allocator, epoch interruption), the linker with
//! the host's imports, the compile cache, and the current policy behind an [`ArcSwap`]. Each
//! [`PolicyInstance`] holds an `Arc` of the policy it was created from, so a swap never touches
//! calls in flight: they finish on the component they started with.

mod compose;
pub(crate) mod contract;
mod epoch;
mod error;
mod instance;
mod limits;
pub(crate) mod loader;
mod parts;
mod stderr;

pub use contract::Contract;
pub use error::PolicyError;
pub use instance::{ChatStream, PolicyInstance};
pub use limits::Limits;
pub use loader::{CACHE_MAX_VAR, CompileOutcome, DEFAULT_CACHE_MAX_BYTES, PolicySource, parse_size};
pub use parts::{Part, Parts, Provider};

use crate::capability::Capabilities;
use crate::instance_state::HostState;
use crate::types::{PolicyInfo, RegionEnvironment};
use arc_swap::ArcSwap;
use compose::SettingsMemo;
use contract::PolicyPre;
use error::one_line;
use loader::CompileCache;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::Engine;
use wasmtime::component::{HasSelf, Linker};

/// A policy component that compiled, linked and passed its self-check.
pub struct LoadedPolicy {
    pre: PolicyPre,
    info: PolicyInfo,
    /// `info` and `digest_id` as one line, formatted once (every response names its policy).
    info_line: String,
    /// `sha256:` and the first 12 hex digits of `digest`.
    digest_id: String,
    origin: String,
    digest: String,
    outcome: CompileOutcome,
    load_time: Duration,
    /// The default policy, which provides the parts a 0.3.0 component does not export; `None`
    /// when the component provides every part.
    default: Option<Arc<LoadedPolicy>>,
    /// The settings its config part made of the last config file it read.
    settings: SettingsMemo,
}

impl std::fmt::Debug for LoadedPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPolicy")
            .field("info", &self.info)
            .field("contract", &self.pre.contract())
            .field("parts", &self.pre.parts())
            .field("origin", &self.origin)
            .field("digest", &self.digest)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl LoadedPolicy {
    /// Who the component says it is.
    pub fn info(&self) -> &PolicyInfo {
        &self.info
    }
    /// Who it is, as one line: `name version (contract openclaw:bedrock@X; sha256:0123456789ab)`.
    /// The digest tells apart two builds that carry the same name and version.
    pub fn info_line(&self) -> &str {
        &self.info_line
    }
    /// `sha256:` and the first 12 hex digits of [`LoadedPolicy::digest`]: enough to tell
    /// builds apart in a header or a log line.
    pub fn digest_id(&self) -> &str {
        &self.digest_id
    }
    /// The contract version it implements.
    pub fn contract(&self) -> Contract {
        self.pre.contract()
    }
    /// Which parts it provides itself; the default policy provides the rest (contract 0.3.0
    /// on; a component of an older version provides every part).
    pub fn parts(&self) -> Parts {
        self.pre.parts()
    }
    /// The default policy that provides the parts it does not, when there are any.
    pub fn default_policy(&self) -> Option<&Arc<LoadedPolicy>> {
        self.default.as_ref()
    }
    /// Where it came from (a path, or the embedded default).
    pub fn origin(&self) -> &str {
        &self.origin
    }
    /// SHA-256 of the component file, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }
    /// Whether it was compiled now, mapped from the cache, or precompiled.
    pub fn compile_outcome(&self) -> CompileOutcome {
        self.outcome
    }
    /// How long loading, linking and self-checking took.
    pub fn load_time(&self) -> Duration {
        self.load_time
    }
}

/// Settings for a [`PolicyHost`].
#[derive(Debug, Clone, Default)]
pub struct PolicyHostBuilder {
    limits: Limits,
    cache_dir: Option<PathBuf>,
    cache_max: Option<u64>,
}

impl PolicyHostBuilder {
    /// The sandbox limits (default: [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// A directory for compiled components; without one every load compiles.
    pub fn compile_cache(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// The most bytes the compile cache may take (default: [`CACHE_MAX_VAR`], else
    /// [`DEFAULT_CACHE_MAX_BYTES`]); the least recently used entries are removed past it.
    pub fn compile_cache_max(mut self, bytes: u64) -> Self {
        self.cache_max = Some(bytes);
        self
    }

    /// Starts the engine and loads the first policy; fails if it is refused.
    pub async fn build(self, source: PolicySource) -> Result<PolicyHost, PolicyError> {
        let cache = match self.cache_dir {
            Some(dir) => Some(CompileCache::new(dir, self.cache_max.map_or_else(loader::cache_max_from_env, Ok).map_err(PolicyError::Engine)?)),
            None => None,
        };
        let engine = limits::build_engine(&self.limits).map_err(|e| PolicyError::Engine(one_line(&e)))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| PolicyError::Engine(one_line(&e)))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(|e| PolicyError::Engine(one_line(&e)))?;
        // Every contract version's imports, under their own versioned names.
        crate::bindings::BedrockPolicy::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)
            .map_err(|e| PolicyError::Engine(one_line(&e)))?;
        crate::bindings::since_v0_2::BedrockPolicy::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)
            .map_err(|e| PolicyError::Engine(one_line(&e)))?;
        crate::bindings::since_v0_1::BedrockPolicy::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)
            .map_err(|e| PolicyError::Engine(one_line(&e)))?;
        let ticker = epoch::EpochTicker::start(engine.clone(), self.limits.epoch_tick)
            .map_err(|e| PolicyError::Engine(format!("cannot start the epoch thread: {e}")))?;
        let default = tokio::sync::OnceCell::new();
        let first =
            Arc::new(Loader { engine: &engine, linker: &linker, limits: &self.limits, cache: cache.as_ref(), default: Some(&default) }.load(&source).await?);
        if matches!(source, PolicySource::Embedded) && first.parts().is_whole() {
            // The default policy is loaded already: the parts other components leave to it
            // need no second load (nor, without a cache, a second compile).
            let _ = default.set(Arc::clone(&first));
        }
        Ok(PolicyHost {
            engine,
            linker,
            limits: self.limits,
            cache,
            default,
            current: ArcSwap::new(first),
            swap_lock: tokio::sync::Mutex::new(()),
            _ticker: ticker,
        })
    }
}

/// Loads, checks and runs policy components; swaps them at run time.
pub struct PolicyHost {
    engine: Engine,
    linker: Linker<HostState>,
    limits: Limits,
    cache: Option<CompileCache>,
    /// The embedded default policy, loaded at the first component that leaves a part to it.
    default: tokio::sync::OnceCell<Arc<LoadedPolicy>>,
    current: ArcSwap<LoadedPolicy>,
    swap_lock: tokio::sync::Mutex<()>,
    _ticker: epoch::EpochTicker,
}

impl PolicyHost {
    /// A builder with the default limits and no compile cache.
    pub fn builder() -> PolicyHostBuilder {
        PolicyHostBuilder::default()
    }

    /// The limits every instance runs under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The policy new instances start from.
    pub fn current(&self) -> Arc<LoadedPolicy> {
        self.current.load_full()
    }

    /// Loads `source`, links it, runs its self-check, and only then makes it the current
    /// policy. On any failure the current policy stays and the error says why.
    /// Instances created before the swap keep running the policy they started with.
    pub async fn swap(&self, source: PolicySource) -> Result<Arc<LoadedPolicy>, PolicyError> {
        let _serialized = self.swap_lock.lock().await;
        let loaded = Arc::new(self.loader().load(&source).await?);
        self.current.store(Arc::clone(&loaded));
        tracing::info!(policy = %loaded.info, origin = %loaded.origin, "policy swapped in");
        Ok(loaded)
    }

    /// Loads and checks `source` without making it current: `openclaw-bedrock policy check`.
    pub async fn check(&self, source: PolicySource) -> Result<LoadedPolicy, PolicyError> {
        self.loader().load(&source).await
    }

    fn loader(&self) -> Loader<'_> {
        Loader { engine: &self.engine, linker: &self.linker, limits: &self.limits, cache: self.cache.as_ref(), default: Some(&self.default) }
    }

    /// A fresh instance of the current policy, seeing `environment` and no Bedrock access.
    pub async fn instance(&self, environment: Arc<RegionEnvironment>) -> Result<PolicyInstance, PolicyError> {
        self.instance_with(Capabilities { environment, bedrock: None }).await
    }

    /// A fresh instance of the current policy, handed `capabilities`.
    pub async fn instance_with(&self, capabilities: Capabilities) -> Result<PolicyInstance, PolicyError> {
        self.instance_of(self.current(), capabilities).await
    }

    /// A fresh instance of a given loaded policy (e.g. one from [`PolicyHost::check`]).
    pub async fn instance_of(&self, policy: Arc<LoadedPolicy>, capabilities: Capabilities) -> Result<PolicyInstance, PolicyError> {
        PolicyInstance::start(&self.engine, &policy.pre.clone(), &self.limits, capabilities, Ok(policy)).await
    }
}

/// Hex digits of the component digest in [`LoadedPolicy::digest_id`] (48 bits: two builds of
/// one policy never collide by accident; this is an identifier, not a security check).
const DIGEST_ID_HEX: usize = 12;

/// What loading a component takes.
#[derive(Clone, Copy)]
struct Loader<'a> {
    engine: &'a Engine,
    linker: &'a Linker<HostState>,
    limits: &'a Limits,
    cache: Option<&'a CompileCache>,
    /// Where the default policy is kept once loaded; `None` while loading the default itself.
    default: Option<&'a tokio::sync::OnceCell<Arc<LoadedPolicy>>>,
}

impl Loader<'_> {
    /// Compile (or map), link-check, instantiate and self-check one component; for a 0.3.0
    /// component that leaves parts to the default policy, load the default too (once per host).
    async fn load(&self, source: &PolicySource) -> Result<LoadedPolicy, PolicyError> {
        let Self { engine, linker, limits, cache, .. } = *self;
        let started = Instant::now();
        let origin = source.origin();
        let compiled = loader::compile(engine, source, cache)?;
        let contract = contract::contract_of(engine, &compiled.component, &origin)?;
        let (contract, instance_pre) = match (contract, linker.instantiate_pre(&compiled.component)) {
            (Some(contract), Ok(instance_pre)) => (contract, instance_pre),
            (Some(contract), Err(error)) => return Err(contract::link_error(contract, &error, &origin)),
            (None, linked) => return Err(contract::not_a_policy(engine, &compiled.component, &origin, linked.err().as_ref())),
        };
        let pre = contract::bind(contract, instance_pre, &origin)?;
        let checked = async {
            let mut instance = PolicyInstance::start(engine, &pre, limits, Capabilities::default(), Err(&origin)).await?;
            instance.self_check().await
        };
        let info = match checked.await {
            Ok(Ok(info)) if info.contract != pre.contract().as_str() => {
                let claimed = info.contract.chars().filter(|c| !c.is_control()).take(64).collect::<String>();
                let message = format!("it says it implements contract {claimed:?} but exports the interfaces of {}", pre.contract());
                return Err(PolicyError::SelfCheck { origin, message });
            }
            Ok(Ok(info)) => info,
            Ok(Err(message)) => return Err(PolicyError::SelfCheck { origin, message: message.replace('\n', " ") }),
            Err(error) => return Err(PolicyError::SelfCheck { origin, message: error.to_string() }),
        };
        let default = if pre.parts().is_whole() { None } else { Some(self.default_policy(&origin).await?) };
        let digest_id = format!("sha256:{}", compiled.digest.get(..DIGEST_ID_HEX).unwrap_or(&compiled.digest));
        let info_line = format!("{} {} (contract openclaw:bedrock@{}; {digest_id})", info.name, info.version, info.contract);
        let loaded = LoadedPolicy {
            pre,
            info,
            info_line,
            digest_id,
            origin,
            digest: compiled.digest,
            outcome: compiled.outcome,
            load_time: started.elapsed(),
            default,
            settings: SettingsMemo::default(),
        };
        tracing::debug!(policy = %loaded.info, origin = %loaded.origin, parts = %loaded.parts(), outcome = ?loaded.outcome, load_time = ?loaded.load_time, "policy loaded");
        Ok(loaded)
    }

    /// The embedded default policy, loaded at its first need; it must provide every part.
    async fn default_policy(&self, origin: &str) -> Result<Arc<LoadedPolicy>, PolicyError> {
        let unavailable = |message: String| PolicyError::NotAPolicy { origin: origin.to_string(), message };
        let Some(cell) = self.default else {
            return Err(unavailable("it leaves parts to the default policy, which is being loaded itself".to_string()));
        };
        let load_default = async {
            let default = Box::pin(Loader { default: None, ..*self }.load(&PolicySource::Embedded)).await;
            match default {
                Ok(default) if default.parts().is_whole() => Ok(Arc::new(default)),
                Ok(default) => Err(unavailable(format!("the default policy, which provides the parts it does not, provides only {}", default.parts()))),
                Err(error) => Err(unavailable(format!("the default policy, which provides the parts it does not, failed to load: {error}"))),
            }
        };
        cell.get_or_try_init(|| load_default).await.cloned()
    }
}
