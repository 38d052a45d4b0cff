//! The WIT `runtime` interface: Bedrock's Converse and InvokeModel calls as data.

use std::time::Duration;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum Role {
    /// The user (or tool results sent back).
    User,
    /// The model.
    Assistant,
}

/// One block of a message.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum ContentBlock {
    /// Text.
    Text(String),
    /// An image.
    Image {
        /// `png`, `jpeg`, `gif` or `webp`.
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
    /// Model reasoning text, with the signature the model gave it (Anthropic's signed
    /// thinking: the block goes back unchanged on the next turn).
    Reasoning {
        /// The reasoning text.
        text: String,
        /// The model's signature over it, when it sent one.
        signature: Option<String>,
    },
    /// Reasoning the model's provider encrypted; it goes back unchanged on the next turn.
    RedactedReasoning(Vec<u8>),
    /// A document (PDF, text, ...) for the model to read. Not in contract 0.2.0: only the
    /// gateway's data path sends it.
    Document {
        /// `pdf`, `csv`, `doc`, `docx`, `xls`, `xlsx`, `html`, `txt` or `md`.
        format: String,
        /// The name Bedrock shows the model (its character rules are the sender's to meet).
        name: String,
        /// The document's content.
        source: DocumentSource,
    },
    /// A prompt-cache point: the content before it may be cached. Not in contract 0.2.0.
    CachePoint,
}

/// Where a document's content is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum DocumentSource {
    /// The file's bytes.
    Bytes(Vec<u8>),
    /// Plain text.
    Text(String),
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// What it says.
    pub content: Vec<ContentBlock>,
}

impl Message {
    /// A user message of one text block.
    pub fn user_text(text: &str) -> Self {
        Self { role: Role::User, content: vec![ContentBlock::Text(text.to_string())] }
    }
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ToolSpec {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Its input's JSON Schema, a JSON document.
    pub input_schema: String,
}

/// Sampling settings; `None` leaves the model's default.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
    /// Time limit for the whole call, retries included (for a stream: until the last event);
    /// whole milliseconds cross the WIT.
    pub timeout: Duration,
    /// What the gateway's clients may ask beyond contract 0.2.0's `converse-request`.
    pub options: ConverseOptions,
}

/// The parts of a Converse request that contract 0.2.0 does not carry: the host's data path
/// sets them from what a client asked; a request a policy builds leaves them at their
/// defaults (nothing asked).
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConverseOptions {
    /// Whether and which tool the model must call; `None` leaves the model's default (auto).
    pub tool_choice: Option<ToolChoice>,
    /// Extended reasoning asked for, if any.
    pub reasoning: Option<ReasoningRequest>,
    /// A JSON Schema the answer must follow (Converse `outputConfig.textFormat`).
    pub output_schema: Option<OutputSchema>,
    /// Indices of the system prompts each followed by a prompt-cache point.
    pub system_cache_points: Vec<u32>,
    /// A prompt-cache point after the tool list.
    pub tools_cache_point: bool,
    /// The caller's tags for the call (Converse `requestMetadata`).
    pub request_metadata: Vec<(String, String)>,
    /// The foundation model the target runs, when its id does not say (an application
    /// profile's ARN, looked up by the host): reasoning and sampling follow the model.
    pub foundation_model: Option<String>,
    /// The service tier asked for (Converse `serviceTier`); `None` leaves Bedrock's default.
    pub service_tier: Option<ServiceTier>,
    /// At most one tool call per turn (OpenAI's `parallel_tool_calls: false`): Claude is told
    /// (Anthropic's `tool_choice.disable_parallel_tool_use`, in `additionalModelRequestFields`);
    /// for other families the gateway keeps the first call of an answer.
    #[cfg_attr(feature = "serde", serde(default))]
    pub single_tool_call: bool,
    /// The guardrail the operator put on every call (Converse `guardrailConfig`).
    pub guardrail: Option<Guardrail>,
}

/// A Bedrock guardrail applied to a call: Converse's `guardrailConfig`, InvokeModel's guardrail
/// headers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Guardrail {
    /// The guardrail's id or ARN.
    pub identifier: String,
    /// Its version: a number, or `DRAFT`.
    pub version: String,
    /// Whether Bedrock returns the guardrail's trace (what it assessed and did).
    pub trace: bool,
}

/// Bedrock's service tiers (Converse `serviceTier.type`): flex is cheaper and slower, priority
/// faster; reserved is capacity bought ahead. Not every model has every tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum ServiceTier {
    /// The standard tier.
    Default,
    /// Cheaper, for work that can wait.
    Flex,
    /// Faster, at a premium.
    Priority,
    /// Reserved capacity.
    Reserved,
}

/// Which tool the model must call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// Some tool, the model picks which.
    Any,
    /// This tool.
    Tool(String),
}

/// Extended reasoning asked for: an effort, an explicit token budget, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReasoningRequest {
    /// How hard to think, as OpenAI's `reasoning_effort` says it.
    pub effort: Option<ReasoningEffort>,
    /// Most tokens to think with (Anthropic's `budget_tokens`).
    pub budget_tokens: Option<u32>,
}

/// OpenAI's `reasoning_effort` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum ReasoningEffort {
    /// As little as the model allows.
    Minimal,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// A JSON Schema the model's answer must follow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OutputSchema {
    /// The schema's name.
    pub name: String,
    /// What it describes, if said.
    pub description: Option<String>,
    /// The schema, a JSON document.
    pub schema: String,
}

/// Token counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
    /// Both.
    pub total_tokens: u32,
    /// Prompt tokens read from the prompt cache (not in contract 0.2.0).
    pub cache_read_input_tokens: u32,
    /// Prompt tokens written to the prompt cache (not in contract 0.2.0).
    pub cache_write_input_tokens: u32,
    /// The service tier that served the call, when Bedrock says (not in contract 0.2.0).
    pub service_tier: Option<ServiceTier>,
}

/// A Converse response.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
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
    /// The signature of a reasoning block (not in contract 0.2.0).
    ReasoningSignature {
        /// The content block's index.
        index: u32,
        /// The signature.
        signature: String,
    },
    /// Encrypted reasoning for a block (not in contract 0.2.0).
    RedactedReasoning {
        /// The content block's index.
        index: u32,
        /// The encrypted bytes.
        data: Vec<u8>,
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

impl StreamEvent {
    /// Whether the event carries something the model produced (text, reasoning or a tool
    /// call): after one, a fallback would repeat output the client already has.
    pub fn is_output(&self) -> bool {
        matches!(
            self,
            Self::TextDelta { .. }
                | Self::ReasoningDelta { .. }
                | Self::ReasoningSignature { .. }
                | Self::RedactedReasoning { .. }
                | Self::ToolUseStart { .. }
                | Self::ToolUseDelta { .. }
        )
    }
}

/// A raw InvokeModel or InvokeModelWithResponseStream request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
    /// Time limit for the whole call, retries included (for a stream: until the last chunk);
    /// whole milliseconds cross the WIT.
    pub timeout: Duration,
    /// The guardrail the operator put on every call (not in contract 0.2.0).
    pub guardrail: Option<Guardrail>,
}

/// An InvokeModel response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InvokeResponse {
    /// The model-specific response body.
    pub body: Vec<u8>,
    /// Its content type.
    pub content_type: String,
}
