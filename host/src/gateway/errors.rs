//! Errors as an OpenAI client expects them: `{"error": {"message", "type", "code", "param"}}`
//! with the HTTP status that matches the policy's error class.

use crate::aws::model::{ApiError, ErrorClass};
use crate::sandbox::PolicyError;
use serde_json::json;

/// A failure to answer a request, ready to be sent as an OpenAI error (a response, or a final
/// SSE event once streaming began). Its message is one line without a stack or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {kind}: {message}")]
pub struct HttpError {
    /// The HTTP status.
    pub status: u16,
    /// The OpenAI error `type` (`invalid_request_error`, `rate_limit_error`, ...).
    pub kind: &'static str,
    /// The OpenAI error `code` (`model_not_found`, `rate_limit_exceeded`, ...), if any.
    pub code: Option<String>,
    /// The request field concerned (`messages[1].content`), if any.
    pub param: Option<String>,
    /// What went wrong, one line.
    pub message: String,
    /// Bedrock's own text, one line, when the failure is Bedrock's: Anthropic's shape relays a
    /// 400's or 413's text verbatim (the Anthropic clients match on it: `Input is too long.`,
    /// `invalid beta flag`; ../shared/notes/claude-native-facts.md).
    pub upstream_text: Option<String>,
}

impl HttpError {
    /// A 400 about one request field.
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self { status: 400, kind: "invalid_request_error", code: None, param: Some(param.into()), message: message.into(), upstream_text: None }
    }

    /// Any status, type and message; no code or param.
    pub fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        Self { status, kind, code: None, param: None, message: message.into(), upstream_text: None }
    }

    /// Sets the code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// A missing or wrong client key (`--api-key-env`).
    pub fn unauthorized() -> Self {
        Self::new(401, "invalid_request_error", "missing or incorrect API key: send `Authorization: Bearer <key>`").with_code("invalid_api_key")
    }

    /// Every request slot is taken.
    pub fn busy() -> Self {
        Self::new(503, "overloaded_error", "too many requests in flight; retry shortly").with_code("overloaded")
    }

    /// An unknown path.
    pub fn not_found(path: &str) -> Self {
        let shown: String = path.chars().take(200).collect();
        Self::new(404, "invalid_request_error", format!("no route for {shown}")).with_code("unknown_url")
    }

    /// A known path with the wrong method.
    pub fn method_not_allowed(allowed: &str) -> Self {
        Self::new(405, "invalid_request_error", format!("method not allowed; use {allowed}")).with_code("method_not_allowed")
    }

    /// A classified Bedrock failure (as the policy passed it on).
    pub fn from_api(error: &ApiError) -> Self {
        let (status, kind, code) = match error.class {
            ErrorClass::Auth if error.http_status == Some(403) => (403, "permission_error", "permission_denied"),
            ErrorClass::Auth => (401, "authentication_error", "upstream_auth"),
            ErrorClass::NotFound => (404, "invalid_request_error", "model_not_found"),
            ErrorClass::RateLimit => (429, "rate_limit_error", "rate_limit_exceeded"),
            ErrorClass::Format => (400, "invalid_request_error", "invalid_request"),
            ErrorClass::ContextOverflow => (400, "invalid_request_error", "context_length_exceeded"),
            ErrorClass::Overloaded => (503, "overloaded_error", "overloaded"),
            ErrorClass::Timeout => (504, "timeout_error", "timeout"),
            ErrorClass::Network => (502, "upstream_error", "network"),
            ErrorClass::ModelError => (502, "upstream_error", "model_error"),
            ErrorClass::Unknown => (502, "upstream_error", "unknown"),
        };
        let message = one_line(&error.to_string());
        let upstream_text = error.http_status.is_some().then(|| one_line(&error.message));
        Self { status, kind, code: Some(code.into()), param: None, message, upstream_text }
    }

    /// A failure of the policy itself (trap, deadline, memory cap) or of loading it: 500 with a
    /// clear message. The trap's own text (which may hold a wasm backtrace) goes to the log only.
    pub fn from_policy(error: &PolicyError) -> Self {
        let (code, message) = match error {
            PolicyError::Deadline { call, deadline } => {
                ("policy_deadline", format!("the policy ran past its deadline of {} ms in `{call}` and was stopped", deadline.as_millis()))
            }
            PolicyError::MemoryCap { call, cap_bytes } => {
                ("policy_memory", format!("the policy tried to use more than {} MiB of memory in `{call}` and was stopped", cap_bytes >> 20))
            }
            // The trap's reason and what the policy wrote to stderr (one line, bounded, control
            // characters removed, no wasm backtrace: runtime/stderr.rs), so its author reads it.
            PolicyError::Trap { call, message } => ("policy_trap", format!("the policy failed (trapped) in `{call}`: {message}; this request was abandoned")),
            PolicyError::Poisoned => ("policy_trap", "the policy failed earlier in this request".to_string()),
            _ => ("policy_unavailable", "the policy could not be started for this request".to_string()),
        };
        tracing::warn!(%error, "policy failure answered with 500");
        Self::new(500, "server_error", message).with_code(code)
    }

    /// The JSON body: `{"error": {...}}`.
    pub fn body(&self) -> serde_json::Value {
        json!({ "error": { "message": self.message, "type": self.kind, "code": self.code, "param": self.param } })
    }
}

/// The guest failure kind for metrics: `trap`, `deadline`, `memory`; `None` for other errors.
pub fn guest_failure_kind(error: &PolicyError) -> Option<&'static str> {
    match error {
        PolicyError::Deadline { .. } => Some("deadline"),
        PolicyError::MemoryCap { .. } => Some("memory"),
        PolicyError::Trap { .. } | PolicyError::Poisoned => Some("trap"),
        _ => None,
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(class: ErrorClass, http_status: Option<u16>) -> ApiError {
        ApiError { class, code: Some("X".into()), message: "m".into(), http_status, retryable: false }
    }

    #[test]
    fn every_class_has_its_status() {
        let cases = [
            (ErrorClass::Auth, None, 401),
            (ErrorClass::Auth, Some(403), 403),
            (ErrorClass::NotFound, Some(404), 404),
            (ErrorClass::RateLimit, Some(429), 429),
            (ErrorClass::Format, Some(400), 400),
            (ErrorClass::ContextOverflow, Some(400), 400),
            (ErrorClass::Overloaded, Some(503), 503),
            (ErrorClass::Timeout, None, 504),
            (ErrorClass::Network, None, 502),
            (ErrorClass::ModelError, Some(424), 502),
            (ErrorClass::Unknown, Some(500), 502),
        ];
        for (class, http, status) in cases {
            let error = HttpError::from_api(&api(class, http));
            assert_eq!(error.status, status, "{class:?}");
            let body = error.body();
            assert!(body["error"]["message"].is_string() && body["error"]["type"].is_string(), "{body}");
        }
    }

    #[test]
    fn a_trap_says_what_failed_in_the_policys_words() {
        let message = "wasm trap: wasm `unreachable` instruction executed; the policy wrote: panicked at src/lib.rs:19:21: table is empty";
        let error = PolicyError::Trap { call: "chat", message: message.into() };
        let http = HttpError::from_policy(&error);
        assert_eq!(http.status, 500);
        assert!(http.message.contains("`chat`") && http.message.contains("panicked at src/lib.rs:19:21: table is empty"), "{}", http.message);
        assert_eq!(guest_failure_kind(&error), Some("trap"));
    }
}
