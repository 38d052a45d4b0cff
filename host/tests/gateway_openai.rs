//! The gateway serves an unmodified OpenAI client: the official `openai` Python package,
//! whole and streamed, tools included. Skipped (with a note in the test output) when the package
//! is not installed; a failure under `OPENCLAW_REQUIRE_CLIENTS=1` (`.ci/run`).

mod gateway_common;

use gateway_common::{MODEL, TestGateway};

const CLIENT: &str = r#"
import json, sys
from openai import OpenAI
client = OpenAI(base_url=sys.argv[1], api_key="unused-by-the-gateway", max_retries=0, timeout=30)
model = sys.argv[2]
out = {}
whole = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hello from python"}], max_tokens=50)
out["whole"] = whole.choices[0].message.content
out["finish"] = whole.choices[0].finish_reason
out["usage"] = whole.usage.total_tokens
pieces = []
usage = None
stream = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "streamed from python"}], stream=True, stream_options={"include_usage": True})
for chunk in stream:
    if chunk.usage is not None:
        usage = chunk.usage.completion_tokens
    for choice in chunk.choices:
        if choice.delta.content:
            pieces.append(choice.delta.content)
out["stream"] = "".join(pieces)
out["stream_chunks"] = len(pieces)
out["stream_usage"] = usage
tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather.", "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}}]
called = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "call get_weather in Rome"}], tools=tools)
call = called.choices[0].message.tool_calls[0]
out["tool"] = [call.function.name, json.loads(call.function.arguments)]
answer = client.chat.completions.create(model=model, tools=tools, messages=[
    {"role": "user", "content": "call get_weather in Rome"},
    called.choices[0].message.model_dump(exclude_none=True),
    {"role": "tool", "tool_call_id": call.id, "content": "warm"},
])
out["tool_answer"] = answer.choices[0].message.content
try:
    client.chat.completions.create(model="vendor.no-such-model-v1:0", messages=[{"role": "user", "content": "x"}])
except Exception as error:
    out["not_found"] = [type(error).__name__, getattr(error, "status_code", None)]
models = client.models.list()
out["models"] = len(models.data)
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_openai_python_client_works_unmodified() {
    let Some(python) = openclaw_test_support::python_with("the_official_openai_python_client_works_unmodified", &["openai"]) else { return };
    let gateway = TestGateway::start().await;
    let base_url = format!("http://{}/v1", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", CLIENT, &base_url, MODEL]).await;
    assert_eq!(out["whole"], "Echo: hello from python", "{out}");
    assert_eq!((out["finish"].clone(), out["usage"].clone()), (serde_json::json!("stop"), serde_json::json!(7)), "{out}");
    assert_eq!(out["stream"], "Echo: streamed from python", "{out}");
    assert!(out["stream_chunks"].as_u64().is_some_and(|n| n >= 4), "{out}");
    assert_eq!(out["stream_usage"], 4, "{out}");
    assert_eq!(out["tool"], serde_json::json!(["get_weather", { "query": "in Rome" }]), "{out}");
    assert_eq!(out["tool_answer"], "Echo: warm", "{out}");
    assert_eq!(out["not_found"], serde_json::json!(["NotFoundError", 404]), "{out}");
    assert!(out["models"].as_u64().is_some_and(|n| n > 0), "{out}");
}
