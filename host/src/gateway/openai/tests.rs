//! Request parsing: the mapping of messages, and each field's fate as a table.

use super::*;
use crate::aws::model::{ContentBlock, ConverseOptions, DocumentSource, OutputSchema, ReasoningEffort, ReasoningRequest, ToolChoice};
use serde_json::{Value, json};
use std::time::Duration;

fn parse(body: Value) -> Result<Completion, HttpError> {
    parse_completion(&body, Duration::from_secs(1), PromptCache::Off)
}

fn with(fields: Value) -> Value {
    let mut body = json!({ "messages": [{ "role": "user", "content": "x" }], "tools": [{ "type": "function", "function": { "name": "get_weather" } }] });
    for (key, value) in fields.as_object().cloned().unwrap_or_default() {
        body[key] = value;
    }
    body
}

#[test]
fn messages_map_to_bedrock_blocks() {
    let completion = parse(json!({
        "model": "bedrock/x", "stream": true, "stream_options": {"include_usage": true},
        "max_tokens": 10, "max_completion_tokens": 20, "temperature": 0.5, "top_p": 0.9, "stop": "END",
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
            {"role": "user", "content": "thanks"}
        ]
    }))
    .expect("valid");
    assert!(completion.stream && completion.include_usage);
    assert_eq!(completion.beyond_contract, None, "nothing beyond contract 0.1.0");
    let request = completion.request;
    assert_eq!((request.max_tokens, request.stop_sequences.as_slice()), (Some(20), &["END".to_string()][..]));
    assert_eq!(request.system, vec!["be brief".to_string()]);
    assert_eq!(request.messages.len(), 3, "tool result and the next user text merge: {:?}", request.messages);
    assert_eq!(request.messages[0].content[1], ContentBlock::Image { format: "png".into(), bytes: vec![0x89, b'P', b'N', b'G', 13, 10, 26, 10] });
    assert!(matches!(&request.messages[1].content[0], ContentBlock::ToolUse { id, name, .. } if id == "c1" && name == "get_weather"));
    assert!(matches!(&request.messages[2].content[0], ContentBlock::ToolResult { id, content, .. } if id == "c1" && content == "sunny"));
    assert_eq!(request.tools[0].description, "get_weather");
}

#[test]
fn documents_cache_points_and_thinking_blocks_map_to_blocks() {
    let completion = parse(json!({
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "rules", "cache_control": {"type": "ephemeral"}}]},
            {"role": "user", "content": [
                {"type": "text", "text": "read"},
                {"type": "file", "file": {"file_data": "data:text/plain;base64,aGVsbG8=", "filename": "my notes.txt"}, "cache_control": {"type": "ephemeral"}}
            ]},
            {"role": "assistant", "content": "ok", "reasoning_content": "hm", "thinking_blocks": [{"type": "thinking", "thinking": "hm", "signature": "s1"}, {"type": "redacted_thinking", "data": "AAE="}]},
            {"role": "user", "content": "go"}
        ],
        "tools": [{"type": "function", "function": {"name": "f"}, "cache_control": {"type": "ephemeral"}}]
    }))
    .expect("valid");
    assert_eq!((completion.options.system_cache_points.clone(), completion.options.tools_cache_point), (vec![0], true));
    let messages = &completion.request.messages;
    assert_eq!(
        messages[0].content[1],
        ContentBlock::Document { format: "txt".into(), name: "my notes".into(), source: DocumentSource::Bytes(b"hello".to_vec()) }
    );
    assert_eq!(messages[0].content[2], ContentBlock::CachePoint);
    assert_eq!(messages[1].content[0], ContentBlock::Reasoning { text: "hm".into(), signature: Some("s1".into()) });
    assert_eq!(messages[1].content[1], ContentBlock::RedactedReasoning(vec![0, 1]));
    assert_eq!(messages[1].content[2], ContentBlock::Text("ok".into()));
    assert_eq!(completion.beyond_contract.as_deref(), Some("messages[0].content.cache_control"));
}

#[test]
fn options_fields_map_to_converse_options() {
    let schema = json!({ "type": "object", "properties": { "a": { "type": "string" } } });
    let cases: Vec<(Value, ConverseOptions)> = vec![
        (json!({ "tool_choice": "required" }), ConverseOptions { tool_choice: Some(ToolChoice::Any), ..Default::default() }),
        (
            json!({ "tool_choice": { "type": "function", "function": { "name": "get_weather" } } }),
            ConverseOptions { tool_choice: Some(ToolChoice::Tool("get_weather".into())), ..Default::default() },
        ),
        (json!({ "tool_choice": "auto", "parallel_tool_calls": true }), ConverseOptions::default()),
        // `with` lists a tool: one call per turn is asked of the model (or cut by the gateway).
        (json!({ "parallel_tool_calls": false }), ConverseOptions { single_tool_call: true, ..Default::default() }),
        (json!({ "response_format": { "type": "text" } }), ConverseOptions::default()),
        (
            json!({ "response_format": { "type": "json_object" } }),
            ConverseOptions {
                output_schema: Some(OutputSchema { name: "json_object".into(), description: None, schema: "{\"type\":\"object\"}".into() }),
                ..Default::default()
            },
        ),
        (
            json!({ "response_format": { "type": "json_schema", "json_schema": { "name": "answer", "description": "d", "schema": schema, "strict": true } } }),
            ConverseOptions {
                output_schema: Some(OutputSchema { name: "answer".into(), description: Some("d".into()), schema: schema.to_string() }),
                ..Default::default()
            },
        ),
        (
            json!({ "reasoning_effort": "low" }),
            ConverseOptions { reasoning: Some(ReasoningRequest { effort: Some(ReasoningEffort::Low), budget_tokens: None }), ..Default::default() },
        ),
        (json!({ "reasoning_effort": "none" }), ConverseOptions::default()),
        (
            json!({ "thinking": { "type": "enabled", "budget_tokens": 2000 } }),
            ConverseOptions { reasoning: Some(ReasoningRequest { effort: None, budget_tokens: Some(2000) }), ..Default::default() },
        ),
        (json!({ "thinking": { "type": "disabled" } }), ConverseOptions::default()),
        (
            json!({ "metadata": { "team": "search" }, "user": "u-1@example.com" }),
            ConverseOptions { request_metadata: vec![("team".into(), "search".into()), ("user".into(), "u-1@example.com".into())], ..Default::default() },
        ),
        (
            json!({ "seed": null, "logprobs": false, "top_logprobs": 0, "frequency_penalty": 0, "presence_penalty": 0.0, "logit_bias": {}, "modalities": ["text"], "service_tier": "auto", "store": false, "prompt_cache_key": "k", "prompt_cache_retention": "in_memory", "n": 1, "stream_options": { "include_obfuscation": false } }),
            ConverseOptions::default(),
        ),
    ];
    for (fields, expected) in cases {
        let completion = parse(with(fields.clone())).unwrap_or_else(|e| panic!("{fields}: {e}"));
        assert_eq!(completion.options, expected, "{fields}");
    }
    let none = parse(with(json!({ "tool_choice": "none" }))).expect("valid");
    assert!(none.request.tools.is_empty(), "tool_choice none sends no tools");
}

#[test]
fn automatic_cache_points_fill_what_the_client_left() {
    let body = json!({ "messages": [{ "role": "system", "content": "a" }, { "role": "system", "content": "b" }, { "role": "user", "content": "x" }], "tools": [{ "type": "function", "function": { "name": "f" } }] });
    let auto = parse_completion(&body, Duration::from_secs(1), PromptCache::Auto).expect("valid");
    assert_eq!((auto.options.system_cache_points.clone(), auto.options.tools_cache_point, auto.beyond_contract.clone()), (vec![1], true, None));
    let off = parse(body).expect("valid");
    assert_eq!((off.options.system_cache_points.len(), off.options.tools_cache_point), (0, false));
}

#[test]
fn bad_fields_name_themselves() {
    let user = |content: Value| json!({ "messages": [{ "role": "user", "content": content }] });
    let file = |data: &str| user(json!([{ "type": "file", "file": { "file_data": data, "filename": "a.pdf" } }]));
    let cases = [
        (json!([]), ""),
        (json!({"messages": []}), "messages"),
        (json!({"messages": [{"role": "wizard", "content": "x"}]}), "messages[0].role"),
        (user(json!(5)), "messages[0].content"),
        (with(json!({ "max_tokens": 0 })), "max_tokens"),
        (with(json!({ "max_completion_tokens": "many" })), "max_completion_tokens"),
        (with(json!({ "temperature": "hot" })), "temperature"),
        (with(json!({ "top_p": 2 })), "top_p"),
        (with(json!({ "stop": [1] })), "stop"),
        (with(json!({ "n": 2 })), "n"),
        (with(json!({ "stream": "yes" })), "stream"),
        (with(json!({ "stream_options": { "include_usage": 1 } })), "stream_options.include_usage"),
        (with(json!({ "stream_options": { "include_obfuscation": "no" } })), "stream_options.include_obfuscation"),
        (with(json!({ "stream_options": { "chunk_size": 1 } })), "stream_options.chunk_size"),
        (with(json!({ "tool_choice": "sometimes" })), "tool_choice"),
        (with(json!({ "tool_choice": 3 })), "tool_choice"),
        (with(json!({ "tool_choice": { "type": "allowed_tools" } })), "tool_choice.type"),
        (with(json!({ "tool_choice": { "type": "function", "function": { "name": "nope" } } })), "tool_choice.function.name"),
        (with(json!({ "tool_choice": { "type": "function", "function": {} } })), "tool_choice.function.name"),
        (
            user(json!("x"))
                .as_object()
                .cloned()
                .map(|mut o| {
                    o.insert("tool_choice".into(), json!("required"));
                    Value::Object(o)
                })
                .unwrap_or_default(),
            "tool_choice",
        ),
        (with(json!({ "parallel_tool_calls": "no" })), "parallel_tool_calls"),
        (with(json!({ "response_format": "json" })), "response_format"),
        (with(json!({ "response_format": { "type": "xml" } })), "response_format.type"),
        (with(json!({ "response_format": { "type": "json_schema" } })), "response_format.json_schema"),
        (with(json!({ "response_format": { "type": "json_schema", "json_schema": { "name": "bad name" } } })), "response_format.json_schema.name"),
        (with(json!({ "response_format": { "type": "json_schema", "json_schema": { "name": "a", "schema": [] } } })), "response_format.json_schema.schema"),
        (with(json!({ "response_format": { "type": "json_schema", "json_schema": { "name": "a", "strict": "yes" } } })), "response_format.json_schema.strict"),
        (
            with(json!({ "response_format": { "type": "json_schema", "json_schema": { "name": "a", "description": 1 } } })),
            "response_format.json_schema.description",
        ),
        (with(json!({ "reasoning_effort": "extreme" })), "reasoning_effort"),
        (with(json!({ "reasoning_effort": 3 })), "reasoning_effort"),
        (with(json!({ "thinking": true })), "thinking"),
        (with(json!({ "thinking": { "type": "maybe" } })), "thinking.type"),
        (with(json!({ "thinking": { "type": "enabled", "budget_tokens": 100 } })), "thinking.budget_tokens"),
        (with(json!({ "thinking": { "type": "disabled" }, "reasoning_effort": "high" })), "thinking.type"),
        (with(json!({ "metadata": "tag" })), "metadata"),
        (with(json!({ "metadata": { "k": 1 } })), "metadata"),
        (with(json!({ "metadata": { "k": "semi;colon" } })), "metadata"),
        (with(json!({ "metadata": (0..17).map(|i| (format!("k{i}"), json!("v"))).collect::<serde_json::Map<_, _>>() })), "metadata"),
        (with(json!({ "user": 7 })), "user"),
        (with(json!({ "user": "a;b" })), "user"),
        (with(json!({ "safety_identifier": ["x"] })), "safety_identifier"),
        (with(json!({ "seed": 42 })), "seed"),
        (with(json!({ "logprobs": true })), "logprobs"),
        (with(json!({ "logprobs": "yes" })), "logprobs"),
        (with(json!({ "top_logprobs": 5 })), "top_logprobs"),
        (with(json!({ "top_logprobs": 50 })), "top_logprobs"),
        (with(json!({ "frequency_penalty": 0.5 })), "frequency_penalty"),
        (with(json!({ "presence_penalty": "x" })), "presence_penalty"),
        (with(json!({ "logit_bias": { "50256": -100 } })), "logit_bias"),
        (with(json!({ "logit_bias": [] })), "logit_bias"),
        (with(json!({ "modalities": ["text", "audio"] })), "modalities"),
        (with(json!({ "modalities": "text" })), "modalities"),
        (with(json!({ "audio": { "voice": "alloy", "format": "mp3" } })), "audio"),
        (with(json!({ "prediction": { "type": "content", "content": "x" } })), "prediction"),
        (with(json!({ "service_tier": "fast" })), "service_tier"),
        (with(json!({ "service_tier": 1 })), "service_tier"),
        (with(json!({ "store": true })), "store"),
        (with(json!({ "web_search_options": {} })), "web_search_options"),
        (with(json!({ "verbosity": "low" })), "verbosity"),
        (with(json!({ "functions": [] })), "functions"),
        (with(json!({ "function_call": "auto" })), "function_call"),
        (with(json!({ "prompt_cache_key": 5 })), "prompt_cache_key"),
        (with(json!({ "prompt_cache_retention": "24h" })), "prompt_cache_retention"),
        (with(json!({ "top_k": 5 })), "top_k"),
        (with(json!({ "tools": [{ "type": "function", "function": { "name": "f" }, "cache_control": { "type": "persistent" } }] })), "tools[0].cache_control"),
        (user(json!([{ "type": "text", "text": "x", "cache_control": { "type": "ephemeral", "ttl": "1h" } }])), "messages[0].content[0].cache_control.ttl"),
        (user(json!([{ "type": "input_audio", "input_audio": {} }])), "messages[0].content[0].type"),
        (user(json!([{ "type": "image_url", "image_url": { "url": "https://x/y.png" } }])), "messages[0].content[0].image_url"),
        (user(json!([{ "type": "image_url", "image_url": { "url": "data:image/png;base64,SGk_" } }])), "messages[0].content[0].image_url"),
        (user(json!([{ "type": "file", "file": { "file_id": "file-abc" } }])), "messages[0].content[0].file.file_id"),
        (user(json!([{ "type": "file", "file": {} }])), "messages[0].content[0].file.file_data"),
        (user(json!([{ "type": "file", "file": { "file_data": "data:text/plain;base64,aGk=", "filename": 3 } }])), "messages[0].content[0].file.filename"),
        (file("https://x/a.pdf"), "messages[0].content[0].file.file_data"),
        (file("data:application/zip;base64,AAAA"), "messages[0].content[0].file.file_data"),
        (file("data:application/pdf,plain"), "messages[0].content[0].file.file_data"),
        (file("data:application/pdf;base64,@@@"), "messages[0].content[0].file.file_data"),
        (
            json!({ "messages": [{ "role": "user", "content": "x" }, { "role": "assistant", "content": "y", "thinking_blocks": [{ "type": "thinking", "thinking": "t" }] }] }),
            "messages[1].thinking_blocks[0]",
        ),
        (
            json!({ "messages": [{ "role": "user", "content": "x" }, { "role": "assistant", "content": "y", "thinking_blocks": {} }] }),
            "messages[1].thinking_blocks",
        ),
        (
            json!({ "messages": [{ "role": "user", "content": "x" }, { "role": "assistant", "content": "y", "thinking_blocks": [{ "type": "redacted_thinking" }] }] }),
            "messages[1].thinking_blocks[0].data",
        ),
        (
            json!({ "messages": [{ "role": "user", "content": "x" }, { "role": "assistant", "content": "y", "thinking_blocks": [{ "type": "secret" }] }] }),
            "messages[1].thinking_blocks[0].type",
        ),
        (
            user(json!([
                { "type": "text", "text": "1", "cache_control": { "type": "ephemeral" } }, { "type": "text", "text": "2", "cache_control": { "type": "ephemeral" } },
                { "type": "text", "text": "3", "cache_control": { "type": "ephemeral" } }, { "type": "text", "text": "4", "cache_control": { "type": "ephemeral" } },
                { "type": "text", "text": "5", "cache_control": { "type": "ephemeral" } }
            ])),
            "cache_control",
        ),
        (with(json!({ "tools": [{ "type": "function", "function": {} }] })), "tools[0].function.name"),
        (with(json!({ "tools": [{ "type": "function", "function": { "name": "mcp.server/tool" } }] })), "tools[0].function.name"),
        (with(json!({ "tools": [{ "type": "function", "function": { "name": "x".repeat(65) } }] })), "tools[0].function.name"),
    ];
    for (body, param) in cases {
        let error = parse(body.clone()).expect_err(&body.to_string());
        assert_eq!((error.status, error.param.as_deref().unwrap_or("")), (400, param), "{body}: {}", error.message);
    }
}
