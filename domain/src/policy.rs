//! The WIT `policy` interface: who a policy is, what a config file resolves to, and the
//! requests and results of its probe, chat and discovery exports. (Past 400 lines on purpose:
//! each type of the interface is defined once, here, beside its siblings, as the WIT file is.)

use std::fmt;
use std::time::Duration;

use crate::environment::RegionEnvironment;
use crate::runtime::{ConverseOptions, ConverseRequest, InferenceConfig, Message, ToolSpec};
use crate::types::{ApiError, ErrorClass, ModelInfo};

/// Who a policy component is, as its self-check reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum Severity {
    /// The config is invalid.
    Error,
    /// Worth attention; the config is still valid.
    Warning,
}

/// One finding about a config file, located by JSON path, line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// JSON path of the value concerned (`models.bedrockDiscovery.region`); empty for the
    /// document as a whole.
    pub path: String,
    /// 1-based line; 0 when there is no position.
    pub line: u32,
    /// 1-based column in characters; 0 when there is no position.
    pub column: u32,
    /// What is wrong, one line, without the location (see [`Diagnostic::render`]).
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConfigSource {
    /// Where the text came from (a path); used only in messages and log lines.
    pub origin: String,
    /// The file's text; `None` when the file does not exist.
    pub text: Option<String>,
}

/// Where the effective region came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ResolvedRegion {
    /// e.g. `us-east-1`.
    pub name: String,
    /// Where it came from.
    pub source: RegionSource,
}

/// Model-discovery settings with every field resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DiscoverySettings {
    /// `Some(true)`, `Some(false)`, or `None` (auto: runs when credentials are visible).
    pub enabled: Option<bool>,
    /// The configured region (trimmed), when configured.
    pub region: Option<String>,
    /// Providers to keep, as configured; empty keeps all.
    pub provider_filter: Vec<String>,
    /// Seconds a discovered list stays fresh; 0 turns the cache off.
    pub refresh_interval: u64,
    /// Context window for models the policy knows nothing about.
    pub default_context_window: u32,
    /// Max output tokens for models the policy knows nothing about.
    pub default_max_tokens: u32,
}

/// Where one setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingSource {
    /// The setting: `model` or `discovery.<field>` (`discovery.refreshInterval`).
    pub setting: String,
    /// The JSON path it was read from.
    pub path: String,
}

/// The form a model reference was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum ReferenceKind {
    /// A bare Bedrock model or system inference profile id.
    BareId,
    /// `arn:<partition>:bedrock:<region>::foundation-model/<id>`.
    FoundationModelArn,
    /// `arn:<partition>:bedrock:<region>:<account>:inference-profile/<id>`.
    InferenceProfileArn,
    /// `arn:<partition>:bedrock:<region>:<account>:application-inference-profile/<id>`.
    ApplicationProfileArn,
    /// `arn:<partition>:bedrock:<region>:<account>:provisioned-model/<id>`.
    ProvisionedModelArn,
}

/// A parsed model reference.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModelReference {
    /// The form it was written in.
    pub kind: ReferenceKind,
    /// What to send to Bedrock: the bare id or the whole ARN (without a provider qualifier).
    pub target: String,
    /// The bare id, or the ARN's resource id after the `/`.
    pub resource_id: String,
    /// `amazon-bedrock` or `bedrock` (lowercased) when the reference was qualified.
    pub qualifier: Option<String>,
    /// The ARN's partition.
    pub partition: Option<String>,
    /// The ARN's region.
    pub region: Option<String>,
    /// The ARN's account id.
    pub account: Option<String>,
}

/// What a config file resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Settings {
    /// The default model reference as written (trimmed), when one is configured.
    pub default_model: Option<String>,
    /// The default model reference, parsed.
    pub default_model_reference: Option<ModelReference>,
    /// Model-discovery settings.
    pub discovery: DiscoverySettings,
    /// The effective region and its source.
    pub region: ResolvedRegion,
    /// Where each configured setting came from, `model` first, then discovery fields in the
    /// policy's field order; settings not listed have their default. In JSON, an object from
    /// setting to path.
    #[cfg_attr(feature = "serde", serde(with = "sources_as_object"))]
    pub sources: Vec<SettingSource>,
    /// Warnings about the valid config, ordered by position.
    pub warnings: Vec<Diagnostic>,
    /// Model names the config defines (`plugins.entries.amazon-bedrock.config.aliases`), in
    /// file order. Not in contract 0.2.0's `settings`: the policy uses them in its plan.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Vec::is_empty"))]
    pub aliases: Vec<ModelAlias>,
}

/// A model name the config defines and the model reference it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModelAlias {
    /// The name clients send, e.g. `claude-sonnet-4-6` or `fast`.
    pub name: String,
    /// The model reference it stands for, as written (trimmed).
    pub target: String,
}

impl Settings {
    /// The JSON path `setting` was read from, when the config sets it.
    pub fn source_of(&self, setting: &str) -> Option<&str> {
        self.sources.iter().find(|source| source.setting == setting).map(|source| source.path.as_str())
    }
}

/// `Settings::sources` as a JSON object (`{"model": "agents.defaults.model.primary"}`), the
/// form the corpus and `config show --json` use; order kept.
#[cfg(feature = "serde")]
mod sources_as_object {
    use super::SettingSource;
    use serde::de::{MapAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(sources: &[SettingSource], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(sources.iter().map(|source| (&source.setting, &source.path)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<SettingSource>, D::Error> {
        struct Sources;
        impl<'de> Visitor<'de> for Sources {
            type Value = Vec<SettingSource>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object from setting to JSON path")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut sources = Vec::new();
                while let Some((setting, path)) = map.next_entry()? {
                    sources.push(SettingSource { setting, path });
                }
                Ok(sources)
            }
        }
        deserializer.deserialize_map(Sources)
    }
}

/// What loading a config file produced: settings, or every diagnostic.
pub type ConfigOutcome = Result<Settings, Vec<Diagnostic>>;

/// The error of a call whose config file is invalid: a `format` error that names the file,
/// counts its errors and quotes the first (with its JSON path and position). The one wording
/// for every call that needs settings, whichever side read the file: the default policy when
/// it reads the text itself (contracts 0.1.0 and 0.2.0), the host when a config part's
/// `load-config` refused it (0.3.0).
pub fn invalid_config(origin: &str, diagnostics: &[Diagnostic]) -> ApiError {
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).collect();
    let first = errors.first().map_or_else(String::new, |error| {
        let place = if error.line > 0 { format!(" at {}:{}", error.line, error.column) } else { String::new() };
        let path = if error.path.is_empty() { String::new() } else { format!(" `{}`", error.path) };
        format!(": {}{path}{place}: {}", if errors.len() > 1 { "first" } else { "the error" }, error.message)
    });
    let origin = if origin.is_empty() { "the config file".to_string() } else { format!("the config file {}", excerpt(origin, 200)) };
    ApiError::policy(ErrorClass::Format, format!("{origin} is invalid ({} error(s)){first}", errors.len()))
}

/// At most `max_chars` characters of `text`, with `…` when cut, for quoting in a message.
fn excerpt(text: &str, max_chars: usize) -> String {
    let mut short: String = text.chars().take(max_chars).collect();
    if text.chars().nth(max_chars).is_some() {
        short.push('…');
    }
    short
}

/// What a probe sends and within what limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeRequest {
    /// The config file (default model and region come from it).
    pub config: ConfigSource,
    /// The settings the config part resolved `config` to (contract 0.3.0 on); `None` when the
    /// policy reads `config` itself (0.1.0 and 0.2.0 hand it the text only).
    pub settings: Option<Settings>,
    /// Most tokens to ask for.
    pub max_tokens: u32,
    /// Time limit for the whole probe; whole milliseconds cross the WIT.
    pub timeout: Duration,
}

/// How a probe ended (`openclaw-bedrock models status --probe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum ProbeStatus {
    /// The model produced output, or ended its message cleanly.
    Ok,
    /// The credentials were refused or are missing.
    Auth,
    /// Throttled after the host's retries.
    RateLimit,
    /// The model or service is unavailable.
    Overloaded,
    /// No answer in time.
    Timeout,
    /// Refused as invalid (also: an invalid config file).
    Format,
    /// The model does not exist or is not visible.
    NotFound,
    /// No default model is configured.
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

    /// The status a failure of `class` reports.
    pub fn of_class(class: ErrorClass) -> Self {
        match class {
            ErrorClass::Auth => Self::Auth,
            ErrorClass::RateLimit => Self::RateLimit,
            ErrorClass::Overloaded => Self::Overloaded,
            ErrorClass::Timeout => Self::Timeout,
            ErrorClass::Format | ErrorClass::ContextOverflow => Self::Format,
            ErrorClass::NotFound => Self::NotFound,
            ErrorClass::ModelError | ErrorClass::Network | ErrorClass::Unknown => Self::Unknown,
        }
    }
}

/// The outcome of a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProbeResult {
    /// How it ended.
    pub status: ProbeStatus,
    /// The default model reference as configured.
    pub model: Option<String>,
    /// The model id sent to Bedrock.
    pub target: Option<String>,
    /// The region called (or that would have been).
    pub region: String,
    /// From just before the call to the first output or the failure, in ms.
    pub latency_ms: u64,
    /// The failure, when there was one.
    pub error: Option<ApiError>,
}

/// A chat request as a client sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The config file (default model, region, defaults).
    pub config: ConfigSource,
    /// The settings the config part resolved `config` to (contract 0.3.0 on); `None` when the
    /// policy reads `config` itself (0.1.0 and 0.2.0 hand it the text only).
    pub settings: Option<Settings>,
    /// A model reference; `None` uses the default model.
    pub model: Option<String>,
    /// System prompts.
    pub system: Vec<String>,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Most tokens to generate; `None` lets the policy choose.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    pub top_p: Option<f32>,
    /// Sequences that stop generation.
    pub stop_sequences: Vec<String>,
    /// Tools the model may call.
    pub tools: Vec<ToolSpec>,
    /// Time limit for the whole call, fallback included; whole milliseconds cross the WIT.
    pub timeout: Duration,
}

impl ChatRequest {
    /// The Bedrock request it becomes once routed: everything but the model id and region,
    /// which the route supplies, as does the max tokens when the client named none; `options`
    /// are what the client asked beyond this request (a policy's own requests pass defaults).
    pub fn converse_request(self, options: ConverseOptions) -> ConverseRequest {
        ConverseRequest {
            model_id: String::new(),
            region: String::new(),
            system: self.system,
            messages: self.messages,
            inference: InferenceConfig { max_tokens: self.max_tokens, temperature: self.temperature, top_p: self.top_p, stop_sequences: self.stop_sequences },
            tools: self.tools,
            timeout: self.timeout,
            options,
        }
    }
}

/// What to discover with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverRequest {
    /// The config file.
    pub config: ConfigSource,
    /// The settings the config part resolved `config` to (contract 0.3.0 on); `None` when the
    /// policy reads `config` itself (0.1.0 and 0.2.0 hand it the text only).
    pub settings: Option<Settings>,
    /// Fetch the catalog now even if the host's cache is fresh.
    pub refresh: bool,
}

/// The models a user sees, and whether discovery ran.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Discovery {
    /// Whether discovery ran.
    pub runs: bool,
    /// Why it ran or did not, in words.
    pub reason: String,
    /// The region discovered.
    pub region: String,
    /// The models, in display order, without duplicate ids.
    pub models: Vec<ModelInfo>,
    /// True when served from the last good catalog after a failed refresh.
    pub stale: bool,
    /// Why the refresh failed, when stale.
    pub stale_reason: Option<String>,
    /// When the catalog was fetched (seconds since the Unix epoch); `None` when none was.
    pub fetched_at: Option<u64>,
}

/// The region used when nothing else names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The first region set among: the config, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
/// region, then [`DEFAULT_REGION`]. Values are trimmed; blank ones count as unset. Environment
/// values are taken as given (the AWS SDKs do the same); only the config's is shape-checked, by
/// the default policy's `check_region_name` during validation.
pub fn resolve_region(configured: Option<&str>, environment: &RegionEnvironment) -> ResolvedRegion {
    let candidates = [
        (configured, RegionSource::Config),
        (environment.aws_region.as_deref(), RegionSource::AwsRegion),
        (environment.aws_default_region.as_deref(), RegionSource::AwsDefaultRegion),
        (environment.profile_region.as_deref(), RegionSource::Profile),
    ];
    candidates
        .into_iter()
        .find_map(|(value, source)| {
            let name = value?.trim();
            (!name.is_empty()).then(|| ResolvedRegion { name: name.to_string(), source })
        })
        .unwrap_or_else(|| ResolvedRegion { name: DEFAULT_REGION.to_string(), source: RegionSource::Default })
}
