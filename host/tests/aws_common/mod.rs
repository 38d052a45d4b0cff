//! Helpers of the `aws_*` tests: an emulator, an isolated AWS environment (temporary home, only
//! the variables a test sets), a capability over it, and secret checks on bytes.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use bedrock_emulator::{Emulator, RunningEmulator};
use openclaw_host::aws::model::{ContentBlock, ConverseRequest, InferenceConfig, Message, Role};
use openclaw_host::aws::{AwsEnvironment, Bedrock};

/// The region every test signs for.
pub const REGION: &str = "us-east-1";
/// An on-demand text model with streaming.
pub const NOVA_PRO: &str = "amazon.nova-pro-v1:0";
/// An inference-profile-only model (a bare id needs a profile).
pub const SONNET_45: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
/// The US system profile of [`SONNET_45`].
pub const US_SONNET_45: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

/// Starts an emulator with its default credentials.
pub async fn start() -> RunningEmulator {
    Emulator::builder().region(REGION).start().await.expect("emulator starts")
}

/// An isolated AWS environment: a temporary `HOME` and only the variables a test sets. IMDS is
/// disabled unless a test sets its endpoint, so no test waits on 169.254.169.254.
pub struct TestEnv {
    home: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

impl TestEnv {
    /// `HOME` in a fresh directory, `AWS_EC2_METADATA_DISABLED=true`.
    pub fn new() -> Self {
        let home = tempfile::tempdir().expect("temporary home");
        let vars = vec![("HOME".to_string(), home.path().display().to_string()), ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string())];
        TestEnv { home, vars }
    }

    /// An environment whose every call goes to the emulator (`AWS_ENDPOINT_URL`, `AWS_REGION`).
    pub fn for_emulator(emulator: &RunningEmulator) -> Self {
        Self::new().set("AWS_ENDPOINT_URL", &emulator.endpoint()).set("AWS_REGION", REGION)
    }

    /// Sets (or replaces) a variable.
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.vars.retain(|(k, _)| k != name);
        self.vars.push((name.to_string(), value.to_string()));
        self
    }

    /// Removes a variable.
    pub fn unset(mut self, name: &str) -> Self {
        self.vars.retain(|(k, _)| k != name);
        self
    }

    /// The temporary home.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Writes a file under the home (parents created) and returns its path.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.home.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create parents");
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// The environment as the capability takes it.
    pub fn aws_environment(&self) -> AwsEnvironment {
        AwsEnvironment::from_vars(self.vars.clone())
    }

    /// A capability over this environment, with quick retries (3 attempts, 10 ms first backoff).
    pub async fn bedrock(&self) -> Bedrock {
        Bedrock::builder(self.aws_environment()).initial_backoff(Duration::from_millis(10)).build().await
    }
}

/// A one-message Converse request.
pub fn converse_request(model_id: &str, prompt: &str, timeout: Duration) -> ConverseRequest {
    ConverseRequest {
        model_id: model_id.to_string(),
        region: REGION.to_string(),
        system: vec![],
        messages: vec![Message { role: Role::User, content: vec![ContentBlock::Text(prompt.to_string())] }],
        inference: InferenceConfig::default(),
        tools: vec![],
        timeout,
        options: Default::default(),
    }
}

/// Panics when any secret appears in the bytes (what a user or a log could see).
pub fn assert_no_secret(what: &str, bytes: &[u8], secrets: &[&str]) {
    for secret in secrets {
        assert!(!secret.is_empty());
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "{what} shows a secret: {}", String::from_utf8_lossy(bytes));
    }
}
