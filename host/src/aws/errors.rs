//! Classifying failures per BEHAVIOUR.md section 6: the SDK's errors (HTTP answers, in-stream
//! exceptions, dispatch failures, credential failures) and our own timeouts become an
//! [`ApiError`] with one class, a one-line message and no secret.

use std::error::Error as StdError;
use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};

use super::model::{ApiError, ErrorClass};

/// Phrases of Bedrock and model-provider messages that mean the input does not fit the
/// context window (Anthropic, Meta, Mistral, Amazon, Cohere wordings), lower case.
const CONTEXT_OVERFLOW_PHRASES: &[&str] = &[
    "input is too long",
    "prompt is too long",
    "too many input tokens",
    "too many tokens",
    "input tokens exceeded",
    "number of input tokens exceeds",
    "maximum context length",
    "context length",
    "context window",
    "`inputs` tokens",
];

/// Bedrock's message for a model identifier it does not know (sent as a ValidationException).
const INVALID_MODEL_IDENTIFIER: &str = "the provided model identifier is invalid";

/// The class of an AWS error from its code, HTTP status and message. Codes are compared
/// without a trailing `Exception` and case-insensitively, because in-stream exceptions arrive
/// as `throttlingException` while HTTP answers say `ThrottlingException`.
pub fn classify(code: Option<&str>, status: Option<u16>, message: &str) -> ErrorClass {
    let normalized = code.map(|c| {
        // `x-amzn-ErrorType` may carry a `:http://...` suffix and a namespace prefix.
        let c = c.split(':').next().unwrap_or(c);
        let c = c.rsplit('#').next().unwrap_or(c);
        c.to_ascii_lowercase()
    });
    let name = normalized.as_deref().map(|c| c.strip_suffix("exception").unwrap_or(c));
    let lower_message = message.to_ascii_lowercase();
    match name {
        Some(
            "accessdenied"
            | "unrecognizedclient"
            | "expiredtoken"
            | "invalidsignature"
            | "incompletesignature"
            | "missingauthenticationtoken"
            | "invalidclienttokenid"
            | "signaturedoesnotmatch"
            | "unauthorized",
        ) => ErrorClass::Auth,
        Some("throttling" | "servicequotaexceeded" | "toomanyrequests") => ErrorClass::RateLimit,
        Some("modelnotready" | "serviceunavailable") => ErrorClass::Overloaded,
        Some("modeltimeout") => ErrorClass::Timeout,
        Some("resourcenotfound") => ErrorClass::NotFound,
        Some("modelerror" | "modelstreamerror") => ErrorClass::ModelError,
        Some("validation") => {
            if CONTEXT_OVERFLOW_PHRASES.iter().any(|p| lower_message.contains(p)) {
                ErrorClass::ContextOverflow
            } else if lower_message.contains(INVALID_MODEL_IDENTIFIER) {
                ErrorClass::NotFound
            } else {
                ErrorClass::Format
            }
        }
        _ => match status {
            Some(401 | 403) => ErrorClass::Auth,
            Some(429) => ErrorClass::RateLimit,
            Some(503) => ErrorClass::Overloaded,
            Some(404) => ErrorClass::NotFound,
            Some(408) => ErrorClass::Timeout,
            Some(400 | 413 | 422) => ErrorClass::Format,
            _ => ErrorClass::Unknown,
        },
    }
}

/// Whether a failure of this class (and status) may succeed if sent again later.
pub fn is_retryable(class: ErrorClass, status: Option<u16>) -> bool {
    matches!(class, ErrorClass::RateLimit | ErrorClass::Overloaded | ErrorClass::Timeout | ErrorClass::Network) || status.is_some_and(|s| s >= 500)
}

/// Makes a message one line: line breaks and runs of blanks become single spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Replaces every known secret (of at least 4 characters, so that a short accidental value does
/// not blank out ordinary words) by `****`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "****");
        }
    }
    out
}

/// Longest message text kept from an error chain.
const MAX_CHAIN_TEXT: usize = 400;

/// An error and its sources as one line, by their `Display` only (the SDK's `Debug` forms hold
/// raw responses), each source left out when the text so far already says it.
pub fn chain_text(error: &(dyn StdError + 'static)) -> String {
    let mut text = String::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        let part = one_line(&e.to_string());
        if !part.is_empty() && !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        current = e.source();
    }
    if text.chars().count() > MAX_CHAIN_TEXT {
        text = text.chars().take(MAX_CHAIN_TEXT).collect::<String>() + "...";
    }
    text
}

/// Builds an error from its parts, computing whether it is retryable.
pub fn api_error(class: ErrorClass, code: Option<String>, message: String, http_status: Option<u16>) -> ApiError {
    ApiError { class, retryable: is_retryable(class, http_status), code, message, http_status }
}

/// The error for a call that did not finish within its time limit.
pub fn timeout_error(what: &str, limit: Duration) -> ApiError {
    api_error(ErrorClass::Timeout, None, format!("{what} did not finish within {} ms", limit.as_millis()), None)
}

/// Whether a credentials error is somewhere in an error's source chain.
fn credentials_failure<'e>(error: &'e (dyn StdError + 'static)) -> Option<&'e CredentialsError> {
    let mut current: Option<&'e (dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<CredentialsError>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// Classifies an SDK error of an operation (an HTTP answer, a dispatch failure, a credential
/// failure). `code_hint` names the modelled error when the service's metadata has no code.
pub fn from_sdk_error<E, R>(error: &SdkError<E, R>, status: Option<u16>, code_hint: Option<&str>, secrets: &[String]) -> ApiError
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: std::fmt::Debug + 'static,
{
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().or(code_hint).map(str::to_string);
            let message = err.message().map(str::to_string).unwrap_or_else(|| chain_text(err));
            let message = redact(&one_line(&message), secrets);
            let class = classify(code.as_deref(), status, &message);
            api_error(class, code, message, status)
        }
        SdkError::TimeoutError(_) => api_error(ErrorClass::Timeout, None, "the SDK's attempt timed out".into(), None),
        SdkError::DispatchFailure(dispatch) => {
            if let Some(credentials) = credentials_failure(error) {
                return credentials_error(credentials, secrets);
            }
            let (class, what) =
                if dispatch.is_timeout() { (ErrorClass::Timeout, "Bedrock did not answer in time") } else { (ErrorClass::Network, "cannot reach Bedrock") };
            api_error(class, None, format!("{what}: {}", redact(&root_cause(error), secrets)), None)
        }
        SdkError::ResponseError(_) => {
            // A response arrived but could not be read: a broken frame or connection mid-body.
            let text = redact(&chain_text(error), secrets);
            api_error(ErrorClass::Network, None, text, status)
        }
        SdkError::ConstructionFailure(_) => {
            let text = redact(&chain_text(error), secrets);
            if let Some(credentials) = credentials_failure(error) {
                return credentials_error(credentials, secrets);
            }
            api_error(ErrorClass::Format, None, text, None)
        }
        _ => {
            let text = redact(&chain_text(error), secrets);
            if let Some(credentials) = credentials_failure(error) {
                return credentials_error(credentials, secrets);
            }
            api_error(ErrorClass::Unknown, None, text, status)
        }
    }
}

/// The innermost cause of an error, in words (`Connection refused (os error 111)`, `failed to
/// lookup address information: ...`): what a person can act on, without the layers above it.
pub fn root_cause(error: &(dyn StdError + 'static)) -> String {
    let mut current = error;
    let mut text = one_line(&current.to_string());
    while let Some(source) = current.source() {
        let part = one_line(&source.to_string());
        if !part.is_empty() {
            text = part;
        }
        current = source;
    }
    if text.chars().count() > MAX_CHAIN_TEXT {
        text = text.chars().take(MAX_CHAIN_TEXT).collect::<String>() + "...";
    }
    text
}

/// Words of aws-config's credential errors that say nothing to a person.
const CREDENTIAL_NOISE: &[&str] = &["an error occurred while loading credentials: ", "unexpected credentials error: "];

/// An `auth` error for credentials that did not resolve.
pub fn credentials_error(error: &CredentialsError, secrets: &[String]) -> ApiError {
    if let CredentialsError::CredentialsNotLoaded(_) = error {
        // The chain's own text lists each provider's internal state; the host's resolution
        // error says what was tried in words (`credentials::resolution_error`).
        return api_error(ErrorClass::Auth, None, "no AWS credentials found".to_string(), None);
    }
    let mut detail = redact(&chain_text(error), secrets);
    for noise in CREDENTIAL_NOISE {
        detail = detail.replace(noise, "");
    }
    let class = match error {
        CredentialsError::ProviderTimedOut(_) => ErrorClass::Timeout,
        _ => ErrorClass::Auth,
    };
    let mut err = api_error(class, None, format!("credentials did not resolve: {detail}"), None);
    // A credential failure needs the user to act; retrying as-is does not help.
    err.retryable = class == ErrorClass::Timeout;
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        use ErrorClass::*;
        let cases: &[(Option<&str>, Option<u16>, &str, ErrorClass)] = &[
            (Some("AccessDeniedException"), Some(403), "You don't have access", Auth),
            (Some("UnrecognizedClientException"), Some(403), "The security token included in the request is invalid.", Auth),
            (Some("ExpiredTokenException"), Some(403), "The security token included in the request is expired", Auth),
            (Some("InvalidSignatureException"), Some(403), "signature mismatch", Auth),
            (Some("IncompleteSignatureException"), Some(403), "", Auth),
            (Some("MissingAuthenticationTokenException"), Some(403), "", Auth),
            (Some("IncompleteSignature"), Some(400), "", Auth),
            (Some("ThrottlingException"), Some(429), "Too many requests", RateLimit),
            (Some("throttlingException"), None, "Too many requests", RateLimit),
            (Some("ServiceQuotaExceededException"), Some(429), "", RateLimit),
            (Some("TooManyRequestsException"), Some(429), "", RateLimit),
            (Some("ModelNotReadyException"), Some(429), "Model is not ready", Overloaded),
            (Some("ServiceUnavailableException"), Some(503), "", Overloaded),
            (Some("serviceUnavailableException"), None, "", Overloaded),
            (None, Some(503), "", Overloaded),
            (Some("ModelTimeoutException"), Some(408), "", Timeout),
            (Some("ValidationException"), Some(400), "Input is too long for requested model.", ContextOverflow),
            (Some("ValidationException"), Some(400), "prompt is too long: 201234 tokens > 200000 maximum", ContextOverflow),
            (Some("ValidationException"), Some(400), "This model's maximum context length is 8192 tokens.", ContextOverflow),
            (Some("ValidationException"), Some(400), "Too many input tokens. Max input tokens: 8192", ContextOverflow),
            (Some("ValidationException"), Some(400), "Input Tokens Exceeded: Number of input tokens exceeds maximum length", ContextOverflow),
            (Some("ResourceNotFoundException"), Some(404), "Model not found", NotFound),
            (Some("ValidationException"), Some(400), "The provided model identifier is invalid.", NotFound),
            (Some("ValidationException"), Some(400), "Invocation of model ID x with on-demand throughput isn't supported.", Format),
            (Some("validationException"), None, "The request is not valid.", Format),
            (Some("ModelErrorException"), Some(424), "The model returned an error.", ModelError),
            (Some("modelStreamErrorException"), None, "", ModelError),
            (Some("InternalServerException"), Some(500), "", Unknown),
            (Some("ThrottlingException:http://internal.amazon.com/coral/"), Some(429), "", RateLimit),
            (Some("com.amazon.coral#AccessDeniedException"), Some(403), "", Auth),
            (None, Some(429), "", RateLimit),
            (None, Some(403), "", Auth),
            (None, Some(404), "", NotFound),
            (None, Some(400), "", Format),
            (None, Some(500), "", Unknown),
            (None, None, "", Unknown),
            (Some("SomethingNewException"), Some(418), "", Unknown),
        ];
        for (code, status, message, expected) in cases {
            assert_eq!(classify(*code, *status, message), *expected, "{code:?} {status:?} {message:?}");
        }
    }

    #[test]
    fn retryable_follows_class_and_status() {
        let cases = [
            (ErrorClass::RateLimit, Some(429), true),
            (ErrorClass::Overloaded, Some(503), true),
            (ErrorClass::Unknown, Some(500), true),
            (ErrorClass::Format, Some(400), false),
            (ErrorClass::Auth, Some(403), false),
            (ErrorClass::Network, None, true),
        ];
        for (class, status, expected) in cases {
            assert_eq!(is_retryable(class, status), expected, "{class:?} {status:?}");
        }
    }

    #[test]
    fn the_root_cause_is_the_innermost_words() {
        #[derive(Debug)]
        struct Layer(&'static str, Option<Box<Layer>>);
        impl std::fmt::Display for Layer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl StdError for Layer {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                self.1.as_deref().map(|l| l as &(dyn StdError + 'static))
            }
        }
        let refused = Layer("dispatch failure", Some(Box::new(Layer("io error", Some(Box::new(Layer("Connection refused (os error 111)", None)))))));
        assert_eq!(root_cause(&refused), "Connection refused (os error 111)");
        assert_eq!(root_cause(&Layer("alone", None)), "alone");
        assert_eq!(root_cause(&Layer("outer", Some(Box::new(Layer("", None))))), "outer");
    }

    #[test]
    fn messages_are_one_line_and_redacted() {
        assert_eq!(one_line("a\n  b\r\n\tc "), "a b c");
        let secrets = vec!["s3cr3t-value".to_string(), "ab".to_string()];
        assert_eq!(redact("key s3cr3t-value and ab", &secrets), "key **** and ab");
    }
}
