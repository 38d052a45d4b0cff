//! The gateway's state layer: small records kept between requests (stored Responses API
//! responses and the key that seals reasoning, issue 25; client keys, limits and budgets,
//! issue 26), behind one generic key-value trait so that every user shares one backend.
//!
//! The operations are the ones a shared store (Redis) offers atomically: `get`, `put` with a
//! time to live, `add` (put only if absent), `delete`, and `increment` (a counter). The
//! embedded backend ([`embedded::Embedded`]) keeps records in files under the state
//! directory (or in memory when it has none), bounded in total size and in age, and survives
//! a restart.

pub mod embedded;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Why a state operation failed. Messages are one line and hold no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The backend could not be read or written.
    #[error("state store: {0}")]
    Io(String),
    /// A key or value is outside the store's bounds.
    #[error("state store: {0}")]
    Bounds(String),
    /// A counter's record does not hold a number.
    #[error("state store: the record at this key is not a counter")]
    NotACounter,
}

/// A pending state operation.
pub type StateFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StateError>> + Send + 'a>>;

/// A key-value store with expiry. Keys are short strings namespaced by their user
/// (`responses/...`, `keys/...`); values are bytes. `ttl: None` keeps a record as long as the
/// backend's age bound allows.
pub trait StateStore: Send + Sync + 'static {
    /// The value at `key`, unless absent or expired.
    fn get<'a>(&'a self, key: &'a str) -> StateFuture<'a, Option<Vec<u8>>>;
    /// Sets `key` to `value`.
    fn put<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Option<Duration>) -> StateFuture<'a, ()>;
    /// Sets `key` to `value` only if it holds nothing; whether it did.
    fn add<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Option<Duration>) -> StateFuture<'a, bool>;
    /// Removes `key`; whether it held something.
    fn delete<'a>(&'a self, key: &'a str) -> StateFuture<'a, bool>;
    /// Adds `delta` to the counter at `key` (absent counts as 0; `ttl` applies when the counter
    /// is created); the new value.
    fn increment<'a>(&'a self, key: &'a str, delta: i64, ttl: Option<Duration>) -> StateFuture<'a, i64>;
}

/// Where and how much state the gateway keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateOptions {
    /// The directory of the embedded store; `None` keeps state in memory only (lost at exit).
    pub dir: Option<PathBuf>,
    /// Most bytes of records kept; the records closest to expiry are dropped to make room.
    pub max_bytes: u64,
    /// Longest a record lives, whatever its own time to live.
    pub max_age: Duration,
}

impl Default for StateOptions {
    fn default() -> Self {
        Self { dir: None, max_bytes: 256 << 20, max_age: Duration::from_secs(30 * 24 * 3600) }
    }
}

/// The largest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;

/// Opens the store the options describe.
pub async fn open(options: &StateOptions) -> Result<Arc<dyn StateStore>, StateError> {
    Ok(Arc::new(embedded::Embedded::open(options.clone()).await?))
}

/// The state's own 32-byte key (sealing what clients carry between requests): in the
/// embedded store's directory's key file (`<dir>.key`, created 0600 on first use, as the
/// compile cache's key is), or a fresh one per process when state is kept in memory.
pub async fn key(options: &StateOptions) -> Result<[u8; 32], StateError> {
    match options.dir.clone() {
        Some(dir) => tokio::task::spawn_blocking(move || crate::sandbox::loader::trust::load_or_create_key(&dir).map(|key| key.0))
            .await
            .map_err(|e| StateError::Io(format!("key task: {e}")))?
            .map_err(StateError::Io),
        None => {
            let mut key = [0u8; 32];
            aws_lc_rs::rand::fill(&mut key).map_err(|_| StateError::Io("no system randomness for a key".into()))?;
            Ok(key)
        }
    }
}
