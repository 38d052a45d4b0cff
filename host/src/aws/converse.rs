//! Converse and ConverseStream. One deadline per call (the request's `timeout`): it covers the
//! SDK's retries before a response starts and, for a stream, every event up to the last.

use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use tokio::time::Instant;

use super::Bedrock;
use super::convert::{self, SdkConverseParts};
use super::errors::{self, timeout_error};
use super::model::{ApiError, ConverseRequest, ConverseResponse, StreamEvent};

/// A ConverseStream response in progress: events in the order Bedrock sent them.
pub struct ConverseEventStream {
    receiver: Option<aws_sdk_bedrockruntime::primitives::event_stream::EventReceiver<aws_sdk_bedrockruntime::types::ConverseStreamOutput, ConverseStreamOutputError>>,
    deadline: Instant,
    timeout: std::time::Duration,
    secrets: Vec<String>,
}

impl std::fmt::Debug for ConverseEventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConverseEventStream").field("open", &self.receiver.is_some()).finish_non_exhaustive()
    }
}

/// The canonical code of an in-stream exception, by its modelled variant (the frame's payload
/// rarely names it), so that it classifies like the same error in an HTTP answer.
fn stream_error_code(error: &ConverseStreamOutputError) -> Option<&'static str> {
    Some(match error {
        ConverseStreamOutputError::InternalServerException(_) => "InternalServerException",
        ConverseStreamOutputError::ModelStreamErrorException(_) => "ModelStreamErrorException",
        ConverseStreamOutputError::ValidationException(_) => "ValidationException",
        ConverseStreamOutputError::ThrottlingException(_) => "ThrottlingException",
        ConverseStreamOutputError::ServiceUnavailableException(_) => "ServiceUnavailableException",
        _ => return None,
    })
}

impl ConverseEventStream {
    /// The next event; `None` after the last. An error (an exception in the stream, a broken
    /// connection, the deadline) ends the stream: later calls return `None`.
    pub async fn next(&mut self) -> Result<Option<StreamEvent>, ApiError> {
        loop {
            let Some(receiver) = self.receiver.as_mut() else { return Ok(None) };
            let received = match tokio::time::timeout_at(self.deadline, receiver.recv()).await {
                Ok(received) => received,
                Err(_) => {
                    self.receiver = None;
                    return Err(timeout_error("the ConverseStream response", self.timeout));
                }
            };
            match received {
                Ok(Some(event)) => {
                    if let Some(event) = convert::event_from_sdk(event) {
                        return Ok(Some(event));
                    }
                }
                Ok(None) => {
                    self.receiver = None;
                    return Ok(None);
                }
                Err(error) => {
                    self.receiver = None;
                    let hint = error.as_service_error().and_then(stream_error_code);
                    let error = errors::from_sdk_error(&error, None, hint, &self.secrets);
                    tracing::debug!(%error, class = error.class.as_str(), "ConverseStream ended with an error");
                    return Err(error);
                }
            }
        }
    }
}

impl Bedrock {
    /// Converse: one whole response.
    pub async fn converse(&self, request: ConverseRequest) -> Result<ConverseResponse, ApiError> {
        let deadline = Instant::now() + request.timeout;
        let SdkConverseParts { system, messages, inference, tools } = convert::converse_parts(&request)?;
        let call = self
            .runtime_client(&request.region)
            .converse()
            .model_id(&request.model_id)
            .set_system(Some(system))
            .set_messages(Some(messages))
            .inference_config(inference)
            .set_tool_config(tools)
            .send();
        let output = match tokio::time::timeout_at(deadline, call).await {
            Err(_) => return Err(timeout_error("the Converse call", request.timeout)),
            Ok(Err(error)) => {
                let status = error.raw_response().map(|r| r.status().as_u16());
                let error = errors::from_sdk_error(&error, status, None, self.secrets());
                tracing::debug!(%error, model = %request.model_id, "Converse failed");
                return Err(error);
            }
            Ok(Ok(output)) => output,
        };
        let content = match output.output() {
            Some(aws_sdk_bedrockruntime::types::ConverseOutput::Message(message)) => message.content().iter().filter_map(convert::block_from_sdk).collect(),
            _ => Vec::new(),
        };
        Ok(ConverseResponse {
            content,
            stop_reason: output.stop_reason().as_str().to_string(),
            usage: convert::usage_from_sdk(output.usage()),
            latency_ms: output.metrics().map(|m| u64::try_from(m.latency_ms()).unwrap_or(0)).unwrap_or(0),
        })
    }

    /// ConverseStream: returns once the response has started (after any retries); events follow
    /// through [`ConverseEventStream::next`] until the same deadline.
    pub async fn converse_stream(&self, request: ConverseRequest) -> Result<ConverseEventStream, ApiError> {
        let deadline = Instant::now() + request.timeout;
        let SdkConverseParts { system, messages, inference, tools } = convert::converse_parts(&request)?;
        let call = self
            .runtime_client(&request.region)
            .converse_stream()
            .model_id(&request.model_id)
            .set_system(Some(system))
            .set_messages(Some(messages))
            .inference_config(inference)
            .set_tool_config(tools)
            .send();
        match tokio::time::timeout_at(deadline, call).await {
            Err(_) => Err(timeout_error("the ConverseStream call", request.timeout)),
            Ok(Err(error)) => {
                let status = error.raw_response().map(|r| r.status().as_u16());
                let code = error.code().map(str::to_string);
                let error = errors::from_sdk_error(&error, status, code.as_deref(), self.secrets());
                tracing::debug!(%error, model = %request.model_id, "ConverseStream failed");
                Err(error)
            }
            Ok(Ok(output)) => Ok(ConverseEventStream { receiver: Some(output.stream), deadline, timeout: request.timeout, secrets: self.secrets().to_vec() }),
        }
    }
}
