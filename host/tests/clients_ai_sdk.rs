//! The Vercel AI SDK (`ai` with `@ai-sdk/openai` chat and Responses models and
//! `@ai-sdk/anthropic`), unmodified and with its defaults, on Node 24 against the emulator
//! through the gateway: one Node process runs the table (tests/clients/ai_sdk_table.mjs) of a
//! plain call, a stream, a tool round trip, a streamed tool call and structured output per
//! model. `.ci/run` installs it, pinned; under `OPENCLAW_REQUIRE_CLIENTS=1` a missing SDK fails.

mod gateway_common;

use gateway_common::{Setup, TestGateway, runtime_calls};
use openclaw_host::gateway::ClientKey;
use openclaw_test_support::frameworks::AiSdk;
use serde_json::{Value, json};

/// Not Claude, with forced tool choice and structured output on Bedrock.
const OPENAI_MODEL: &str = "mistral.mistral-large-2407-v1:0";
/// As the SDK's own table names it (its max output for it, 128,000, is above Bedrock's 64,000).
const ANTHROPIC_MODEL: &str = "claude-sonnet-4-6";
const KEY: &str = "ai-sdk-key";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vercel_ai_sdk_works_with_its_defaults() {
    let Some(sdk) = AiSdk::find("the_vercel_ai_sdk_works_with_its_defaults") else { return };
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.client_key = ClientKey::new(KEY)), ..Setup::default() }).await;
    let base_url = format!("http://{}", gateway.addr);
    let out = sdk.table("ai_sdk_table.mjs", &[&base_url, KEY, OPENAI_MODEL, ANTHROPIC_MODEL]).await;
    let mut failures = Vec::new();
    for api in ["openai_chat", "openai_responses", "anthropic"] {
        let expected = [
            ("plain", json!("Echo: hello from the ai sdk")),
            ("stream", json!("Echo: streamed from the ai sdk")),
            ("tools", json!([[["get_weather", { "query": "in Rome" }]], "Echo: sunny in Rome"])),
            ("streamed_tool", json!([["get_weather", { "query": "in Paris" }]])),
            ("structured", json!({ "name": "", "rank": 0 })),
        ];
        for (case, want) in expected {
            let got = &out[api][case];
            if *got != want {
                failures.push(format!("{api} {case}: got {got}, want {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}\n(all: {out})", failures.join("\n"));
    // The SDK asks Claude for its own table's maximum (128,000); Bedrock received the model's.
    let asked: Vec<Value> = runtime_calls(&gateway.emulator).into_iter().filter_map(|(_, body)| body.get("max_tokens").cloned()).collect();
    assert!(asked.contains(&json!(64_000)) && asked.iter().all(|max| max.as_u64().is_some_and(|max| max <= 64_000)), "{asked:?}");
}
