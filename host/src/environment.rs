//! What the host reads from its own environment: where the config file and the state
//! directory are, the config text, and the region settings it hands to the policy.
//!
//! Blank or whitespace-only variables count as unset everywhere.

use crate::types::{ConfigSource, RegionEnvironment};
use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileRegionProvider;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A variable's value, or `None` when unset, blank, or not Unicode.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

/// How the config path was chosen, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigPathSource {
    /// `--config PATH`.
    Flag,
    /// `OPENCLAW_CONFIG_PATH`.
    ConfigPathVariable,
    /// `$OPENCLAW_STATE_DIR/openclaw.json`.
    StateDirVariable,
    /// `~/.openclaw/openclaw.json`.
    Home,
}

impl std::fmt::Display for ConfigPathSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Flag => "--config",
            Self::ConfigPathVariable => "OPENCLAW_CONFIG_PATH",
            Self::StateDirVariable => "OPENCLAW_STATE_DIR",
            Self::Home => "default location",
        })
    }
}

/// The config file's path and why it is that one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigPath {
    /// The path.
    pub path: PathBuf,
    /// Why.
    pub source: ConfigPathSource,
}

/// The config file name inside the state directory.
const CONFIG_FILE_NAME: &str = "openclaw.json";

/// Resolves the config path: `--config`, else `OPENCLAW_CONFIG_PATH`, else
/// `$OPENCLAW_STATE_DIR/openclaw.json`, else `~/.openclaw/openclaw.json`.
pub fn config_path(flag: Option<&Path>) -> ConfigPath {
    if let Some(path) = flag {
        return ConfigPath { path: path.to_path_buf(), source: ConfigPathSource::Flag };
    }
    if let Some(path) = var("OPENCLAW_CONFIG_PATH") {
        return ConfigPath { path: PathBuf::from(path), source: ConfigPathSource::ConfigPathVariable };
    }
    if let Some(dir) = var("OPENCLAW_STATE_DIR") {
        return ConfigPath { path: PathBuf::from(dir).join(CONFIG_FILE_NAME), source: ConfigPathSource::StateDirVariable };
    }
    ConfigPath { path: home_state_dir().join(CONFIG_FILE_NAME), source: ConfigPathSource::Home }
}

/// The state directory: `OPENCLAW_STATE_DIR`, else `~/.openclaw`.
pub fn state_dir() -> PathBuf {
    var("OPENCLAW_STATE_DIR").map(PathBuf::from).unwrap_or_else(home_state_dir)
}

/// The folder of this provider's own files inside a state directory (OpenClaw's, which other
/// programs share): `<state>/openclaw-bedrock`.
pub fn own_dir(state: &std::path::Path) -> PathBuf {
    state.join("openclaw-bedrock")
}

/// The policy compile cache, with the key that seals precompiled policies:
/// `<state>/openclaw-bedrock/cache/policies`.
pub fn policy_cache_dir() -> PathBuf {
    own_dir(&state_dir()).join("cache").join("policies")
}

fn home_state_dir() -> PathBuf {
    let home = var("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));
    home.join(".openclaw")
}

/// Why a config file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigReadError {
    /// The file exists but cannot be read, is not a regular file, or is too large.
    #[error("config file: {0}")]
    File(#[from] crate::files::FileError),
    /// The file is not UTF-8 text.
    #[error("config file {path} is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// The path.
        path: String,
        /// The offset of the first invalid byte.
        offset: usize,
    },
}

/// Reads the config file; a missing file is not an error (every key has its default). Only a
/// regular file of at most [`crate::files::CONFIG_LIMIT`] bytes is read (a FIFO or a device in
/// its place is refused at once), off the async runtime's workers.
pub fn read_config(path: &Path) -> Result<ConfigSource, ConfigReadError> {
    use crate::files::{self, ReadSpec};
    let origin = path.display().to_string();
    let bytes = match files::off_runtime(|| files::read_regular(path, ReadSpec::CONFIG)) {
        Ok(bytes) => bytes,
        Err(error) if error.is_not_found() => return Ok(ConfigSource { origin, text: None }),
        Err(error) => return Err(error.into()),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(ConfigSource { origin, text: Some(text) }),
        Err(error) => Err(ConfigReadError::NotUtf8 { path: origin, offset: error.utf8_error().valid_up_to() }),
    }
}

/// The region settings of this process, as handed to the policy: the variables as set
/// (the policy decides what blank means) and the selected profile's region from the AWS
/// config file (`AWS_CONFIG_FILE`, default `~/.aws/config`), read by the AWS SDK's parser.
pub async fn region_environment() -> RegionEnvironment {
    let profile = std::env::var("AWS_PROFILE").ok();
    let mut provider = ProfileFileRegionProvider::builder();
    if profile.as_deref().is_some_and(|name| name.trim().is_empty()) {
        // A blank AWS_PROFILE counts as unset: the default profile.
        provider = provider.profile_name("default");
    }
    let profile_region = provider.build().region().await.map(|region| region.as_ref().to_string());
    RegionEnvironment { aws_region: std::env::var("AWS_REGION").ok(), aws_default_region: std::env::var("AWS_DEFAULT_REGION").ok(), profile, profile_region }
}

/// Creates a directory (and its parents) readable only by the user: the state directory holds
/// compiled code the host maps and catalogs tied to the user's identity.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
