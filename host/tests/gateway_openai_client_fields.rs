//! The official `openai` Python client with the fields beyond a plain chat: `tool_choice` each
//! way, `response_format`, reasoning over two turns with a tool call and signed thinking
//! blocks, and prompt caching's usage. Skipped (with a note) when the package is not
//! installed; a failure under `OPENCLAW_REQUIRE_CLIENTS=1` (`.ci/run`).

mod gateway_common;

use gateway_common::{Setup, TestGateway};
use openclaw_host::gateway::openai::PromptCache;

const CLIENT: &str = r#"
import json, sys
from openai import OpenAI, BadRequestError
client = OpenAI(base_url=sys.argv[1], api_key="unused-by-the-gateway", max_retries=0, timeout=30)
model = sys.argv[2]
out = {}
tools = [
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
]
hello = [{"role": "user", "content": "hello"}]
def called(choice):
    r = client.chat.completions.create(model=model, messages=hello, tools=tools, tool_choice=choice)
    calls = r.choices[0].message.tool_calls or []
    return [r.choices[0].finish_reason, [c.function.name for c in calls], [json.loads(c.function.arguments) for c in calls]]
out["auto"] = called("auto")
out["none"] = called("none")
out["required"] = called("required")
out["named"] = called({"type": "function", "function": {"name": "get_time"}})
schema = {"type": "object", "properties": {"verdict": {"type": "string", "enum": ["yes", "no"]}}, "required": ["verdict"], "additionalProperties": False}
r = client.chat.completions.create(model=model, messages=hello, response_format={"type": "json_schema", "json_schema": {"name": "verdict", "schema": schema, "strict": True}})
out["json_schema"] = json.loads(r.choices[0].message.content)
r = client.chat.completions.create(model=model, messages=hello, response_format={"type": "json_object"})
out["json_object"] = json.loads(r.choices[0].message.content)
try:
    client.chat.completions.create(model=model, messages=hello, seed=3)
except BadRequestError as error:
    out["seed"] = [error.status_code, error.body.get("param")]

# Reasoning across two turns: the assistant message goes back as the client got it.
ask = {"role": "user", "content": "call get_weather in Oslo"}
extra = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
first = client.chat.completions.create(model=model, messages=[ask], tools=tools, max_completion_tokens=4096, extra_body=extra)
message = first.choices[0].message
out["reasoning"] = message.reasoning_content
out["signed"] = bool(message.thinking_blocks and message.thinking_blocks[0]["signature"])
call = message.tool_calls[0]
second = client.chat.completions.create(model=model, tools=tools, max_completion_tokens=4096, extra_body=extra, messages=[
    ask, message.model_dump(exclude_none=True), {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
])
out["second"] = [second.choices[0].message.content, second.choices[0].message.reasoning_content]
pieces, signatures = [], 0
for chunk in client.chat.completions.create(model=model, messages=hello, reasoning_effort="low", max_completion_tokens=4096, stream=True):
    for choice in chunk.choices:
        delta = choice.delta.model_dump()
        if delta.get("reasoning_content"):
            pieces.append(delta["reasoning_content"])
        signatures += len(delta.get("thinking_blocks") or [])
out["streamed_reasoning"] = ["".join(pieces), signatures]

# Caching (the gateway runs with --prompt-cache auto): written, then read.
system = {"role": "system", "content": "you are a careful assistant"}
usage = [client.chat.completions.create(model=model, messages=[system] + hello).usage for _ in range(2)]
out["cache"] = [[u.prompt_tokens, u.prompt_tokens_details.cached_tokens, u.model_extra.get("cache_creation_input_tokens")] for u in usage]
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openai_python_client_uses_every_mapped_field() {
    let Some(python) = openclaw_test_support::python_with("the_openai_python_client_uses_every_mapped_field", &["openai"]) else { return };
    let gateway = TestGateway::start_with(Setup { options: Box::new(|options| options.prompt_cache = PromptCache::Auto), ..Setup::default() }).await;
    let base_url = format!("http://{}/v1", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", CLIENT, &base_url, "us.anthropic.claude-sonnet-4-6-20251001-v1:0"]).await;
    let expected = serde_json::json!({
        "auto": ["stop", [], []],
        "none": ["stop", [], []],
        "required": ["tool_calls", ["get_weather"], [{ "city": "" }]],
        "named": ["tool_calls", ["get_time"], [{}]],
        "json_schema": { "verdict": "yes" },
        "json_object": {},
        "seed": [400, "seed"],
        "reasoning": "Thinking about: call get_weather in Oslo",
        "signed": true,
        "second": ["Echo: sunny", "Thinking about: sunny"],
        "streamed_reasoning": ["Thinking about: hello", 1],
        "cache": [[6, 0, 5], [6, 5, 0]],
    });
    assert_eq!(out, expected);
}
