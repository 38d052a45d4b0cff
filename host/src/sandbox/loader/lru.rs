//! The compile cache's size cap. An entry's modification time is when it was last used (set
//! when it is written and each time it is mapped); after each write the least recently used
//! entries are removed until the cache fits under its cap again, so it never grows without
//! bound however many components a policy author builds.

use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The variable that sets the cap: bytes, or a number with `KiB`, `MiB` or `GiB`; `0` keeps
/// nothing.
pub const MAX_VAR: &str = "OPENCLAW_POLICY_CACHE_MAX";

/// The cap when [`MAX_VAR`] is unset: room for a dozen large (interpreter-bearing) components.
pub const DEFAULT_MAX_BYTES: u64 = 512 << 20;

/// The extension of cache entries; nothing else in the directory is counted or removed.
const ENTRY_EXTENSION: &str = "cwasm";

/// A size: `4096`, `64KiB`, `512 MiB`, `1GiB` (also `K`, `M`, `G`, `KB`, `MB`, `GB`, all
/// binary). Case does not matter.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| format!("{text:?} is not a size; write bytes or a number with KiB, MiB or GiB (e.g. 512MiB)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => return Err(format!("{text:?}: unknown unit {other:?}; use KiB, MiB or GiB (e.g. 512MiB)")),
    };
    number.checked_mul(1 << shift).ok_or_else(|| format!("{text:?} is too large"))
}

/// The cap [`MAX_VAR`] sets, else [`DEFAULT_MAX_BYTES`]; an unreadable value is an error
/// naming the variable (a cache silently uncapped would be the bug this prevents).
pub(crate) fn max_from_env() -> Result<u64, String> {
    match crate::environment::var(MAX_VAR) {
        None => Ok(DEFAULT_MAX_BYTES),
        Some(value) => parse_size(&value).map_err(|why| format!("{MAX_VAR}: {why}")),
    }
}

/// Marks an entry as used now. Failure only makes it look older than it is.
pub(crate) fn touch(entry: &Path) {
    let touched = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(entry).and_then(|file| file.set_modified(SystemTime::now()));
    if let Err(error) = touched {
        tracing::debug!(entry = %entry.display(), "cannot mark a compile cache entry as used: {error}");
    }
}

/// Removes the least recently used entries of `dir` until the rest total at most `max_bytes`,
/// never `keep` (the entry just written). Returns what it removed, oldest first.
pub(crate) fn evict(dir: &Path, max_bytes: u64, keep: &Path) -> Vec<PathBuf> {
    let mut entries = entries(dir);
    let mut total: u64 = entries.iter().map(|entry| entry.size).sum();
    // Oldest first; the name breaks ties so that the order never depends on the listing.
    entries.sort_by(|a, b| a.used.cmp(&b.used).then_with(|| a.path.cmp(&b.path)));
    let mut removed = Vec::new();
    for entry in entries {
        if total <= max_bytes {
            break;
        }
        if entry.path == keep {
            continue;
        }
        match std::fs::remove_file(&entry.path) {
            Ok(()) => {
                total = total.saturating_sub(entry.size);
                tracing::debug!(entry = %entry.path.display(), size = entry.size, "compile cache over its cap: removed the least recently used entry");
                removed.push(entry.path);
            }
            // Another process removed it first: it no longer counts either.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => total = total.saturating_sub(entry.size),
            Err(error) => tracing::warn!(entry = %entry.path.display(), "cannot remove a compile cache entry: {error}"),
        }
    }
    removed
}

struct Entry {
    path: PathBuf,
    size: u64,
    used: SystemTime,
}

/// The directory's entries: files (or links) named `*.cwasm`, not followed.
fn entries(dir: &Path) -> Vec<Entry> {
    let Ok(listing) = std::fs::read_dir(dir) else { return Vec::new() };
    listing
        .filter_map(Result::ok)
        .map(|item| item.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == ENTRY_EXTENSION))
        .filter_map(|path| {
            let metadata = std::fs::symlink_metadata(&path).ok()?;
            if metadata.is_dir() {
                return None;
            }
            Some(Entry { used: metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH), size: metadata.len(), path })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sizes_read_as_written() {
        let cases: [(&str, Result<u64, &str>); 10] = [
            ("0", Ok(0)),
            ("4096", Ok(4096)),
            ("64KiB", Ok(64 << 10)),
            ("512 MiB", Ok(512 << 20)),
            ("512mb", Ok(512 << 20)),
            ("1G", Ok(1 << 30)),
            (" 2 gib ", Ok(2 << 30)),
            ("lots", Err("is not a size")),
            ("5 TB", Err("unknown unit")),
            ("99999999999999999999GiB", Err("is not a size")),
        ];
        for (text, expected) in cases {
            match (parse_size(text), expected) {
                (Ok(size), Ok(expected)) => assert_eq!(size, expected, "{text:?}"),
                (Err(why), Err(words)) => assert!(why.contains(words), "{text:?}: {why}"),
                (got, expected) => panic!("{text:?}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    /// Writes `name` with `size` bytes, last used `age` seconds before a fixed time.
    fn entry(dir: &Path, name: &str, size: usize, age: u64) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, vec![0u8; size]).expect("write");
        let used = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 - age);
        std::fs::File::options().write(true).open(&path).and_then(|file| file.set_modified(used)).expect("set time");
        path
    }

    #[test]
    fn the_least_recently_used_entries_go_first_until_under_the_cap() {
        let dir = tempfile::tempdir().expect("dir");
        let oldest = entry(dir.path(), "a.cwasm", 100, 50);
        let middle = entry(dir.path(), "b.cwasm", 100, 40);
        let recent = entry(dir.path(), "c.cwasm", 100, 30);
        let new = entry(dir.path(), "d.cwasm", 100, 60);
        let other = entry(dir.path(), "policies.key", 1000, 100);
        // (cap, removed in order)
        assert_eq!(evict(dir.path(), 400, &new), Vec::<PathBuf>::new(), "under the cap: nothing goes");
        assert_eq!(evict(dir.path(), 250, &new), vec![oldest.clone(), middle.clone()], "oldest first, the new entry kept though it looks oldest");
        touch(&recent);
        assert_eq!(evict(dir.path(), 0, &new), vec![recent], "a cap of nothing keeps only the new entry");
        assert!(new.exists() && other.exists(), "the new entry and files that are not entries stay");
    }
}
