//! Bedrock's own paths (`/model/{id}/converse`, `/model/{id}/invoke`, ...), as the AWS SDKs,
//! `langchain-aws` and `@ai-sdk/amazon-bedrock` call them when pointed at the gateway
//! (`endpoint_url`). The gateway serves none of them yet (issue 29): what it owes such a client
//! is an error it can read. An AWS SDK reads a REST-JSON error's code from the
//! `x-amzn-ErrorType` header and its text from the body's `message`; an OpenAI-shaped body
//! shows as an empty message (boto3: `An error occurred (404) when calling the Converse
//! operation: `). So every error under `/model/` (404 and 405 included) is Bedrock-shaped.

use super::api::Api;
use super::call::ErrorShape;
use super::errors::HttpError;
use serde_json::{Value, json};

/// Bedrock's runtime paths: no endpoint served, every error in Bedrock's shape.
pub(super) static API: Api = Api { shape: ErrorShape::Bedrock, prefix: Some("/model/"), endpoints: &[] };

/// The header an AWS SDK reads a REST-JSON error's code from.
pub(super) const ERROR_TYPE_HEADER: &str = "x-amzn-ErrorType";

/// Bedrock's error type for a gateway error (the exception names of Bedrock's API reference):
/// what an SDK raises, and the header's value.
pub(super) fn error_type(error: &HttpError) -> &'static str {
    match (error.status, error.code.as_deref()) {
        (404 | 405, Some("unknown_url" | "method_not_allowed")) => "UnknownOperationException",
        (401, _) => "UnrecognizedClientException",
        (403, _) => "AccessDeniedException",
        (404, _) => "ResourceNotFoundException",
        (408 | 504, _) => "ModelTimeoutException",
        (429, _) => "ThrottlingException",
        (424, _) => "ModelErrorException",
        (503 | 529, _) => "ServiceUnavailableException",
        (400..=499, _) => "ValidationException",
        _ => "InternalServerException",
    }
}

/// The body: `{"message": ...}` (the text is the gateway's one line; Bedrock's own text when
/// the failure was Bedrock's).
pub(super) fn error_json(error: &HttpError) -> Value {
    json!({ "message": error.upstream_text.as_deref().unwrap_or(&error.message) })
}

/// A missing or wrong client key, in the words an AWS SDK user needs: the gateway takes its
/// own key, not SigV4.
pub(super) fn unauthorized() -> HttpError {
    HttpError::new(401, "authentication_error", "missing or incorrect gateway key: send `Authorization: Bearer <key>` (the gateway does not take SigV4)")
        .with_code("invalid_api_key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_take_bedrocks_exception_names() {
        let cases = [
            (HttpError::not_found("/model/x/converse"), "UnknownOperationException"),
            (HttpError::method_not_allowed("POST"), "UnknownOperationException"),
            (HttpError::invalid("max_tokens", "too big"), "ValidationException"),
            (unauthorized(), "UnrecognizedClientException"),
            (HttpError::new(404, "invalid_request_error", "no model").with_code("model_not_found"), "ResourceNotFoundException"),
            (HttpError::new(429, "rate_limit_error", "slow down"), "ThrottlingException"),
            (HttpError::busy(), "ServiceUnavailableException"),
            (HttpError::new(502, "upstream_error", "x"), "InternalServerException"),
        ];
        for (error, kind) in cases {
            assert_eq!(error_type(&error), kind, "{error}");
            assert_eq!(error_json(&error), json!({ "message": error.message }));
        }
    }
}
