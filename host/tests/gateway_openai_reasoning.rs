//! Reasoning and prompt caching through the gateway: Anthropic thinking returned as
//! `reasoning_content` and signed `thinking_blocks` (whole and streamed), carried back for a
//! tool-using second turn; cache points from `--prompt-cache auto` with the cached counts in
//! `usage`.

mod gateway_common;

use gateway_common::{Setup, TestGateway, runtime_calls};
use openclaw_host::gateway::openai::PromptCache;
use serde_json::{Value, json};

const SONNET: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";

fn tools() -> Value {
    json!([{ "type": "function", "function": { "name": "get_weather", "parameters": { "type": "object", "properties": { "query": { "type": "string" } } } } }])
}

fn thinking_body(messages: Value, stream: bool) -> Value {
    json!({ "model": SONNET, "stream": stream, "max_tokens": 4096, "thinking": { "type": "enabled", "budget_tokens": 1024 }, "tools": tools(), "messages": messages })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_thinking_comes_back_and_carries_a_tool_turn() {
    let gateway = TestGateway::start().await;
    let ask = json!({ "role": "user", "content": "call get_weather in Oslo" });
    let first = gateway.post("/v1/chat/completions", &thinking_body(json!([ask]), false)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let message = first.json()["choices"][0]["message"].clone();
    assert_eq!(message["reasoning_content"], "Thinking about: call get_weather in Oslo", "{message}");
    let blocks = message["thinking_blocks"].clone();
    assert_eq!(blocks[0]["type"], "thinking");
    assert_eq!(blocks[0]["thinking"], message["reasoning_content"]);
    assert!(blocks[0]["signature"].as_str().is_some_and(|s| !s.is_empty()), "{message}");
    let call_id = message["tool_calls"][0]["id"].clone();
    let result = json!({ "role": "tool", "tool_call_id": call_id, "content": "sunny" });

    // The assistant turn sent back as returned: the signed block reaches Bedrock first.
    let second = gateway.post("/v1/chat/completions", &thinking_body(json!([ask, message, result]), false)).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.text(), "Echo: sunny");
    let sent = runtime_calls(&gateway.emulator).last().map(|(_, body)| body.clone()).expect("a call");
    assert_eq!(sent["messages"][1]["content"][0]["reasoningContent"]["reasoningText"]["signature"], blocks[0]["signature"], "{sent}");

    // Without its thinking blocks, or with them altered, Bedrock refuses the turn: a 400.
    let mut bare = message.clone();
    bare.as_object_mut().map(|m| m.remove("thinking_blocks"));
    let mut tampered = message.clone();
    tampered["thinking_blocks"][0]["thinking"] = json!("something else");
    for assistant in [bare, tampered] {
        let refused = gateway.post("/v1/chat/completions", &thinking_body(json!([ask, assistant, result]), false)).await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.json()["error"]["message"].as_str().is_some_and(|m| m.contains("messages.1.content.0")), "{}", refused.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_reasoning_arrives_as_deltas_then_its_signed_block() {
    let gateway = TestGateway::start().await;
    let response = gateway.post("/v1/chat/completions", &thinking_body(json!([{ "role": "user", "content": "hello there" }]), true)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let chunks: Vec<Value> = response.events().iter().filter_map(|e| serde_json::from_str(e).ok()).collect();
    let reasoning: String = chunks.iter().filter_map(|c| c["choices"][0]["delta"]["reasoning_content"].as_str()).collect();
    assert_eq!(reasoning, "Thinking about: hello there");
    let signed: Vec<&Value> = chunks.iter().filter_map(|c| c["choices"][0]["delta"].get("thinking_blocks")).collect();
    assert_eq!(signed.len(), 1, "one signed block");
    assert_eq!(signed[0][0]["thinking"], "Thinking about: hello there");
    assert!(signed[0][0]["signature"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(response.streamed_text(), "Echo: hello there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_prompt_caching_reports_written_then_read_tokens() {
    let gateway = TestGateway::start_with(Setup { options: Box::new(|options| options.prompt_cache = PromptCache::Auto), ..Setup::default() }).await;
    let request = json!({
        "model": SONNET,
        "messages": [{ "role": "system", "content": "you are a careful assistant" }, { "role": "user", "content": "hello there" }],
        "stream": false,
    });
    let first = gateway.post("/v1/chat/completions", &request).await.json();
    let second = gateway.post("/v1/chat/completions", &request).await.json();
    let sent = runtime_calls(&gateway.emulator).last().map(|(_, body)| body.clone()).expect("a call");
    assert_eq!(sent["system"][1], json!({ "cachePoint": { "type": "default" } }), "{sent}");
    // The system prompt is 5 words: written once, then read; prompt_tokens counts them both times.
    assert_eq!(
        (first["usage"]["cache_creation_input_tokens"].clone(), first["usage"]["prompt_tokens_details"]["cached_tokens"].clone()),
        (json!(5), json!(0)),
        "{first}"
    );
    assert_eq!(
        (second["usage"]["cache_creation_input_tokens"].clone(), second["usage"]["prompt_tokens_details"]["cached_tokens"].clone()),
        (json!(0), json!(5)),
        "{second}"
    );
    assert_eq!(first["usage"]["prompt_tokens"], second["usage"]["prompt_tokens"]);
    assert_eq!(second["usage"]["prompt_tokens"], 7);

    let mut streamed = request.clone();
    streamed["stream"] = json!(true);
    streamed["stream_options"] = json!({ "include_usage": true });
    let response = gateway.post("/v1/chat/completions", &streamed).await;
    let usage = response.events().iter().filter_map(|e| serde_json::from_str::<Value>(e).ok()).find_map(|c| c.get("usage").cloned()).expect("a usage chunk");
    assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 5, "{usage}");
}
