//! Turning component bytes into a compiled [`Component`], through an on-disk compile cache so
//! that a run pays the ~100 ms compile once per component and engine, then a few milliseconds
//! to verify and map it.
//!
//! Precompiled code is native code: the host maps none it cannot prove it made itself for
//! this exact component and engine. Cache entries and `openclaw-bedrock policy compile` output carry a
//! seal ([`seal`]) under a key kept in the cache directory; the directory, the key and every
//! entry are checked as ssh checks its keys ([`trust`]). A bad entry is recompiled and
//! replaced with a one-line warning; a bad user-given `.cwasm` is refused.

mod lru;
mod seal;
pub(crate) mod trust;

pub(crate) use lru::max_from_env as cache_max_from_env;
pub use lru::{DEFAULT_MAX_BYTES as DEFAULT_CACHE_MAX_BYTES, MAX_VAR as CACHE_MAX_VAR, parse_size};

use super::error::{PolicyError, one_line};
use crate::files::{self, ReadSpec};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The default policy, built from `guest/` by `build.rs`.
static EMBEDDED_POLICY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/openclaw_policy.wasm"));
/// Its SHA-256, computed at build time.
static EMBEDDED_POLICY_SHA256: &str = include_str!(concat!(env!("OUT_DIR"), "/openclaw_policy.sha256"));

/// Where a policy component comes from.
#[derive(Debug, Clone)]
pub enum PolicySource {
    /// The default policy embedded in this binary.
    Embedded,
    /// A component file (`.wasm`), or a component precompiled for this host (`.cwasm`).
    File(PathBuf),
    /// Component bytes held in memory, with a name for messages.
    Bytes {
        /// A name for messages, e.g. the path it was read from.
        origin: String,
        /// The component.
        bytes: Arc<[u8]>,
    },
}

impl PolicySource {
    /// How the source is named in messages.
    pub fn origin(&self) -> String {
        match self {
            Self::Embedded => "the embedded default policy".to_string(),
            Self::File(path) => path.display().to_string(),
            Self::Bytes { origin, .. } => origin.clone(),
        }
    }

    /// The embedded default policy's component bytes.
    pub fn embedded_bytes() -> &'static [u8] {
        EMBEDDED_POLICY
    }
}

/// How a component was obtained, for status output and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileOutcome {
    /// Compiled from wasm now (and written to the cache when one is configured).
    Compiled,
    /// Mapped from the compile cache.
    Cached,
    /// Mapped from a precompiled file given by the user.
    Precompiled,
}

/// A compiled component and what it took.
pub(crate) struct Compiled {
    pub component: Component,
    /// SHA-256 of the file or bytes given (for a `.cwasm`, of the `.cwasm` file itself, which
    /// is what the file watcher compares).
    pub digest: String,
    pub outcome: CompileOutcome,
}

/// What a verified precompiled file (`.cwasm`) says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrecompiledInfo {
    /// SHA-256 (hex) of the `.wasm` component it was compiled from.
    pub component_sha256: String,
    /// SHA-256 (hex) of the `.cwasm` file.
    pub file_sha256: String,
}

/// The on-disk cache of compiled components, keyed by component digest and engine settings.
#[derive(Debug)]
pub(crate) struct CompileCache {
    dir: PathBuf,
    /// Most bytes the entries may take together; the least recently used go first.
    max_bytes: u64,
    /// The directory's key once the directory passed its checks; the failure otherwise. Decided
    /// once per host: the key then stays in memory.
    key: OnceLock<Result<seal::Key, String>>,
}

impl Clone for CompileCache {
    fn clone(&self) -> Self {
        Self::new(self.dir.clone(), self.max_bytes)
    }
}

impl CompileCache {
    pub(crate) fn new(dir: PathBuf, max_bytes: u64) -> Self {
        Self { dir, max_bytes, key: OnceLock::new() }
    }

    /// The key, creating the directory and the key on first use; `None` (warned once) when
    /// the directory or key cannot be trusted.
    fn key(&self) -> Option<&seal::Key> {
        let key = self.key.get_or_init(|| {
            let result = files::off_runtime(|| {
                crate::environment::create_private_dir(&self.dir).map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
                trust::check_dir(&self.dir)?;
                trust::load_or_create_key(&self.dir)
            });
            if let Err(why) = &result {
                tracing::warn!(dir = %self.dir.display(), "policy compile cache off, compiling every time: {why}");
            }
            result
        });
        key.as_ref().ok()
    }

    /// The key, only when one already exists (verifying never creates one).
    fn existing_key(&self) -> Result<&seal::Key, String> {
        if trust::key_path(&self.dir).exists() || self.key.get().is_some() {
            return self.key().ok_or_else(|| format!("the compile cache {} cannot be trusted (see the warning above)", self.dir.display()));
        }
        Err(format!("{} has no key yet, so nothing precompiled can have been made here", self.dir.display()))
    }

    fn entry(&self, engine: &Engine, digest: &str) -> PathBuf {
        let fingerprint = seal::engine_fingerprint(engine);
        self.dir.join(format!("{digest}-{}.cwasm", hex::encode(&fingerprint[..8])))
    }

    /// Maps a cached compile of the component `digest`, if there is a sound one; a bad entry
    /// is reported in one line and left for [`CompileCache::store`] to replace.
    fn load(&self, engine: &Engine, digest: &str) -> Option<Component> {
        let key = self.key()?;
        let entry = self.entry(engine, digest);
        let checked = files::off_runtime(|| trust::read_entry(&entry)).and_then(|bytes| match bytes {
            None => Ok(None),
            Some(bytes) => verify(key, engine, &bytes, Some(digest)).and_then(|opened| map(engine, opened.image)).map(Some),
        });
        match checked {
            Ok(component) => {
                if component.is_some() {
                    files::off_runtime(|| lru::touch(&entry));
                }
                component
            }
            Err(why) => {
                tracing::warn!(entry = %entry.display(), "refusing a compile cache entry, recompiling: {why}");
                None
            }
        }
    }

    /// Seals a compile and writes it atomically, then removes the least recently used entries
    /// past the cap. Failure only costs speed; an entry larger than the whole cap is not kept.
    fn store(&self, engine: &Engine, digest: &str, component: &Component) {
        let Some(key) = self.key() else { return };
        let entry = self.entry(engine, digest);
        let sealed = match component.serialize() {
            Ok(image) => seal::seal(key, digest, &seal::engine_fingerprint(engine), &image),
            Err(error) => return tracing::warn!(entry = %entry.display(), "cannot serialize a compiled policy: {}", one_line(&error)),
        };
        if sealed.len() as u64 > self.max_bytes {
            tracing::info!(entry = %entry.display(), size = sealed.len(), max = self.max_bytes, "not caching a compile larger than the cache's cap ({})", lru::MAX_VAR);
            return;
        }
        let written = files::off_runtime(|| {
            trust::write_entry(&self.dir, &entry, &sealed)?;
            lru::evict(&self.dir, self.max_bytes, &entry);
            Ok::<_, std::io::Error>(())
        });
        if let Err(error) = written {
            tracing::warn!(entry = %entry.display(), "cannot write the policy compile cache entry: {error}");
        }
    }
}

/// Checks a sealed artifact: the MAC under `key`, the engine, and (for a cache entry) that it
/// is a compile of the component `expected`.
fn verify<'a>(key: &seal::Key, engine: &Engine, bytes: &'a [u8], expected: Option<&str>) -> Result<seal::Opened<'a>, String> {
    let opened = seal::open(key, bytes).map_err(|e| e.to_string())?;
    if opened.engine != seal::engine_fingerprint(engine) {
        return Err("it was compiled for another engine (another openclaw version or settings)".into());
    }
    if let Some(expected) = expected
        && opened.component != expected
    {
        return Err(format!("it is a compile of another component (sha256 {}), not of sha256 {expected}", opened.component));
    }
    Ok(opened)
}

/// Maps the image of a sealed artifact whose seal was verified.
fn map(engine: &Engine, image: &[u8]) -> Result<Component, String> {
    // SAFETY: `deserialize` runs the image's machine code as trusted. These exact bytes (held
    // in memory since they were checked, so no one can swap the file in between) carry a MAC
    // under this state directory's private key over the image, the component digest and the
    // engine fingerprint: the host itself produced them with `Engine::precompile_component` or
    // `Component::serialize` for this engine. wasmtime checks the header once more.
    #[allow(unsafe_code)]
    let component = unsafe { Component::deserialize(engine, image) };
    component.map_err(|e| one_line(&e))
}

/// Compiles (or maps) the component a source names.
pub(crate) fn compile(engine: &Engine, source: &PolicySource, cache: Option<&CompileCache>) -> Result<Compiled, PolicyError> {
    let origin = source.origin();
    match source {
        PolicySource::Embedded => compile_wasm(engine, &origin, EMBEDDED_POLICY, EMBEDDED_POLICY_SHA256.trim().to_string(), cache),
        PolicySource::Bytes { bytes, .. } => compile_wasm(engine, &origin, bytes, sha256_hex(bytes), cache),
        PolicySource::File(path) => {
            let bytes = files::off_runtime(|| files::read_regular(path, ReadSpec::POLICY))
                .map_err(|error| PolicyError::Read { origin: origin.clone(), source: error.into_io() })?;
            if seal::looks_precompiled(&bytes) {
                let component = precompiled(engine, path, &bytes, cache)?;
                return Ok(Compiled { component, digest: sha256_hex(&bytes), outcome: CompileOutcome::Precompiled });
            }
            let digest = sha256_hex(&bytes);
            compile_wasm(engine, &origin, &bytes, digest, cache)
        }
    }
}

/// Verifies and maps a user-given precompiled file: only one sealed under this cache's key.
fn precompiled(engine: &Engine, path: &Path, bytes: &[u8], cache: Option<&CompileCache>) -> Result<Component, PolicyError> {
    let opened = verified(engine, path, bytes, cache)?;
    map(engine, opened.image).map_err(|message| PolicyError::Compile { origin: path.display().to_string(), message })
}

/// A precompiled file's seal, once it verified under this cache's key.
fn verified<'a>(engine: &Engine, path: &Path, bytes: &'a [u8], cache: Option<&CompileCache>) -> Result<seal::Opened<'a>, PolicyError> {
    let refuse = |message: String| PolicyError::Unverified { origin: path.display().to_string(), message };
    let key = match cache {
        Some(cache) => cache.existing_key().map_err(refuse)?,
        None => return Err(refuse("this host has no compile cache (state directory) whose key could vouch for it".into())),
    };
    verify(key, engine, bytes, None).map_err(refuse)
}

// The precompiled-code operations of the host live here, beside the seal they make and check.
impl super::PolicyHost {
    /// Compiles a component to a sealed precompiled file (`.cwasm`) that `--policy` maps
    /// directly on this machine. Only a host with a trusted compile cache has the key to seal.
    pub fn precompile_sealed(&self, wasm: &[u8]) -> Result<Vec<u8>, PolicyError> {
        let origin = "the component".to_string();
        let key = self.cache.as_ref().and_then(CompileCache::key).ok_or_else(|| PolicyError::Unverified {
            origin: origin.clone(),
            message: "this host has no trusted compile cache key to seal its output with".into(),
        })?;
        tracing::debug!(origin, "compiling a policy component");
        let image = self.engine.precompile_component(wasm).map_err(|e| PolicyError::Compile { origin, message: one_line(&e) })?;
        Ok(seal::seal(key, &sha256_hex(wasm), &seal::engine_fingerprint(&self.engine), &image))
    }

    /// [`PolicyHost::precompile_sealed`](super::PolicyHost::precompile_sealed) for a component
    /// this host already loaded (and checked): its compiled code is sealed as it is, without
    /// compiling it again.
    pub fn precompile_loaded(&self, policy: &super::LoadedPolicy) -> Result<Vec<u8>, PolicyError> {
        let origin = policy.origin().to_string();
        if policy.compile_outcome() == CompileOutcome::Precompiled {
            return Err(PolicyError::Unverified { origin, message: "it is precompiled already; compile the .wasm component it came from".into() });
        }
        let key = self.cache.as_ref().and_then(CompileCache::key).ok_or_else(|| PolicyError::Unverified {
            origin: origin.clone(),
            message: "this host has no trusted compile cache key to seal its output with".into(),
        })?;
        let image = policy.pre.component().serialize().map_err(|e| PolicyError::Compile { origin, message: one_line(&e) })?;
        Ok(seal::seal(key, policy.digest(), &seal::engine_fingerprint(&self.engine), &image))
    }

    /// Whether `path` is a precompiled file (`None` for anything else) and, when it is, what
    /// its seal vouches for; it is never mapped here, and one this host cannot verify is an
    /// error.
    pub fn inspect_precompiled(&self, path: &Path) -> Result<Option<PrecompiledInfo>, PolicyError> {
        let bytes = files::off_runtime(|| files::read_regular(path, ReadSpec::POLICY))
            .map_err(|error| PolicyError::Read { origin: path.display().to_string(), source: error.into_io() })?;
        if !seal::looks_precompiled(&bytes) {
            return Ok(None);
        }
        let opened = verified(&self.engine, path, &bytes, self.cache.as_ref())?;
        Ok(Some(PrecompiledInfo { component_sha256: opened.component, file_sha256: sha256_hex(&bytes) }))
    }
}

fn compile_wasm(engine: &Engine, origin: &str, bytes: &[u8], digest: String, cache: Option<&CompileCache>) -> Result<Compiled, PolicyError> {
    if let Some(component) = cache.and_then(|cache| cache.load(engine, &digest)) {
        return Ok(Compiled { component, digest, outcome: CompileOutcome::Cached });
    }
    tracing::debug!(origin, sha256 = %digest, "compiling a policy component");
    let component = Component::new(engine, bytes).map_err(|e| PolicyError::Compile { origin: origin.to_string(), message: one_line(&e) })?;
    if let Some(cache) = cache {
        cache.store(engine, &digest, &component);
    }
    Ok(Compiled { component, digest, outcome: CompileOutcome::Compiled })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
