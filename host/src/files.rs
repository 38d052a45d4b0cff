//! Reading the files the host is pointed at (config, policy, caches) as what they claim to be:
//! regular files of bounded size.
//!
//! A FIFO in a config file's place would block a plain `read` forever, and a symlink to
//! `/dev/zero` would grow the reader without end. So every read here opens without blocking
//! (`O_NONBLOCK`: opening a FIFO with no writer returns at once), refuses what `fstat` on the
//! opened file does not call a regular file, and reads at most `limit + 1` bytes whatever the
//! size said (a file that grows while read is still caught). Errors name the file and the limit.
//!
//! The reads are short, but a slow disk must not stall the gateway's workers: [`off_runtime`]
//! moves a read off a multi-threaded runtime's worker, and [`read_async`] runs one on the
//! blocking pool.

use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The largest config file read (OpenClaw configs are a few kilobytes).
pub const CONFIG_LIMIT: u64 = 1 << 20;
/// The largest policy file read: a component (`.wasm`) or a precompiled one (`.cwasm`).
pub const POLICY_LIMIT: u64 = 256 << 20;
/// The largest catalog cache file read (a full catalog is tens of kilobytes).
pub const CATALOG_LIMIT: u64 = 16 << 20;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Opening or reading failed (missing, permissions, ...).
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not a regular file: a directory, FIFO, socket or device.
    #[error("{path} is {kind}, not a regular file; refusing to read it")]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is instead ("a FIFO", "a device", ...).
        kind: &'static str,
    },
    /// Larger than the limit for its kind of file.
    #[error("{path} is larger than {limit} bytes, the limit for {what}")]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
        /// What kind of file ("a config file", ...).
        what: &'static str,
    },
}

impl FileError {
    /// Whether the file does not exist (a missing config file is not an error).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// The reason without the path, for messages that name the file already.
    pub fn reason(&self) -> String {
        match self {
            Self::Io { source, .. } => source.to_string(),
            Self::NotRegular { kind, .. } => format!("it is {kind}, not a regular file"),
            Self::TooLarge { limit, what, .. } => format!("it is larger than {limit} bytes, the limit for {what}"),
        }
    }

    /// As an I/O error without the path (the kind kept where there is one).
    pub fn into_io(self) -> std::io::Error {
        match self {
            Self::Io { source, .. } => source,
            other => std::io::Error::other(other.reason()),
        }
    }
}

/// How to read one kind of file.
#[derive(Debug, Clone, Copy)]
pub struct ReadSpec {
    /// The size limit in bytes.
    pub limit: u64,
    /// What the file is, for messages ("a config file").
    pub what: &'static str,
    /// Whether a symlink in the file's own place is followed (a config mounted through a
    /// symlink is normal; a cache entry that is a symlink was not written by the host).
    pub follow_symlink: bool,
}

impl ReadSpec {
    /// A config file: followed through symlinks, at most [`CONFIG_LIMIT`].
    pub const CONFIG: Self = Self { limit: CONFIG_LIMIT, what: "a config file", follow_symlink: true };
    /// A policy file named by the user: followed through symlinks, at most [`POLICY_LIMIT`].
    pub const POLICY: Self = Self { limit: POLICY_LIMIT, what: "a policy file", follow_symlink: true };
    /// A catalog cache file: never through a symlink, at most [`CATALOG_LIMIT`].
    pub const CATALOG: Self = Self { limit: CATALOG_LIMIT, what: "a catalog cache file", follow_symlink: false };
}

/// An opened regular file and its metadata (from the opened file, not the path).
pub(crate) struct Opened {
    pub file: std::fs::File,
    pub metadata: std::fs::Metadata,
}

/// Opens `path` without blocking and checks, on the opened file, that it is a regular file.
pub(crate) fn open_regular(path: &Path, spec: ReadSpec) -> Result<Opened, FileError> {
    let io = |source| FileError::Io { path: path.to_path_buf(), source };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let nofollow = if spec.follow_symlink { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    let file = options.open(path).map_err(|source| {
        #[cfg(unix)]
        if !spec.follow_symlink && source.raw_os_error() == Some(libc::ELOOP) {
            return FileError::NotRegular { path: path.to_path_buf(), kind: "a symbolic link" };
        }
        io(source)
    })?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(FileError::NotRegular { path: path.to_path_buf(), kind: kind_of(&metadata) });
    }
    if metadata.len() > spec.limit {
        return Err(FileError::TooLarge { path: path.to_path_buf(), limit: spec.limit, what: spec.what });
    }
    Ok(Opened { file, metadata })
}

/// Reads an opened regular file, at most `spec.limit` bytes (one more is an error).
pub(crate) fn read_opened(path: &Path, opened: Opened, spec: ReadSpec) -> Result<Vec<u8>, FileError> {
    let capacity = usize::try_from(opened.metadata.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    opened.file.take(spec.limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|source| FileError::Io { path: path.to_path_buf(), source })?;
    if bytes.len() as u64 > spec.limit {
        return Err(FileError::TooLarge { path: path.to_path_buf(), limit: spec.limit, what: spec.what });
    }
    Ok(bytes)
}

/// Reads a regular file of at most `spec.limit` bytes, on the calling thread.
pub fn read_regular(path: &Path, spec: ReadSpec) -> Result<Vec<u8>, FileError> {
    let opened = open_regular(path, spec)?;
    read_opened(path, opened, spec)
}

/// Reads a regular file of at most `spec.limit` bytes on the blocking pool.
pub async fn read_async(path: &Path, spec: ReadSpec) -> Result<Vec<u8>, FileError> {
    let owned = path.to_path_buf();
    match tokio::task::spawn_blocking(move || read_regular(&owned, spec)).await {
        Ok(result) => result,
        Err(error) => Err(FileError::Io { path: path.to_path_buf(), source: std::io::Error::other(error.to_string()) }),
    }
}

/// Runs blocking file work so that it does not stall a multi-threaded runtime's worker (the
/// worker hands its other tasks on first); elsewhere (no runtime, a current-thread runtime, a
/// blocking-pool thread) it simply runs.
pub fn off_runtime<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(work),
        _ => work(),
    }
}

fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
    }
    "not a regular file"
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: ReadSpec = ReadSpec { limit: 8, what: "a test file", follow_symlink: true };

    #[test]
    fn only_bounded_regular_files_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fits = dir.path().join("fits");
        std::fs::write(&fits, b"12345678").expect("write");
        let large = dir.path().join("large");
        std::fs::write(&large, b"123456789").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&fits, &link).expect("symlink");
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
        let no_follow = ReadSpec { follow_symlink: false, ..SMALL };
        // (path, spec, the error's message contains, or None when the read succeeds)
        let cases: [(&Path, ReadSpec, Option<&str>); 8] = [
            (&fits, SMALL, None),
            (&link, SMALL, None),
            (&large, SMALL, Some("larger than 8 bytes, the limit for a test file")),
            (dir.path(), SMALL, Some("is a directory, not a regular file")),
            (&zero, SMALL, Some("is a device, not a regular file")),
            (&fifo, SMALL, Some("is a FIFO, not a regular file")),
            (&link, no_follow, Some("is a symbolic link, not a regular file")),
            (&dir.path().join("missing"), SMALL, Some("cannot read")),
        ];
        for (path, spec, expected) in cases {
            match (read_regular(path, spec), expected) {
                (Ok(bytes), None) => assert_eq!(bytes, b"12345678"),
                (Err(error), Some(message)) => assert!(error.to_string().contains(message), "{}: {error}", path.display()),
                (outcome, _) => panic!("{}: unexpected {outcome:?}", path.display()),
            }
        }
    }
}
