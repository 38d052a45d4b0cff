//! CountTokens for a Converse-shaped input: the input tokens a request would use, counted by
//! Bedrock with the model's own tokenizer, no inference run.

use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{ConverseTokensRequest, CountTokensInput, InvokeModelTokensRequest};

use super::Bedrock;
use super::convert::{self, SdkConverseParts};
use super::deadline::Deadline;
use super::model::ApiError;
use super::model::{ConverseRequest, InvokeRequest};

/// The foundation model a model id counts with: CountTokens takes foundation model ids and
/// refuses cross-region profile ids (`us.anthropic.claude-...`), whose model is the id without
/// its geography prefix.
pub fn counting_model(model_id: &str) -> &str {
    super::model_id::without_geography(model_id)
}

impl Bedrock {
    /// CountTokens on `request.model_id` (a profile id counts with its model) in
    /// `request.region`, within `request.timeout`: the input tokens of its system prompts,
    /// messages and tools.
    pub async fn count_tokens(&self, request: ConverseRequest) -> Result<u32, ApiError> {
        let deadline = Deadline::after(request.timeout, "CountTokens");
        // Only what the prompt is made of counts: inference settings, output format and
        // metadata have no place in CountTokens' input.
        let SdkConverseParts { system, messages, tools, additional_fields, .. } = convert::converse_parts(&request)?;
        let input = ConverseTokensRequest::builder()
            .set_system(Some(system))
            .set_messages(Some(messages))
            .set_tool_config(tools)
            .set_additional_model_request_fields(additional_fields)
            .build();
        let call =
            self.runtime_client(&request.region).count_tokens().model_id(counting_model(&request.model_id)).input(CountTokensInput::Converse(input)).send();
        let output = deadline.send(call, self.secrets()).await?;
        Ok(u32::try_from(output.input_tokens()).unwrap_or(0))
    }
}

impl Bedrock {
    /// CountTokens for an InvokeModel body (a model's own request, as InvokeModel would take
    /// it) on `request.model_id`, which must be a foundation model id (the caller resolves
    /// profiles), in `request.region`, within `request.timeout`.
    pub async fn count_tokens_invoke(&self, request: InvokeRequest) -> Result<u32, ApiError> {
        let deadline = Deadline::after(request.timeout, "CountTokens");
        let input = InvokeModelTokensRequest::builder().body(Blob::new(request.body)).build().map_err(|error| ApiError {
            class: super::model::ErrorClass::Format,
            code: None,
            message: format!("the CountTokens input could not be built: {error}"),
            http_status: None,
            retryable: false,
        })?;
        let call = self.runtime_client(&request.region).count_tokens().model_id(&request.model_id).input(CountTokensInput::InvokeModel(input)).send();
        let output = deadline.send(call, self.secrets()).await?;
        Ok(u32::try_from(output.input_tokens()).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_count_with_their_model() {
        let cases = [
            ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
            ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0"),
            ("anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"),
            (
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            ),
            ("us.nothing", "us.nothing"),
        ];
        for (id, model) in cases {
            assert_eq!(counting_model(id), model, "{id}");
        }
    }
}
