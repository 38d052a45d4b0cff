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
    /// Model reasoning text.
    Reasoning(String),
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
        matches!(self, Self::TextDelta { .. } | Self::ReasoningDelta { .. } | Self::ToolUseStart { .. } | Self::ToolUseDelta { .. })
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
