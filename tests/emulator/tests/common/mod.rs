//! Helpers shared by the integration tests: starting emulators, building AWS SDK clients against
//! them with an isolated environment, locating the AWS crates' published test vectors, and a
//! raw HTTP/1.1 client for requests no SDK would send.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_types::os_shim_internal::{Env, Fs};
use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, RunningEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The region every test signs for.
pub const REGION: &str = "us-east-1";
/// An on-demand text model with streaming.
pub const NOVA_PRO: &str = "amazon.nova-pro-v1:0";
/// An inference-profile-only Anthropic model.
pub const SONNET_45: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
/// The US system profile of [`SONNET_45`].
pub const US_SONNET_45: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
/// An on-demand Anthropic model.
pub const HAIKU_3: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// Starts an emulator with the defaults.
pub async fn start() -> RunningEmulator {
    Emulator::builder().region(REGION).start().await.expect("emulator starts")
}

/// How an SDK client authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// SigV4 with a key pair and optional session token.
    Keys { access_key_id: String, secret_access_key: String, session_token: Option<String> },
    /// The Bedrock API key path, as `AWS_BEARER_TOKEN_BEDROCK` in the (isolated) environment.
    BearerEnv(String),
    /// The default credential chain over this environment and these files only.
    Chain { env: Vec<(String, String)>, files: Vec<(String, String)> },
    /// A given credentials provider.
    Provider(aws_credential_types::provider::SharedCredentialsProvider),
}

impl Auth {
    /// The emulator's default key pair.
    pub fn default_keys() -> Auth {
        Auth::Keys { access_key_id: DEFAULT_ACCESS_KEY_ID.into(), secret_access_key: DEFAULT_SECRET_ACCESS_KEY.into(), session_token: None }
    }
}

/// Options for the SDK configuration.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Retries (off by default so faults are seen as they are).
    pub retries: RetryConfig,
    /// Per-attempt timeout, if any.
    pub attempt_timeout: Option<Duration>,
    /// PEM of a certificate to trust (for TLS).
    pub trust_pem: Option<String>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions { retries: RetryConfig::disabled(), attempt_timeout: Some(Duration::from_secs(20)), trust_pem: None }
    }
}

/// An `SdkConfig` pointed at `endpoint`, built by `aws_config::defaults` over an environment
/// and file system that hold only what the test gives (so the host's AWS settings never leak in).
pub async fn sdk_config(endpoint: &str, auth: Auth, options: ClientOptions) -> SdkConfig {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(Region::new(REGION)).endpoint_url(endpoint).retry_config(options.retries);
    let mut timeouts = TimeoutConfig::builder().connect_timeout(Duration::from_secs(5));
    if let Some(timeout) = options.attempt_timeout {
        timeouts = timeouts.operation_attempt_timeout(timeout);
    }
    loader = loader.timeout_config(timeouts.build());
    match auth {
        Auth::Keys { access_key_id, secret_access_key, session_token } => {
            loader = loader.credentials_provider(Credentials::new(access_key_id, secret_access_key, session_token, None, "test"));
        }
        Auth::BearerEnv(token) => {
            env.push(("AWS_BEARER_TOKEN_BEDROCK".into(), token));
            loader = loader.no_credentials();
        }
        Auth::Chain { env: chain_env, files: chain_files } => {
            env.extend(chain_env);
            files.extend(chain_files);
        }
        Auth::Provider(provider) => loader = loader.credentials_provider(provider),
    }
    if let Some(pem) = options.trust_pem {
        use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
        let context = TlsContext::builder()
            .with_trust_store(TrustStore::empty().with_native_roots(false).with_pem_certificate(pem.into_bytes()))
            .build()
            .expect("TLS context");
        let client = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc)).tls_context(context).build_https();
        loader = loader.http_client(client);
    }
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let file_refs: Vec<(&str, &str)> = files.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    loader.env(Env::from_slice(&env_refs)).fs(Fs::from_slice(&file_refs)).load().await
}

/// A runtime client with the default keys.
pub async fn runtime_client(emulator: &RunningEmulator) -> aws_sdk_bedrockruntime::Client {
    runtime_client_with(emulator, Auth::default_keys(), ClientOptions::default()).await
}

/// A runtime client with the given auth and options.
pub async fn runtime_client_with(emulator: &RunningEmulator, auth: Auth, options: ClientOptions) -> aws_sdk_bedrockruntime::Client {
    aws_sdk_bedrockruntime::Client::new(&sdk_config(&emulator.endpoint(), auth, options).await)
}

/// A control-plane client with the default keys.
pub async fn control_client(emulator: &RunningEmulator) -> aws_sdk_bedrock::Client {
    control_client_with(emulator, Auth::default_keys(), ClientOptions::default()).await
}

/// A control-plane client with the given auth and options.
pub async fn control_client_with(emulator: &RunningEmulator, auth: Auth, options: ClientOptions) -> aws_sdk_bedrock::Client {
    aws_sdk_bedrock::Client::new(&sdk_config(&emulator.endpoint(), auth, options).await)
}

/// A one-message user conversation.
pub fn user_message(text: &str) -> aws_sdk_bedrockruntime::types::Message {
    use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
    Message::builder().role(ConversationRole::User).content(ContentBlock::Text(text.into())).build().expect("message")
}

/// The error code and HTTP status of an SDK error (either client's).
pub fn error_code<E>(error: &aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>) -> (String, u16)
where
    E: aws_sdk_bedrockruntime::error::ProvideErrorMetadata,
{
    use aws_sdk_bedrockruntime::error::ProvideErrorMetadata as _;
    let status = error.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
    (error.code().unwrap_or("").to_string(), status)
}

/// The directory of a dependency's extracted package, found with `cargo metadata` (so it works
/// wherever the registry lives).
pub fn package_dir(name: &str) -> PathBuf {
    static METADATA: OnceLock<serde_json::Value> = OnceLock::new();
    let metadata = METADATA.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--manifest-path", concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")])
            .output()
            .expect("cargo metadata runs");
        assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("cargo metadata JSON")
    });
    let manifest = metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == name))
        .and_then(|p| p["manifest_path"].as_str())
        .unwrap_or_else(|| panic!("package {name} not in cargo metadata"));
    PathBuf::from(manifest).parent().expect("manifest has a parent").to_path_buf()
}

/// A raw HTTP/1.1 exchange: sends `request` as is, reads until the server closes.
/// Returns the status (0 if none) and the body after the header block.
pub async fn raw_http(addr: std::net::SocketAddr, request: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (head, body) = match response.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(at) => (String::from_utf8_lossy(&response[..at]).into_owned(), response[at + 4..].to_vec()),
        None => (text, Vec::new()),
    };
    (status, head, body)
}

/// A JSON request to the control API; returns status and parsed body (Null when empty).
pub async fn control(emulator: &RunningEmulator, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        emulator.local_addr(),
        body.len()
    );
    let (status, _, body) = raw_http(emulator.local_addr(), request.as_bytes()).await;
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}
