//! Chat Completions fields through the gateway to the emulator: what each mapped field becomes
//! in the Converse request Bedrock receives, and each refusal as a 400 naming its `param` (the
//! whole per-field table of wrong types and values is the unit test in `gateway/openai/tests.rs`;
//! here every kind of refusal is seen over HTTP once).

mod gateway_common;

use gateway_common::{MODEL, Setup, TestGateway, runtime_calls};
use openclaw_test_support::TestGuest;
use serde_json::{Value, json};

/// An Anthropic model served by a US profile: tool choice, thinking and structured output.
const SONNET: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";

fn tools() -> Value {
    json!([
        { "type": "function", "function": { "name": "get_weather", "parameters": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] } } },
        { "type": "function", "function": { "name": "get_time", "parameters": { "type": "object" } } }
    ])
}

fn body(model: &str, prompt: &str, fields: Value) -> Value {
    let mut body = json!({ "model": model, "messages": [{ "role": "user", "content": prompt }] });
    for (key, value) in fields.as_object().cloned().unwrap_or_default() {
        body[key] = value;
    }
    body
}

/// The body of the last Converse call the emulator received.
fn last_converse(gateway: &TestGateway) -> Value {
    runtime_calls(&gateway.emulator).into_iter().rev().find(|(op, _)| op == "Converse").map(|(_, body)| body).expect("a Converse call")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapped_fields_reach_bedrock_as_the_table_says() {
    let gateway = TestGateway::start().await;
    let schema = json!({ "type": "object", "properties": { "ok": { "type": "boolean" } }, "required": ["ok"] });
    let pdf = "data:application/pdf;base64,JVBERi0xLjQK";
    // (fields, prompt, JSON pointer into the Converse body, expected value there, answer text or finish reason)
    let cases: Vec<(Value, &str, &str, Value, &str)> = vec![
        (json!({ "tools": tools(), "tool_choice": "required" }), "hello", "/toolConfig/toolChoice", json!({ "any": {} }), "tool_calls"),
        (
            json!({ "tools": tools(), "tool_choice": { "type": "function", "function": { "name": "get_time" } } }),
            "hello",
            "/toolConfig/toolChoice",
            json!({ "tool": { "name": "get_time" } }),
            "tool_calls",
        ),
        (json!({ "tools": tools(), "tool_choice": "auto" }), "hello", "/toolConfig/toolChoice", Value::Null, "Echo: hello"),
        (json!({ "tools": tools(), "tool_choice": "none" }), "call get_weather", "/toolConfig", Value::Null, "Echo: call get_weather"),
        (
            json!({ "response_format": { "type": "json_schema", "json_schema": { "name": "verdict", "schema": schema, "strict": true } } }),
            "judge",
            "/outputConfig/textFormat/structure/jsonSchema/schema",
            json!(schema.to_string()),
            "{\"ok\":false}",
        ),
        (
            json!({ "response_format": { "type": "json_object" } }),
            "json please",
            "/outputConfig/textFormat/structure/jsonSchema/schema",
            json!("{\"type\":\"object\"}"),
            "{}",
        ),
        (json!({ "metadata": { "team": "search" }, "user": "u-1" }), "tagged", "/requestMetadata", json!({ "team": "search", "user": "u-1" }), "Echo: tagged"),
        (
            json!({ "reasoning_effort": "low", "max_completion_tokens": 4096 }),
            "think",
            "/additionalModelRequestFields",
            // Claude Sonnet 4.6 takes an effort as adaptive thinking (aws/reasoning.rs).
            json!({ "thinking": { "type": "adaptive" }, "output_config": { "effort": "low" } }),
            "Echo: think",
        ),
        (
            json!({ "thinking": { "type": "enabled", "budget_tokens": 1500 }, "max_tokens": 3000 }),
            "think",
            "/additionalModelRequestFields/thinking/budget_tokens",
            json!(1500),
            "Echo: think",
        ),
        (json!({ "stop": ["STOP"], "temperature": 0.2 }), "say STOP now", "/inferenceConfig/stopSequences", json!(["STOP"]), "Echo: say"),
        (
            json!({ "messages": [{ "role": "user", "content": [{ "type": "text", "text": "read" }, { "type": "file", "file": { "file_data": pdf, "filename": "Q3 report.pdf" } }] }] }),
            "",
            "/messages/0/content/1/document/name",
            json!("Q3 report"),
            "Echo: read document Q3 report",
        ),
        (
            json!({ "messages": [{ "role": "user", "content": [
                { "type": "file", "file": { "file_data": pdf, "filename": "a.pdf" } }, { "type": "file", "file": { "file_data": pdf, "filename": "a.pdf" } }
            ] }] }),
            "",
            "/messages/0/content/1/document/name",
            json!("a (2)"),
            "Echo: document a document a (2)",
        ),
        (
            json!({ "messages": [{ "role": "system", "content": [{ "type": "text", "text": "rules", "cache_control": { "type": "ephemeral" } }] }, { "role": "user", "content": "cached" }] }),
            "",
            "/system/1",
            json!({ "cachePoint": { "type": "default" } }),
            "Echo: cached",
        ),
    ];
    for (fields, prompt, pointer, expected, answer) in cases {
        let response = gateway.post("/v1/chat/completions", &body(SONNET, prompt, fields.clone())).await;
        assert_eq!(response.status, 200, "{fields}: {}", response.body);
        let sent = last_converse(&gateway);
        assert_eq!(sent.pointer(pointer).cloned().unwrap_or(Value::Null), expected, "{fields}: {sent}");
        let json = response.json();
        let choice = &json["choices"][0];
        let got = if choice["finish_reason"] == "tool_calls" { "tool_calls".to_string() } else { response.text() };
        assert_eq!(got, answer, "{fields}: {json}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_openai_errors_naming_the_param() {
    let gateway = TestGateway::start().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (MODEL, json!({ "seed": 7 }), "seed"),
        (MODEL, json!({ "logprobs": true }), "logprobs"),
        (MODEL, json!({ "n": 3 }), "n"),
        (MODEL, json!({ "frequency_penalty": 1 }), "frequency_penalty"),
        (MODEL, json!({ "modalities": ["audio"] }), "modalities"),
        (MODEL, json!({ "store": true }), "store"),
        (MODEL, json!({ "top_k": 3 }), "top_k"),
        (MODEL, json!({ "tools": tools(), "parallel_tool_calls": "no" }), "parallel_tool_calls"),
        (MODEL, json!({ "tool_choice": "required" }), "tool_choice"),
        (MODEL, json!({ "response_format": { "type": "yaml" } }), "response_format.type"),
        (MODEL, json!({ "metadata": { "k": "semi;colon" } }), "metadata"),
        // Nova 1 has no reasoning control on Bedrock: the family table refuses before a call.
        (MODEL, json!({ "reasoning_effort": "high" }), "reasoning_effort"),
        (MODEL, json!({ "thinking": { "type": "enabled", "budget_tokens": 2048 } }), "thinking"),
        (SONNET, json!({ "thinking": { "type": "enabled", "budget_tokens": 4096 }, "max_tokens": 2048 }), "thinking"),
    ];
    let calls_before = runtime_calls(&gateway.emulator).len();
    for (model, fields, param) in cases {
        let response = gateway.post("/v1/chat/completions", &body(model, "hi", fields.clone())).await;
        assert_eq!(response.status, 400, "{fields}: {}", response.body);
        let error = &response.json()["error"];
        assert_eq!((error["type"].as_str(), error["param"].as_str()), (Some("invalid_request_error"), Some(param)), "{fields}: {error}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty() && !m.contains('\n')), "{error}");
    }
    assert_eq!(runtime_calls(&gateway.emulator).len(), calls_before, "no refused request reached Bedrock");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_policy_refuses_what_its_contract_cannot_carry() {
    let gateway = TestGateway::start_with(Setup { policy: TestGuest::AltPolicy.path(), ..Setup::default() }).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "tools": tools(), "tool_choice": "required" }), "tool_choice"),
        (json!({ "response_format": { "type": "json_object" } }), "response_format"),
        (json!({ "reasoning_effort": "low" }), "reasoning_effort"),
        (json!({ "user": "u-1" }), "metadata"),
        (
            json!({ "messages": [{ "role": "user", "content": [{ "type": "text", "text": "x", "cache_control": { "type": "ephemeral" } }] }] }),
            "messages[0].cache_control",
        ),
        (
            json!({ "messages": [{ "role": "user", "content": [{ "type": "file", "file": { "file_data": "data:text/plain;base64,aGk=" } }] }] }),
            "messages[0].file",
        ),
    ];
    for (fields, param) in cases {
        let response = gateway.post("/v1/chat/completions", &body(MODEL, "hi", fields.clone())).await;
        assert_eq!(response.status, 400, "{fields}: {}", response.body);
        let error = &response.json()["error"];
        assert_eq!(error["param"].as_str(), Some(param), "{fields}: {error}");
        assert!(error["message"].as_str().is_some_and(|m| m.contains("contract (0.1.0)")), "{error}");
    }
    // What the old contract carries still works, `tool_choice: none` included (no tools sent).
    let plain = gateway.post("/v1/chat/completions", &body(MODEL, "hi", json!({ "tools": tools(), "tool_choice": "none", "seed": null }))).await;
    assert_eq!(plain.status, 200, "{}", plain.body);
}
