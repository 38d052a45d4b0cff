//! Conversions between the capability's [`model`](super::model) types and the SDK's Converse
//! types. Anything the SDK refuses to build, and any tool JSON that does not parse, becomes a
//! `format` error naming the field.
//!
//! [`ConverseOptions`] map here too: the tool choice into the tool configuration, cache points
//! after the listed system prompts and after the tools, the output schema into `outputConfig`,
//! the caller's tags into `requestMetadata`, and reasoning into `additionalModelRequestFields`
//! by the model's family ([`super::reasoning`]).

use aws_sdk_bedrockruntime::types as sdk;
use aws_smithy_types::{Document, Number};

use super::errors::api_error;
use super::model::{
    ApiError, ContentBlock, ConverseOptions, ConverseRequest, DocumentSource, ErrorClass, InferenceConfig, Message, Role, ServiceTier, StreamEvent, ToolChoice,
    Usage,
};

/// The parts of a Converse request the SDK's builders take.
pub(crate) struct SdkConverseParts {
    pub system: Vec<sdk::SystemContentBlock>,
    pub messages: Vec<sdk::Message>,
    pub inference: sdk::InferenceConfiguration,
    pub tools: Option<sdk::ToolConfiguration>,
    /// `additionalModelRequestFields` (reasoning).
    pub additional_fields: Option<Document>,
    /// `outputConfig` (structured output).
    pub output_config: Option<sdk::OutputConfig>,
    /// `requestMetadata`.
    pub request_metadata: Option<std::collections::HashMap<String, String>>,
    /// `serviceTier`.
    pub service_tier: Option<sdk::ServiceTier>,
}

fn format_error(message: String) -> ApiError {
    api_error(ErrorClass::Format, None, message, None)
}

/// JSON text to a Smithy document.
pub(crate) fn json_text_to_document(text: &str, what: &str) -> Result<Document, ApiError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format_error(format!("{what} is not valid JSON: {e}")))?;
    Ok(json_to_document(&value))
}

/// A JSON value to a Smithy document.
pub(crate) fn json_to_document(value: &serde_json::Value) -> Document {
    use serde_json::Value;
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or(0.0))
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(json_to_document).collect()),
        Value::Object(map) => Document::Object(map.iter().map(|(k, v)| (k.clone(), json_to_document(v))).collect()),
    }
}

/// A Smithy document to a JSON value (non-finite floats become null, as JSON has none).
pub(crate) fn document_to_json(document: &Document) -> serde_json::Value {
    use serde_json::Value;
    match document {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(items) => Value::Array(items.iter().map(document_to_json).collect()),
        Document::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), document_to_json(v))).collect()),
    }
}

fn role_to_sdk(role: Role) -> sdk::ConversationRole {
    match role {
        Role::User => sdk::ConversationRole::User,
        Role::Assistant => sdk::ConversationRole::Assistant,
    }
}

/// The SDK's role as ours (unknown roles, newer than this SDK, read as the assistant's).
pub(crate) fn role_from_sdk(role: &sdk::ConversationRole) -> Role {
    if role.as_str() == "user" { Role::User } else { Role::Assistant }
}

fn block_to_sdk(block: &ContentBlock) -> Result<sdk::ContentBlock, ApiError> {
    let built = |what: &str, e: aws_smithy_types::error::operation::BuildError| format_error(format!("{what}: {e}"));
    Ok(match block {
        ContentBlock::Text(text) => sdk::ContentBlock::Text(text.clone()),
        ContentBlock::Image { format, bytes } => sdk::ContentBlock::Image(
            sdk::ImageBlock::builder()
                .format(sdk::ImageFormat::from(format.as_str()))
                .source(sdk::ImageSource::Bytes(aws_smithy_types::Blob::new(bytes.clone())))
                .build()
                .map_err(|e| built("image block", e))?,
        ),
        ContentBlock::ToolUse { id, name, input } => sdk::ContentBlock::ToolUse(
            sdk::ToolUseBlock::builder()
                .tool_use_id(id)
                .name(name)
                .input(json_text_to_document(input, &format!("the input of tool call {id}"))?)
                .build()
                .map_err(|e| built("tool use block", e))?,
        ),
        ContentBlock::ToolResult { id, content, is_error } => sdk::ContentBlock::ToolResult(
            sdk::ToolResultBlock::builder()
                .tool_use_id(id)
                .content(sdk::ToolResultContentBlock::Text(content.clone()))
                .status(if *is_error { sdk::ToolResultStatus::Error } else { sdk::ToolResultStatus::Success })
                .build()
                .map_err(|e| built("tool result block", e))?,
        ),
        ContentBlock::Reasoning { text, signature } => sdk::ContentBlock::ReasoningContent(sdk::ReasoningContentBlock::ReasoningText(
            sdk::ReasoningTextBlock::builder().text(text).set_signature(signature.clone()).build().map_err(|e| built("reasoning block", e))?,
        )),
        ContentBlock::RedactedReasoning(data) => {
            sdk::ContentBlock::ReasoningContent(sdk::ReasoningContentBlock::RedactedContent(aws_smithy_types::Blob::new(data.clone())))
        }
        ContentBlock::Document { format, name, source } => sdk::ContentBlock::Document(
            sdk::DocumentBlock::builder()
                .format(sdk::DocumentFormat::from(format.as_str()))
                .name(name)
                .source(match source {
                    DocumentSource::Bytes(bytes) => sdk::DocumentSource::Bytes(aws_smithy_types::Blob::new(bytes.clone())),
                    DocumentSource::Text(text) => sdk::DocumentSource::Text(text.clone()),
                })
                .build()
                .map_err(|e| built("document block", e))?,
        ),
        ContentBlock::CachePoint => sdk::ContentBlock::CachePoint(cache_point()?),
    })
}

/// A prompt-cache point of the default kind.
pub(crate) fn cache_point() -> Result<sdk::CachePointBlock, ApiError> {
    sdk::CachePointBlock::builder().r#type(sdk::CachePointType::Default).build().map_err(|e| format_error(format!("cache point: {e}")))
}

fn message_to_sdk(message: &Message) -> Result<sdk::Message, ApiError> {
    let content = message.content.iter().map(block_to_sdk).collect::<Result<Vec<_>, _>>()?;
    sdk::Message::builder().role(role_to_sdk(message.role)).set_content(Some(content)).build().map_err(|e| format_error(format!("message: {e}")))
}

/// A Converse request's parts in the SDK's types.
pub(crate) fn converse_parts(request: &ConverseRequest) -> Result<SdkConverseParts, ApiError> {
    let options = &request.options;
    let mut system = Vec::with_capacity(request.system.len() + options.system_cache_points.len());
    for (i, prompt) in request.system.iter().enumerate() {
        system.push(sdk::SystemContentBlock::Text(prompt.clone()));
        if options.system_cache_points.contains(&u32::try_from(i).unwrap_or(u32::MAX)) {
            system.push(sdk::SystemContentBlock::CachePoint(cache_point()?));
        }
    }
    let messages = request.messages.iter().map(message_to_sdk).collect::<Result<Vec<_>, _>>()?;
    let config = &request.inference;
    let max_tokens = match config.max_tokens {
        Some(n) => Some(i32::try_from(n).map_err(|_| format_error(format!("max tokens {n} is too large")))?),
        None => None,
    };
    let model = request.options.foundation_model.as_deref().unwrap_or(&request.model_id);
    let (temperature, top_p) = sampling(model, config);
    let inference = sdk::InferenceConfiguration::builder()
        .set_max_tokens(max_tokens)
        .set_temperature(temperature)
        .set_top_p(top_p)
        .set_stop_sequences((!config.stop_sequences.is_empty()).then(|| config.stop_sequences.clone()))
        .build();
    let tools = if request.tools.is_empty() {
        None
    } else {
        let mut specs = Vec::with_capacity(request.tools.len());
        for tool in &request.tools {
            let schema = json_text_to_document(&tool.input_schema, &format!("the input schema of tool {}", tool.name))?;
            let spec = sdk::ToolSpecification::builder()
                .name(&tool.name)
                .set_description((!tool.description.is_empty()).then(|| tool.description.clone()))
                .input_schema(sdk::ToolInputSchema::Json(schema))
                .build()
                .map_err(|e| format_error(format!("tool {}: {e}", tool.name)))?;
            specs.push(sdk::Tool::ToolSpec(spec));
        }
        if options.tools_cache_point {
            specs.push(sdk::Tool::CachePoint(cache_point()?));
        }
        let choice = options.tool_choice.as_ref().map(tool_choice_to_sdk).transpose()?;
        Some(sdk::ToolConfiguration::builder().set_tools(Some(specs)).set_tool_choice(choice).build().map_err(|e| format_error(format!("tools: {e}")))?)
    };
    let (mut additional_fields, output_config, request_metadata) = options_to_sdk(options, model, max_tokens)?;
    if options.single_tool_call && !request.tools.is_empty() && super::model_id::is_claude(model) {
        additional_fields = Some(with_single_tool_call(additional_fields, options.tool_choice.as_ref()));
    }
    let service_tier = options.service_tier.map(service_tier_to_sdk).transpose()?;
    Ok(SdkConverseParts { system, messages, inference, tools, additional_fields, output_config, request_metadata, service_tier })
}

/// The sampling parameters the model takes: Claude Opus 4.7 and later refuse them (Bedrock
/// answers 400), so they are left out, and the log says so.
fn sampling(model: &str, config: &InferenceConfig) -> (Option<f32>, Option<f32>) {
    if super::reasoning::takes_sampling(model) || (config.temperature.is_none() && config.top_p.is_none()) {
        return (config.temperature, config.top_p);
    }
    let named: Vec<&str> =
        [("temperature", config.temperature.is_some()), ("top_p", config.top_p.is_some())].into_iter().filter_map(|(name, set)| set.then_some(name)).collect();
    tracing::info!(model, dropped = %named.join(", "), "the model takes no sampling parameters: left out of the call");
    (None, None)
}

/// Claude's own `tool_choice` with `disable_parallel_tool_use: true`, added to the
/// `additionalModelRequestFields` (Bedrock passes them to the model as its native request
/// fields; Anthropic's tool-use reference: at most one call with `auto`, exactly one with `any`
/// or `tool`). Its type repeats the Converse `toolChoice`, which Claude takes as the same field.
fn with_single_tool_call(fields: Option<Document>, choice: Option<&ToolChoice>) -> Document {
    let mut tool_choice = match choice {
        None | Some(ToolChoice::Auto) => serde_json::json!({ "type": "auto" }),
        Some(ToolChoice::Any) => serde_json::json!({ "type": "any" }),
        Some(ToolChoice::Tool(name)) => serde_json::json!({ "type": "tool", "name": name }),
    };
    tool_choice["disable_parallel_tool_use"] = serde_json::Value::Bool(true);
    let mut object = match fields.as_ref().map(document_to_json) {
        Some(serde_json::Value::Object(object)) => object,
        _ => serde_json::Map::new(),
    };
    object.insert("tool_choice".into(), tool_choice);
    json_to_document(&serde_json::Value::Object(object))
}

fn tool_choice_to_sdk(choice: &ToolChoice) -> Result<sdk::ToolChoice, ApiError> {
    Ok(match choice {
        ToolChoice::Auto => sdk::ToolChoice::Auto(sdk::AutoToolChoice::builder().build()),
        ToolChoice::Any => sdk::ToolChoice::Any(sdk::AnyToolChoice::builder().build()),
        ToolChoice::Tool(name) => {
            sdk::ToolChoice::Tool(sdk::SpecificToolChoice::builder().name(name).build().map_err(|e| format_error(format!("tool choice: {e}")))?)
        }
    })
}

type SdkOptions = (Option<Document>, Option<sdk::OutputConfig>, Option<std::collections::HashMap<String, String>>);

/// Reasoning, output schema and request metadata; a reasoning request the model's family cannot
/// take is a `format` error naming `reasoning_effort`.
fn options_to_sdk(options: &ConverseOptions, model_id: &str, max_tokens: Option<i32>) -> Result<SdkOptions, ApiError> {
    let additional = match &options.reasoning {
        None => None,
        Some(reasoning) => {
            let max_tokens = max_tokens.and_then(|n| u32::try_from(n).ok());
            let fields = super::reasoning::request_fields(model_id, reasoning, max_tokens).map_err(|e| format_error(format!("reasoning_effort: {e}")))?;
            fields.as_ref().map(json_to_document)
        }
    };
    let output = match &options.output_schema {
        None => None,
        Some(schema) => {
            let definition = sdk::JsonSchemaDefinition::builder()
                .schema(&schema.schema)
                .name(&schema.name)
                .set_description(schema.description.clone())
                .build()
                .map_err(|e| format_error(format!("response_format: {e}")))?;
            let format = sdk::OutputFormat::builder()
                .r#type(sdk::OutputFormatType::JsonSchema)
                .structure(sdk::OutputFormatStructure::JsonSchema(definition))
                .build()
                .map_err(|e| format_error(format!("response_format: {e}")))?;
            Some(sdk::OutputConfig::builder().text_format(format).build())
        }
    };
    let metadata = (!options.request_metadata.is_empty()).then(|| options.request_metadata.iter().cloned().collect());
    Ok((additional, output, metadata))
}

/// A response content block as ours; `None` for kinds this contract does not carry.
pub(crate) fn block_from_sdk(block: &sdk::ContentBlock) -> Option<ContentBlock> {
    match block {
        sdk::ContentBlock::Text(text) => Some(ContentBlock::Text(text.clone())),
        sdk::ContentBlock::ToolUse(tool) => {
            Some(ContentBlock::ToolUse { id: tool.tool_use_id().to_string(), name: tool.name().to_string(), input: document_to_json(tool.input()).to_string() })
        }
        sdk::ContentBlock::ReasoningContent(sdk::ReasoningContentBlock::ReasoningText(reasoning)) => {
            Some(ContentBlock::Reasoning { text: reasoning.text().to_string(), signature: reasoning.signature().map(str::to_string) })
        }
        sdk::ContentBlock::ReasoningContent(sdk::ReasoningContentBlock::RedactedContent(data)) => {
            Some(ContentBlock::RedactedReasoning(data.clone().into_inner()))
        }
        sdk::ContentBlock::Image(image) => match image.source() {
            Some(sdk::ImageSource::Bytes(bytes)) => {
                Some(ContentBlock::Image { format: image.format().as_str().to_string(), bytes: bytes.clone().into_inner() })
            }
            _ => None,
        },
        _ => None,
    }
}

/// Token counts (negative counts, which Bedrock never sends, read as zero) and the tier that
/// served.
pub(crate) fn usage_from_sdk(usage: Option<&sdk::TokenUsage>, tier: Option<&sdk::ServiceTier>) -> Usage {
    let count = |n: i32| u32::try_from(n).unwrap_or(0);
    let mut usage = usage
        .map(|u| Usage {
            input_tokens: count(u.input_tokens()),
            output_tokens: count(u.output_tokens()),
            total_tokens: count(u.total_tokens()),
            cache_read_input_tokens: u.cache_read_input_tokens().map_or(0, count),
            cache_write_input_tokens: u.cache_write_input_tokens().map_or(0, count),
            service_tier: None,
        })
        .unwrap_or_default();
    usage.service_tier = tier.and_then(service_tier_from_sdk);
    usage
}

fn service_tier_to_sdk(tier: ServiceTier) -> Result<sdk::ServiceTier, ApiError> {
    let kind = match tier {
        ServiceTier::Default => sdk::ServiceTierType::Default,
        ServiceTier::Flex => sdk::ServiceTierType::Flex,
        ServiceTier::Priority => sdk::ServiceTierType::Priority,
        ServiceTier::Reserved => sdk::ServiceTierType::Reserved,
    };
    sdk::ServiceTier::builder().r#type(kind).build().map_err(|e| format_error(format!("service tier: {e}")))
}

/// The tier Bedrock says served; one this SDK does not know is not reported.
fn service_tier_from_sdk(tier: &sdk::ServiceTier) -> Option<ServiceTier> {
    match tier.r#type() {
        sdk::ServiceTierType::Default => Some(ServiceTier::Default),
        sdk::ServiceTierType::Flex => Some(ServiceTier::Flex),
        sdk::ServiceTierType::Priority => Some(ServiceTier::Priority),
        sdk::ServiceTierType::Reserved => Some(ServiceTier::Reserved),
        _ => None,
    }
}

fn index(i: i32) -> u32 {
    u32::try_from(i).unwrap_or(0)
}

/// A ConverseStream event as ours; `None` for events this contract does not carry (text block
/// starts, citations, images, events newer than this SDK).
pub(crate) fn event_from_sdk(event: sdk::ConverseStreamOutput) -> Option<StreamEvent> {
    use sdk::ConverseStreamOutput as Out;
    match event {
        Out::MessageStart(start) => Some(StreamEvent::MessageStart(role_from_sdk(start.role()))),
        Out::ContentBlockStart(start) => match start.start() {
            Some(sdk::ContentBlockStart::ToolUse(tool)) => {
                Some(StreamEvent::ToolUseStart { index: index(start.content_block_index()), id: tool.tool_use_id().to_string(), name: tool.name().to_string() })
            }
            _ => None,
        },
        Out::ContentBlockDelta(delta) => {
            let at = index(delta.content_block_index());
            match delta.delta() {
                Some(sdk::ContentBlockDelta::Text(text)) => Some(StreamEvent::TextDelta { index: at, text: text.clone() }),
                Some(sdk::ContentBlockDelta::ToolUse(tool)) => Some(StreamEvent::ToolUseDelta { index: at, text: tool.input().to_string() }),
                Some(sdk::ContentBlockDelta::ReasoningContent(sdk::ReasoningContentBlockDelta::Text(text))) => {
                    Some(StreamEvent::ReasoningDelta { index: at, text: text.clone() })
                }
                Some(sdk::ContentBlockDelta::ReasoningContent(sdk::ReasoningContentBlockDelta::Signature(signature))) => {
                    Some(StreamEvent::ReasoningSignature { index: at, signature: signature.clone() })
                }
                Some(sdk::ContentBlockDelta::ReasoningContent(sdk::ReasoningContentBlockDelta::RedactedContent(data))) => {
                    Some(StreamEvent::RedactedReasoning { index: at, data: data.clone().into_inner() })
                }
                _ => None,
            }
        }
        Out::ContentBlockStop(stop) => Some(StreamEvent::BlockStop(index(stop.content_block_index()))),
        Out::MessageStop(stop) => Some(StreamEvent::MessageStop(stop.stop_reason().as_str().to_string())),
        Out::Metadata(metadata) => Some({
            if let Some(trace) = metadata.trace().and_then(|trace| trace.guardrail()) {
                super::converse::log_guardrail(None, "", trace);
            }
            StreamEvent::Metadata {
                usage: usage_from_sdk(metadata.usage(), metadata.service_tier()),
                latency_ms: metadata.metrics().map(|m| u64::try_from(m.latency_ms()).unwrap_or(0)).unwrap_or(0),
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
