//! The host's AWS capability: credentials, Bedrock runtime calls and the signing of a policy's
//! own Bedrock requests, all through the AWS SDK for Rust. Every secret stays in here; what
//! leaves ([`model`] types, errors, logs) is described without one.
//!
//! - [`Bedrock`]: the capability (cheap to clone). Build it with [`Bedrock::from_process_env`]
//!   or, for tests, [`Bedrock::from_env`] / [`Bedrock::builder`] over an [`AwsEnvironment`].
//! - Credentials (BEHAVIOUR.md 4): `AWS_BEARER_TOKEN_BEDROCK` first (sent as
//!   `Authorization: Bearer`, no SigV4, by the SDK clients and [`Bedrock::authenticate`] alike),
//!   otherwise aws-config's default chain (environment, profile, web identity, container, IMDSv2).
//! - Calls (BEHAVIOUR.md 6): the SDK's standard retry (3 attempts by default, jittered
//!   exponential backoff) covers throttling and 5xx until a response starts; each call has one
//!   deadline, its request's `timeout`, covering retries and, for streams, every event up to the
//!   last. An error after a stream began is reported, never retried.
//! - Errors (BEHAVIOUR.md 6): [`errors::classify`].
//! - The control-plane catalog (BEHAVIOUR.md 5.2, 5.6): [`Bedrock::list_catalog`], both listings
//!   at once, cached in memory and under the state directory (`catalog_cache`).

mod access;
mod bearer;
mod catalog_cache;
mod catalog_disk;
mod clients;
pub mod control_plane;
pub mod converse;
mod convert;
pub mod count_tokens;
pub mod credentials;
mod deadline;
pub mod environment;
pub mod errors;
pub mod invoke;
pub mod model;
pub mod model_id;
pub mod reasoning;
pub mod signing;

use std::sync::Arc;
use std::time::Duration;

pub use converse::ConverseEventStream;
pub use environment::AwsEnvironment;
pub use invoke::InvokeChunkStream;
pub use model::{ApiError, CredentialDescription, ErrorClass, VisibleSource};

use catalog_cache::CatalogCache;
use clients::{Clients, SdkSettings};
use credentials::CachedChain;

/// The region used when nothing names one (BEHAVIOUR.md 3).
pub const FALLBACK_REGION: &str = "us-east-1";
/// Attempts per call by default, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// Bedrock access with the host's credentials. Clones share clients and the credential cache.
#[derive(Clone)]
pub struct Bedrock {
    inner: Arc<Inner>,
}

struct Inner {
    env: AwsEnvironment,
    clients: Clients,
    chain: Option<CachedChain>,
    /// `AWS_BEARER_TOKEN_BEDROCK`, trimmed. A secret: never logged or formatted.
    bearer_token: Option<bearer::BearerToken>,
    default_region: String,
    /// Secret values known up front, redacted from every message.
    secrets: Vec<String>,
    /// Time allowed to each control-plane listing.
    catalog_timeout: Duration,
    /// The control-plane catalogs, in memory and on disk.
    catalog: CatalogCache,
}

impl std::fmt::Debug for Bedrock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bedrock")
            .field("default_region", &self.inner.default_region)
            .field("bearer_token", &self.inner.bearer_token.as_ref().map(|_| "****"))
            .field("env", &self.inner.env)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Bedrock`] before it loads the SDK configuration.
#[derive(Debug, Clone)]
pub struct BedrockBuilder {
    env: AwsEnvironment,
    default_region: Option<String>,
    max_attempts: u32,
    initial_backoff: Duration,
    connect_timeout: Duration,
    catalog_timeout: Duration,
}

impl BedrockBuilder {
    /// The region for SDK-level lookups (STS) and for signing requests to an endpoint override;
    /// by default `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`.
    pub fn default_region(mut self, region: impl Into<String>) -> Self {
        self.default_region = Some(region.into()).filter(|r: &String| !r.trim().is_empty());
        self
    }

    /// Attempts per call, the first included (at least 1; default 3).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first retry's backoff (default 1 s, as the SDK's standard mode; tests shorten it).
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Time allowed to open a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed to each control-plane listing (default [`control_plane::CATALOG_CALL_TIMEOUT`],
    /// 30 s; tests shorten it).
    pub fn catalog_timeout(mut self, timeout: Duration) -> Self {
        self.catalog_timeout = timeout;
        self
    }

    /// Loads the SDK configuration (no network call) and returns the capability.
    pub async fn build(self) -> Bedrock {
        let env = self.env;
        let default_region = self
            .default_region
            .or_else(|| env.get("AWS_REGION").or_else(|| env.get("AWS_DEFAULT_REGION")).map(|r| r.trim().to_string()))
            .unwrap_or_else(|| FALLBACK_REGION.to_string());
        let settings = SdkSettings {
            max_attempts: self.max_attempts,
            initial_backoff: self.initial_backoff,
            connect_timeout: self.connect_timeout,
            region: default_region.clone(),
        };
        // A token file wins over the variable (it is what rotates): AWS_BEARER_TOKEN_BEDROCK_FILE.
        let bearer_token = match (env.get(bearer::TOKEN_FILE_VARIABLE), env.get("AWS_BEARER_TOKEN_BEDROCK")) {
            (Some(path), _) => Some(bearer::BearerToken::File(Arc::new(bearer::TokenFile::new(std::path::Path::new(path.trim()))))),
            (None, Some(token)) => Some(bearer::BearerToken::Fixed(token.trim().to_string())),
            (None, None) => None,
        };
        let token_file = match &bearer_token {
            Some(bearer::BearerToken::File(file)) => Some(file.clone()),
            _ => None,
        };
        let (sdk, chain) = clients::load(&env, &settings, token_file).await;
        let secrets = env.secrets();
        let catalog = CatalogCache::new(env.state_dir().map(|state| crate::environment::own_dir(&state).join("cache").join("catalog")));
        let catalog_timeout = self.catalog_timeout;
        tracing::debug!(region = %default_region, bearer = bearer_token.is_some(), "AWS capability loaded");
        Bedrock { inner: Arc::new(Inner { clients: Clients::new(sdk), env, chain, bearer_token, default_region, secrets, catalog_timeout, catalog }) }
    }
}

impl Bedrock {
    /// A builder over this environment.
    pub fn builder(env: AwsEnvironment) -> BedrockBuilder {
        BedrockBuilder {
            env,
            default_region: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            initial_backoff: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            catalog_timeout: control_plane::CATALOG_CALL_TIMEOUT,
        }
    }

    /// The capability over the process environment (blank variables count as unset).
    pub async fn from_process_env() -> Bedrock {
        Self::from_env(AwsEnvironment::from_process()).await
    }

    /// The capability over exactly this environment, with the default settings.
    pub async fn from_env(env: AwsEnvironment) -> Bedrock {
        Self::builder(env).build().await
    }

    /// The region for SDK-level lookups and for signing requests to an endpoint override.
    pub fn default_region(&self) -> &str {
        &self.inner.default_region
    }

    /// Whether a bearer token is set (`AWS_BEARER_TOKEN_BEDROCK` or `AWS_BEARER_TOKEN_BEDROCK_FILE`;
    /// it then wins over every other source).
    pub fn uses_bearer_token(&self) -> bool {
        self.inner.bearer_token.is_some()
    }

    /// The credential sources visible without a network call, in chain order.
    pub fn visible_sources(&self) -> Vec<VisibleSource> {
        credentials::visible_sources(&self.inner.env)
    }

    /// Resolves the credentials calls would use now (this may use the network: SSO, STS, the
    /// container endpoint, IMDS) and describes them without a secret.
    pub async fn resolve_credentials(&self) -> Result<CredentialDescription, ApiError> {
        if self.inner.bearer_token.is_some() {
            return Ok(credentials::describe_bearer(&self.inner.env));
        }
        let resolved = self.sigv4_credentials().await?;
        Ok(credentials::describe(&resolved, &self.inner.env))
    }

    /// The SigV4 credentials of the chain (cached), or a classified error.
    pub(crate) async fn sigv4_credentials(&self) -> Result<aws_credential_types::Credentials, ApiError> {
        let Some(chain) = &self.inner.chain else {
            let error = aws_credential_types::provider::error::CredentialsError::not_loaded("no credentials provider configured");
            return Err(credentials::resolution_error(&error, &self.inner.env, &self.inner.secrets));
        };
        chain.credentials().await.map_err(|error| {
            let error = credentials::resolution_error(&error, &self.inner.env, &self.inner.secrets);
            tracing::debug!(%error, "credentials did not resolve");
            error
        })
    }

    /// The Bedrock runtime client of a region (created on first use, then cached).
    pub fn runtime_client(&self, region: &str) -> aws_sdk_bedrockruntime::Client {
        self.inner.clients.runtime(region)
    }

    /// The Bedrock control-plane client of a region (created on first use, then cached).
    pub fn control_client(&self, region: &str) -> aws_sdk_bedrock::Client {
        self.inner.clients.control(region)
    }

    /// Secret values to redact from messages.
    pub(crate) fn secrets(&self) -> &[String] {
        &self.inner.secrets
    }
}
