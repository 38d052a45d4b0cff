//! The embedded state store: one file per record under the state directory (or records in
//! memory when there is none), an index of them in memory, bounded in total size and age.
//!
//! A record's file is named by the SHA-256 of its key and holds
//!
//! ```text
//! magic (8)        "ocstate1"
//! expires (8)      milliseconds since the Unix epoch, little-endian
//! key length (2)   little-endian
//! key, value
//! ```
//!
//! written to a temporary file and renamed into place, so a crash leaves the old record or
//! the new one. Opening the store reads every file's header (expired or malformed files are
//! removed), so the records survive a restart. Operations are serialized by one lock and run
//! on the blocking pool; past the size bound, the records closest to expiry (their age bound
//! makes these the oldest) are dropped first.

use super::{MAX_KEY_BYTES, StateError, StateFuture, StateOptions, StateStore};
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::io::{Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const MAGIC: &[u8; 8] = b"ocstate1";
const HEADER: usize = 8 + 8 + 2;

/// One record as the index knows it.
#[derive(Debug)]
struct Entry {
    expires_ms: u64,
    seq: u64,
    /// Bytes it counts against the bound (header, key and value).
    size: u64,
    /// The value, when the store has no directory.
    value: Option<Vec<u8>>,
}

#[derive(Debug)]
struct Inner {
    dir: Option<PathBuf>,
    max_bytes: u64,
    max_age: Duration,
    entries: HashMap<String, Entry>,
    /// (expiry, sequence, key): the next to expire first.
    by_expiry: BTreeSet<(u64, u64, String)>,
    total: u64,
    seq: u64,
}

/// The embedded store.
#[derive(Debug, Clone)]
pub struct Embedded {
    inner: Arc<Mutex<Inner>>,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn io(what: &str, error: &std::io::Error) -> StateError {
    StateError::Io(format!("{what}: {error}"))
}

fn file_name(key: &str) -> String {
    Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Embedded {
    /// Opens the store: reads the directory's records (creating it, mode 0700, if missing).
    pub async fn open(options: StateOptions) -> Result<Self, StateError> {
        let inner = Inner {
            dir: options.dir.clone(),
            max_bytes: options.max_bytes,
            max_age: options.max_age,
            entries: HashMap::new(),
            by_expiry: BTreeSet::new(),
            total: 0,
            seq: 0,
        };
        let inner = Arc::new(Mutex::new(inner));
        let loading = Arc::clone(&inner);
        tokio::task::spawn_blocking(move || {
            let mut inner = loading.lock().map_err(|_| StateError::Io("lock poisoned".into()))?;
            inner.load()
        })
        .await
        .map_err(|e| StateError::Io(format!("loading task: {e}")))??;
        Ok(Self { inner })
    }

    /// Runs `op` on the index, on the blocking pool (file operations may block).
    fn run<T: Send + 'static>(&self, op: impl FnOnce(&mut Inner) -> Result<T, StateError> + Send + 'static) -> StateFuture<'static, T> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut inner = inner.lock().map_err(|_| StateError::Io("lock poisoned".into()))?;
                op(&mut inner)
            })
            .await
            .map_err(|e| StateError::Io(format!("state task: {e}")))?
        })
    }
}

fn check_key(key: &str) -> Result<(), StateError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(StateError::Bounds(format!("keys are 1 to {MAX_KEY_BYTES} bytes")));
    }
    Ok(())
}

impl Inner {
    fn load(&mut self) -> Result<(), StateError> {
        let Some(dir) = self.dir.clone() else { return Ok(()) };
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(|e| io("creating the state directory", &e))?;
        let now = now_ms();
        for entry in std::fs::read_dir(&dir).map_err(|e| io("reading the state directory", &e))? {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            match read_header(&path) {
                Some((expires_ms, key, size)) if expires_ms > now && path.file_name().is_some_and(|n| *n == *file_name(&key)) => {
                    self.insert(key, expires_ms, size, None);
                }
                // Expired, malformed, or a temporary file a crash left behind.
                _ => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        // A smaller bound than the records on disk: the ones closest to expiry go.
        self.make_room(0, now);
        Ok(())
    }

    fn insert(&mut self, key: String, expires_ms: u64, size: u64, value: Option<Vec<u8>>) {
        self.remove(&key);
        self.seq += 1;
        self.by_expiry.insert((expires_ms, self.seq, key.clone()));
        self.total += size;
        self.entries.insert(key, Entry { expires_ms, seq: self.seq, size, value });
    }

    /// Drops `key` from the index (not its file).
    fn remove(&mut self, key: &str) -> bool {
        let Some(old) = self.entries.remove(key) else { return false };
        self.by_expiry.remove(&(old.expires_ms, old.seq, key.to_string()));
        self.total -= old.size;
        true
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|dir| dir.join(file_name(key)))
    }

    fn forget(&mut self, key: &str) -> bool {
        let removed = self.remove(key);
        if let Some(path) = self.path(key) {
            let _ = std::fs::remove_file(path);
        }
        removed
    }

    /// Drops expired records, then the ones closest to expiry until `size` more bytes fit.
    fn make_room(&mut self, size: u64, now: u64) {
        while let Some((expires_ms, _, key)) = self.by_expiry.first().cloned() {
            if expires_ms > now && self.total + size <= self.max_bytes {
                break;
            }
            self.forget(&key);
        }
    }

    fn live(&mut self, key: &str, now: u64) -> bool {
        match self.entries.get(key) {
            Some(entry) if entry.expires_ms > now => true,
            Some(_) => {
                self.forget(key);
                false
            }
            None => false,
        }
    }

    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        check_key(key)?;
        if !self.live(key, now_ms()) {
            return Ok(None);
        }
        if let Some(value) = self.entries.get(key).and_then(|e| e.value.clone()) {
            return Ok(Some(value));
        }
        let Some(path) = self.path(key) else { return Ok(None) };
        match read_record(&path, key) {
            Ok(Some(value)) => Ok(Some(value)),
            Ok(None) => {
                self.forget(key);
                Ok(None)
            }
            Err(error) => Err(io("reading a record", &error)),
        }
    }

    fn put(&mut self, key: &str, value: Vec<u8>, ttl: Option<Duration>) -> Result<(), StateError> {
        check_key(key)?;
        let now = now_ms();
        let size = (HEADER + key.len() + value.len()) as u64;
        if size > self.max_bytes {
            return Err(StateError::Bounds(format!("a record of {size} bytes is past the store's bound of {} bytes", self.max_bytes)));
        }
        let age = ttl.map_or(self.max_age, |ttl| ttl.min(self.max_age));
        let expires_ms = now.saturating_add(u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
        self.remove(key);
        self.make_room(size, now);
        let kept = match self.path(key) {
            Some(path) => {
                write_record(&path, key, expires_ms, &value).map_err(|e| io("writing a record", &e))?;
                None
            }
            None => Some(value),
        };
        self.insert(key.to_string(), expires_ms, size, kept);
        Ok(())
    }

    fn add(&mut self, key: &str, value: Vec<u8>, ttl: Option<Duration>) -> Result<bool, StateError> {
        check_key(key)?;
        if self.live(key, now_ms()) {
            return Ok(false);
        }
        self.put(key, value, ttl)?;
        Ok(true)
    }

    fn increment(&mut self, key: &str, delta: i64, ttl: Option<Duration>) -> Result<i64, StateError> {
        let (current, ttl) = match self.get(key)? {
            None => (0, ttl),
            Some(bytes) => {
                let number = std::str::from_utf8(&bytes).ok().and_then(|t| t.parse::<i64>().ok()).ok_or(StateError::NotACounter)?;
                // The counter keeps the expiry it was created with.
                let left = self.entries.get(key).map(|e| Duration::from_millis(e.expires_ms.saturating_sub(now_ms())));
                (number, left)
            }
        };
        let next = current.saturating_add(delta);
        self.put(key, next.to_string().into_bytes(), ttl)?;
        Ok(next)
    }
}

fn read_header(path: &Path) -> Option<(u64, String, u64)> {
    let mut file = std::fs::File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut header = [0u8; HEADER];
    file.read_exact(&mut header).ok()?;
    if &header[..8] != MAGIC {
        return None;
    }
    let expires_ms = u64::from_le_bytes(header[8..16].try_into().ok()?);
    let key_len = usize::from(u16::from_le_bytes(header[16..18].try_into().ok()?));
    let mut key = vec![0u8; key_len];
    file.read_exact(&mut key).ok()?;
    Some((expires_ms, String::from_utf8(key).ok()?, size))
}

/// The value in `path` if it is `key`'s unexpired record.
fn read_record(path: &Path, key: &str) -> std::io::Result<Option<Vec<u8>>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let body = HEADER + key.len();
    if bytes.len() < body || &bytes[..8] != MAGIC || &bytes[HEADER..body] != key.as_bytes() {
        return Ok(None);
    }
    Ok(Some(bytes[body..].to_vec()))
}

fn write_record(path: &Path, key: &str, expires_ms: u64, value: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    let _ = std::fs::remove_file(&temporary);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
    let key_len = u16::try_from(key.len()).map_err(|_| std::io::Error::other("key too long"))?;
    let mut bytes = Vec::with_capacity(HEADER + key.len() + value.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&expires_ms.to_le_bytes());
    bytes.extend_from_slice(&key_len.to_le_bytes());
    bytes.extend_from_slice(key.as_bytes());
    bytes.extend_from_slice(value);
    file.write_all(&bytes)?;
    drop(file);
    std::fs::rename(&temporary, path)
}

impl StateStore for Embedded {
    fn get<'a>(&'a self, key: &'a str) -> StateFuture<'a, Option<Vec<u8>>> {
        let key = key.to_string();
        self.run(move |inner| inner.get(&key))
    }

    fn put<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Option<Duration>) -> StateFuture<'a, ()> {
        let key = key.to_string();
        self.run(move |inner| inner.put(&key, value, ttl))
    }

    fn add<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Option<Duration>) -> StateFuture<'a, bool> {
        let key = key.to_string();
        self.run(move |inner| inner.add(&key, value, ttl))
    }

    fn delete<'a>(&'a self, key: &'a str) -> StateFuture<'a, bool> {
        let key = key.to_string();
        self.run(move |inner| {
            check_key(&key)?;
            let live = inner.live(&key, now_ms());
            inner.forget(&key);
            Ok(live)
        })
    }

    fn increment<'a>(&'a self, key: &'a str, delta: i64, ttl: Option<Duration>) -> StateFuture<'a, i64> {
        let key = key.to_string();
        self.run(move |inner| inner.increment(&key, delta, ttl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(dir: Option<&Path>, max_bytes: u64) -> StateOptions {
        StateOptions { dir: dir.map(Path::to_path_buf), max_bytes, max_age: Duration::from_secs(3600) }
    }

    #[tokio::test]
    async fn every_operation_in_memory_and_on_disk() {
        let dir = tempfile::tempdir().expect("dir");
        for dir in [None, Some(dir.path())] {
            let store = Embedded::open(options(dir, 1 << 20)).await.expect("open");
            assert_eq!(store.get("a").await, Ok(None));
            store.put("a", b"one".to_vec(), None).await.expect("put");
            assert_eq!(store.get("a").await, Ok(Some(b"one".to_vec())));
            assert_eq!(store.add("a", b"two".to_vec(), None).await, Ok(false), "{dir:?}");
            assert_eq!(store.add("b", b"two".to_vec(), None).await, Ok(true));
            assert_eq!(store.increment("n", 5, None).await, Ok(5));
            assert_eq!(store.increment("n", -2, None).await, Ok(3));
            assert_eq!(store.increment("a", 1, None).await, Err(StateError::NotACounter));
            assert_eq!(store.delete("a").await, Ok(true));
            assert_eq!(store.delete("a").await, Ok(false));
            assert_eq!(store.get("a").await, Ok(None));
            assert!(matches!(store.get("").await, Err(StateError::Bounds(_))));
            assert!(matches!(store.get(&"k".repeat(MAX_KEY_BYTES + 1)).await, Err(StateError::Bounds(_))));
        }
    }

    #[tokio::test]
    async fn records_expire() {
        let store = Embedded::open(options(None, 1 << 20)).await.expect("open");
        store.put("short", b"x".to_vec(), Some(Duration::from_millis(30))).await.expect("put");
        assert_eq!(store.get("short").await, Ok(Some(b"x".to_vec())));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(store.get("short").await, Ok(None));
        assert_eq!(store.add("short", b"y".to_vec(), None).await, Ok(true), "an expired record is absent");
    }

    #[tokio::test]
    async fn past_the_size_bound_the_records_closest_to_expiry_go() {
        let record = (HEADER + 1 + 100) as u64;
        let store = Embedded::open(options(None, record * 3)).await.expect("open");
        for (key, ttl) in [("a", 100), ("b", 50), ("c", 200)] {
            store.put(key, vec![0; 100], Some(Duration::from_secs(ttl))).await.expect("put");
        }
        store.put("d", vec![0; 100], None).await.expect("put");
        let kept: Vec<bool> = futures_kept(&store, &["a", "b", "c", "d"]).await;
        assert_eq!(kept, [true, false, true, true]);
        assert!(matches!(store.put("huge", vec![0; 1000], None).await, Err(StateError::Bounds(_))));
    }

    async fn futures_kept(store: &Embedded, keys: &[&str]) -> Vec<bool> {
        let mut kept = Vec::new();
        for key in keys {
            kept.push(store.get(key).await.expect("get").is_some());
        }
        kept
    }

    #[tokio::test]
    async fn records_survive_a_restart_and_damaged_files_are_dropped() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Embedded::open(options(Some(dir.path()), 1 << 20)).await.expect("open");
        store.put("kept", b"value".to_vec(), None).await.expect("put");
        store.put("brief", b"value".to_vec(), Some(Duration::from_millis(1))).await.expect("put");
        drop(store);
        std::fs::write(dir.path().join("garbage"), b"not a record").expect("write");
        tokio::time::sleep(Duration::from_millis(5)).await;
        let reopened = Embedded::open(options(Some(dir.path()), 1 << 20)).await.expect("open");
        assert_eq!(reopened.get("kept").await, Ok(Some(b"value".to_vec())));
        assert_eq!(reopened.get("brief").await, Ok(None));
        let files: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").flatten().map(|e| e.file_name()).collect();
        assert_eq!(files, [std::ffi::OsString::from(file_name("kept"))]);
    }
}
