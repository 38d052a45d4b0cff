//! Whether the compile cache's directory, key and entries can be trusted, checked the way ssh
//! checks its keys: owned by the user running the host (or root, for the directories above),
//! and writable by no one else. A directory that fails turns the cache off (compiles go on,
//! with a warning); an entry that fails is recompiled and replaced.

use super::seal::{KEY_LEN, Key};
use crate::files::{self, ReadSpec};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

/// The key file of the cache directory `dir`: beside it, `<dir>.key` (so that the directory
/// holds compiled components only).
pub(crate) fn key_path(dir: &Path) -> PathBuf {
    let name = dir.file_name().map_or_else(|| "policies".into(), |name| name.to_string_lossy().into_owned());
    dir.parent().unwrap_or(dir).join(format!("{name}.key"))
}

/// A compile cache entry (or a key file) read without following a symlink, at most the policy
/// limit.
const ENTRY: ReadSpec = ReadSpec { limit: files::POLICY_LIMIT, what: "a compile cache entry", follow_symlink: false };
const KEY: ReadSpec = ReadSpec { limit: KEY_LEN as u64, what: "a key file", follow_symlink: false };

/// The effective user id of this process.
pub(crate) fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions, cannot fail and touches no memory of ours.
    #[allow(unsafe_code)]
    unsafe {
        libc::geteuid()
    }
}

/// Checks `dir` and every directory above it: each must be owned by this user or root, and
/// not writable by group or others unless sticky (like /tmp: others cannot rename or remove
/// what is ours there).
pub(crate) fn check_dir(dir: &Path) -> Result<(), String> {
    let me = effective_uid();
    let dir = std::fs::canonicalize(dir).map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
    let mut current: Option<&Path> = Some(&dir);
    while let Some(path) = current {
        let metadata = std::fs::metadata(path).map_err(|e| format!("cannot inspect {}: {e}", path.display()))?;
        let mode = metadata.mode();
        if metadata.uid() != me && metadata.uid() != 0 {
            return Err(format!("{} is owned by uid {}, not by this user (uid {me}) or root", path.display(), metadata.uid()));
        }
        let sticky = mode & 0o1000 != 0;
        // The cache directory itself must be ours alone, sticky or not.
        if mode & 0o022 != 0 && (!sticky || path == dir) {
            return Err(format!("{} is writable by {} (mode {:o})", path.display(), writable_by(mode), mode & 0o7777));
        }
        current = path.parent();
    }
    Ok(())
}

/// Checks an opened cache entry or key file: owned by this user, and for a key readable by no
/// one else, for an entry writable by no one else.
pub(crate) fn check_file(path: &Path, metadata: &std::fs::Metadata, private: bool) -> Result<(), String> {
    let me = effective_uid();
    if metadata.uid() != me {
        return Err(format!("{} is owned by uid {}, not by this user (uid {me})", path.display(), metadata.uid()));
    }
    let mode = metadata.mode();
    let forbidden = if private { 0o077 } else { 0o022 };
    if mode & forbidden != 0 {
        let who = if private { "others than its owner" } else { writable_by(mode) };
        return Err(format!("{} is {} by {who} (mode {:o})", path.display(), if private { "accessible" } else { "writable" }, mode & 0o7777));
    }
    Ok(())
}

fn writable_by(mode: u32) -> &'static str {
    match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => "group and others",
        (true, false) => "its group",
        _ => "others",
    }
}

/// Reads a cache entry: a regular file (not a symlink), owned by this user, writable by no one
/// else. `Ok(None)` when there is none.
pub(crate) fn read_entry(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let opened = match files::open_regular(path, ENTRY) {
        Ok(opened) => opened,
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(error.reason()),
    };
    check_file(path, &opened.metadata, false)?;
    files::read_opened(path, opened, ENTRY).map(Some).map_err(|e| e.reason())
}

/// The cache directory's key (at [`key_path`]): read when there is one, else created (random, 0600, written
/// under a temporary name and linked into place, so that two processes starting at once agree
/// on one key and no one ever reads half a key).
pub(crate) fn load_or_create_key(dir: &Path) -> Result<Key, String> {
    if let Some(key) = load_key(dir)? {
        return Ok(key);
    }
    let mut key = [0u8; KEY_LEN];
    getrandom::getrandom(&mut key).map_err(|e| format!("cannot draw a random key: {e}"))?;
    let path = key_path(dir);
    let key_dir = path.parent().unwrap_or(dir);
    let temporary = temporary_path(key_dir, "key");
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
        file.write_all(&key)?;
        file.sync_all()?;
        std::fs::hard_link(&temporary, &path)
    })();
    let _ = std::fs::remove_file(&temporary);
    match written {
        Ok(()) => Ok(Key(key)),
        // Another process linked its key first: use that one.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => load_key(dir)?.ok_or_else(|| format!("{} vanished", path.display())),
        Err(error) => Err(format!("cannot create {}: {error}", path.display())),
    }
}

/// The cache directory's key, when it has one that only this user can read.
pub(crate) fn load_key(dir: &Path) -> Result<Option<Key>, String> {
    let path = key_path(dir);
    let opened = match files::open_regular(&path, KEY) {
        Ok(opened) => opened,
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(format!("{}: {}", path.display(), error.reason())),
    };
    check_file(&path, &opened.metadata, true)?;
    let bytes = files::read_opened(&path, opened, KEY).map_err(|e| format!("{}: {}", path.display(), e.reason()))?;
    let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| format!("{} is not a {KEY_LEN}-byte key", path.display()))?;
    Ok(Some(Key(key)))
}

/// A name in `dir` no other writer uses: this process, a counter, and the target's name.
pub(crate) fn temporary_path(dir: &Path, name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)))
}

/// Writes `bytes` to `path` atomically (a private temporary file, then a rename over whatever
/// is there); the temporary file never outlives a failure.
pub(crate) fn write_entry(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = temporary_path(dir, &name);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
        file.write_all(bytes)?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
