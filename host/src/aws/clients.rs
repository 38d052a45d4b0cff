//! Loading the SDK configuration from an [`AwsEnvironment`] and the per-region SDK clients,
//! created lazily and cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::identity::IdentityCache;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID;
use aws_types::os_shim_internal::{Env, Fs};
use aws_types::service_config::ServiceConfigKey;

use super::bearer::{FileTokenProvider, TokenFile};
use super::credentials::CachedChain;
use super::environment::AwsEnvironment;

/// How the SDK is configured: retries and connection set-up.
#[derive(Debug, Clone)]
pub(crate) struct SdkSettings {
    /// Attempts per call, the first included (the SDK's standard retry mode).
    pub max_attempts: u32,
    /// The first retry's backoff; later ones grow exponentially, with jitter.
    pub initial_backoff: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// The region of the SDK configuration (STS, the signing region of endpoint overrides).
    pub region: String,
}

/// The SDK configuration shared by every client, and the cached clients.
#[derive(Debug)]
pub(crate) struct Clients {
    sdk: SdkConfig,
    runtime: Mutex<HashMap<String, aws_sdk_bedrockruntime::Client>>,
    control: Mutex<HashMap<String, aws_sdk_bedrock::Client>>,
}

/// Loads the SDK configuration over exactly `env` (blank variables already gone) and the real
/// file system, with the default credential chain behind [`CachedChain`]. Returns the config
/// and the cache (none when no chain could be built).
pub(crate) async fn load(env: &AwsEnvironment, settings: &SdkSettings, token_file: Option<Arc<TokenFile>>) -> (SdkConfig, Option<CachedChain>) {
    // With a token file, the SDK asks it for the token on each call; the variable, which the
    // SDK would read once and prefer, is not shown to it.
    let pairs: Vec<(&str, &str)> = env.pairs().filter(|(name, _)| token_file.is_none() || *name != "AWS_BEARER_TOKEN_BEDROCK").collect();
    let retry = RetryConfig::standard().with_max_attempts(settings.max_attempts.max(1)).with_initial_backoff(settings.initial_backoff);
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(file) = token_file {
        loader = loader.token_provider(FileTokenProvider(file)).auth_scheme_preference([HTTP_BEARER_AUTH_SCHEME_ID]);
    }
    let sdk = loader
        .env(Env::from_slice(&pairs))
        .fs(Fs::real())
        // Given explicitly so that loading never asks IMDS for a region; each call names its own.
        .region(Region::new(settings.region.clone()))
        .retry_config(retry)
        .timeout_config(TimeoutConfig::builder().connect_timeout(settings.connect_timeout).build())
        // Every call has its own deadline (the request's timeout); the SDK's stall detection
        // would cut slow but live streams (long reasoning) short of it.
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .load()
        .await;
    let cached = sdk.credentials_provider().map(CachedChain::new);
    let sdk = match &cached {
        // The cache is the host's alone: the SDK's own identity cache would keep credentials
        // until ~10 s before their expiry, so calls would never reach CachedChain's earlier
        // refresh (credentials.rs, REFRESH_BEFORE_EXPIRY) and could be signed with credentials
        // about to expire.
        Some(chain) => sdk.into_builder().credentials_provider(SharedCredentialsProvider::new(chain.clone())).identity_cache(IdentityCache::no_cache()).build(),
        None => sdk,
    };
    (sdk, cached)
}

impl Clients {
    /// Clients built from this configuration.
    pub(crate) fn new(sdk: SdkConfig) -> Self {
        Clients { sdk, runtime: Mutex::default(), control: Mutex::default() }
    }

    /// The endpoint override of a service (`AWS_ENDPOINT_URL_<SERVICE>`, the profile's
    /// `services` section, then `AWS_ENDPOINT_URL`), as the service's client resolves it.
    pub(crate) fn endpoint_override(&self, service_id: &str) -> Option<String> {
        let key = ServiceConfigKey::builder().service_id(service_id).env("AWS_ENDPOINT_URL").profile("endpoint_url").build().ok()?;
        self.sdk.service_config().and_then(|conf| conf.load_config(key)).or_else(|| self.sdk.endpoint_url().map(str::to_string))
    }

    /// The runtime client of a region.
    pub(crate) fn runtime(&self, region: &str) -> aws_sdk_bedrockruntime::Client {
        let mut clients = self.runtime.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        clients
            .entry(region.to_string())
            .or_insert_with(|| {
                let config = aws_sdk_bedrockruntime::config::Builder::from(&self.sdk).region(Region::new(region.to_string())).build();
                aws_sdk_bedrockruntime::Client::from_conf(config)
            })
            .clone()
    }

    /// The control-plane client of a region.
    pub(crate) fn control(&self, region: &str) -> aws_sdk_bedrock::Client {
        let mut clients = self.control.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        clients
            .entry(region.to_string())
            .or_insert_with(|| {
                let config = aws_sdk_bedrock::config::Builder::from(&self.sdk).region(Region::new(region.to_string())).build();
                aws_sdk_bedrock::Client::from_conf(config)
            })
            .clone()
    }
}
