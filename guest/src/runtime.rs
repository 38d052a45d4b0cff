//! The policy's own view of the host's Bedrock runtime (the WIT `runtime` and `log` imports):
//! plain types and two small traits, so that the probe and chat policies run natively against
//! a fake in unit tests and against the host through `component`.

/// What kind of failure an error is (BEHAVIOUR.md section 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// The credentials were refused.
    Auth,
    /// Throttling or an exhausted quota.
    RateLimit,
    /// The model or service cannot take the request now.
    Overloaded,
    /// The call did not finish within its time limit.
    Timeout,
    /// The input does not fit the context window.
    ContextOverflow,
    /// The model or resource does not exist or is not visible.
    NotFound,
    /// The request was malformed or not valid for this model.
    Format,
    /// The model failed while producing output.
    ModelError,
    /// The connection failed before a response arrived.
    Network,
    /// Anything else.
    Unknown,
}

/// A classified failure of a Bedrock call, or of the policy's own checks before one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The class a policy acts on.
    pub class: ErrorClass,
    /// The AWS error code, when the service sent one.
    pub code: Option<String>,
    /// One line, never a secret.
    pub message: String,
    /// The HTTP status of the failed response, when there was one.
    pub http_status: Option<u16>,
    /// Whether the same request may succeed later.
    pub retryable: bool,
}

impl ApiError {
    /// An error raised by the policy itself (no AWS code, no HTTP status, not retryable).
    pub fn policy(class: ErrorClass, message: impl Into<String>) -> Self {
        Self { class, code: None, message: message.into(), http_status: None, retryable: false }
    }
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The user, or tool results sent back.
    User,
    /// The model.
    Assistant,
}

/// One block of a message.
#[derive(Clone, Debug, PartialEq)]
pub enum ContentBlock {
    /// Text.
    Text(String),
    /// An image: its format (`png`, ...) and bytes.
    Image { format: String, bytes: Vec<u8> },
    /// A tool call: id, name, JSON input.
    ToolUse { id: String, name: String, input: String },
    /// A tool result: the call's id, the content, whether the tool failed.
    ToolResult { id: String, content: String, is_error: bool },
    /// Model reasoning text.
    Reasoning(String),
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolSpec {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Its input's JSON Schema.
    pub input_schema: String,
}

/// Sampling settings; `None` leaves the model's default.
#[derive(Clone, Debug, Default, PartialEq)]
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

/// A ConverseStream request.
#[derive(Clone, Debug, PartialEq)]
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
    /// Time limit for the whole call, in ms.
    pub timeout_ms: u32,
}

/// Token counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Generated tokens.
    pub output_tokens: u32,
    /// Both.
    pub total_tokens: u32,
}

/// One event of a streamed response.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    /// The assistant message begins.
    MessageStart(Role),
    /// Text for block `index`.
    TextDelta { index: u32, text: String },
    /// Reasoning text for block `index`.
    ReasoningDelta { index: u32, text: String },
    /// A tool call block begins.
    ToolUseStart { index: u32, id: String, name: String },
    /// A fragment of a tool call's JSON input.
    ToolUseDelta { index: u32, text: String },
    /// A block ends.
    BlockStop(u32),
    /// The message ends, with Bedrock's stop reason.
    MessageStop(String),
    /// Usage and Bedrock's own latency in ms, the last event.
    Metadata { usage: Usage, latency_ms: u64 },
}

impl StreamEvent {
    /// Whether the event carries something the model produced (text, reasoning or a tool call).
    pub fn is_output(&self) -> bool {
        matches!(self, Self::TextDelta { .. } | Self::ReasoningDelta { .. } | Self::ToolUseStart { .. } | Self::ToolUseDelta { .. })
    }
}

/// A streamed response in progress.
pub trait EventStream {
    /// The next event; `Ok(None)` after the last. An error ends the stream.
    fn next(&mut self) -> Result<Option<StreamEvent>, ApiError>;
}

/// How important a log line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    /// Diagnostic detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected that the policy handled.
    Warn,
}

/// What the policy asks of the host: Bedrock calls and log lines.
pub trait Runtime {
    /// Starts a ConverseStream call.
    fn converse_stream(&self, request: &ConverseRequest) -> Result<Box<dyn EventStream>, ApiError>;
    /// Emits one log line with its fields.
    fn log(&self, level: LogLevel, message: &str, fields: &[(&str, &str)]);
}

impl<T: Runtime + ?Sized> Runtime for &T {
    fn converse_stream(&self, request: &ConverseRequest) -> Result<Box<dyn EventStream>, ApiError> {
        (**self).converse_stream(request)
    }

    fn log(&self, level: LogLevel, message: &str, fields: &[(&str, &str)]) {
        (**self).log(level, message, fields);
    }
}

/// A scripted runtime for unit tests: each call takes the next scripted answer.
#[cfg(test)]
pub mod fake {
    use super::*;
    use std::cell::RefCell;
    use std::collections::VecDeque;

    /// One scripted answer: the call refused, or a stream of events ending in an optional error.
    pub type Answer = Result<Vec<Result<StreamEvent, ApiError>>, ApiError>;

    /// Records every request and log line, answers from its script (a missing answer is a
    /// `not-found` refusal, so a test that makes an unexpected call sees it fail).
    #[derive(Default)]
    pub struct FakeRuntime {
        answers: RefCell<VecDeque<Answer>>,
        /// The requests made, in order.
        pub requests: RefCell<Vec<ConverseRequest>>,
        /// The log lines emitted.
        pub logs: RefCell<Vec<(LogLevel, String)>>,
    }

    impl FakeRuntime {
        /// A runtime answering each call with the next of `answers`.
        pub fn new(answers: Vec<Answer>) -> Self {
            Self { answers: RefCell::new(answers.into()), ..Self::default() }
        }

        /// The model ids called, in order.
        pub fn targets(&self) -> Vec<String> {
            self.requests.borrow().iter().map(|request| request.model_id.clone()).collect()
        }
    }

    struct FakeStream(VecDeque<Result<StreamEvent, ApiError>>);

    impl EventStream for FakeStream {
        fn next(&mut self) -> Result<Option<StreamEvent>, ApiError> {
            self.0.pop_front().transpose()
        }
    }

    impl Runtime for FakeRuntime {
        fn converse_stream(&self, request: &ConverseRequest) -> Result<Box<dyn EventStream>, ApiError> {
            self.requests.borrow_mut().push(request.clone());
            let answer = self.answers.borrow_mut().pop_front().unwrap_or_else(|| Err(error(ErrorClass::NotFound, "unscripted call")));
            answer.map(|events| Box::new(FakeStream(events.into())) as Box<dyn EventStream>)
        }

        fn log(&self, level: LogLevel, message: &str, fields: &[(&str, &str)]) {
            let fields: Vec<String> = fields.iter().map(|(key, value)| format!("{key}={value}")).collect();
            self.logs.borrow_mut().push((level, format!("{message} {}", fields.join(" "))));
        }
    }

    /// An error of `class` as the host would classify it.
    pub fn error(class: ErrorClass, message: &str) -> ApiError {
        ApiError { class, code: None, message: message.to_string(), http_status: None, retryable: false }
    }

    /// A text delta for block 0.
    pub fn text(text: &str) -> StreamEvent {
        StreamEvent::TextDelta { index: 0, text: text.to_string() }
    }
}
