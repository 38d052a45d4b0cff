//! InvokeModel and InvokeModelWithResponseStream with raw bodies. Same deadline and retry rules
//! as Converse: one deadline per call, retries only before the response starts.

use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::primitives::event_stream::EventReceiver;
use aws_sdk_bedrockruntime::types::ResponseStream;
use aws_sdk_bedrockruntime::types::error::ResponseStreamError;
use tokio::time::Instant;

use super::Bedrock;
use super::errors::{self, timeout_error};
use super::model::{ApiError, InvokeRequest, InvokeResponse};

/// An InvokeModelWithResponseStream response in progress: the chunks' bytes in order.
pub struct InvokeChunkStream {
    receiver: Option<EventReceiver<ResponseStream, ResponseStreamError>>,
    deadline: Instant,
    timeout: std::time::Duration,
    secrets: Vec<String>,
}

impl std::fmt::Debug for InvokeChunkStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvokeChunkStream").field("open", &self.receiver.is_some()).finish_non_exhaustive()
    }
}

/// The canonical code of an in-stream exception, by its modelled variant.
fn stream_error_code(error: &ResponseStreamError) -> Option<&'static str> {
    Some(match error {
        ResponseStreamError::InternalServerException(_) => "InternalServerException",
        ResponseStreamError::ModelStreamErrorException(_) => "ModelStreamErrorException",
        ResponseStreamError::ValidationException(_) => "ValidationException",
        ResponseStreamError::ThrottlingException(_) => "ThrottlingException",
        ResponseStreamError::ModelTimeoutException(_) => "ModelTimeoutException",
        ResponseStreamError::ServiceUnavailableException(_) => "ServiceUnavailableException",
        _ => return None,
    })
}

impl InvokeChunkStream {
    /// The next chunk's bytes; `None` after the last. An error ends the stream.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, ApiError> {
        loop {
            let Some(receiver) = self.receiver.as_mut() else { return Ok(None) };
            let received = match tokio::time::timeout_at(self.deadline, receiver.recv()).await {
                Ok(received) => received,
                Err(_) => {
                    self.receiver = None;
                    return Err(timeout_error("the InvokeModelWithResponseStream response", self.timeout));
                }
            };
            match received {
                Ok(Some(ResponseStream::Chunk(part))) => {
                    if let Some(bytes) = part.bytes {
                        return Ok(Some(bytes.into_inner()));
                    }
                }
                // Event kinds newer than this SDK carry nothing for a raw-bytes caller.
                Ok(Some(_)) => {}
                Ok(None) => {
                    self.receiver = None;
                    return Ok(None);
                }
                Err(error) => {
                    self.receiver = None;
                    let hint = error.as_service_error().and_then(stream_error_code);
                    let error = errors::from_sdk_error(&error, None, hint, &self.secrets);
                    tracing::debug!(%error, class = error.class.as_str(), "InvokeModelWithResponseStream ended with an error");
                    return Err(error);
                }
            }
        }
    }
}

impl Bedrock {
    /// InvokeModel with a raw body.
    pub async fn invoke_model(&self, request: InvokeRequest) -> Result<InvokeResponse, ApiError> {
        let deadline = Instant::now() + request.timeout;
        let call = self
            .runtime_client(&request.region)
            .invoke_model()
            .model_id(&request.model_id)
            .body(Blob::new(request.body))
            .content_type(&request.content_type)
            .accept(&request.accept)
            .send();
        match tokio::time::timeout_at(deadline, call).await {
            Err(_) => Err(timeout_error("the InvokeModel call", request.timeout)),
            Ok(Err(error)) => {
                let status = error.raw_response().map(|r| r.status().as_u16());
                Err(errors::from_sdk_error(&error, status, None, self.secrets()))
            }
            Ok(Ok(output)) => Ok(InvokeResponse { content_type: output.content_type().to_string(), body: output.body.into_inner() }),
        }
    }

    /// InvokeModelWithResponseStream: returns once the response has started; chunks follow
    /// through [`InvokeChunkStream::next`] until the same deadline.
    pub async fn invoke_model_with_response_stream(&self, request: InvokeRequest) -> Result<InvokeChunkStream, ApiError> {
        let deadline = Instant::now() + request.timeout;
        let call = self
            .runtime_client(&request.region)
            .invoke_model_with_response_stream()
            .model_id(&request.model_id)
            .body(Blob::new(request.body))
            .content_type(&request.content_type)
            .accept(&request.accept)
            .send();
        match tokio::time::timeout_at(deadline, call).await {
            Err(_) => Err(timeout_error("the InvokeModelWithResponseStream call", request.timeout)),
            Ok(Err(error)) => {
                let status = error.raw_response().map(|r| r.status().as_u16());
                Err(errors::from_sdk_error(&error, status, None, self.secrets()))
            }
            Ok(Ok(output)) => Ok(InvokeChunkStream { receiver: Some(output.body), deadline, timeout: request.timeout, secrets: self.secrets().to_vec() }),
        }
    }
}
