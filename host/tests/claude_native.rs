//! Claude natively (issue 24): `/v1/messages` for a Claude model is the client's own body
//! through InvokeModel / InvokeModelWithResponseStream, relayed back; the other models keep the
//! Converse translation. What reaches the emulator is read from its request log.

mod gateway_common;

use gateway_common::{Response, TestGateway, runtime_calls, send};
use serde_json::{Value, json};

/// A geography profile of Claude Sonnet 4.6.
const SONNET: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
/// A Claude 3 model, on demand (its generation takes fewer betas).
const HAIKU_3: &str = "anthropic.claude-3-haiku-20240307-v1:0";
/// A model that is not Claude.
const NOVA: &str = "amazon.nova-pro-v1:0";

fn body(model: &str, patch: Value) -> Value {
    let mut body = json!({ "model": model, "max_tokens": 100, "messages": [{ "role": "user", "content": "hello there" }] });
    for (key, value) in patch.as_object().cloned().unwrap_or_default() {
        body[key] = value;
    }
    body
}

async fn messages(gateway: &TestGateway, headers: &[(&str, &str)], body: Vec<u8>) -> Response {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    send(gateway.addr, "POST", "/v1/messages", &all, body).await
}

/// The runtime calls since `before`: operation and body.
fn calls_since(gateway: &TestGateway, before: usize) -> Vec<(String, Value)> {
    runtime_calls(&gateway.emulator).into_iter().skip(before).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_takes_the_clients_body_and_other_models_the_translation() {
    let gateway = TestGateway::start().await;
    let beta_header = "claude-code-20250219,context-management-2025-06-27";
    // (model, stream, body patch, operation called, status, dropped header)
    let cases = [
        (
            SONNET,
            false,
            json!({ "context_management": { "edits": [{ "type": "clear_tool_uses_20250919" }] } }),
            "InvokeModel",
            200,
            Some("beta:claude-code-20250219"),
        ),
        (SONNET, true, json!({ "context_management": { "edits": [] } }), "InvokeModelWithResponseStream", 200, Some("beta:claude-code-20250219")),
        (NOVA, false, json!({}), "Converse", 200, None),
        (NOVA, true, json!({}), "ConverseStream", 200, None),
    ];
    for (model, stream, patch, operation, status, dropped) in cases {
        let before = runtime_calls(&gateway.emulator).len();
        let mut request = body(model, patch.clone());
        request["stream"] = json!(stream);
        let headers: &[(&str, &str)] = if model == SONNET { &[("anthropic-beta", beta_header)] } else { &[] };
        let response = messages(&gateway, headers, request.to_string().into_bytes()).await;
        assert_eq!(response.status, status, "{model} {stream}: {}", response.body);
        assert_eq!(response.header("openclaw-dropped"), dropped, "{model} {stream}");
        let calls = calls_since(&gateway, before);
        assert_eq!(calls.iter().map(|(op, _)| op.as_str()).collect::<Vec<_>>(), [operation], "{model} {stream}");
        if operation.starts_with("InvokeModel") {
            let sent = &calls[0].1;
            assert_eq!(sent["anthropic_version"], "bedrock-2023-05-31");
            assert_eq!(sent["anthropic_beta"], json!(["context-management-2025-06-27"]));
            assert_eq!(sent["context_management"], patch["context_management"], "passed unchanged");
            assert_eq!((sent.get("model"), sent.get("stream")), (None, None), "{sent}");
        }
        if stream {
            let names: Vec<&str> = response.body.split("\n\n").filter_map(|frame| frame.strip_prefix("event: ")?.split('\n').next()).collect();
            assert_eq!(names.first(), Some(&"message_start"), "{}", response.body);
            assert_eq!(names.last(), Some(&"message_stop"), "{}", response.body);
            assert!(!response.body.contains("amazon-bedrock-invocationMetrics"), "{}", response.body);
            let first_data = response.body.split("\n").find_map(|line| line.strip_prefix("data: ")).expect("a data line");
            let start: Value = serde_json::from_str(first_data).expect("json");
            assert_eq!(start["message"]["model"], model, "the client's name");
        } else {
            let message = response.json();
            assert_eq!((message["model"].as_str(), message["content"][0]["text"].as_str()), (Some(model), Some("Echo: hello there")), "{message}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bedrock_judges_what_passes_and_its_refusal_reaches_the_client_verbatim() {
    let gateway = TestGateway::start().await;
    // (model, body patch, the 400's message)
    let cases = [
        (SONNET, json!({ "future_field": { "x": 1 } }), "future_field: Extra inputs are not permitted"),
        (HAIKU_3, json!({ "anthropic_beta": ["effort-2025-11-24"] }), "invalid beta flag"),
        (SONNET, json!({ "context_management": { "edits": [] } }), "context_management: Extra inputs are not permitted"),
    ];
    for (model, patch, message) in cases {
        let before = runtime_calls(&gateway.emulator).len();
        let response = messages(&gateway, &[], body(model, patch.clone()).to_string().into_bytes()).await;
        assert_eq!(response.status, 400, "{patch}: {}", response.body);
        assert_eq!(response.json(), json!({ "type": "error", "error": { "type": "invalid_request_error", "message": message } }), "{patch}");
        let calls = calls_since(&gateway, before);
        let sent = &calls.last().expect("Bedrock was asked").1;
        for (key, value) in patch.as_object().cloned().unwrap_or_default() {
            assert_eq!(sent[&key], value, "{key} reached Bedrock as sent");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_one_clear_error_and_no_upstream_call() {
    let gateway = TestGateway::start().await;
    let many_betas: Vec<String> = (0..10_000).map(|i| format!("beta-{i}")).collect();
    let header_betas = many_betas[..100].join(",");
    // (body, headers, the message's start)
    type Case<'a> = (Vec<u8>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 6] = [
        (b"{not json".to_vec(), vec![], ""),
        (body(SONNET, json!({ "anthropic_beta": many_betas })).to_string().into_bytes(), vec![], "anthropic_beta: at most 64 betas"),
        (body(SONNET, json!({})).to_string().into_bytes(), vec![("anthropic-beta", header_betas.as_str())], "anthropic-beta: at most 64 betas"),
        (body("..%2F..%2Fmodel%2Fx", json!({})).to_string().into_bytes(), vec![], "model: `..%2F..%2Fmodel%2Fx` is not a model name"),
        (body("../../model/anthropic.claude-3-haiku-20240307-v1:0", json!({})).to_string().into_bytes(), vec![], "model: `../../model/"),
        (body("us.anthropic.claude-sonnet-4-6-20251001-v1:0/invoke?x=1", json!({})).to_string().into_bytes(), vec![], "model: `us.anthropic"),
    ];
    for (request, headers, start) in cases {
        let response = messages(&gateway, &headers, request).await;
        assert_eq!(response.status, 400, "{start}: {}", response.body);
        let error = response.json();
        assert_eq!(error["error"]["type"], "invalid_request_error", "{error}");
        assert!(error["error"]["message"].as_str().is_some_and(|m| m.starts_with(start) && !m.contains('\n')), "{start}: {error}");
    }
    assert!(runtime_calls(&gateway.emulator).is_empty(), "no upstream call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_tokens_counts_claudes_own_body_on_its_foundation_model() {
    let gateway = TestGateway::start().await;
    let application_profile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9x2pq7v4z";
    let prompt = json!({ "system": "be brief", "messages": [{ "role": "user", "content": "count these four words" }] });
    // (model, status, counted on)
    let cases = [
        (HAIKU_3, 200, Some("anthropic.claude-3-haiku-20240307-v1:0")),
        ("global.anthropic.claude-haiku-4-5-20251001-v1:0", 200, Some("anthropic.claude-haiku-4-5-20251001-v1:0")),
        (application_profile, 200, Some("anthropic.claude-sonnet-4-5-20250929-v1:0")),
        (NOVA, 501, None),
    ];
    for (model, status, counted_on) in cases {
        let mut request = prompt.clone();
        request["model"] = json!(model);
        let before = gateway.emulator.request_log().len();
        let response = gateway.post("/v1/messages/count_tokens", &request).await;
        assert_eq!(response.status, status, "{model}: {}", response.body);
        let counts: Vec<_> = gateway.emulator.request_log().into_iter().skip(before).filter(|entry| entry.operation == "CountTokens").collect();
        let Some(counted_on) = counted_on else {
            assert_eq!(response.json()["error"]["type"], "not_supported", "{}", response.body);
            assert_eq!(response.header("x-should-retry"), Some("false"));
            continue;
        };
        assert_eq!(response.json(), json!({ "input_tokens": 6 }), "{model}");
        assert_eq!(counts.last().and_then(|entry| entry.model_id.as_deref()), Some(counted_on), "{model}");
        let input = counts.last().map(|entry| entry.body_json()).unwrap_or_default();
        let encoded = input["input"]["invokeModel"]["body"].as_str().expect("an invokeModel input");
        use base64::Engine as _;
        let sent: Value = serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64")).expect("json");
        assert_eq!((sent["max_tokens"].as_u64(), sent["anthropic_version"].as_str()), (Some(1), Some("bedrock-2023-05-31")), "{sent}");
    }
}

const PYTHON_CLIENT: &str = r#"
import json, sys
import anthropic
base_url, sonnet, haiku3, global_haiku, application_profile = sys.argv[1:6]
client = anthropic.Anthropic(base_url=base_url, api_key="unused", max_retries=0, timeout=30)
out = {}
ask = [{"role": "user", "content": "hello from python"}]
def failure(call):
    try:
        call()
    except anthropic.APIStatusError as error:
        return [type(error).__name__, error.status_code, error.body["error"]["message"]]
    return None
managed = {"edits": [{"type": "clear_tool_uses_20250919"}]}
whole = client.beta.messages.create(model=sonnet, max_tokens=50, betas=["context-management-2025-06-27"], context_management=managed, messages=ask)
out["context_management"] = [whole.model, whole.content[0].text, whole.stop_reason]
with client.beta.messages.stream(model=sonnet, max_tokens=50, betas=["context-management-2025-06-27"], context_management=managed, messages=ask) as stream:
    out["context_management_stream"] = ["".join(stream.text_stream), stream.get_final_message().model]
enabled = client.messages.create(model=sonnet, max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 1024}, messages=ask)
out["thinking_enabled"] = [block.type for block in enabled.content]
with client.messages.stream(model=sonnet, max_tokens=2048, thinking={"type": "adaptive"}, messages=ask) as stream:
    final = stream.get_final_message()
out["thinking_adaptive_stream"] = [[block.type for block in final.content], final.content[0].signature != ""]
system = [{"type": "text", "text": "a system prompt worth caching for an hour", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
first = client.messages.create(model=sonnet, max_tokens=50, system=system, messages=ask)
again = client.messages.create(model=sonnet, max_tokens=50, system=system, messages=ask)
out["cache_1h"] = [first.usage.cache_creation_input_tokens > 0, again.usage.cache_read_input_tokens > 0]
tools = [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
ask_tool = {"role": "user", "content": "call get_weather in Rome"}
called = client.messages.create(model=sonnet, max_tokens=50, tools=tools, messages=[ask_tool])
use = next(block for block in called.content if block.type == "tool_use")
result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "warm"}]}
answer = client.messages.create(model=sonnet, max_tokens=50, tools=tools, messages=[ask_tool, {"role": "assistant", "content": called.content}, result])
out["tool"] = [use.name, use.input, called.stop_reason, answer.content[0].text]
with client.messages.stream(model=sonnet, max_tokens=50, tools=tools, messages=[ask_tool]) as stream:
    streamed = next(block for block in stream.get_final_message().content if block.type == "tool_use")
out["tool_stream"] = [streamed.name, streamed.input]
out["future_field"] = failure(lambda: client.messages.create(model=sonnet, max_tokens=50, messages=ask, extra_body={"future_field": {"x": 1}}))
out["refused_beta"] = failure(lambda: client.beta.messages.create(model=haiku3, max_tokens=50, betas=["effort-2025-11-24"], messages=ask))
out["count"] = [client.messages.count_tokens(model=model, messages=ask).input_tokens for model in [haiku3, global_haiku, application_profile]]
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_anthropic_python_client_uses_claude_natively() {
    let Some(python) = openclaw_test_support::python_with("the_anthropic_python_client_uses_claude_natively", &["anthropic"]) else { return };
    let gateway = TestGateway::start().await;
    let base_url = format!("http://{}", gateway.addr);
    let application_profile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9x2pq7v4z";
    let args = ["-c", PYTHON_CLIENT, &base_url, SONNET, HAIKU_3, "global.anthropic.claude-haiku-4-5-20251001-v1:0", application_profile];
    let out = openclaw_test_support::python_json(&python, &args).await;
    let expected = json!({
        "context_management": [SONNET, "Echo: hello from python", "end_turn"],
        "context_management_stream": ["Echo: hello from python", SONNET],
        "thinking_enabled": ["thinking", "text"],
        "thinking_adaptive_stream": [["thinking", "text"], true],
        "cache_1h": [true, true],
        "tool": ["get_weather", { "query": "in Rome" }, "tool_use", "Echo: warm"],
        "tool_stream": ["get_weather", { "query": "in Rome" }],
        "future_field": ["BadRequestError", 400, "future_field: Extra inputs are not permitted"],
        "refused_beta": ["BadRequestError", 400, "invalid beta flag"],
        "count": [3, 3, 3],
    });
    assert_eq!(out, expected);
    let sent: Vec<Value> = runtime_calls(&gateway.emulator).into_iter().filter(|(op, _)| op.starts_with("InvokeModel")).map(|(_, body)| body).collect();
    assert!(sent.iter().any(|body| body["future_field"] == json!({ "x": 1 })), "the unknown field reached Bedrock verbatim");
    assert!(sent.iter().any(|body| body["system"][0]["cache_control"] == json!({ "type": "ephemeral", "ttl": "1h" })), "cache_control as sent");
    assert!(sent.iter().any(|body| body["thinking"] == json!({ "type": "adaptive" })), "adaptive thinking as sent");
}

const BEDROCK_CLIENTS: &str = r#"
import base64, json, sys
import anthropic, boto3
from botocore.config import Config
endpoint, key_id, secret, model, profile = sys.argv[1:6]
out = {}
client = anthropic.AnthropicBedrock(aws_access_key=key_id, aws_secret_key=secret, aws_region="us-east-1", base_url=endpoint, max_retries=0)
ask = [{"role": "user", "content": "hello bedrock"}]
whole = client.messages.create(model=model, max_tokens=50, messages=ask)
out["whole"] = [whole.type, whole.content[0].text, whole.stop_reason, whole.usage.input_tokens, whole.usage.output_tokens]
with client.messages.stream(model=model, max_tokens=50, messages=ask) as stream:
    out["stream"] = ["".join(stream.text_stream), stream.get_final_message().usage.output_tokens]
try:
    client.beta.messages.create(model=model, max_tokens=50, betas=["oauth-2025-04-20"], messages=ask)
    out["beta"] = None
except anthropic.BadRequestError as error:
    out["beta"] = error.body.get("message") if isinstance(error.body, dict) else str(error.body)
runtime = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
                       config=Config(retries={"max_attempts": 1}))
body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "messages": ask}
invoked = json.loads(runtime.invoke_model(modelId=model, body=json.dumps(body))["body"].read())
out["invoke"] = [invoked["type"], invoked["content"][0]["text"]]
events = [json.loads(event["chunk"]["bytes"]) for event in runtime.invoke_model_with_response_stream(modelId=model, body=json.dumps(body))["body"]]
out["invoke_stream"] = [[event["type"] for event in events][0], events[-1]["type"], "amazon-bedrock-invocationMetrics" in events[-1]]
counted = runtime.count_tokens(modelId=model, input={"invokeModel": {"body": json.dumps(body).encode()}})
out["count"] = counted["inputTokens"]
try:
    runtime.count_tokens(modelId=profile, input={"invokeModel": {"body": json.dumps(body).encode()}})
    out["count_profile"] = None
except runtime.exceptions.ValidationException as error:
    out["count_profile"] = error.response["Error"]["Message"]
try:
    runtime.invoke_model(modelId=model, body=json.dumps({"max_tokens": 50, "messages": ask}))
    out["no_version"] = None
except runtime.exceptions.ValidationException as error:
    out["no_version"] = error.response["Error"]["Message"]
print(json.dumps(out))
"#;

/// The emulator's Claude is checked against the clients made for the real one: the Anthropic
/// SDK's `AnthropicBedrock` and boto3, pointed at it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bedrock_clients_read_the_emulators_claude() {
    let Some(python) = openclaw_test_support::python_with("the_bedrock_clients_read_the_emulators_claude", &["anthropic", "boto3"]) else { return };
    let emulator = bedrock_emulator::Emulator::builder().region("us-east-1").start().await.expect("emulator");
    let (key_id, secret) = (bedrock_emulator::DEFAULT_ACCESS_KEY_ID, bedrock_emulator::DEFAULT_SECRET_ACCESS_KEY);
    let args = ["-c", BEDROCK_CLIENTS, &emulator.endpoint(), key_id, secret, HAIKU_3, "us.anthropic.claude-3-haiku-20240307-v1:0"];
    let out = openclaw_test_support::python_json(&python, &args).await;
    let expected = json!({
        "whole": ["message", "Echo: hello bedrock", "end_turn", 2, 3],
        "stream": ["Echo: hello bedrock", 3],
        "beta": "invalid beta flag",
        "invoke": ["message", "Echo: hello bedrock"],
        "invoke_stream": ["message_start", "message_stop", true],
        "count": 2,
        "count_profile": "The provided model doesn't support counting tokens.",
        "no_version": "Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.",
    });
    assert_eq!(out, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_in_claudes_stream_is_an_anthropic_error_event() {
    let gateway = TestGateway::start().await;
    let exception = bedrock_emulator::Fault::ExceptionAfter { events: 3, exception_type: "throttlingException".into(), message: Some("slow down".into()) };
    gateway.emulator.faults().push(bedrock_emulator::FaultRule::new(exception).operation("InvokeModelWithResponseStream"));
    let mut request = body(SONNET, json!({ "stream": true }));
    request["messages"][0]["content"] = json!("one two three four");
    let response = messages(&gateway, &[], request.to_string().into_bytes()).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let frames: Vec<&str> = response.body.split("\n\n").filter(|frame| !frame.is_empty()).collect();
    let last = frames.last().expect("frames");
    let data: Value = serde_json::from_str(last.split_once("\ndata: ").expect("an event").1).expect("json");
    assert!(last.starts_with("event: error\n"), "{}", response.body);
    assert_eq!((data["type"].as_str(), data["error"]["type"].as_str()), (Some("error"), Some("rate_limit_error")), "{data}");
    assert!(data["error"]["message"].as_str().is_some_and(|m| m.contains("slow down")), "{data}");
    assert!(!response.body.contains("event: message_stop"), "{}", response.body);
}

/// Claude Code, unmodified, through `ANTHROPIC_BASE_URL` with its default betas (among them
/// `context-management-2025-06-27` with a `context_management` body, the field the Converse
/// translation refused): a plain turn and a turn that calls a tool and answers after its
/// result, each with its thinking (adaptive by default; any thinking block sent back is checked
/// against its signature by the emulator); then a turn with a fixed thinking budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_works_unmodified() {
    let Some(claude) = openclaw_test_support::claude_code::ClaudeCode::find("claude_code_works_unmodified") else { return };
    let gateway = TestGateway::start().await;
    let base_url = format!("http://{}", gateway.addr);
    let sonnet_4_5 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    // (model, prompt, environment, turns, the thinking Claude Code asks for)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], u64, &'a str);
    let cases: [Case; 3] = [
        (SONNET, "hello there", &[], 1, "adaptive"),
        (SONNET, "please call Bash now", &[], 2, "adaptive"),
        (sonnet_4_5, "think it over", &[("MAX_THINKING_TOKENS", "2048")], 1, "enabled"),
    ];
    for (model, prompt, env, turns, thinking) in cases {
        let before = runtime_calls(&gateway.emulator).len();
        let out = claude.print(&base_url, model, prompt, env).await;
        assert_eq!((out["is_error"].as_bool(), out["num_turns"].as_u64()), (Some(false), Some(turns)), "{prompt}: {out}");
        assert!(out["result"].as_str().is_some_and(|result| result.starts_with("Echo: ") && (turns > 1 || result.ends_with(prompt))), "{prompt}: {out}");
        let calls: Vec<Value> =
            calls_since(&gateway, before).into_iter().filter(|(op, _)| op == "InvokeModelWithResponseStream").map(|(_, body)| body).collect();
        // Claude Code may ask a side question of its small model too (a command's safety).
        assert!(calls.len() as u64 >= turns, "{prompt}: {} calls", calls.len());
        let first = &calls[0];
        assert!(first["context_management"].is_object(), "{first}");
        assert_eq!(first["thinking"]["type"], thinking, "{prompt}");
        let betas = first["anthropic_beta"].as_array().cloned().unwrap_or_default();
        assert!(betas.contains(&json!("context-management-2025-06-27")) && !betas.contains(&json!("claude-code-20250219")), "{betas:?}");
        if turns == 2 {
            let answered =
                calls.iter().rev().find(|call| call["messages"].as_array().and_then(|m| m.last()).is_some_and(|m| m["content"][0]["type"] == "tool_result"));
            let messages = answered.expect("a request carrying the tool's result")["messages"].as_array().cloned().unwrap_or_default();
            let assistant = &messages[messages.len() - 2]["content"];
            let kinds: Vec<&str> = assistant.as_array().map(|blocks| blocks.iter().filter_map(|b| b["type"].as_str()).collect()).unwrap_or_default();
            assert_eq!(kinds.last(), Some(&"tool_use"), "the call went back: {assistant}");
        }
    }
}
