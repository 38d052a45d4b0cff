//! The host's own types for what a policy decides. They mirror the WIT records but belong to
//! this crate: callers never touch generated bindings. Serialized (snake_case fields,
//! snake_case enum values) they form the JSON that `openclaw config show --json` prints and
//! the conformance corpus compares against.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Who a policy component is, as its self-check reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    /// A short name, e.g. `openclaw-default`.
    pub name: String,
    /// The component's own version.
    pub version: String,
    /// The WIT package version it was built against.
    pub contract: String,
}

impl fmt::Display for PolicyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} (contract openclaw:bedrock@{})", self.name, self.version, self.contract)
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The config is invalid.
    Error,
    /// Worth attention; the config is still valid.
    Warning,
}

/// One finding about a config file, located by JSON path, line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// JSON path of the value concerned; empty for the whole document.
    pub path: String,
    /// 1-based line; 0 when there is no position.
    pub line: u32,
    /// 1-based column in characters; 0 when there is no position.
    pub column: u32,
    /// What is wrong, one line.
    pub message: String,
}

impl Diagnostic {
    /// One line for a terminal: `file:line:col: [warning: ]json.path: message`, the form
    /// editors and CI annotate.
    pub fn render(&self, file: &str) -> String {
        let warning = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        let path = if self.path.is_empty() { String::new() } else { format!("{}: ", self.path) };
        format!("{file}:{}:{}: {warning}{path}{}", self.line, self.column, self.message)
    }
}

/// A config file's text and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSource {
    /// The path, used in messages.
    pub origin: String,
    /// The text; `None` when the file does not exist.
    pub text: Option<String>,
}

/// The region-related environment the host hands to a policy, and nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionEnvironment {
    /// `AWS_REGION`.
    pub aws_region: Option<String>,
    /// `AWS_DEFAULT_REGION`.
    pub aws_default_region: Option<String>,
    /// `AWS_PROFILE`.
    pub profile: Option<String>,
    /// The selected profile's `region` in the AWS config file.
    pub profile_region: Option<String>,
}

/// Where the effective region came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionSource {
    /// The config file.
    Config,
    /// `AWS_REGION`.
    AwsRegion,
    /// `AWS_DEFAULT_REGION`.
    AwsDefaultRegion,
    /// The selected AWS profile's `region`.
    Profile,
    /// The built-in default.
    Default,
}

impl fmt::Display for RegionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Config => "config file",
            Self::AwsRegion => "AWS_REGION",
            Self::AwsDefaultRegion => "AWS_DEFAULT_REGION",
            Self::Profile => "AWS profile",
            Self::Default => "default",
        })
    }
}

/// The effective region and its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedRegion {
    /// e.g. `us-east-1`.
    pub name: String,
    /// Where it came from.
    pub source: RegionSource,
}

/// Model-discovery settings with every field resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoverySettings {
    /// `Some(true)`, `Some(false)`, or `None` (auto: runs when credentials are visible).
    pub enabled: Option<bool>,
    /// The configured region, if any.
    pub region: Option<String>,
    /// Providers to keep; empty keeps all.
    pub provider_filter: Vec<String>,
    /// Seconds a discovered list stays fresh; 0 disables the cache.
    pub refresh_interval: u64,
    /// Context window for unknown models.
    pub default_context_window: u32,
    /// Max output tokens for unknown models.
    pub default_max_tokens: u32,
}

/// The form a model reference was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    /// A bare model or system profile id.
    BareId,
    /// A foundation-model ARN.
    FoundationModelArn,
    /// An inference-profile ARN.
    InferenceProfileArn,
    /// An application-inference-profile ARN.
    ApplicationProfileArn,
    /// A provisioned-model ARN.
    ProvisionedModelArn,
}

/// A parsed model reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelReference {
    /// The form it was written in.
    pub kind: ReferenceKind,
    /// What to send to Bedrock as the model id.
    pub target: String,
    /// The bare id, or the ARN's resource id.
    pub resource_id: String,
    /// `amazon-bedrock` or `bedrock`, when written with one.
    pub qualifier: Option<String>,
    /// The ARN's partition.
    pub partition: Option<String>,
    /// The ARN's region.
    pub region: Option<String>,
    /// The ARN's account.
    pub account: Option<String>,
}

/// The settings a config file resolves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The default model reference as written.
    pub default_model: Option<String>,
    /// The default model reference, parsed.
    pub default_model_reference: Option<ModelReference>,
    /// Discovery settings.
    pub discovery: DiscoverySettings,
    /// The effective region.
    pub region: ResolvedRegion,
    /// Setting name (`model`, `discovery.region`, ...) to the JSON path it was read from.
    pub sources: BTreeMap<String, String>,
    /// Warnings about the (valid) config.
    pub warnings: Vec<Diagnostic>,
}

/// What loading a config file produced: settings, or every diagnostic.
pub type ConfigOutcome = Result<Settings, Vec<Diagnostic>>;

/// What a probe sends and within what limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeRequest {
    /// The config file (default model and region come from it).
    pub config: ConfigSource,
    /// Most tokens to ask for.
    pub max_tokens: u32,
    /// Time limit for the whole probe.
    pub timeout: std::time::Duration,
}

/// How a probe ended (`openclaw models status --probe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    /// The model answered.
    Ok,
    /// Credentials refused or missing.
    Auth,
    /// Throttled after retries.
    RateLimit,
    /// Unavailable.
    Overloaded,
    /// No answer in time.
    Timeout,
    /// Refused as invalid.
    Format,
    /// Unknown model.
    NotFound,
    /// No default model configured.
    NoModel,
    /// Anything else.
    Unknown,
}

impl ProbeStatus {
    /// The word the CLI prints (`ok`, `rate_limit`, `no_model`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Auth => "auth",
            Self::RateLimit => "rate_limit",
            Self::Overloaded => "overloaded",
            Self::Timeout => "timeout",
            Self::Format => "format",
            Self::NotFound => "not_found",
            Self::NoModel => "no_model",
            Self::Unknown => "unknown",
        }
    }
}

/// The outcome of a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeResult {
    /// How it ended.
    pub status: ProbeStatus,
    /// The model reference probed, as configured.
    pub model: Option<String>,
    /// The model id sent to Bedrock.
    pub target: Option<String>,
    /// The region called.
    pub region: String,
    /// From sending to the first output or the failure, in ms.
    pub latency_ms: u64,
    /// The failure, if any.
    pub error: Option<crate::aws::model::ApiError>,
}

/// A chat request as a client sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The config file.
    pub config: ConfigSource,
    /// A model reference; `None` uses the default model.
    pub model: Option<String>,
    /// System prompts.
    pub system: Vec<String>,
    /// The conversation.
    pub messages: Vec<crate::aws::model::Message>,
    /// Most tokens to generate; `None` lets the policy choose.
    pub max_tokens: Option<u32>,
    /// Temperature.
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    pub top_p: Option<f32>,
    /// Stop sequences.
    pub stop_sequences: Vec<String>,
    /// Tools.
    pub tools: Vec<crate::aws::model::ToolSpec>,
    /// Time limit for the whole call.
    pub timeout: std::time::Duration,
}

impl ChatRequest {
    /// The Bedrock request it becomes once routed: everything but the model id and region,
    /// which the route supplies ([`crate::plan::call::aim`]), as does the max tokens when the
    /// client named none.
    pub fn converse_request(self) -> crate::aws::model::ConverseRequest {
        crate::aws::model::ConverseRequest {
            model_id: String::new(),
            region: String::new(),
            system: self.system,
            messages: self.messages,
            inference: crate::aws::model::InferenceConfig {
                max_tokens: self.max_tokens,
                temperature: self.temperature,
                top_p: self.top_p,
                stop_sequences: self.stop_sequences,
            },
            tools: self.tools,
            timeout: self.timeout,
        }
    }
}

/// How a listed model is addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// A foundation model, by bare id.
    Foundation,
    /// A system inference profile (`us.`, `eu.`, `global.`, ...).
    SystemProfile,
    /// An application inference profile, by ARN.
    ApplicationProfile,
}

/// Prices in US dollars per million tokens; zero where unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelCost {
    /// Input tokens.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Prompt-cache reads.
    pub cache_read: f64,
    /// Prompt-cache writes.
    pub cache_write: f64,
}

/// One model as the provider lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The id to call.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Provider name.
    pub provider: String,
    /// The underlying foundation model id.
    pub base_model_id: String,
    /// How it is addressed.
    pub kind: ModelKind,
    /// `text`, `image`, `document`, `video`.
    pub input: Vec<String>,
    /// Extended reasoning.
    pub reasoning: bool,
    /// Context window, tokens.
    pub context_window: u32,
    /// Max output tokens.
    pub max_tokens: u32,
    /// Prices.
    pub cost: ModelCost,
    /// The region it was discovered in.
    pub region: String,
}

/// The models a user sees, and whether discovery ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    /// Whether discovery ran.
    pub runs: bool,
    /// Why it ran or did not.
    pub reason: String,
    /// The region discovered.
    pub region: String,
    /// The models, in display order.
    pub models: Vec<ModelInfo>,
    /// True when served from the last good catalog after a failed refresh.
    pub stale: bool,
    /// Why the refresh failed.
    pub stale_reason: Option<String>,
    /// When the catalog was fetched, seconds since the Unix epoch.
    pub fetched_at: Option<u64>,
}
