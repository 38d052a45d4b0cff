//! What the frameworks send by default, answered instead of refused (issue 29): one tool call
//! per turn (`parallel_tool_calls: false`: Claude told, other models cut by the gateway, on
//! Chat Completions and Responses), `max_tokens` above the routed model's maximum clamped on
//! every API and path, Anthropic's tool hints accepted on the Converse path, and Bedrock's own
//! paths answered Bedrock-shaped, as boto3 reads them.

mod gateway_common;

use gateway_common::{TestGateway, runtime_calls};
use serde_json::{Value, json};

/// Claude, whose Bedrock maximum output is 64,000 tokens.
const CLAUDE: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
/// A model that is not Claude.
const MISTRAL: &str = "mistral.mistral-large-2407-v1:0";

fn openai_tools() -> Value {
    json!([{ "type": "function", "function": { "name": "get_weather", "parameters": { "type": "object", "properties": { "query": { "type": "string" } } } } }])
}

/// The last runtime call's operation and body.
fn last_call(gateway: &TestGateway) -> (String, Value) {
    runtime_calls(&gateway.emulator).pop().expect("a runtime call")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_tool_call_is_asked_of_claude_and_cut_for_the_others() {
    let gateway = TestGateway::start().await;
    // The emulator's models make one call per `call <tool>` of the prompt: two here.
    let two = "call get_weather in Rome and call get_weather in Paris";
    let ask = json!([{ "role": "user", "content": two }]);
    let told = json!({ "tool_choice": { "type": "auto", "disable_parallel_tool_use": true } });
    let responses_tools = json!([{ "type": "function", "name": "get_weather", "parameters": {} }]);
    let anthropic_tools = json!([{ "name": "get_weather", "input_schema": { "type": "object", "properties": { "query": { "type": "string" } } } }]);
    // (path, body, Claude's tool_choice in additionalModelRequestFields, the gateway's header, calls answered)
    let cases = [
        (
            "/v1/chat/completions",
            json!({ "model": CLAUDE, "messages": ask, "tools": openai_tools(), "parallel_tool_calls": false }),
            Some(told.clone()),
            None,
            1,
        ),
        ("/v1/chat/completions", json!({ "model": CLAUDE, "messages": ask, "tools": openai_tools() }), None, None, 2),
        (
            "/v1/chat/completions",
            json!({ "model": MISTRAL, "messages": ask, "tools": openai_tools(), "parallel_tool_calls": false }),
            None,
            Some("first-call-only"),
            1,
        ),
        ("/v1/chat/completions", json!({ "model": MISTRAL, "messages": ask, "tools": openai_tools(), "parallel_tool_calls": true }), None, None, 2),
        (
            "/v1/chat/completions",
            json!({ "model": MISTRAL, "messages": ask, "tools": openai_tools(), "parallel_tool_calls": false, "stream": true }),
            None,
            Some("first-call-only"),
            1,
        ),
        ("/v1/chat/completions", json!({ "model": MISTRAL, "messages": ask, "tools": openai_tools(), "stream": true }), None, None, 2),
        ("/v1/responses", json!({ "model": CLAUDE, "input": two, "tools": responses_tools, "parallel_tool_calls": false }), Some(told.clone()), None, 1),
        ("/v1/responses", json!({ "model": MISTRAL, "input": two, "tools": responses_tools, "parallel_tool_calls": false }), None, Some("first-call-only"), 1),
        (
            "/v1/responses",
            json!({ "model": MISTRAL, "input": two, "tools": responses_tools, "parallel_tool_calls": false, "stream": true }),
            None,
            Some("first-call-only"),
            1,
        ),
        ("/v1/responses", json!({ "model": MISTRAL, "input": two, "tools": responses_tools }), None, None, 2),
        (
            "/v1/messages",
            json!({ "model": MISTRAL, "max_tokens": 100, "messages": ask, "tool_choice": { "type": "auto", "disable_parallel_tool_use": true }, "tools": anthropic_tools }),
            None,
            Some("first-call-only"),
            1,
        ),
        ("/v1/messages", json!({ "model": MISTRAL, "max_tokens": 100, "messages": ask, "tools": anthropic_tools }), None, None, 2),
    ];
    for (path, body, additional, header, calls) in cases {
        let response = gateway.post(path, &body).await;
        assert_eq!(response.status, 200, "{path} {body}: {}", response.body);
        // The distinct call ids the answer holds (a stream names each in several events).
        let ids: std::collections::BTreeSet<&str> = response.body.split("tooluse_").skip(1).map(|rest| &rest[..rest.len().min(22)]).collect();
        let answered = ids.len();
        assert_eq!(answered, calls, "{path} {body}: {}", response.body);
        assert_eq!(response.header("openclaw-parallel-tool-calls"), header, "{path} {body}");
        let (_, sent) = last_call(&gateway);
        assert_eq!(sent.get("additionalModelRequestFields"), additional.as_ref(), "{path} {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_tokens_above_the_models_maximum_is_clamped_on_every_api() {
    let gateway = TestGateway::start().await;
    let ask = json!([{ "role": "user", "content": "hello" }]);
    // (path, body, the header, what Bedrock received: Converse's maxTokens or Claude's max_tokens)
    let cases = [
        ("/v1/chat/completions", json!({ "model": CLAUDE, "messages": ask, "max_tokens": 128_000 }), Some("128000->64000"), 64_000),
        ("/v1/chat/completions", json!({ "model": CLAUDE, "messages": ask, "max_completion_tokens": 100_000 }), Some("100000->64000"), 64_000),
        ("/v1/chat/completions", json!({ "model": CLAUDE, "messages": ask, "max_tokens": 1000 }), None, 1000),
        ("/v1/chat/completions", json!({ "model": CLAUDE, "messages": ask, "max_tokens": 128_000, "stream": true }), Some("128000->64000"), 64_000),
        ("/v1/responses", json!({ "model": CLAUDE, "input": "hello", "max_output_tokens": 128_000 }), Some("128000->64000"), 64_000),
        ("/v1/responses", json!({ "model": CLAUDE, "input": "hello", "max_output_tokens": 64_000 }), None, 64_000),
        // Claude natively (InvokeModel) and another model through Converse.
        ("/v1/messages", json!({ "model": "claude-sonnet-4-6", "messages": ask, "max_tokens": 128_000 }), Some("128000->64000"), 64_000),
        ("/v1/messages", json!({ "model": "claude-sonnet-4-6", "messages": ask, "max_tokens": 128_000, "stream": true }), Some("128000->64000"), 64_000),
        ("/v1/messages", json!({ "model": CLAUDE, "messages": ask, "max_tokens": 4096 }), None, 4096),
    ];
    for (path, body, header, received) in cases {
        let response = gateway.post(path, &body).await;
        assert_eq!(response.status, 200, "{path} {body}: {}", response.body);
        assert_eq!(response.header("openclaw-max-tokens-clamped"), header, "{path} {body}");
        let (_, sent) = last_call(&gateway);
        let max = sent.pointer("/inferenceConfig/maxTokens").or_else(|| sent.get("max_tokens")).and_then(Value::as_u64);
        assert_eq!(max, Some(received), "{path} {body}: {sent}");
    }
    // Another model through Converse: clamped to its own maximum, which the header names.
    let body = json!({ "model": MISTRAL, "messages": ask, "max_tokens": 1_000_000 });
    let response = gateway.post("/v1/messages", &body).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let header = response.header("openclaw-max-tokens-clamped").expect("clamped").to_string();
    let limit: u64 = header.strip_prefix("1000000->").and_then(|limit| limit.parse().ok()).expect("the limit");
    assert_eq!(last_call(&gateway).1.pointer("/inferenceConfig/maxTokens").and_then(Value::as_u64), Some(limit));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_tool_hints_are_accepted_on_the_converse_path() {
    let gateway = TestGateway::start().await;
    let tool = |extra: Value| {
        let mut tool = json!({ "name": "get_weather", "input_schema": { "type": "object", "properties": { "query": { "type": "string" } } } });
        tool.as_object_mut().expect("object").extend(extra.as_object().cloned().unwrap_or_default());
        tool
    };
    // (the tool's extra fields, the 400's field or none)
    let cases = [
        (
            json!({ "eager_input_streaming": true, "strict": true, "defer_loading": false, "input_examples": [{ "query": "Rome" }], "allowed_callers": ["direct"] }),
            None,
        ),
        (json!({ "eager_input_streaming": null }), None),
        (json!({ "eager_input_streaming": "yes" }), Some("tools.0.eager_input_streaming")),
        (json!({ "input_examples": ["Rome"] }), Some("tools.0.input_examples")),
        (json!({ "allowed_callers": ["code_execution_20250825"] }), Some("tools.0.allowed_callers")),
        (json!({ "made_up": 1 }), Some("tools.0.made_up")),
    ];
    for (extra, refused) in cases {
        let body = json!({ "model": MISTRAL, "max_tokens": 100, "tools": [tool(extra.clone())], "messages": [{ "role": "user", "content": "call get_weather in Rome" }] });
        let response = gateway.post("/v1/messages", &body).await;
        match refused {
            None => {
                assert_eq!(response.status, 200, "{extra}: {}", response.body);
                assert_eq!(response.json()["content"][0]["name"], "get_weather", "{extra}");
            }
            Some(field) => {
                assert_eq!(response.status, 400, "{extra}: {}", response.body);
                let message = response.json()["error"]["message"].as_str().unwrap_or_default().to_string();
                assert!(message.starts_with(field), "{extra}: {message}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_structured_outputs_betas_output_format_is_honoured_on_both_paths() {
    let gateway = TestGateway::start().await;
    let schema = json!({ "type": "object", "properties": { "city": { "type": "string", "enum": ["Rome"] } }, "required": ["city"] });
    let format = json!({ "type": "json_schema", "schema": schema });
    // (model, the operation, where Bedrock received the schema)
    let cases =
        [("claude-sonnet-4-6", "InvokeModel", "/output_config/format/schema"), (MISTRAL, "Converse", "/outputConfig/textFormat/structure/jsonSchema/schema")];
    for (model, operation, pointer) in cases {
        let body = json!({ "model": model, "max_tokens": 100, "output_format": format, "messages": [{ "role": "user", "content": "name a city" }] });
        let response = gateway.post("/v1/messages", &body).await;
        assert_eq!(response.status, 200, "{model}: {}", response.body);
        assert_eq!(response.json()["content"][0]["text"], json!({ "city": "Rome" }).to_string(), "{model}");
        let (called, sent) = last_call(&gateway);
        assert_eq!(called, operation, "{model}");
        let received = sent.pointer(pointer).cloned().unwrap_or(Value::Null);
        let received = received.as_str().and_then(|text| serde_json::from_str(text).ok()).unwrap_or(received);
        assert_eq!(received, schema, "{model}: {sent}");
        assert!(sent.get("output_format").is_none(), "{model}: {sent}");
    }
}

const BOTO3_CLIENT: &str = r#"
import json, sys
import boto3, botocore.config
from botocore.exceptions import ClientError
endpoint = sys.argv[1]
client = boto3.client("bedrock-runtime", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
                      aws_secret_access_key="secret", config=botocore.config.Config(retries={"max_attempts": 1}))
out = {}
try:
    client.converse(modelId="amazon.nova-pro-v1:0", messages=[{"role": "user", "content": [{"text": "hi"}]}])
    out["converse"] = None
except ClientError as error:
    out["converse"] = [error.response["ResponseMetadata"]["HTTPStatusCode"], error.response["Error"]["Code"], error.response["Error"]["Message"], str(error)]
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bedrock_paths_are_answered_bedrock_shaped_as_boto3_reads_them() {
    let gateway = TestGateway::start().await;
    // (method, path, status, x-amzn-ErrorType)
    let cases = [
        ("POST", "/model/amazon.nova-pro-v1:0/converse", 404, "UnknownOperationException"),
        ("GET", "/model/amazon.nova-pro-v1:0/converse-stream", 404, "UnknownOperationException"),
        ("POST", "/model/x/invoke", 404, "UnknownOperationException"),
    ];
    for (method, path, status, kind) in cases {
        let response = gateway_common::send(gateway.addr, method, path, &[], Vec::new()).await;
        assert_eq!((response.status, response.header("x-amzn-errortype")), (status, Some(kind)), "{method} {path}");
        assert_eq!(response.json(), json!({ "message": format!("no route for {path}") }), "{method} {path}");
    }
    let Some(python) = openclaw_test_support::python_with("bedrock_paths_are_answered_bedrock_shaped_as_boto3_reads_them", &["boto3"]) else { return };
    let endpoint = format!("http://{}", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", BOTO3_CLIENT, &endpoint]).await;
    let path = "/model/amazon.nova-pro-v1%3A0/converse";
    assert_eq!(
        out["converse"],
        json!([
            404,
            "UnknownOperationException",
            format!("no route for {path}"),
            format!("An error occurred (UnknownOperationException) when calling the Converse operation: no route for {path}")
        ]),
        "{out}"
    );
}
