//! The catalog cache's files: `<state>/openclaw-bedrock/cache/catalog/<digest>.json`, one per [`CacheKey`],
//! holding `{"format": "openclaw-catalog", "version": 1, "key": <digest>, "fetched_at_ms": ..,
//! "catalog": {..}}`.
//!
//! A file that is unreadable, corrupt, of another format or version, or of another key or
//! region is ignored with a warning (once per key until a good write), never a crash. Writes
//! go to a temporary file in the same directory, then a rename, so a reader never sees half a
//! file; a directory that cannot be written only costs a warning (once): the cache keeps working
//! in memory.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::Catalog;
use crate::files::{self, ReadSpec};

/// Which cached catalog a request wants: a digest of region, endpoint and identity, so that
/// neither the identity nor anything else of the key appears in a file name or a log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    digest: String,
}

impl CacheKey {
    /// The key of a region's catalog at an endpoint (an override, or `default`) for an
    /// identity (already free of secrets, e.g. a hash prefix of a bearer token).
    pub(crate) fn new(region: &str, endpoint: &str, identity: &str) -> Self {
        let digest = Sha256::digest(format!("openclaw-catalog\n{region}\n{endpoint}\n{identity}"));
        CacheKey { digest: hex::encode(&digest[..16]) }
    }

    /// The digest, hex: the file name stem and the key stored in the file.
    pub(crate) fn digest(&self) -> &str {
        &self.digest
    }
}

/// A good catalog and when exactly it was fetched (finer than its `fetched_at` seconds, so that
/// short intervals work).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub catalog: Catalog,
    pub fetched: SystemTime,
}

impl Entry {
    /// Whether it is younger than `max_age` (an entry from the future, after the clock went
    /// back, counts as old: a fetch is the safe answer).
    pub(crate) fn is_fresh(&self, max_age: Duration) -> bool {
        SystemTime::now().duration_since(self.fetched).is_ok_and(|age| age < max_age)
    }
}

/// The `format` of a catalog cache file.
pub const FORMAT: &str = "openclaw-catalog";
/// The `version` this host reads and writes.
pub const VERSION: u64 = 1;

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'a str,
    version: u64,
    key: &'a str,
    fetched_at_ms: u64,
    catalog: &'a Catalog,
}

/// Every field optional, so that a foreign JSON document is told apart from a corrupt one.
#[derive(Deserialize)]
struct EnvelopeIn {
    format: Option<String>,
    version: Option<u64>,
    key: Option<String>,
    fetched_at_ms: Option<u64>,
    catalog: Option<serde_json::Value>,
}

/// The directory of catalog files.
#[derive(Debug)]
pub(crate) struct DiskStore {
    dir: PathBuf,
    /// Distinguishes this process's concurrent temporary files.
    counter: AtomicU64,
    /// Whether a failed write was logged (once per store: the directory rarely heals).
    write_warned: AtomicBool,
    /// Digests whose bad file was logged, until a good write replaces it.
    read_warned: Mutex<HashSet<String>>,
}

impl DiskStore {
    /// A store in `dir` (created on the first write).
    pub(crate) fn new(dir: PathBuf) -> Self {
        DiskStore { dir, counter: AtomicU64::new(0), write_warned: AtomicBool::new(false), read_warned: Mutex::default() }
    }

    fn path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.digest()))
    }

    /// The key's entry, when its file holds a valid one for `region`.
    pub(crate) fn read(&self, key: &CacheKey, region: &str) -> Option<Entry> {
        let path = self.path(key);
        // A regular file of bounded size, never through a symlink: the host writes plain files
        // here, and one pointing at /dev/zero must not grow the process.
        let bytes = match files::off_runtime(|| files::read_regular(&path, ReadSpec::CATALOG)) {
            Ok(bytes) => bytes,
            Err(error) if error.is_not_found() => return None,
            Err(error) => return self.ignore(key, &path, &format!("it is refused: {error}")),
        };
        match parse(&bytes, key, region) {
            Ok(entry) => Some(entry),
            Err(why) => self.ignore(key, &path, &why),
        }
    }

    fn ignore(&self, key: &CacheKey, path: &Path, why: &str) -> Option<Entry> {
        let mut warned = self.read_warned.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if warned.insert(key.digest().to_string()) {
            tracing::warn!(path = %path.display(), "ignoring the catalog cache file: {why}");
        }
        None
    }

    /// Writes the key's entry atomically; a failure is logged (once) and otherwise ignored.
    pub(crate) fn write(&self, key: &CacheKey, entry: &Entry) {
        let fetched_at_ms = entry.fetched.duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0);
        let envelope = EnvelopeOut { format: FORMAT, version: VERSION, key: key.digest(), fetched_at_ms, catalog: &entry.catalog };
        let path = self.path(key);
        match self.write_atomically(&path, &envelope) {
            Ok(()) => {
                self.read_warned.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key.digest());
            }
            Err(error) => {
                if !self.write_warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!(path = %path.display(), %error, "cannot write the catalog cache; it stays in memory only");
                }
            }
        }
    }

    fn write_atomically(&self, path: &Path, envelope: &EnvelopeOut<'_>) -> std::io::Result<()> {
        crate::environment::create_private_dir(&self.dir)?;
        let bytes = serde_json::to_vec(envelope).map_err(std::io::Error::other)?;
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let temporary = self.dir.join(format!(".{}.{}.{n}.tmp", envelope.key, std::process::id()));
        let written = (|| {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&bytes)?;
            // On disk before the rename, so a crash leaves the old file or the new, never an
            // empty one under the real name.
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    }
}

/// A file's entry, or why it is not one.
fn parse(bytes: &[u8], key: &CacheKey, region: &str) -> Result<Entry, String> {
    let envelope: EnvelopeIn = serde_json::from_slice(bytes).map_err(|e| format!("it is not valid JSON of the expected shape ({e})"))?;
    if envelope.format.as_deref() != Some(FORMAT) {
        return Err(format!("it is not an {FORMAT} file"));
    }
    match envelope.version {
        Some(VERSION) => {}
        Some(other) => return Err(format!("it is version {other}; this host reads version {VERSION}")),
        None => return Err("it has no version".into()),
    }
    if envelope.key.as_deref() != Some(key.digest()) {
        return Err("it belongs to another cache key".into());
    }
    let value = envelope.catalog.ok_or("it has no catalog")?;
    let mut catalog: Catalog = serde_json::from_value(value).map_err(|e| format!("its catalog is corrupt ({e})"))?;
    if catalog.region != region {
        return Err(format!("it lists region {:?}, not {region:?}", catalog.region));
    }
    let since_epoch = envelope.fetched_at_ms.map(Duration::from_millis).unwrap_or(Duration::from_secs(catalog.fetched_at));
    // checked: a time past what the clock can hold would panic in `+`.
    let fetched = UNIX_EPOCH.checked_add(since_epoch).ok_or("its fetch time is out of range")?;
    // What is stored is a good catalog; staleness is decided when it is served.
    catalog.stale = false;
    catalog.stale_reason = None;
    Ok(Entry { catalog, fetched })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CacheKey {
        CacheKey::new("us-east-1", "default", "access-key:AKID")
    }

    #[test]
    fn bad_files_say_why() {
        let other_key = CacheKey::new("us-east-1", "default", "access-key:OTHER");
        let catalog = r#"{"region":"us-east-1","models":[],"profiles":[],"fetched_at":5,"stale":true,"stale_reason":"x"}"#;
        let good = format!(r#"{{"format":"openclaw-catalog","version":1,"key":"{}","catalog":{catalog}}}"#, key().digest());
        let cases: Vec<(String, &str)> = vec![
            ("not json".into(), "valid JSON"),
            ("[1,2]".into(), "valid JSON"),
            ("{}".into(), "not an openclaw-catalog"),
            (r#"{"format":"something-else","version":1}"#.into(), "not an openclaw-catalog"),
            (good.replace(r#""version":1"#, r#""version":2"#), "version 2"),
            (good.replace(key().digest(), other_key.digest()), "another cache key"),
            (good.replace(r#""region":"us-east-1""#, r#""region":"eu-west-1""#), "lists region"),
            (good.replace(r#""models":[]"#, r#""models":7"#), "corrupt"),
        ];
        for (text, why) in cases {
            let error = parse(text.as_bytes(), &key(), "us-east-1").expect_err(&text);
            assert!(error.contains(why), "{text}: {error}");
        }
        let entry = parse(good.as_bytes(), &key(), "us-east-1").expect("good file");
        assert!(!entry.catalog.stale && entry.catalog.stale_reason.is_none());
        assert_eq!(entry.fetched, UNIX_EPOCH + Duration::from_secs(5));
    }
}
