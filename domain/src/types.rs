//! The WIT `types` interface: error classes and errors, listed models, catalog records.

use std::fmt;

/// What kind of failure an error is, so that a policy can decide what to do about it
/// (BEHAVIOUR.md section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum ErrorClass {
    /// The credentials were refused or none resolved: access denied, unknown key, expired
    /// token, bad signature.
    Auth,
    /// Too many requests: throttling or an exhausted service quota.
    RateLimit,
    /// The service or model cannot take the request now.
    Overloaded,
    /// The call did not finish within its time limit.
    Timeout,
    /// The input does not fit the model's context window.
    ContextOverflow,
    /// The model or resource does not exist (or is not visible to the caller).
    NotFound,
    /// The request was malformed or not valid for this model.
    Format,
    /// The model itself failed while producing output.
    ModelError,
    /// The connection failed before a (whole) response arrived.
    Network,
    /// Anything not covered above.
    Unknown,
}

impl ErrorClass {
    /// The class's name as the WIT enum spells it (kebab-case, e.g. `rate-limit`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Auth => "auth",
            ErrorClass::RateLimit => "rate-limit",
            ErrorClass::Overloaded => "overloaded",
            ErrorClass::Timeout => "timeout",
            ErrorClass::ContextOverflow => "context-overflow",
            ErrorClass::NotFound => "not-found",
            ErrorClass::Format => "format",
            ErrorClass::ModelError => "model-error",
            ErrorClass::Network => "network",
            ErrorClass::Unknown => "unknown",
        }
    }
}

/// A classified failure of a Bedrock call, of a credential lookup, or of a policy's own checks
/// before one. The message is one line and never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ApiError {
    /// The class a policy acts on.
    pub class: ErrorClass,
    /// The AWS error code (for example `ThrottlingException`), when the service sent one.
    pub code: Option<String>,
    /// A one-line, human-readable description.
    pub message: String,
    /// The HTTP status of the failed response, when there was one.
    pub http_status: Option<u16>,
    /// Whether the same request may succeed if sent again later.
    pub retryable: bool,
}

impl ApiError {
    /// An error raised by a policy itself (no AWS code, no HTTP status, not retryable).
    pub fn policy(class: ErrorClass, message: impl Into<String>) -> Self {
        Self { class, code: None, message: message.into(), http_status: None, retryable: false }
    }
}

impl fmt::Display for ApiError {
    /// `Code: message`, or the message alone when the service sent no code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ApiError {}

/// How a listed model is addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum ModelKind {
    /// A foundation model, by bare id.
    Foundation,
    /// A system inference profile (`us.`, `eu.`, `global.`, ...), by id.
    SystemProfile,
    /// An application inference profile, by ARN.
    ApplicationProfile,
}

/// Prices in US dollars per million tokens; zero where unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModelInfo {
    /// The id to call: bare id, system profile id, or application profile ARN.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Provider name as Bedrock reports it.
    pub provider: String,
    /// The base foundation model id, without geography prefix.
    pub base_model_id: String,
    /// How it is addressed.
    pub kind: ModelKind,
    /// `text`, `image`, `document`, `video`.
    pub input: Vec<String>,
    /// Extended reasoning.
    pub reasoning: bool,
    /// Context window in tokens.
    pub context_window: u32,
    /// Max output tokens per request.
    pub max_tokens: u32,
    /// Prices, zero where unknown.
    pub cost: ModelCost,
    /// The region it was discovered in.
    pub region: String,
}

/// A foundation model summary as `ListFoundationModels` returns it; enum-like fields are kept
/// as the strings Bedrock sent (real responses carry values newer than any SDK's enums).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FoundationModelRecord {
    /// e.g. `anthropic.claude-sonnet-4-6-20251001-v1:0`.
    pub model_id: String,
    /// The model's ARN.
    pub model_arn: String,
    /// e.g. `Claude Sonnet 4.6`.
    pub model_name: String,
    /// e.g. `Anthropic`.
    pub provider_name: String,
    /// `TEXT`, `IMAGE`, `DOCUMENT`, `VIDEO`, `EMBEDDING`, ... as sent.
    pub input_modalities: Vec<String>,
    /// As sent.
    pub output_modalities: Vec<String>,
    /// `None` when the service did not say (counts as false).
    pub response_streaming_supported: Option<bool>,
    /// As sent.
    pub customizations_supported: Vec<String>,
    /// `ON_DEMAND`, `PROVISIONED`, `INFERENCE_PROFILE`, ... as sent.
    pub inference_types_supported: Vec<String>,
    /// `ACTIVE`, `LEGACY`, ...; `None` when the service did not say.
    pub lifecycle_status: Option<String>,
}

/// An inference profile summary as `ListInferenceProfiles` returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InferenceProfileRecord {
    /// A system profile's id (`us.anthropic...`), or an application profile's id.
    pub id: String,
    /// The profile's ARN.
    pub arn: String,
    /// e.g. `US Anthropic Claude Sonnet 4.6`.
    pub name: String,
    /// The description, when there is one.
    pub description: Option<String>,
    /// `ACTIVE`, ... as sent.
    pub status: String,
    /// `SYSTEM_DEFINED`, `APPLICATION`, ... as sent.
    pub profile_type: String,
    /// ARNs of the models the profile routes to; the first is the base model.
    pub model_arns: Vec<String>,
}
