//! Turning component bytes into a compiled [`Component`], through an on-disk compile cache so
//! that a run pays the ~100 ms compile once per component and engine, then ~0.1 ms to map it.

use super::error::{PolicyError, one_line};
use sha2::{Digest, Sha256};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    pub digest: String,
    pub outcome: CompileOutcome,
}

/// ELF files start so; a precompiled component is an ELF image.
const ELF_MAGIC: [u8; 4] = *b"\x7fELF";

/// The on-disk cache of compiled components, keyed by component digest and engine settings.
#[derive(Debug, Clone)]
pub(crate) struct CompileCache {
    dir: PathBuf,
}

impl CompileCache {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn entry(&self, engine: &Engine, digest: &str) -> PathBuf {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        self.dir.join(format!("{digest}-{:016x}.cwasm", hasher.finish()))
    }

    /// Maps a cached compile, if there is a usable one.
    fn load(&self, engine: &Engine, digest: &str) -> Option<Component> {
        let entry = self.entry(engine, digest);
        if !entry.is_file() {
            return None;
        }
        // SAFETY: the cache directory belongs to the user running the host (created 0700) and
        // its entries are only ever written by `store` below from `Engine::precompile_component`;
        // wasmtime checks the header and engine compatibility before using the code.
        match unsafe { Component::deserialize_file(engine, &entry) } {
            Ok(component) => Some(component),
            Err(error) => {
                tracing::warn!(entry = %entry.display(), "ignoring an unusable compile cache entry: {}", one_line(&error));
                None
            }
        }
    }

    /// Writes a compile atomically (temporary file, then rename). Failure only costs speed.
    fn store(&self, engine: &Engine, digest: &str, component: &Component) {
        let entry = self.entry(engine, digest);
        let result = (|| -> Result<(), String> {
            crate::environment::create_private_dir(&self.dir).map_err(|e| e.to_string())?;
            let bytes = component.serialize().map_err(|e| one_line(&e))?;
            let temporary = entry.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&temporary, bytes).map_err(|e| e.to_string())?;
            std::fs::rename(&temporary, &entry).map_err(|e| e.to_string())
        })();
        if let Err(error) = result {
            tracing::warn!(dir = %self.dir.display(), "cannot write the policy compile cache: {error}");
        }
    }
}

/// Compiles (or maps) the component a source names.
pub(crate) fn compile(engine: &Engine, source: &PolicySource, cache: Option<&CompileCache>) -> Result<Compiled, PolicyError> {
    let origin = source.origin();
    match source {
        PolicySource::Embedded => compile_wasm(engine, &origin, EMBEDDED_POLICY, EMBEDDED_POLICY_SHA256.trim().to_string(), cache),
        PolicySource::Bytes { bytes, .. } => compile_wasm(engine, &origin, bytes, sha256_hex(bytes), cache),
        PolicySource::File(path) => {
            if is_precompiled(path).map_err(|source| PolicyError::Read { origin: origin.clone(), source })? {
                // SAFETY: the user named this precompiled file explicitly, which is the same
                // trust as running a binary; wasmtime checks the header and engine compatibility.
                // Mapped, not read: loading stays well under a millisecond.
                let component = unsafe { Component::deserialize_file(engine, path) }
                    .map_err(|e| PolicyError::Compile { origin, message: one_line(&e) })?;
                return Ok(Compiled { component, digest: precompiled_digest(path), outcome: CompileOutcome::Precompiled });
            }
            let bytes = std::fs::read(path).map_err(|source| PolicyError::Read { origin: origin.clone(), source })?;
            let digest = sha256_hex(&bytes);
            compile_wasm(engine, &origin, &bytes, digest, cache)
        }
    }
}

/// Whether a file is a precompiled component (an ELF image), from its first bytes.
fn is_precompiled(path: &Path) -> std::io::Result<bool> {
    use std::io::Read as _;
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path)?.read(&mut magic)?;
    Ok(read == magic.len() && magic == ELF_MAGIC)
}

/// A precompiled file is named by its size and modification time rather than hashed: hashing
/// megabytes of machine code would cost more than mapping it.
fn precompiled_digest(path: &Path) -> String {
    let metadata = std::fs::metadata(path).ok();
    let size = metadata.as_ref().map_or(0, std::fs::Metadata::len);
    let modified = metadata.and_then(|m| m.modified().ok()).and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_secs());
    format!("precompiled:{size}:{modified}")
}

fn compile_wasm(engine: &Engine, origin: &str, bytes: &[u8], digest: String, cache: Option<&CompileCache>) -> Result<Compiled, PolicyError> {
    if let Some(component) = cache.and_then(|cache| cache.load(engine, &digest)) {
        return Ok(Compiled { component, digest, outcome: CompileOutcome::Cached });
    }
    let component = Component::new(engine, bytes)
        .map_err(|e| PolicyError::Compile { origin: origin.to_string(), message: one_line(&e) })?;
    if let Some(cache) = cache {
        cache.store(engine, &digest, &component);
    }
    Ok(Compiled { component, digest, outcome: CompileOutcome::Compiled })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
