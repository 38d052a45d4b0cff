//! Errors: the emulator's own (start-up, files) and the API errors it sends as AWS does.

use std::path::PathBuf;

/// A failure of the emulator itself (not a request it answers with an error).
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// Binding or accepting on the listen address failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A catalog or profiles file could not be read.
    #[error("cannot read {path}: {source}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A catalog or profiles file is not the JSON shape Bedrock returns.
    #[error("{path} is not a valid {what}: {source}")]
    ParseFile {
        /// The file.
        path: PathBuf,
        /// Which document it should be (ListFoundationModels or ListInferenceProfiles response).
        what: &'static str,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// The self-signed certificate or TLS configuration could not be made.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// Writing the certificate PEM failed.
    #[error("cannot write certificate to {path}: {source}")]
    WriteCertificate {
        /// Where it should have gone.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// An error answer in AWS's REST-JSON form: status, `x-amzn-ErrorType`, `{"message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The error type, e.g. `ValidationException`.
    pub code: String,
    /// The human-readable message.
    pub message: String,
}

impl ApiError {
    /// An error with the given status, type and message.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError { status, code: code.to_string(), message: message.into() }
    }

    /// 400 ValidationException.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationException", message)
    }

    /// Bedrock's answer to a model id it does not know.
    pub fn invalid_model_identifier() -> Self {
        Self::validation("The provided model identifier is invalid.")
    }

    /// 404 ResourceNotFoundException.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "ResourceNotFoundException", message)
    }

    /// 403 AccessDeniedException.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(403, "AccessDeniedException", message)
    }

    /// The default status and message AWS sends with an error type, for fault injection where
    /// only the type is given.
    pub fn from_type(code: &str) -> Self {
        let (status, message) = match code {
            "ThrottlingException" => (429, "Too many requests, please wait before trying again."),
            "ServiceQuotaExceededException" => (429, "Your request exceeds the service quota for your account."),
            "ModelErrorException" => (424, "The model returned an error."),
            "ModelNotReadyException" => (429, "Model is not ready for inference. Wait and try your request again."),
            "ModelTimeoutException" => (408, "Model has timed out in processing the request. Try your request again."),
            "InternalServerException" => (500, "The server encountered an internal error."),
            "ServiceUnavailableException" => (503, "Bedrock is unable to process your request."),
            "ValidationException" => (400, "The request is not valid."),
            "AccessDeniedException" => (403, "You don't have access to the model with the specified model ID."),
            "ResourceNotFoundException" => (404, "The requested resource could not be found."),
            "UnrecognizedClientException" => (403, "The security token included in the request is invalid."),
            "ExpiredTokenException" => (403, "The security token included in the request is expired"),
            "InvalidSignatureException" => (403, "The request signature we calculated does not match the signature you provided."),
            _ => (500, "Injected fault."),
        };
        Self::new(status, code, message)
    }

    /// The JSON body Bedrock sends: `{"message": ...}`.
    pub fn json_body(&self) -> String {
        serde_json::json!({ "message": self.message }).to_string()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}
