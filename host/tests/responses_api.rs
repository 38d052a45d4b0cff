//! The Responses API (`/v1/responses`, issue 25) through the gateway, driven by the official
//! `openai` Python client: whole and streamed answers (the event order checked), a function
//! tool round trip, a custom (freeform) tool, `json_schema`, hosted tools left out or refused,
//! stored responses (`retrieve`, `input_items`, `previous_response_id`, `delete`), and Claude's
//! signed thinking carried through a three-turn tool loop. Bad input: one clear 400 each.

mod gateway_common;

use gateway_common::{MODEL, Setup, TestGateway, runtime_calls};
use openclaw_host::gateway::{ClientKey, GatewayOptions};
use openclaw_host::telemetry::access_log::{AccessLog, Sink};
use serde_json::{Value, json};

const SONNET: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
const KEY: &str = "responses-client-key";

const CLIENT: &str = r#"
import json, sys
import openai
base_url, model, structured, key = sys.argv[1:5]
client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=30)
out = {}
def failure(call):
    try:
        call()
    except openai.APIStatusError as error:
        return [error.status_code, error.body.get("code"), error.body.get("param")]
    return None
def collapsed(types):
    kept = []
    for kind in types:
        if not kept or kept[-1] != kind or not kind.endswith(".delta"):
            kept.append(kind)
    return kept

whole = client.responses.create(model=model, input="hello from python", instructions="be brief", metadata={"purpose": "test"})
out["whole"] = [whole.object, whole.status, whole.output_text, [item.type for item in whole.output], whole.metadata,
                whole.usage.input_tokens, whole.usage.output_tokens, whole.usage.total_tokens, whole.id[:5]]

events = list(client.responses.create(model=model, input="streamed from python", stream=True))
final = events[-1].response
out["stream"] = collapsed([event.type for event in events])
out["stream_numbers"] = [event.sequence_number for event in events] == list(range(len(events)))
out["stream_final"] = [final.status, final.output_text, final.usage.output_tokens]

tools = [{"type": "function", "name": "get_weather", "description": "Weather.",
          "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}, "strict": False}]
ask = {"role": "user", "content": "call get_weather in Rome"}
called = client.responses.create(model=model, input=[ask], tools=tools)
call = called.output[0]
out["function"] = [call.type, call.name, json.loads(call.arguments), called.status]
result = {"type": "function_call_output", "call_id": call.call_id, "output": "warm"}
out["function_answer"] = client.responses.create(model=model, input=[ask, call.model_dump(exclude_none=True), result], tools=tools).output_text
streamed = list(client.responses.create(model=model, input=[ask], tools=tools, stream=True))
out["function_stream"] = collapsed([event.type for event in streamed])

custom = [{"type": "custom", "name": "apply_patch", "description": "Apply a patch.",
           "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}}]
patch = {"role": "user", "content": "call apply_patch *** Begin Patch"}
made = client.responses.create(model=model, input=[patch], tools=custom).output[0]
out["custom"] = [made.type, made.name, made.input]
done = {"type": "custom_tool_call_output", "call_id": made.call_id, "output": "patched"}
out["custom_answer"] = client.responses.create(model=model, input=[patch, made.model_dump(exclude_none=True), done], tools=custom).output_text
streamed = list(client.responses.create(model=model, input=[patch], tools=custom, stream=True))
out["custom_stream"] = [event.type for event in streamed if "custom" in event.type] + [streamed[-1].response.output[0].input]

crm = [{"type": "namespace", "name": "crm", "description": "The CRM.", "tools": [{"type": "function", "name": "find", "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}]}]
lookup = {"role": "user", "content": "call crm__find Ada"}
found = client.responses.create(model=model, input=[lookup], tools=crm).output[0]
out["namespace"] = [found.type, found.namespace, found.name, json.loads(found.arguments)]
back = {"type": "function_call_output", "call_id": found.call_id, "output": "Ada Lovelace"}
out["namespace_answer"] = client.responses.create(model=model, input=[lookup, found.model_dump(exclude_none=True), back], tools=crm).output_text

schema = {"type": "object", "properties": {"verdict": {"type": "string", "enum": ["yes", "no"]}}, "required": ["verdict"], "additionalProperties": False}
verdict = client.responses.create(model=structured, input="is it?", text={"format": {"type": "json_schema", "name": "verdict", "schema": schema, "strict": True}})
out["json_schema"] = json.loads(verdict.output_text)

raw = client.responses.with_raw_response.create(model=model, input="hello", tools=[{"type": "web_search"}, {"type": "tool_search"}] + tools)
out["hosted"] = [raw.headers.get("openclaw-hosted-tools-omitted"), [tool.type for tool in raw.parse().tools]]
out["hosted_forced"] = failure(lambda: client.responses.create(model=model, input="hello", tools=[{"type": "web_search"}], tool_choice={"type": "web_search"}))

first = client.responses.create(model=model, input="remember the first turn")
out["retrieve"] = [client.responses.retrieve(first.id).output_text, client.responses.retrieve(first.id).id == first.id]
out["input_items"] = [[item.type, item.role, item.content[0].text] for item in client.responses.input_items.list(first.id).data]
second = client.responses.create(model=model, input="and the second", previous_response_id=first.id)
out["chained"] = [second.output_text, second.previous_response_id == first.id]
client.responses.delete(first.id)
out["deleted"] = failure(lambda: client.responses.retrieve(first.id))
out["unknown_previous"] = failure(lambda: client.responses.create(model=model, input="x", previous_response_id=first.id))
unstored = client.responses.create(model=model, input="forget me", store=False)
out["unstored"] = failure(lambda: client.responses.retrieve(unstored.id))
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openai_python_client_speaks_the_responses_api() {
    let Some(python) = openclaw_test_support::python_with("the_openai_python_client_speaks_the_responses_api", &["openai"]) else { return };
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("access.jsonl");
    let access_log = AccessLog::open(Sink::File(log.clone())).expect("the access log opens");
    let options = move |o: &mut GatewayOptions| (o.client_key, o.access_log) = (ClientKey::new(KEY), access_log);
    let gateway = TestGateway::start_with(Setup { options: Box::new(options), ..Setup::default() }).await;
    let base_url = format!("http://{}/v1", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", CLIENT, &base_url, MODEL, SONNET, KEY]).await;
    let message_events = [
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    ];
    let stream: Vec<&str> = ["response.created", "response.in_progress"].into_iter().chain(message_events).chain(["response.completed"]).collect();
    let function_stream = [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ];
    let cases = [
        ("whole", json!(["response", "completed", "Echo: hello from python", ["message"], { "purpose": "test" }, 5, 4, 9, "resp_"])),
        ("stream", json!(stream)),
        ("stream_numbers", json!(true)),
        ("stream_final", json!(["completed", "Echo: streamed from python", 4])),
        ("function", json!(["function_call", "get_weather", { "query": "in Rome" }, "completed"])),
        ("function_answer", json!("Echo: warm")),
        ("function_stream", json!(function_stream)),
        ("custom", json!(["custom_tool_call", "apply_patch", "*** Begin Patch"])),
        ("custom_answer", json!("Echo: patched")),
        ("custom_stream", json!(["response.custom_tool_call_input.delta", "response.custom_tool_call_input.done", "*** Begin Patch"])),
        ("namespace", json!(["function_call", "crm", "find", { "query": "Ada" }])),
        ("namespace_answer", json!("Echo: Ada Lovelace")),
        ("json_schema", json!({ "verdict": "yes" })),
        ("hosted", json!(["web_search, tool_search", ["function"]])),
        ("hosted_forced", json!([400, null, "tool_choice"])),
        ("retrieve", json!(["Echo: remember the first turn", true])),
        ("input_items", json!([["message", "user", "remember the first turn"]])),
        ("chained", json!(["Echo: and the second", true])),
        ("deleted", json!([404, "not_found", null])),
        ("unknown_previous", json!([400, "previous_response_not_found", "previous_response_id"])),
        ("unstored", json!([404, "not_found", null])),
    ];
    for (name, expected) in cases {
        assert_eq!(out[name], expected, "{name}: {out}");
    }
    // The chained turn reached Bedrock with the stored turn before it.
    let chained = runtime_calls(&gateway.emulator)
        .into_iter()
        .map(|(_, body)| body)
        .find(|body| body["messages"].as_array().is_some_and(|m| m.len() == 3 && m[0]["content"][0]["text"] == "remember the first turn"))
        .expect("a call with the stored history");
    let texts: Vec<&str> = chained["messages"].as_array().into_iter().flatten().filter_map(|m| m["content"][0]["text"].as_str()).collect();
    assert_eq!(texts, ["remember the first turn", "Echo: remember the first turn", "and the second"]);
    // The access log counts the hosted tools left out (the line is written behind the response).
    let mut counted = Vec::new();
    for _ in 0..100 {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        counted = text.lines().filter_map(|line| serde_json::from_str::<Value>(line).ok()).filter_map(|l| l["hosted_tools_omitted"].as_u64()).collect();
        if !counted.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(counted, [2], "the web_search + tool_search request (the forced one was refused, not served)");
}

const THINKING_CLIENT: &str = r#"
import json, sys
import openai
base_url, model = sys.argv[1:3]
client = openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=30)
tools = [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}]
def turn(history, stream):
    args = dict(model=model, input=history, tools=tools, reasoning={"effort": "low", "summary": "auto"}, max_output_tokens=4096,
                store=False, include=["reasoning.encrypted_content"])
    if stream:
        return list(client.responses.create(stream=True, **args))[-1].response
    return client.responses.create(**args)
out = {}
history = [{"role": "user", "content": "call get_weather in Oslo"}]
first = turn(history, False)
out["first"] = [[item.type for item in first.output], first.output[0].summary[0].text, first.output[0].encrypted_content[:13]]
history += [item.model_dump(exclude_none=True) for item in first.output]
history.append({"type": "function_call_output", "call_id": first.output[1].call_id, "output": "sunny"})
second = turn(history, True)
out["second"] = [[item.type for item in second.output], second.output_text]
history += [item.model_dump(exclude_none=True) for item in second.output]
history.append({"role": "user", "content": "call get_weather in Bergen"})
third = turn(history, True)
out["third"] = [[item.type for item in third.output], json.loads(third.output[1].arguments)]
forged = [dict(item) for item in history]
forged[1]["encrypted_content"] = forged[1]["encrypted_content"][:-6] + "AAAAAA"
try:
    client.responses.create(model=model, input=forged, tools=tools, reasoning={"effort": "low"}, max_output_tokens=4096)
    out["forged"] = None
except openai.BadRequestError as error:
    out["forged"] = [error.status_code, error.body.get("param")]
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_thinking_survives_a_three_turn_tool_loop() {
    let Some(python) = openclaw_test_support::python_with("claude_thinking_survives_a_three_turn_tool_loop", &["openai"]) else { return };
    let gateway = TestGateway::start().await;
    let base_url = format!("http://{}/v1", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", THINKING_CLIENT, &base_url, SONNET]).await;
    let cases = [
        ("first", json!([["reasoning", "function_call"], "Thinking about: call get_weather in Oslo", "v1.anthropic."])),
        ("second", json!([["reasoning", "message"], "Echo: sunny"])),
        ("third", json!([["reasoning", "function_call"], { "query": "in Bergen" }])),
        ("forged", json!([400, "input[1].encrypted_content"])),
    ];
    for (name, expected) in cases {
        assert_eq!(out[name], expected, "{name}: {out}");
    }
    // The last turn reached Bedrock with each assistant turn's signed thinking first.
    let (_, last) = runtime_calls(&gateway.emulator).into_iter().last().expect("a call");
    let assistant_first_blocks: Vec<bool> = last["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["role"] == "assistant")
        .map(|m| m["content"][0]["reasoningContent"]["reasoningText"]["signature"].is_string())
        .collect();
    assert_eq!(assistant_first_blocks, [true, true], "{last}");
}

/// A request body for the emulator's model with these `input` items.
fn body(input: Value) -> Value {
    json!({ "model": MODEL, "input": input })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_one_clear_400() {
    let state = tempfile::tempdir().expect("state dir");
    let state_dir = state.path().join("state");
    let dir = state_dir.clone();
    let gateway = TestGateway::start_with(Setup { options: Box::new(move |o| o.state.dir = Some(dir)), ..Setup::default() }).await;
    let user = json!({ "role": "user", "content": "hi" });
    let forged = json!({ "type": "reasoning", "summary": [], "encrypted_content": "v1.anthropic.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    let cases = [
        ("no input", json!({ "model": MODEL }), "input"),
        ("input not a list", body(json!(7)), "input"),
        ("an item not an object", body(json!([1])), "input[0]"),
        ("an item without a type or role", body(json!([{ "content": "hi" }])), "input[0].type"),
        ("an unknown item type", body(json!([{ "type": "mystery" }])), "input[0].type"),
        ("a function call without call_id", body(json!([user, { "type": "function_call", "name": "f", "arguments": "{}" }])), "input[1].call_id"),
        ("arguments not an object", body(json!([user, { "type": "function_call", "call_id": "c", "name": "f", "arguments": "[1]" }])), "input[1].arguments"),
        ("an unknown content part", body(json!([{ "role": "user", "content": [{ "type": "input_video" }] }])), "input[0].content[0].type"),
        ("an unknown role", body(json!([{ "role": "narrator", "content": "hi" }])), "input[0].role"),
        ("forged encrypted_content", body(json!([user, forged])), "input[1].encrypted_content"),
        ("10,000 items", body(Value::Array(vec![user.clone(); 10_000])), "input"),
        ("an unsupported tool", json!({ "model": MODEL, "input": "hi", "tools": [{ "type": "mcp" }] }), "tools[0].type"),
        (
            "a forced hosted tool",
            json!({ "model": MODEL, "input": "hi", "tools": [{ "type": "file_search" }], "tool_choice": { "type": "file_search" } }),
            "tool_choice",
        ),
        ("background", json!({ "model": MODEL, "input": "hi", "background": true }), "background"),
        ("a bad text format", json!({ "model": MODEL, "input": "hi", "text": { "format": { "type": "yaml" } } }), "text.format.type"),
    ];
    for (name, request, param) in cases {
        let response = gateway.post("/v1/responses", &request).await;
        assert_eq!(response.status, 400, "{name}: {}", response.body);
        let error = &response.json()["error"];
        assert_eq!(error["param"], param, "{name}: {error}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty() && !m.contains('\n')), "{name}: {error}");
    }
    assert!(runtime_calls(&gateway.emulator).is_empty(), "nothing bad reached Bedrock");
    assert_eq!(std::fs::read_dir(&state_dir).expect("state dir").count(), 0, "nothing was stored");
    // A body past the size bound: 413 before anything is parsed.
    let huge = body(json!([{ "role": "user", "content": "x".repeat(50 << 20) }]));
    assert_eq!(gateway.post("/v1/responses", &huge).await.status, 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_responses_survive_a_restart_in_the_state_directory() {
    let dir = tempfile::tempdir().expect("dir");
    let state = dir.path().join("state");
    let start = |state: std::path::PathBuf| TestGateway::start_with(Setup { options: Box::new(move |o| o.state.dir = Some(state)), ..Setup::default() });
    let gateway = start(state.clone()).await;
    let created = gateway.post("/v1/responses", &json!({ "model": MODEL, "input": "keep this" })).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.json()["id"].as_str().expect("id").to_string();
    drop(gateway);
    // The record is written behind the response: give the write a moment before the restart.
    for _ in 0..100 {
        if std::fs::read_dir(&state).map(|d| d.count()).unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let restarted = start(state.clone()).await;
    let got = restarted.get(&format!("/v1/responses/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.json()["output"][0]["content"][0]["text"], "Echo: keep this");
    let deleted = send_delete(&restarted, &format!("/v1/responses/{id}")).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(restarted.get(&format!("/v1/responses/{id}")).await.status, 404);
}

async fn send_delete(gateway: &TestGateway, path: &str) -> gateway_common::Response {
    gateway_common::send(gateway.addr, "DELETE", path, &[], Vec::new()).await
}

const AGENTS_CLIENT: &str = r#"
import asyncio, json, sys
from openai import AsyncOpenAI
from agents import Agent, Runner, function_tool, set_default_openai_client, set_tracing_disabled
base_url, model = sys.argv[1:3]
set_default_openai_client(AsyncOpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=30), use_for_tracing=False)
set_tracing_disabled(True)
@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return "warm in " + city
agent = Agent(name="helper", model=model, instructions="Be brief.", tools=[get_weather])
async def main():
    whole = await Runner.run(agent, "call get_weather Rome")
    streamed = Runner.run_streamed(agent, "call get_weather Oslo")
    kinds = [event.type async for event in streamed.stream_events()]
    print(json.dumps({"run": whole.final_output, "streamed": streamed.final_output, "streamed_events": "raw_response_event" in kinds}))
asyncio.run(main())
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openai_agents_sdk_runs_an_agent_with_a_function_tool() {
    let Some(python) = openclaw_test_support::python_with("the_openai_agents_sdk_runs_an_agent_with_a_function_tool", &["agents"]) else { return };
    let gateway = TestGateway::start().await;
    let base_url = format!("http://{}/v1", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", AGENTS_CLIENT, &base_url, MODEL]).await;
    assert_eq!(out, json!({ "run": "Echo: warm in Rome", "streamed": "Echo: warm in Oslo", "streamed_events": true }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_cli_runs_a_tool_and_answers_after_its_output() {
    let Some(codex) = openclaw_test_support::codex("codex_cli_runs_a_tool_and_answers_after_its_output") else { return };
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.client_key = ClientKey::new(KEY)), ..Setup::default() }).await;
    let home = tempfile::tempdir().expect("codex home");
    let work = tempfile::tempdir().expect("work dir");
    // A custom provider on the gateway, as docs/responses-api.md shows; Codex's default tool
    // set (web_search and tool_search among them) is left as it is.
    let config = format!(
        "model_provider = \"gateway\"\nmodel = \"{MODEL}\"\n\n[model_providers.gateway]\nname = \"openclaw-bedrock\"\nbase_url = \"http://{}/v1\"\nenv_key = \"OPENCLAW_TEST_KEY\"\nwire_api = \"responses\"\n",
        gateway.addr
    );
    std::fs::write(home.path().join("config.toml"), config).expect("config");
    let mut command = std::process::Command::new(codex);
    command
        .args(["exec", "--skip-git-repo-check", "--json", "call exec_command echo hello-from-codex"])
        .current_dir(work.path())
        .env("CODEX_HOME", home.path())
        .env("OPENCLAW_TEST_KEY", KEY)
        .stdin(std::process::Stdio::null());
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), tokio::task::spawn_blocking(move || command.output()))
        .await
        .expect("codex finishes in time")
        .expect("codex's thread")
        .expect("codex runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let events: Vec<Value> = stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    let completed =
        |kind: &str| events.iter().filter(|e| e["type"] == "item.completed" && e["item"]["type"] == kind).map(|e| e["item"].clone()).collect::<Vec<_>>();
    let commands = completed("command_execution");
    assert_eq!(commands.len(), 1, "{stdout}");
    assert_eq!(commands[0]["exit_code"], 0, "{stdout}");
    assert!(commands[0]["aggregated_output"].as_str().is_some_and(|o| o.contains("hello-from-codex")), "{stdout}");
    let answer = completed("agent_message");
    assert!(answer.last().and_then(|m| m["text"].as_str()).is_some_and(|t| t.starts_with("Echo: ") && t.contains("hello-from-codex")), "{stdout}");
    assert!(events.iter().any(|e| e["type"] == "turn.completed"), "{stdout}");
    // Codex streamed both turns with store off; the hosted tools never reached Bedrock.
    let calls = runtime_calls(&gateway.emulator);
    assert_eq!(calls.iter().map(|(operation, _)| operation.as_str()).collect::<Vec<_>>(), ["ConverseStream", "ConverseStream"]);
    let tools: Vec<&str> = calls[0].1["toolConfig"]["tools"].as_array().into_iter().flatten().filter_map(|t| t["toolSpec"]["name"].as_str()).collect();
    assert!(tools.contains(&"exec_command") && !tools.iter().any(|t| t.contains("search")), "{tools:?}");
}
