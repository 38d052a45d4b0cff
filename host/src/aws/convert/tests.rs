//! The conversion's tables: what each request part becomes in the SDK's types.

use super::*;

#[test]
fn json_round_trips_through_documents() {
    let cases = [r#"{"a":[1,-2,3.5,true,null,"x"],"b":{}}"#, "[]", "0", r#""text""#];
    for text in cases {
        let document = json_text_to_document(text, "case").expect("valid JSON");
        let back = document_to_json(&document);
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(text).unwrap(), "{text}");
    }
    let error = json_text_to_document("{nope", "the input schema of tool t").unwrap_err();
    assert_eq!(error.class, ErrorClass::Format);
    assert!(error.message.starts_with("the input schema of tool t is not valid JSON"), "{}", error.message);
}

#[test]
fn options_reach_the_sdk_request() {
    use super::super::model::{OutputSchema, ReasoningEffort, ReasoningRequest, ToolSpec};
    let request = ConverseRequest {
        model_id: "us.anthropic.claude-sonnet-4-5-20250929-v1:0".into(),
        region: "us-east-1".into(),
        system: vec!["a".into(), "b".into()],
        messages: vec![Message { role: Role::User, content: vec![ContentBlock::Text("hi".into()), ContentBlock::CachePoint] }],
        inference: InferenceConfig { max_tokens: Some(4096), ..InferenceConfig::default() },
        tools: vec![ToolSpec { name: "f".into(), description: "f".into(), input_schema: "{}".into() }],
        timeout: std::time::Duration::from_secs(1),
        options: ConverseOptions {
            tool_choice: Some(ToolChoice::Tool("f".into())),
            reasoning: Some(ReasoningRequest { effort: Some(ReasoningEffort::Low), budget_tokens: None }),
            output_schema: Some(OutputSchema { name: "out".into(), description: None, schema: "{\"type\":\"object\"}".into() }),
            system_cache_points: vec![0],
            tools_cache_point: true,
            request_metadata: vec![("user".into(), "u1".into())],
            single_tool_call: true,
            foundation_model: None,
            service_tier: Some(ServiceTier::Flex),
            ..ConverseOptions::default()
        },
    };
    let parts = converse_parts(&request).expect("valid");
    assert!(matches!(parts.system.as_slice(), [sdk::SystemContentBlock::Text(_), sdk::SystemContentBlock::CachePoint(_), sdk::SystemContentBlock::Text(_)]));
    let tools = parts.tools.expect("tools");
    assert!(matches!(tools.tools(), [sdk::Tool::ToolSpec(_), sdk::Tool::CachePoint(_)]));
    assert!(matches!(tools.tool_choice(), Some(sdk::ToolChoice::Tool(t)) if t.name() == "f"));
    assert_eq!(
        parts.additional_fields.as_ref().map(document_to_json),
        Some(serde_json::json!({
            "thinking": { "type": "enabled", "budget_tokens": 2048 },
            "tool_choice": { "type": "tool", "name": "f", "disable_parallel_tool_use": true },
        }))
    );
    let format = parts.output_config.and_then(|c| c.text_format().cloned()).expect("a text format");
    assert!(matches!(format.structure(), Some(sdk::OutputFormatStructure::JsonSchema(d)) if d.name() == Some("out")));
    assert_eq!(parts.request_metadata.and_then(|m| m.get("user").cloned()).as_deref(), Some("u1"));

    let mut refused = request.clone();
    refused.model_id = "amazon.nova-pro-v1:0".into();
    let error = converse_parts(&refused).err().expect("no reasoning on Nova 1");
    assert!(error.message.starts_with("reasoning_effort: model amazon.nova-pro-v1:0 has no reasoning control"), "{}", error.message);
    assert_eq!(parts.service_tier.map(|tier| tier.r#type().clone()), Some(sdk::ServiceTierType::Flex));

    // An application profile reasons (and samples) as the model the host looked up.
    let mut profile = request.clone();
    profile.options.single_tool_call = false;
    profile.model_id = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123".into();
    profile.inference.temperature = Some(0.5);
    let cases = [
        (None, Err("has no reasoning control")),
        (Some("anthropic.claude-sonnet-4-5-20250929-v1:0"), Ok((serde_json::json!({ "thinking": { "type": "enabled", "budget_tokens": 2048 } }), Some(0.5)))),
        (Some("anthropic.claude-opus-4-7"), Ok((serde_json::json!({ "thinking": { "type": "adaptive" }, "output_config": { "effort": "low" } }), None))),
    ];
    for (model, expected) in cases {
        profile.options.foundation_model = model.map(str::to_string);
        let got =
            converse_parts(&profile).map(|parts| (parts.additional_fields.as_ref().map(document_to_json).unwrap_or_default(), parts.inference.temperature()));
        match expected {
            Ok(expected) => assert_eq!(got.map_err(|e| e.message), Ok(expected), "{model:?}"),
            Err(part) => assert!(got.is_err_and(|e| e.message.contains(part)), "{model:?}"),
        }
    }

    // Only Claude is told of a single tool call; Nova's answer is cut by the gateway.
    refused.options.reasoning = None;
    assert_eq!(converse_parts(&refused).expect("valid").additional_fields.as_ref().map(document_to_json), None);
    let mut auto = request.clone();
    (auto.options.reasoning, auto.options.tool_choice) = (None, None);
    let fields = converse_parts(&auto).expect("valid").additional_fields.as_ref().map(document_to_json);
    assert_eq!(fields, Some(serde_json::json!({ "tool_choice": { "type": "auto", "disable_parallel_tool_use": true } })));
}
