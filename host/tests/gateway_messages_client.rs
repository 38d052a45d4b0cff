//! The gateway serves an unmodified Anthropic client: the official `anthropic` Python package,
//! whole (`messages.create`), streamed (`messages.stream`), tools, count_tokens and errors
//! (`BadRequestError`, `NotFoundError`, `AuthenticationError`), with the gateway's key sent as
//! the client sends it (`x-api-key`). Skipped (with a note in the test output) when the package
//! is not installed; a failure under `OPENCLAW_REQUIRE_CLIENTS=1` (`.ci/run`).

mod gateway_common;

use gateway_common::{Setup, TestGateway};
use openclaw_host::gateway::ClientKey;
use serde_json::json;

const MODEL: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
/// CountTokens counts with foundation models: an on-demand one.
const COUNT_MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const KEY: &str = "python-client-key";

const CLIENT: &str = r#"
import json, sys
import anthropic
base_url, model, count_model, key = sys.argv[1:5]
client = anthropic.Anthropic(base_url=base_url, api_key=key, max_retries=0, timeout=30)
out = {}
whole = client.messages.create(model=model, max_tokens=50, system="be brief", metadata={"user_id": "user-1"},
                               messages=[{"role": "user", "content": "hello from python"}])
out["whole"] = [whole.type, whole.role, whole.id[:4], whole.model, whole.content[0].type, whole.content[0].text, whole.stop_reason,
                whole.usage.input_tokens, whole.usage.output_tokens]
with client.messages.stream(model=model, max_tokens=50, messages=[{"role": "user", "content": "streamed from python"}]) as stream:
    pieces = list(stream.text_stream)
    final = stream.get_final_message()
out["stream"] = ["".join(pieces), len(pieces), final.content[0].text, final.stop_reason, final.usage.input_tokens, final.usage.output_tokens]
tools = [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
ask = {"role": "user", "content": "call get_weather in Rome"}
called = client.messages.create(model=model, max_tokens=50, tools=tools, messages=[ask])
use = next(block for block in called.content if block.type == "tool_use")
out["tool"] = [use.name, use.input, called.stop_reason]
result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "warm"}]}
answer = client.messages.create(model=model, max_tokens=50, tools=tools, messages=[ask, {"role": "assistant", "content": called.content}, result])
out["tool_answer"] = answer.content[0].text
with client.messages.stream(model=model, max_tokens=50, tools=tools, messages=[ask]) as stream:
    streamed_call = next(block for block in stream.get_final_message().content if block.type == "tool_use")
out["streamed_tool"] = [streamed_call.name, streamed_call.input]
count = client.messages.count_tokens(model=count_model, system="be brief", messages=[{"role": "user", "content": "count these four words"}])
out["count"] = count.input_tokens
def failure(call):
    try:
        call()
    except anthropic.APIStatusError as error:
        return [type(error).__name__, error.status_code, error.body["error"]["type"], error.body["error"]["message"].split(":")[0]]
    return None
out["bad_request"] = failure(lambda: client.messages.create(model=model, max_tokens=0, messages=[ask]))
out["not_found"] = failure(lambda: client.messages.create(model="vendor.no-such-model-v1:0", max_tokens=50, messages=[ask]))
wrong = anthropic.Anthropic(base_url=base_url, api_key="wrong-key", max_retries=0, timeout=30)
out["auth"] = failure(lambda: wrong.messages.create(model=model, max_tokens=50, messages=[ask]))
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_anthropic_python_client_works_unmodified() {
    let Some(python) = openclaw_test_support::python_with("the_official_anthropic_python_client_works_unmodified", &["anthropic"]) else { return };
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.client_key = ClientKey::new(KEY)), ..Setup::default() }).await;
    // The SDK appends `/v1/messages` to its base URL.
    let base_url = format!("http://{}", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", CLIENT, &base_url, MODEL, COUNT_MODEL, KEY]).await;
    assert_eq!(out["whole"], json!(["message", "assistant", "msg_", MODEL, "text", "Echo: hello from python", "end_turn", 5, 4]), "{out}");
    assert_eq!(out["stream"], json!(["Echo: streamed from python", 4, "Echo: streamed from python", "end_turn", 3, 4]), "{out}");
    assert_eq!(out["tool"], json!(["get_weather", { "query": "in Rome" }, "tool_use"]), "{out}");
    assert_eq!(out["tool_answer"], "Echo: warm", "{out}");
    assert_eq!(out["streamed_tool"], json!(["get_weather", { "query": "in Rome" }]), "{out}");
    assert_eq!(out["count"], 6, "{out}");
    assert_eq!(out["bad_request"], json!(["BadRequestError", 400, "invalid_request_error", "max_tokens"]), "{out}");
    assert_eq!(out["not_found"], json!(["NotFoundError", 404, "not_found_error", out["not_found"][3]]), "{out}");
    assert_eq!(out["auth"], json!(["AuthenticationError", 401, "authentication_error", "invalid x-api-key"]), "{out}");
}

const THINKING_CLIENT: &str = r#"
import json, sys
import anthropic
base_url, model, key = sys.argv[1:4]
client = anthropic.Anthropic(base_url=base_url, api_key=key, max_retries=0, timeout=30)
tools = [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]
thinking = {"type": "enabled", "budget_tokens": 1024}
messages = [{"role": "user", "content": "call get_weather in Paris"}]
out = {"turns": []}
def turn():
    with client.messages.stream(model=model, max_tokens=2048, thinking=thinking, tools=tools, messages=messages) as stream:
        final = stream.get_final_message()
    messages.append({"role": "assistant", "content": final.content})
    blocks = []
    for block in final.content:
        if block.type == "thinking":
            blocks.append(["thinking", block.thinking, len(block.signature) > 0])
        elif block.type == "tool_use":
            blocks.append(["tool_use", block.name, block.input])
        else:
            blocks.append([block.type, block.text])
    out["turns"].append([final.stop_reason, blocks])
    return final
first = turn()
use = next(block for block in first.content if block.type == "tool_use")
messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}]})
tampered = [messages[0], {"role": "assistant", "content": [first.content[0].model_copy(update={"signature": "forged"}), use]}, messages[2]]
try:
    client.messages.create(model=model, max_tokens=2048, thinking=thinking, tools=tools, messages=tampered)
    out["tampered"] = None
except anthropic.BadRequestError as error:
    out["tampered"] = [error.status_code, error.body["error"]["type"]]
turn()
messages.append({"role": "user", "content": "call get_weather in Rome"})
turn()
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_anthropic_client_holds_a_streamed_thinking_tool_conversation_of_three_turns() {
    let Some(python) = openclaw_test_support::python_with("the_anthropic_client_holds_a_streamed_thinking_tool_conversation_of_three_turns", &["anthropic"])
    else {
        return;
    };
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.client_key = ClientKey::new(KEY)), ..Setup::default() }).await;
    let base_url = format!("http://{}", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", THINKING_CLIENT, &base_url, MODEL, KEY]).await;
    let expected = json!([
        ["tool_use", [["thinking", "Thinking about: call get_weather in Paris", true], ["tool_use", "get_weather", { "query": "in Paris" }]]],
        ["end_turn", [["thinking", "Thinking about: sunny", true], ["text", "Echo: sunny"]]],
        ["tool_use", [["thinking", "Thinking about: call get_weather in Rome", true], ["tool_use", "get_weather", { "query": "in Rome" }]]],
    ]);
    assert_eq!(out["turns"], expected, "{out}");
    assert_eq!(out["tampered"], json!([400, "invalid_request_error"]), "{out}");
}
