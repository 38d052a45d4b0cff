//! The gateway's Anthropic Messages API translated to Converse (the models that are not Claude:
//! Claude takes the body natively, `claude_native.rs`), whole answers: each bad field its own
//! 400 in Anthropic's error shape naming the field, the message object, stop reasons, tools,
//! images, documents, cache points, count_tokens, Bedrock's errors as Anthropic's statuses, and
//! the client key as `x-api-key` or `Authorization: Bearer`.

mod gateway_common;

use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{Response, Setup, TestGateway, runtime_calls, send};
use openclaw_host::gateway::ClientKey;
use openclaw_test_support::TestGuest;
use serde_json::{Value, json};

/// A model that is not Claude (so the request is translated), through its US profile.
const MODEL: &str = "us.amazon.nova-pro-v1:0";
/// An on-demand Anthropic model (CountTokens takes foundation models only).
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
/// The smallest PNG's first bytes, base64.
const PNG: &str = "iVBORw0KGgo=";

fn body(prompt: &str) -> Value {
    json!({ "model": MODEL, "max_tokens": 100, "messages": [{ "role": "user", "content": prompt }] })
}

/// `body` with `patch` merged in at the top level (a `null` removes the field).
fn with(patch: Value) -> Value {
    let mut body = body("hello");
    for (key, value) in patch.as_object().expect("an object") {
        if value.is_null() {
            body.as_object_mut().unwrap().remove(key);
        } else {
            body[key] = value.clone();
        }
    }
    body
}

async fn messages(gateway: &TestGateway, body: &Value) -> Response {
    gateway.post("/v1/messages", body).await
}

/// Asserts Anthropic's error shape, `status` and type; the message.
fn anthropic_error(response: &Response, status: u16, kind: &str) -> String {
    assert_eq!(response.status, status, "{}", response.body);
    let body = response.json();
    assert_eq!((body["type"].as_str(), body["error"]["type"].as_str()), (Some("error"), Some(kind)), "{body}");
    body["error"]["message"].as_str().expect("a message").to_string()
}

/// The Converse body of the last runtime call the emulator saw.
fn last_call(gateway: &TestGateway) -> (String, Value) {
    runtime_calls(&gateway.emulator).pop().expect("a runtime call")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_field_gets_its_own_400_naming_it() {
    let gateway = TestGateway::start().await;
    let user = |content: Value| json!({ "messages": [{ "role": "user", "content": content }] });
    let tool = json!({ "name": "get_weather", "input_schema": { "type": "object" } });
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "model": null }), "model"),
        (json!({ "model": 7 }), "model"),
        (json!({ "max_tokens": null }), "max_tokens"),
        (json!({ "max_tokens": 0 }), "max_tokens"),
        (json!({ "max_tokens": "many" }), "max_tokens"),
        (json!({ "messages": [] }), "messages"),
        (json!({ "messages": "hi" }), "messages"),
        (json!({ "messages": [{ "role": "system", "content": "x" }] }), "messages.0.role"),
        (json!({ "messages": [{ "role": "user", "content": 5 }] }), "messages.0.content"),
        (json!({ "messages": [{ "role": "user", "content": "" }] }), "messages.0.content"),
        (user(json!([{ "type": "text", "text": "" }])), "messages.0.content.0.text"),
        (user(json!([{ "type": "video" }])), "messages.0.content.0.type"),
        (user(json!([{ "type": "tool_use", "id": "t", "name": "f", "input": {} }])), "messages.0.content.0.type"),
        (user(json!([{ "type": "image", "source": { "type": "url", "url": "https://example.com/a.png" } }])), "messages.0.content.0.source.type"),
        (user(json!([{ "type": "image", "source": { "type": "base64", "media_type": "image/bmp", "data": PNG } }])), "messages.0.content.0.source.media_type"),
        (user(json!([{ "type": "image", "source": { "type": "base64", "media_type": "image/png", "data": "%%%" } }])), "messages.0.content.0.source.data"),
        (
            user(json!([{ "type": "document", "source": { "type": "base64", "media_type": "text/csv", "data": "YQ==" } }])),
            "messages.0.content.0.source.media_type",
        ),
        (user(json!([{ "type": "document", "source": { "type": "url", "url": "https://example.com/a.pdf" } }])), "messages.0.content.0.source.type"),
        (user(json!([{ "type": "tool_result", "content": "x" }])), "messages.0.content.0.tool_use_id"),
        (user(json!([{ "type": "tool_result", "tool_use_id": "t", "content": [{ "type": "image" }] }])), "messages.0.content.0.content.0.type"),
        (user(json!([{ "type": "text", "text": "x", "cache_control": { "type": "forever" } }])), "messages.0.content.0.cache_control.type"),
        (user(json!([{ "type": "text", "text": "x", "cache_control": { "type": "ephemeral", "ttl": "1h" } }])), "messages.0.content.0.cache_control.ttl"),
        (
            json!({ "messages": [{ "role": "user", "content": "x" }, { "role": "assistant", "content": [{ "type": "thinking", "thinking": "t" }] }] }),
            "messages.1.content.0.signature",
        ),
        (
            json!({ "messages": [{ "role": "user", "content": "x" }, { "role": "assistant", "content": [{ "type": "redacted_thinking", "data": "not base64!" }] }] }),
            "messages.1.content.0.data",
        ),
        (
            json!({ "messages": [{ "role": "user", "content": "x" }, { "role": "assistant", "content": [{ "type": "tool_use", "id": "t", "name": "f", "input": [] }] }] }),
            "messages.1.content.0.input",
        ),
        (json!({ "system": 5 }), "system"),
        (json!({ "system": [{ "type": "image" }] }), "system.0.type"),
        (json!({ "tools": {} }), "tools"),
        (json!({ "tools": [{ "type": "web_search_20250305", "name": "web_search" }] }), "tools.0.type"),
        (json!({ "tools": [{ "name": "bad name", "input_schema": {} }] }), "tools.0.name"),
        (json!({ "tools": [{ "name": "f" }] }), "tools.0.input_schema"),
        (json!({ "tools": [tool.clone(), tool.clone()] }), "tools.1.name"),
        (json!({ "tools": [{ "name": "f", "input_schema": {}, "strict": "yes" }] }), "tools.0.strict"),
        (json!({ "tools": [tool.clone()], "tool_choice": { "type": "sometimes" } }), "tool_choice.type"),
        (json!({ "tools": [tool.clone()], "tool_choice": { "type": "tool", "name": "other" } }), "tool_choice.name"),
        (json!({ "tool_choice": { "type": "any" } }), "tool_choice"),
        (json!({ "tools": [tool.clone()], "tool_choice": { "type": "auto", "disable_parallel_tool_use": "yes" } }), "tool_choice.disable_parallel_tool_use"),
        (json!({ "thinking": { "type": "enabled" } }), "thinking.budget_tokens"),
        (json!({ "thinking": { "type": "enabled", "budget_tokens": 100 } }), "thinking.budget_tokens"),
        (json!({ "max_tokens": 2000, "thinking": { "type": "enabled", "budget_tokens": 2000 } }), "thinking.budget_tokens"),
        (json!({ "thinking": { "type": "adaptive" } }), "thinking.type"),
        (json!({ "thinking": true }), "thinking"),
        (json!({ "temperature": 1.5 }), "temperature"),
        (json!({ "top_p": "high" }), "top_p"),
        (json!({ "top_k": 5 }), "top_k"),
        (json!({ "stop_sequences": "END" }), "stop_sequences"),
        (json!({ "stop_sequences": ["END", 3] }), "stop_sequences.1"),
        (json!({ "metadata": { "user_id": "not<allowed>" } }), "metadata.user_id"),
        (json!({ "metadata": { "session": "x" } }), "metadata.session"),
        (json!({ "stream": "yes" }), "stream"),
        (json!({ "service_tier": "priority" }), "service_tier"),
        (json!({ "container": "c1" }), "container"),
        (json!({ "mcp_servers": [] }), "mcp_servers"),
        (json!({ "frequency_penalty": 1 }), "frequency_penalty"),
        (json!({ "inference_geo": "eu" }), "inference_geo"),
        (json!({ "workspace_id": "wrkspc_1" }), "workspace_id"),
        (json!({ "speed": "fast" }), "speed"),
        (json!({ "diagnostics": "yes" }), "diagnostics"),
        (json!({ "cache_control": { "type": "ephemeral", "ttl": "1d" } }), "cache_control.ttl"),
        (json!({ "output_config": { "effort": "high" } }), "output_config.effort"),
        (json!({ "output_config": { "format": { "type": "json_object" } } }), "output_config.format.type"),
        (json!({ "output_config": { "format": { "type": "json_schema", "schema": "{}" } } }), "output_config.format.schema"),
        (json!({ "thinking": { "type": "enabled", "budget_tokens": 2048, "display": "omitted" } }), "thinking.display"),
    ];
    for (patch, field) in cases {
        let response = messages(&gateway, &with(patch.clone())).await;
        let message = anthropic_error(&response, 400, "invalid_request_error");
        assert!(message.starts_with(&format!("{field}: ")), "{patch}: {message}");
    }
    let not_json = send(gateway.addr, "POST", "/v1/messages", &[("content-type", "application/json")], b"{nope".to_vec()).await;
    assert!(anthropic_error(&not_json, 400, "invalid_request_error").contains("not valid JSON"));
    assert!(runtime_calls(&gateway.emulator).is_empty(), "nothing bad reached Bedrock");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_answered_whole() {
    let gateway = TestGateway::start().await;
    let request = with(json!({
        "system": "be brief", "temperature": 0.5, "top_p": 0.75, "metadata": { "user_id": "user-42" },
        "service_tier": "auto", "speed": "standard", "diagnostics": { "previous_message_id": null },
        "messages": [{ "role": "user", "content": "hello there" }],
    }));
    let response = send(
        gateway.addr,
        "POST",
        "/v1/messages",
        &[("content-type", "application/json"), ("anthropic-version", "2023-06-01")],
        request.to_string().into_bytes(),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let message = response.json();
    assert!(message["id"].as_str().is_some_and(|id| id.starts_with("msg_") && id.len() == 28), "{message}");
    let expected = json!({
        "id": message["id"], "type": "message", "role": "assistant", "model": MODEL,
        "content": [{ "type": "text", "text": "Echo: hello there" }],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": { "input_tokens": 4, "output_tokens": 3, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0 },
    });
    assert_eq!(message, expected);
    let (operation, call) = last_call(&gateway);
    assert_eq!(operation, "Converse");
    assert_eq!(call["system"], json!([{ "text": "be brief" }]));
    assert_eq!(call["inferenceConfig"], json!({ "maxTokens": 100, "temperature": 0.5, "topP": 0.75 }));
    // Consecutive user turns merge, as Anthropic merges them.
    let merged = messages(
        &gateway,
        &with(json!({ "messages": [{ "role": "user", "content": "one" }, { "role": "user", "content": [{ "type": "text", "text": "two" }] }] })),
    )
    .await;
    assert_eq!(merged.json()["content"][0]["text"], "Echo: one two");
    let metrics = gateway.get("/metrics").await.body;
    assert!(metrics.contains(&format!("openclaw_gateway_requests_total{{route=\"/v1/messages\",status=\"200\",model=\"{MODEL}\"}} 2")), "{metrics}");
}

/// (prompt, max_tokens, stop_sequences, text, stop_reason, stop_sequence)
type StopCase<'a> = (&'a str, u32, &'a [&'a str], &'a str, &'a str, Value);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_reasons_say_why_the_answer_ended() {
    let gateway = TestGateway::start().await;
    let cases: [StopCase; 4] = [
        ("one two three", 100, &[], "Echo: one two three", "end_turn", Value::Null),
        ("one two three", 2, &[], "Echo: one", "max_tokens", Value::Null),
        ("say STOP now", 100, &["STOP"], "Echo: say", "stop_sequence", json!("STOP")),
        // Converse does not say which of several matched.
        ("say STOP now", 100, &["STOP", "HALT"], "Echo: say", "stop_sequence", Value::Null),
    ];
    for (prompt, max_tokens, stops, text, reason, sequence) in cases {
        let response =
            messages(&gateway, &with(json!({ "max_tokens": max_tokens, "stop_sequences": stops, "messages": [{ "role": "user", "content": prompt }] }))).await;
        let message = response.json();
        assert_eq!(
            (message["content"][0]["text"].as_str(), message["stop_reason"].as_str(), &message["stop_sequence"]),
            (Some(text), Some(reason), &sequence),
            "{prompt} {stops:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_are_called_and_their_results_answered() {
    let gateway = TestGateway::start().await;
    let tools =
        json!([{ "name": "get_weather", "description": "Weather.", "input_schema": { "type": "object", "properties": { "query": { "type": "string" } } } }]);
    let ask = json!({ "role": "user", "content": "call get_weather in Paris" });
    let called = messages(&gateway, &with(json!({ "tools": tools, "messages": [ask] }))).await.json();
    assert_eq!(called["stop_reason"], "tool_use", "{called}");
    let call = &called["content"][0];
    assert_eq!((call["type"].as_str(), call["name"].as_str(), &call["input"]), (Some("tool_use"), Some("get_weather"), &json!({ "query": "in Paris" })));
    assert!(call["id"].as_str().is_some_and(|id| !id.is_empty()));
    let (_, converse) = last_call(&gateway);
    assert_eq!(converse["toolConfig"]["tools"][0]["toolSpec"]["name"], "get_weather");

    let result = json!({ "role": "user", "content": [{ "type": "tool_result", "tool_use_id": call["id"], "content": [{ "type": "text", "text": "sunny" }] }] });
    let answered =
        messages(&gateway, &with(json!({ "tools": tools, "messages": [ask, { "role": "assistant", "content": called["content"] }, result] }))).await.json();
    assert_eq!((answered["content"][0]["text"].as_str(), answered["stop_reason"].as_str()), (Some("Echo: sunny"), Some("end_turn")), "{answered}");
    let (_, converse) = last_call(&gateway);
    assert_eq!(converse["messages"][1]["content"][0]["toolUse"]["input"], json!({ "query": "in Paris" }));
    assert_eq!(converse["messages"][2]["content"][0]["toolResult"]["content"], json!([{ "text": "sunny" }]));

    // `none` leaves the tools out (the model cannot call one), unless the history needs them.
    let none = messages(&gateway, &with(json!({ "tools": tools, "tool_choice": { "type": "none" }, "messages": [ask] }))).await.json();
    assert_eq!(none["content"][0]["text"], "Echo: call get_weather in Paris");
    assert!(last_call(&gateway).1.get("toolConfig").is_none());
    let refused = messages(
        &gateway,
        &with(json!({ "tools": tools, "tool_choice": { "type": "none" }, "messages": [ask, { "role": "assistant", "content": called["content"] }, result] })),
    )
    .await;
    assert!(anthropic_error(&refused, 400, "invalid_request_error").starts_with("tool_choice.type: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_and_documents_reach_bedrock_as_blocks() {
    let gateway = TestGateway::start().await;
    let content = json!([
        { "type": "image", "source": { "type": "base64", "media_type": "image/png", "data": PNG } },
        { "type": "document", "title": "Q3 report.pdf", "source": { "type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQ=" } },
        { "type": "document", "source": { "type": "text", "media_type": "text/plain", "data": "plain notes" } },
        { "type": "text", "text": "summarise these" },
    ]);
    let response = messages(&gateway, &with(json!({ "messages": [{ "role": "user", "content": content }] }))).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let (_, converse) = last_call(&gateway);
    let blocks = &converse["messages"][0]["content"];
    assert_eq!(blocks[0]["image"], json!({ "format": "png", "source": { "bytes": PNG } }));
    assert_eq!(blocks[1]["document"], json!({ "format": "pdf", "name": "Q3 report pdf", "source": { "bytes": "JVBERi0xLjQ=" } }));
    assert_eq!(blocks[2]["document"], json!({ "format": "txt", "name": "document 2", "source": { "text": "plain notes" } }));
    assert_eq!(blocks[3], json!({ "text": "summarise these" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_control_marks_become_cache_points() {
    let gateway = TestGateway::start().await;
    let ephemeral = json!({ "type": "ephemeral" });
    let request = with(json!({
        "messages": [{ "role": "user", "content": [{ "type": "text", "text": "long context", "cache_control": ephemeral }, { "type": "text", "text": "question" }] }],
    }));
    let response = messages(&gateway, &request).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let (_, converse) = last_call(&gateway);
    let point = json!({ "cachePoint": { "type": "default" } });
    assert_eq!(converse["messages"][0]["content"], json!([{ "text": "long context" }, point, { "text": "question" }]));
    // The first request writes the two words before the point, the same prefix again reads them.
    let usage = |response: &Response| response.json()["usage"].clone();
    assert_eq!(usage(&response), json!({ "input_tokens": 1, "output_tokens": 4, "cache_creation_input_tokens": 2, "cache_read_input_tokens": 0 }));
    let again = messages(&gateway, &request).await;
    assert_eq!(usage(&again), json!({ "input_tokens": 1, "output_tokens": 4, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 2 }));
    // The top-level mark goes after the last block.
    let response = messages(&gateway, &with(json!({ "cache_control": ephemeral }))).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(last_call(&gateway).1["messages"][0]["content"], json!([{ "text": "hello" }, point]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_tokens_asks_bedrock() {
    let gateway = TestGateway::start().await;
    // Claude counts its own body (`claude_native.rs`); a model Bedrock does not count for is
    // Anthropic's 501, final.
    let request = json!({ "model": HAIKU, "system": "be brief", "messages": [{ "role": "user", "content": "how many tokens is this" }] });
    let response = gateway.post("/v1/messages/count_tokens", &request).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json(), json!({ "input_tokens": 7 }));
    let (operation, call) = last_call(&gateway);
    assert_eq!(operation, "CountTokens");
    assert!(call["input"]["invokeModel"]["body"].is_string(), "{call}");
    let nova = gateway.post("/v1/messages/count_tokens", &json!({ "model": "amazon.nova-pro-v1:0", "messages": [{ "role": "user", "content": "x" }] })).await;
    assert!(anthropic_error(&nova, 501, "not_supported").contains("does not count tokens"));
    assert_eq!(nova.header("x-should-retry"), Some("false"));
    // What only a generation takes is refused as Anthropic does, for the translated models.
    let extra = gateway
        .post("/v1/messages/count_tokens", &json!({ "model": "amazon.nova-pro-v1:0", "max_tokens": 5, "messages": [{ "role": "user", "content": "x" }] }))
        .await;
    assert!(anthropic_error(&extra, 400, "invalid_request_error").starts_with("max_tokens: Extra inputs"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bedrock_errors_take_anthropics_statuses() {
    let gateway = TestGateway::start().await;
    let unknown = messages(&gateway, &with(json!({ "model": "vendor.no-such-model-v1:0" }))).await;
    anthropic_error(&unknown, 404, "not_found_error");
    // (Bedrock's error, status, Anthropic's type)
    let cases = [
        ("ThrottlingException", 429, "rate_limit_error"),
        ("ServiceUnavailableException", 529, "overloaded_error"),
        ("AccessDeniedException", 403, "permission_error"),
        ("ValidationException", 400, "invalid_request_error"),
        ("InternalServerException", 500, "api_error"),
    ];
    for (error, status, kind) in cases {
        for stream in [false, true] {
            // Enough for every fallback step of the route.
            gateway.emulator.faults().clear();
            gateway.emulator.faults().push(FaultRule::new(Fault::HttpError { error_type: error.into(), status: None, message: None }).times(10));
            let response = messages(&gateway, &with(json!({ "stream": stream }))).await;
            anthropic_error(&response, status, kind);
        }
    }
    gateway.emulator.faults().clear();
    let wrong_method = send(gateway.addr, "GET", "/v1/messages", &[], Vec::new()).await;
    anthropic_error(&wrong_method, 405, "invalid_request_error");
    let unknown_path = gateway.post("/v1/messages/batches", &json!({})).await;
    anthropic_error(&unknown_path, 404, "not_found_error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_key_is_taken_from_either_header() {
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.client_key = ClientKey::new("k3y")), ..Setup::default() }).await;
    let request = body("hello").to_string().into_bytes();
    let json = ("content-type", "application/json");
    // (headers, status)
    let cases: [(&[(&str, &str)], u16); 5] = [
        (&[json, ("x-api-key", "k3y")], 200),
        (&[json, ("authorization", "Bearer k3y")], 200),
        (&[json], 401),
        (&[json, ("x-api-key", "wrong")], 401),
        (&[json, ("authorization", "k3y")], 401),
    ];
    for (headers, status) in cases {
        let response = send(gateway.addr, "POST", "/v1/messages", headers, request.clone()).await;
        if status == 200 {
            assert_eq!(response.status, 200, "{headers:?}: {}", response.body);
        } else {
            assert!(anthropic_error(&response, 401, "authentication_error").contains("x-api-key"), "{headers:?}");
        }
    }
    // Every route takes both: an OpenAI client's route with Anthropic's header.
    let chat =
        send(gateway.addr, "POST", "/v1/chat/completions", &[json, ("x-api-key", "k3y")], gateway_common::chat_body("hi", false).to_string().into_bytes())
            .await;
    assert_eq!(chat.status, 200, "{}", chat.body);
    let count = send(gateway.addr, "POST", "/v1/messages/count_tokens", &[json], json!({ "model": HAIKU, "messages": [] }).to_string().into_bytes()).await;
    anthropic_error(&count, 401, "authentication_error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_policy_serves_plain_requests_through_its_chat() {
    let gateway = TestGateway::start_with(Setup { policy: TestGuest::AltPolicy.path(), ..Setup::default() }).await;
    let whole = messages(&gateway, &body("hello")).await;
    assert_eq!(whole.status, 200, "{}", whole.body);
    let text = whole.json()["content"][0]["text"].as_str().unwrap_or_default().to_string();
    assert!(text.starts_with("[alt-policy] "), "the policy's chat served it: {text}");
    let streamed = messages(&gateway, &with(json!({ "stream": true }))).await;
    assert_eq!(streamed.status, 200, "{}", streamed.body);
    assert!(
        streamed.body.starts_with("event: message_start\n")
            && streamed.body.contains("[alt-policy]")
            && streamed.body.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"),
        "{}",
        streamed.body
    );
    // What contract 0.1.0 cannot carry is refused by name; it has no CountTokens.
    let calls = runtime_calls(&gateway.emulator).len();
    let cases = [
        (json!({ "max_tokens": 2048, "thinking": { "type": "enabled", "budget_tokens": 1024 } }), "thinking"),
        (json!({ "metadata": { "user_id": "u" } }), "metadata.user_id"),
        (json!({ "cache_control": { "type": "ephemeral" } }), "cache_control"),
    ];
    for (patch, field) in cases {
        let refused = messages(&gateway, &with(patch.clone())).await;
        assert!(anthropic_error(&refused, 400, "invalid_request_error").starts_with(&format!("{field}: ")), "{patch}");
    }
    let count = gateway.post("/v1/messages/count_tokens", &json!({ "model": HAIKU, "messages": [{ "role": "user", "content": "x" }] })).await;
    assert!(anthropic_error(&count, 400, "invalid_request_error").contains("routing plan"));
    assert_eq!(runtime_calls(&gateway.emulator).len(), calls, "nothing refused reached Bedrock");
}
