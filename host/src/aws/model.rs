//! The AWS capability's own types. They mirror the WIT `types`, `runtime` and `credentials`
//! interfaces field for field, so the import glue converts them one to one; serialized they use
//! snake_case fields and snake_case enum values, as the rest of the host's JSON does.

use std::time::Duration;

use serde::Serialize;

/// What kind of failure an error is, so that a policy can decide what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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

/// A classified failure of a Bedrock call or of a credential lookup. The message is one line
/// and never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}{}", .code.as_ref().map(|c| format!("{c}: ")).unwrap_or_default(), .message)]
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

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The user (or tool results sent back).
    User,
    /// The model.
    Assistant,
}

/// One block of a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentBlock {
    /// Text.
    Text(String),
    /// An image: `format` is `png`, `jpeg`, `gif` or `webp`.
    Image {
        /// The image format.
        format: String,
        /// The image file's bytes.
        bytes: Vec<u8>,
    },
    /// A tool call the model made.
    ToolUse {
        /// The call's id, echoed in its result.
        id: String,
        /// The tool's name.
        name: String,
        /// The arguments, a JSON document.
        input: String,
    },
    /// The result of a tool call, sent back to the model.
    ToolResult {
        /// The id of the call it answers.
        id: String,
        /// The result as text.
        content: String,
        /// Whether the tool failed.
        is_error: bool,
    },
    /// Model reasoning text.
    Reasoning(String),
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// What it says.
    pub content: Vec<ContentBlock>,
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolSpec {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Its input's JSON Schema, a JSON document.
    pub input_schema: String,
}

/// Sampling settings; `None` leaves the model's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InferenceConfig {
    /// Most tokens to generate.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    pub top_p: Option<f32>,
    /// Sequences that stop generation.
    pub stop_sequences: Vec<String>,
}

/// A Converse or ConverseStream request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConverseRequest {
    /// A bare model id, a system inference profile id, or an ARN.
    pub model_id: String,
    /// The region to call.
    pub region: String,
    /// System prompts.
    pub system: Vec<String>,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Sampling settings.
    pub inference: InferenceConfig,
    /// Tools the model may call.
    pub tools: Vec<ToolSpec>,
    /// Time limit for the whole call, retries included (for a stream: until the last event).
    pub timeout: Duration,
}

/// Token counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
    /// Both.
    pub total_tokens: u32,
}

/// A Converse response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConverseResponse {
    /// The assistant message's blocks.
    pub content: Vec<ContentBlock>,
    /// Why generation stopped, as Bedrock says it (`end_turn`, `tool_use`, `max_tokens`, ...).
    pub stop_reason: String,
    /// Token counts.
    pub usage: Usage,
    /// Bedrock's own latency, in ms.
    pub latency_ms: u64,
}

/// One event of a streamed Converse response.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamEvent {
    /// The assistant message begins.
    MessageStart(Role),
    /// Text for a block.
    TextDelta {
        /// The content block's index.
        index: u32,
        /// The text.
        text: String,
    },
    /// Reasoning text for a block.
    ReasoningDelta {
        /// The content block's index.
        index: u32,
        /// The text.
        text: String,
    },
    /// A tool call block begins.
    ToolUseStart {
        /// The content block's index.
        index: u32,
        /// The call's id.
        id: String,
        /// The tool's name.
        name: String,
    },
    /// A fragment of a tool call's JSON input.
    ToolUseDelta {
        /// The content block's index.
        index: u32,
        /// The JSON fragment.
        text: String,
    },
    /// A block ends (its index).
    BlockStop(u32),
    /// The message ends, with the stop reason as Bedrock says it.
    MessageStop(String),
    /// Usage and latency, the last event.
    Metadata {
        /// Token counts.
        usage: Usage,
        /// Bedrock's own latency, in ms.
        latency_ms: u64,
    },
}

/// A raw InvokeModel or InvokeModelWithResponseStream request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvokeRequest {
    /// A bare model id, a system inference profile id, or an ARN.
    pub model_id: String,
    /// The region to call.
    pub region: String,
    /// The model-specific request body.
    pub body: Vec<u8>,
    /// Its content type, normally `application/json`.
    pub content_type: String,
    /// The wanted response type, normally `application/json`.
    pub accept: String,
    /// Time limit for the whole call, retries included (for a stream: until the last chunk).
    pub timeout: Duration,
}

/// An InvokeModel response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvokeResponse {
    /// The model-specific response body.
    pub body: Vec<u8>,
    /// Its content type.
    pub content_type: String,
}

/// A kind of credential source, in the order the host tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// `AWS_BEARER_TOKEN_BEDROCK`: `Authorization: Bearer`, no SigV4.
    BearerToken,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    Environment,
    /// A profile of the shared config or credentials file.
    Profile,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN`, exchanged through STS.
    WebIdentity,
    /// The ECS/EKS container credentials endpoint.
    Container,
    /// The EC2 instance profile (IMDSv2).
    InstanceProfile,
}

/// A credential source visible without a network call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisibleSource {
    /// The kind.
    pub kind: SourceKind,
    /// In words, e.g. `profile "dev" (~/.aws/credentials)`.
    pub description: String,
}

/// Credentials that resolved, described without a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialDescription {
    /// The kind of source that resolved.
    pub kind: SourceKind,
    /// The source in words, e.g. `bearer token (AWS_BEARER_TOKEN_BEDROCK)` or
    /// `profile "dev" (~/.aws/credentials)`.
    pub source: String,
    /// The access key id masked to its last 4 characters (`****WXYZ`); none for a bearer token.
    pub access_key_id: Option<String>,
    /// When the credentials expire, in seconds since the Unix epoch, when they do.
    pub expires_at: Option<u64>,
}

/// A foundation model summary as `ListFoundationModels` returns it, enum-like fields as
/// strings (real responses carry values newer than the SDK's enums).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FoundationModelRecord {
    /// e.g. `anthropic.claude-sonnet-4-6-20251001-v1:0`.
    pub model_id: String,
    /// The model's ARN.
    pub model_arn: String,
    /// e.g. `Claude Sonnet 4.6`.
    pub model_name: String,
    /// e.g. `Anthropic`.
    pub provider_name: String,
    /// `TEXT`, `IMAGE`, ... as sent.
    pub input_modalities: Vec<String>,
    /// As sent.
    pub output_modalities: Vec<String>,
    /// `None` when the service did not say.
    pub response_streaming_supported: Option<bool>,
    /// As sent.
    pub customizations_supported: Vec<String>,
    /// `ON_DEMAND`, `PROVISIONED`, `INFERENCE_PROFILE`, ... as sent.
    pub inference_types_supported: Vec<String>,
    /// `ACTIVE`, `LEGACY`, ... as sent.
    pub lifecycle_status: Option<String>,
}

/// An inference profile summary as `ListInferenceProfiles` returns it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InferenceProfileRecord {
    /// The profile id.
    pub id: String,
    /// The profile ARN.
    pub arn: String,
    /// The profile name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// `ACTIVE`, ... as sent.
    pub status: String,
    /// `SYSTEM_DEFINED`, `APPLICATION`, ... as sent.
    pub profile_type: String,
    /// ARNs of the models it routes to; the first is the base model.
    pub model_arns: Vec<String>,
}

/// The raw catalog of one region.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Catalog {
    /// The region listed.
    pub region: String,
    /// Every foundation model.
    pub models: Vec<FoundationModelRecord>,
    /// Every inference profile, all pages.
    pub profiles: Vec<InferenceProfileRecord>,
    /// When fetched, seconds since the Unix epoch.
    pub fetched_at: u64,
    /// True when a refresh failed and this is the last good catalog.
    pub stale: bool,
    /// Why the refresh failed, when stale.
    pub stale_reason: Option<String>,
}

/// How fresh a caller needs the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRequest {
    /// The region.
    pub region: String,
    /// Oldest acceptable cached catalog; zero turns the cache off.
    pub max_age: Duration,
    /// Fetch now even if the cache is fresh.
    pub refresh: bool,
}
