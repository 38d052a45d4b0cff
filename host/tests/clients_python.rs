//! The Python agent frameworks people point at the gateway, unmodified and with their default
//! settings, each running its table of cases (a plain call, a stream, a tool round trip,
//! structured output) in one process against the emulator through the gateway
//! (tests/clients/*.py): LangChain (`langchain-openai` chat and Responses, `langchain-anthropic`),
//! LlamaIndex (`OpenAILike`), pydantic-ai (OpenAI chat and Responses models, Anthropic model)
//! and LiteLLM as a client. `.ci/run` installs them, pinned; under `OPENCLAW_REQUIRE_CLIENTS=1`
//! a missing one fails.

mod gateway_common;

use gateway_common::{Setup, TestGateway};
use openclaw_host::gateway::ClientKey;
use openclaw_test_support::frameworks::{llamaindex_python, python_table};
use serde_json::{Value, json};

/// The OpenAI APIs' model: not Claude (so `parallel_tool_calls: false`, which some frameworks
/// send, is the gateway's cut), with forced tool choice and structured output on Bedrock.
const OPENAI_MODEL: &str = "mistral.mistral-large-2407-v1:0";
/// The Anthropic API's model as the frameworks' own tables name it (their max tokens for it are
/// above Bedrock's: the gateway clamps).
const ANTHROPIC_MODEL: &str = "claude-sonnet-4-6";
const KEY: &str = "framework-key";

async fn gateway() -> (TestGateway, String) {
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.client_key = ClientKey::new(KEY)), ..Setup::default() }).await;
    let base_url = format!("http://{}", gateway.addr);
    (gateway, base_url)
}

/// Every case of every API of a framework's table, against what it must have seen.
fn check(framework: &str, out: &Value, expected: &[(&str, &str, Value)]) {
    let mut failures = Vec::new();
    for (api, case, want) in expected {
        let got = &out[api][case];
        if got != want {
            failures.push(format!("{framework} {api} {case}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}\n(all: {out})", failures.join("\n"));
}

/// The answers the emulator gives every framework: an echo of the prompt, a call of the
/// prompted tool with the prompt's words, the echo of the tool's result, and the schema's
/// minimal instance as structured output.
fn answers(api: &'static str, tag: &str) -> [(&'static str, &'static str, Value); 4] {
    [
        (api, "plain", json!(format!("Echo: hello from {tag}"))),
        (api, "stream", json!(format!("Echo: streamed from {tag}"))),
        (api, "tools", json!([[["get_weather", { "query": "in Rome" }]], "Echo: sunny in Rome"])),
        (api, "structured", json!({ "name": "", "rank": 0 })),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn langchain_works_with_its_defaults() {
    let Some(python) = openclaw_test_support::python_with("langchain_works_with_its_defaults", &["langchain_openai", "langchain_anthropic"]) else { return };
    let (_gateway, base_url) = gateway().await;
    let out = python_table(&python, "langchain_table.py", &[&base_url, KEY, OPENAI_MODEL, ANTHROPIC_MODEL]).await;
    let expected: Vec<_> = ["openai", "openai_responses", "anthropic"].into_iter().flat_map(|api| answers(api, "langchain")).collect();
    check("langchain", &out, &expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llamaindex_works_with_its_defaults() {
    let Some(python) = llamaindex_python("llamaindex_works_with_its_defaults", &["llama_index.llms.openai_like"]) else { return };
    let (_gateway, base_url) = gateway().await;
    let out = python_table(&python, "llamaindex_table.py", &[&base_url, KEY, OPENAI_MODEL]).await;
    check("llamaindex", &out, &answers("openai_like", "llamaindex"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pydantic_ai_works_with_its_defaults() {
    let Some(python) = openclaw_test_support::python_with("pydantic_ai_works_with_its_defaults", &["pydantic_ai"]) else { return };
    let (_gateway, base_url) = gateway().await;
    let out = python_table(&python, "pydantic_ai_table.py", &[&base_url, KEY, OPENAI_MODEL, ANTHROPIC_MODEL]).await;
    let expected: Vec<_> = ["openai", "openai_responses", "anthropic"].into_iter().flat_map(|api| answers(api, "pydantic-ai")).collect();
    check("pydantic-ai", &out, &expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn litellm_works_as_a_client_with_its_defaults() {
    let Some(python) = openclaw_test_support::python_with("litellm_works_as_a_client_with_its_defaults", &["litellm"]) else { return };
    let (_gateway, base_url) = gateway().await;
    let out = python_table(&python, "litellm_table.py", &[&base_url, KEY, OPENAI_MODEL, ANTHROPIC_MODEL]).await;
    let expected: Vec<_> = ["openai", "anthropic"].into_iter().flat_map(|api| answers(api, "litellm")).collect();
    check("litellm", &out, &expected);
}
