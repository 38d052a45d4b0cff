//! InvokeModel and InvokeModelWithResponseStream with raw bodies. Same deadline and retry rules
//! as Converse: one deadline per call, retries only before the response starts.

use aws_sdk_bedrockruntime::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_bedrockruntime::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_bedrockruntime::error::BoxError;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::ResponseStream;
use aws_sdk_bedrockruntime::types::error::ResponseStreamError;
use std::sync::{Arc, Mutex};

use super::Bedrock;
use super::deadline::{Deadline, DeadlineStream};
use super::model::{ApiError, Guardrail, InvokeRequest, InvokeResponse};

/// An InvokeModelWithResponseStream response in progress: the chunks' bytes in order.
pub struct InvokeChunkStream {
    events: DeadlineStream<ResponseStream, ResponseStreamError>,
}

impl std::fmt::Debug for InvokeChunkStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvokeChunkStream").field("open", &self.events.is_open()).finish_non_exhaustive()
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
        // Event kinds newer than this SDK, and empty chunks, carry nothing for a raw-bytes caller.
        while let Some(event) = self.events.next().await? {
            if let ResponseStream::Chunk(part) = event
                && let Some(bytes) = part.bytes
            {
                return Ok(Some(bytes.into_inner()));
            }
        }
        Ok(None)
    }
}

/// Reads `X-Amzn-Bedrock-Input-Token-Count` off each attempt's response (the last one wins).
#[derive(Debug, Clone, Default)]
struct InputTokenHeader(Arc<Mutex<Option<u64>>>);

impl InputTokenHeader {
    const NAME: &'static str = "x-amzn-bedrock-input-token-count";

    fn get(&self) -> Option<u64> {
        self.0.lock().ok().and_then(|count| *count)
    }
}

impl Intercept for InputTokenHeader {
    fn name(&self) -> &'static str {
        "InputTokenHeader"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let count = context.response().headers().get(Self::NAME).and_then(|value| value.trim().parse().ok());
        if let Ok(mut slot) = self.0.lock() {
            *slot = count;
        }
        Ok(())
    }
}

impl Bedrock {
    /// InvokeModel with a raw body.
    pub async fn invoke_model(&self, request: InvokeRequest) -> Result<InvokeResponse, ApiError> {
        self.invoke_model_counted(request).await.map(|(response, _)| response)
    }

    /// InvokeModel with a raw body, and the input tokens of the response's
    /// `X-Amzn-Bedrock-Input-Token-Count` header (`None` when absent or not a number): the SDK's
    /// output has no field for it, and Cohere's embedding bodies carry no count of their own.
    pub async fn invoke_model_counted(&self, request: InvokeRequest) -> Result<(InvokeResponse, Option<u64>), ApiError> {
        let deadline = Deadline::after(request.timeout, "InvokeModel");
        let counted = InputTokenHeader::default();
        let call = self
            .runtime_client(&request.region)
            .invoke_model()
            .model_id(&request.model_id)
            .body(Blob::new(request.body))
            .content_type(&request.content_type)
            .accept(&request.accept)
            .set_guardrail_identifier(request.guardrail.as_ref().map(|g| g.identifier.clone()))
            .set_guardrail_version(request.guardrail.as_ref().map(|g| g.version.clone()))
            .set_trace(request.guardrail.as_ref().map(guardrail_trace))
            .customize()
            .interceptor(counted.clone())
            .send();
        let output = deadline.send(call, self.secrets()).await?;
        let response = InvokeResponse { content_type: output.content_type().to_string(), body: output.body.into_inner() };
        Ok((response, counted.get()))
    }

    /// InvokeModelWithResponseStream: returns once the response has started; chunks follow
    /// through [`InvokeChunkStream::next`] until the same deadline.
    pub async fn invoke_model_with_response_stream(&self, request: InvokeRequest) -> Result<InvokeChunkStream, ApiError> {
        let deadline = Deadline::after(request.timeout, "InvokeModelWithResponseStream");
        let call = self
            .runtime_client(&request.region)
            .invoke_model_with_response_stream()
            .model_id(&request.model_id)
            .body(Blob::new(request.body))
            .content_type(&request.content_type)
            .accept(&request.accept)
            .set_guardrail_identifier(request.guardrail.as_ref().map(|g| g.identifier.clone()))
            .set_guardrail_version(request.guardrail.as_ref().map(|g| g.version.clone()))
            .set_trace(request.guardrail.as_ref().map(guardrail_trace))
            .send();
        let output = deadline.send(call, self.secrets()).await?;
        Ok(InvokeChunkStream { events: DeadlineStream::new(output.body, deadline, self.secrets(), stream_error_code) })
    }
}

/// InvokeModel's `X-Amzn-Bedrock-Trace` for a guardrail: its trace in the answer when asked.
fn guardrail_trace(guardrail: &Guardrail) -> aws_sdk_bedrockruntime::types::Trace {
    if guardrail.trace { aws_sdk_bedrockruntime::types::Trace::Enabled } else { aws_sdk_bedrockruntime::types::Trace::Disabled }
}
