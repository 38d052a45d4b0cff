//! The policy's own view of the host's Bedrock runtime (the WIT `runtime` and `log` imports):
//! plain types and two small traits, so that the probe and chat policies run natively against
//! a fake in unit tests and against the host through `component`.

pub use openclaw_domain::{ApiError, ContentBlock, ConverseOptions, ConverseRequest, ErrorClass, InferenceConfig, Message, Role, StreamEvent, ToolSpec, Usage};

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
