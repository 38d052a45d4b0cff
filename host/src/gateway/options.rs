//! How the gateway runs: listen address, limits, timeouts, the files it watches, telemetry.

use super::{ClientKey, openai};
use crate::telemetry::access_log::AccessLog;
use crate::telemetry::otlp::OtlpConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How the gateway runs.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// Where to listen (port 0 picks a free port). Default `127.0.0.1:18789`.
    pub listen: SocketAddr,
    /// The key clients must send as `Authorization: Bearer <key>`; `None` turns client
    /// authentication (and `POST /admin/policy`) off.
    pub client_key: Option<ClientKey>,
    /// How long streams may run on after shutdown begins. Default 10 s.
    pub grace_period: Duration,
    /// The `--policy` file to watch and reload; `None` for the embedded policy.
    pub policy_file: Option<PathBuf>,
    /// The config file to read and watch; `None` runs on defaults.
    pub config_path: Option<PathBuf>,
    /// How often the files are polled. Default 500 ms.
    pub watch_interval: Duration,
    /// Time limit for one chat call. Default 300 s.
    pub request_timeout: Duration,
    /// Largest request body accepted (413 beyond). Default 16 MiB.
    pub max_body_bytes: usize,
    /// Most chat and model-list requests in flight (503 beyond); capped a few below the
    /// policy host's `Limits::max_instances`. Default 1000.
    pub max_in_flight: usize,
    /// How long a client may take to send a request's headers, and how long a kept-alive
    /// connection may sit idle before its next request. Default 30 s.
    pub header_read_timeout: Duration,
    /// How long a client may take to send a whole request body (408 beyond). Default 60 s.
    pub body_read_timeout: Duration,
    /// Most open client connections; the gateway keeps it below half of what the file
    /// descriptor limit leaves (the soft limit is raised to the hard one at start). At the cap
    /// the connection idle the longest is closed to admit a new one. Default 4096.
    pub max_connections: usize,
    /// Bytes of request bodies buffered at once across all requests (503 beyond), at least
    /// `max_body_bytes`. Default 64 MiB.
    pub max_body_memory: usize,
    /// One JSON line per request ([`crate::telemetry::access_log`]). Default off.
    pub access_log: AccessLog,
    /// Where to export traces over OTLP/HTTP; the exporter starts in [`super::Gateway::bind`].
    /// Default off.
    pub otlp: Option<OtlpConfig>,
    /// The AWS shared config and credentials files: when one changes, the region environment
    /// is read again from this process's environment and those files, and the plan is
    /// computed again if it (the profile's region) or the visible credential sources changed.
    /// Default none (an embedder's own environment is kept as given).
    pub aws_profile_files: Vec<PathBuf>,
    /// Cache points the gateway adds to Chat Completions requests ([`openai::PromptCache`]).
    /// Default off.
    pub prompt_cache: openai::PromptCache,
    /// Where and how much state the gateway keeps (stored Responses API responses, the key
    /// sealing reasoning). Default: in memory only.
    pub state: crate::state::StateOptions,
    /// A Bedrock guardrail put on every model call (Converse and InvokeModel alike, fallbacks
    /// included), so no client can leave it out. Default none.
    pub guardrail: Option<crate::aws::model::Guardrail>,
    /// Virtual keys, their limits and budgets ([`crate::keys`]): where their journal is and
    /// the prices budgets use. Default none (only the master key, if any).
    pub keys: Option<crate::keys::KeysOptions>,
    /// A listener of its own for the admin endpoints (`/admin/...`, behind the master key), which
    /// then do not exist on `listen`: one that can be kept private. Default none.
    pub admin_listen: Option<SocketAddr>,
}

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:18789";

impl Default for GatewayOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 18789)),
            client_key: None,
            grace_period: Duration::from_secs(10),
            policy_file: None,
            config_path: None,
            watch_interval: Duration::from_millis(500),
            request_timeout: Duration::from_secs(300),
            max_body_bytes: 16 << 20,
            max_in_flight: 1000,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            max_connections: 4096,
            max_body_memory: 64 << 20,
            access_log: AccessLog::off(),
            otlp: None,
            aws_profile_files: Vec::new(),
            prompt_cache: openai::PromptCache::Off,
            guardrail: None,
            state: crate::state::StateOptions::default(),
            keys: None,
            admin_listen: None,
        }
    }
}
