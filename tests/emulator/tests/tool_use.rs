//! Tool use through the AWS SDK for Rust: a `call <tool>` prompt with a toolConfig gets a
//! toolUse block (whole and streamed), a tool result gets a text reply, and tool blocks
//! without a toolConfig are refused as Bedrock refuses them.

mod common;

use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ContentBlockStart, ConverseStreamOutput, Message, StopReason, Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock,
    ToolResultContentBlock, ToolSpecification, ToolUseBlock,
};
use aws_smithy_types::Document;
use common::{NOVA_PRO, error_code, user_message};

fn tool_config() -> ToolConfiguration {
    let schema = Document::Object([("type".to_string(), Document::String("object".into()))].into_iter().collect());
    let spec =
        ToolSpecification::builder().name("get_weather").description("Weather by city.").input_schema(ToolInputSchema::Json(schema)).build().expect("spec");
    ToolConfiguration::builder().tools(Tool::ToolSpec(spec)).build().expect("config")
}

fn query_of(input: &Document) -> Option<&str> {
    input.as_object()?.get("query")?.as_string()
}

#[tokio::test]
async fn converse_calls_the_named_tool_then_answers_its_result() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let output = client
        .converse()
        .model_id(NOVA_PRO)
        .messages(user_message("please call get_weather in Paris"))
        .tool_config(tool_config())
        .send()
        .await
        .expect("converse");
    assert_eq!(output.stop_reason(), &StopReason::ToolUse);
    let message = output.output().and_then(|o| o.as_message().ok()).expect("a message").clone();
    let ContentBlock::ToolUse(call) = &message.content()[0] else { panic!("a tool use: {message:?}") };
    assert_eq!((call.name(), query_of(call.input())), ("get_weather", Some("in Paris")));
    assert!(call.tool_use_id().starts_with("tooluse_"));

    let result =
        ToolResultBlock::builder().tool_use_id(call.tool_use_id()).content(ToolResultContentBlock::Text("sunny and 21".into())).build().expect("result");
    let answer = client
        .converse()
        .model_id(NOVA_PRO)
        .messages(user_message("please call get_weather in Paris"))
        .messages(message)
        .messages(
            Message::builder().role(aws_sdk_bedrockruntime::types::ConversationRole::User).content(ContentBlock::ToolResult(result)).build().expect("message"),
        )
        .tool_config(tool_config())
        .send()
        .await
        .expect("converse with the result");
    assert_eq!(answer.stop_reason(), &StopReason::EndTurn);
    let text = answer.output().and_then(|o| o.as_message().ok()).map(|m| m.content()[0].as_text().cloned());
    assert_eq!(text, Some(Ok("Echo: sunny and 21".to_string())));

    // Without the tool config: no call (the prompt is echoed); tool blocks are refused.
    let plain = client.converse().model_id(NOVA_PRO).messages(user_message("call get_weather")).send().await.expect("converse");
    assert_eq!(plain.stop_reason(), &StopReason::EndTurn);
    let tool_use = ToolUseBlock::builder().tool_use_id("t1").name("get_weather").input(Document::Object(Default::default())).build().expect("use");
    let refused = client
        .converse()
        .model_id(NOVA_PRO)
        .messages(user_message("hi"))
        .messages(
            Message::builder().role(aws_sdk_bedrockruntime::types::ConversationRole::Assistant).content(ContentBlock::ToolUse(tool_use)).build().expect("m"),
        )
        .messages(user_message("go on"))
        .send()
        .await
        .expect_err("refused");
    assert_eq!(error_code(&refused), ("ValidationException".to_string(), 400));
}

#[tokio::test]
async fn converse_stream_sends_the_call_as_start_input_fragments_and_stop() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let mut output = client
        .converse_stream()
        .model_id(NOVA_PRO)
        .messages(user_message("call get_weather in Oslo today"))
        .tool_config(tool_config())
        .send()
        .await
        .expect("converse stream");
    let (mut started, mut input, mut fragments, mut stopped, mut reason) = (None, String::new(), 0, false, None);
    for _ in 0..64 {
        match output.stream.recv().await.expect("an event") {
            Some(ConverseStreamOutput::ContentBlockStart(start)) => {
                if let Some(ContentBlockStart::ToolUse(tool)) = start.start() {
                    started = Some((tool.tool_use_id().to_string(), tool.name().to_string()));
                }
            }
            Some(ConverseStreamOutput::ContentBlockDelta(delta)) => {
                if let Some(ContentBlockDelta::ToolUse(fragment)) = delta.delta() {
                    input.push_str(fragment.input());
                    fragments += 1;
                }
            }
            Some(ConverseStreamOutput::ContentBlockStop(_)) => stopped = true,
            Some(ConverseStreamOutput::MessageStop(stop)) => reason = Some(stop.stop_reason().clone()),
            Some(_) => {}
            None => break,
        }
    }
    let (id, name) = started.expect("a toolUse start");
    assert!(id.starts_with("tooluse_") && name == "get_weather");
    assert!(fragments >= 2, "the input arrives in fragments");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&input).expect("JSON input"), serde_json::json!({ "query": "in Oslo today" }));
    assert!(stopped);
    assert_eq!(reason, Some(StopReason::ToolUse));
}
