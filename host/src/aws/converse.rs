//! Converse and ConverseStream. One deadline per call (the request's `timeout`): it covers the
//! SDK's retries before a response starts and, for a stream, every event up to the last.

use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    ConverseStreamOutput, GuardrailConfiguration, GuardrailStreamConfiguration, GuardrailStreamProcessingMode, GuardrailTrace, GuardrailTraceAssessment,
};

use super::Bedrock;
use super::convert::{self, SdkConverseParts};
use super::deadline::{Deadline, DeadlineStream};
use super::model::{ApiError, ConverseRequest, ConverseResponse, Guardrail, StreamEvent};

/// A ConverseStream response in progress: events in the order Bedrock sent them.
pub struct ConverseEventStream {
    events: DeadlineStream<ConverseStreamOutput, ConverseStreamOutputError>,
}

impl std::fmt::Debug for ConverseEventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConverseEventStream").field("open", &self.events.is_open()).finish_non_exhaustive()
    }
}

/// The canonical code of an in-stream exception, by its modelled variant, so that it
/// classifies like the same error in an HTTP answer.
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
        // Events this contract does not carry (text block starts, citations) are skipped.
        while let Some(event) = self.events.next().await? {
            if let Some(event) = convert::event_from_sdk(event) {
                return Ok(Some(event));
            }
        }
        Ok(None)
    }
}

impl Bedrock {
    /// Converse: one whole response.
    pub async fn converse(&self, request: ConverseRequest) -> Result<ConverseResponse, ApiError> {
        let deadline = Deadline::after(request.timeout, "Converse");
        let SdkConverseParts { system, messages, inference, tools, additional_fields, output_config, request_metadata, service_tier } =
            convert::converse_parts(&request)?;
        let call = self
            .runtime_client(&request.region)
            .converse()
            .model_id(&request.model_id)
            .set_system(Some(system))
            .set_messages(Some(messages))
            .inference_config(inference)
            .set_tool_config(tools)
            .set_additional_model_request_fields(additional_fields)
            .set_output_config(output_config)
            .set_request_metadata(request_metadata)
            .set_service_tier(service_tier)
            .set_guardrail_config(request.options.guardrail.as_ref().map(guardrail_config))
            .send();
        let output = deadline.send(call, self.secrets()).await?;
        if let Some(trace) = output.trace().and_then(|trace| trace.guardrail()) {
            log_guardrail(request.options.guardrail.as_ref(), output.stop_reason().as_str(), trace);
        }
        let content = match output.output() {
            Some(aws_sdk_bedrockruntime::types::ConverseOutput::Message(message)) => message.content().iter().filter_map(convert::block_from_sdk).collect(),
            _ => Vec::new(),
        };
        Ok(ConverseResponse {
            content,
            stop_reason: output.stop_reason().as_str().to_string(),
            usage: convert::usage_from_sdk(output.usage(), output.service_tier()),
            latency_ms: output.metrics().map(|m| u64::try_from(m.latency_ms()).unwrap_or(0)).unwrap_or(0),
        })
    }

    /// ConverseStream: returns once the response has started (after any retries); events follow
    /// through [`ConverseEventStream::next`] until the same deadline.
    pub async fn converse_stream(&self, request: ConverseRequest) -> Result<ConverseEventStream, ApiError> {
        let deadline = Deadline::after(request.timeout, "ConverseStream");
        let SdkConverseParts { system, messages, inference, tools, additional_fields, output_config, request_metadata, service_tier } =
            convert::converse_parts(&request)?;
        let call = self
            .runtime_client(&request.region)
            .converse_stream()
            .model_id(&request.model_id)
            .set_system(Some(system))
            .set_messages(Some(messages))
            .inference_config(inference)
            .set_tool_config(tools)
            .set_additional_model_request_fields(additional_fields)
            .set_output_config(output_config)
            .set_request_metadata(request_metadata)
            .set_service_tier(service_tier)
            .set_guardrail_config(request.options.guardrail.as_ref().map(guardrail_stream_config))
            .send();
        let output = deadline.send(call, self.secrets()).await?;
        Ok(ConverseEventStream { events: DeadlineStream::new(output.stream, deadline, self.secrets(), stream_error_code) })
    }
}

fn guardrail_trace(guardrail: &Guardrail) -> GuardrailTrace {
    if guardrail.trace { GuardrailTrace::Enabled } else { GuardrailTrace::Disabled }
}

/// Converse's `guardrailConfig`.
fn guardrail_config(guardrail: &Guardrail) -> GuardrailConfiguration {
    GuardrailConfiguration::builder()
        .guardrail_identifier(&guardrail.identifier)
        .guardrail_version(&guardrail.version)
        .trace(guardrail_trace(guardrail))
        .build()
}

/// ConverseStream's `guardrailConfig`: the stream's text is checked as it is generated
/// (`sync`: each chunk is assessed before it is sent, so nothing blocked reaches the client).
fn guardrail_stream_config(guardrail: &Guardrail) -> GuardrailStreamConfiguration {
    GuardrailStreamConfiguration::builder()
        .guardrail_identifier(&guardrail.identifier)
        .guardrail_version(&guardrail.version)
        .trace(guardrail_trace(guardrail))
        .stream_processing_mode(GuardrailStreamProcessingMode::Sync)
        .build()
}

/// The guardrail's decision, in the log: which guardrail, the stop reason and Bedrock's reason
/// for the action, never the text it assessed or blocked.
pub(crate) fn log_guardrail(guardrail: Option<&Guardrail>, stop_reason: &str, trace: &GuardrailTraceAssessment) {
    tracing::info!(
        guardrail = guardrail.map_or("", |g| g.identifier.as_str()),
        version = guardrail.map_or("", |g| g.version.as_str()),
        stop_reason,
        action_reason = trace.action_reason().unwrap_or(""),
        "guardrail trace"
    );
}
