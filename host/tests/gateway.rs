//! The gateway's OpenAI API against the emulator: models, chat (whole and streamed), tools,
//! every error class to its status, a mid-stream exception, client authentication, malformed
//! input, metrics and the config file's reload.

mod gateway_common;

use bedrock_emulator::{DEFAULT_SECRET_ACCESS_KEY, Fault, FaultRule};
use gateway_common::{MODEL, Setup, TestGateway, chat_body, eventually, send};
use openclaw_host::gateway::ClientKey;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_are_listed_in_the_openai_shape() {
    let gateway = TestGateway::start().await;
    let response = gateway.get("/v1/models").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let list = response.json();
    assert_eq!(list["object"], "list");
    let data = list["data"].as_array().expect("data");
    assert!(!data.is_empty(), "{list}");
    for model in data {
        assert_eq!(model["object"], "model");
        assert!(model["id"].is_string() && model["owned_by"].is_string() && model["created"].is_u64(), "{model}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_completion_is_answered_whole() {
    let gateway = TestGateway::start().await;
    let response = gateway
        .post(
            "/v1/chat/completions",
            &json!({
                "model": MODEL, "max_tokens": 50, "temperature": 0.2, "top_p": 0.9,
                "messages": [{ "role": "system", "content": "be brief" }, { "role": "user", "content": "hello gateway" }]
            }),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["object"], "chat.completion");
    assert!(body["id"].as_str().is_some_and(|id| id.starts_with("chatcmpl-")));
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["choices"][0]["message"], json!({ "role": "assistant", "content": "Echo: hello gateway" }));
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(body["usage"]["completion_tokens"], 3);
    assert!(response.header("openclaw-policy").is_some_and(|p| p.contains("openclaw-default")));

    // max_completion_tokens and stop map to Bedrock's limits.
    let cut = gateway
        .post("/v1/chat/completions", &json!({ "model": MODEL, "max_completion_tokens": 2, "messages": [{ "role": "user", "content": "one two three" }] }))
        .await;
    assert_eq!((cut.text(), cut.json()["choices"][0]["finish_reason"].clone()), ("Echo: one".to_string(), json!("length")));
    let stopped = gateway
        .post("/v1/chat/completions", &json!({ "model": MODEL, "stop": ["three"], "messages": [{ "role": "user", "content": "one two three four" }] }))
        .await;
    assert_eq!(stopped.text(), "Echo: one two");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_completion_streams_chunks_then_done() {
    let gateway = TestGateway::start().await;
    let mut body = chat_body("alpha beta gamma delta", true);
    body["stream_options"] = json!({ "include_usage": true });
    let response = gateway.post("/v1/chat/completions", &body).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    let events = response.events();
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    assert!(events.len() >= 8, "role, five words, finish, usage, done: {events:?}");
    assert_eq!(response.streamed_text(), "Echo: alpha beta gamma delta");
    let chunks: Vec<Value> = events.iter().filter_map(|e| serde_json::from_str(e).ok()).collect();
    assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk" && c["id"] == chunks[0]["id"]));
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    assert!(chunks.iter().any(|c| c["choices"][0]["finish_reason"] == "stop"));
    let usage = chunks.last().expect("usage chunk");
    assert_eq!((usage["choices"].clone(), usage["usage"]["completion_tokens"].clone()), (json!([]), json!(5)));
}

fn weather_tool() -> Value {
    json!([{ "type": "function", "function": { "name": "get_weather", "description": "Weather by city.", "parameters": { "type": "object", "properties": { "query": { "type": "string" } } } } }])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_round_trip_whole_and_streamed() {
    let gateway = TestGateway::start().await;
    let ask = json!({ "role": "user", "content": "please call get_weather in Paris" });
    let response = gateway.post("/v1/chat/completions", &json!({ "model": MODEL, "tools": weather_tool(), "messages": [ask] })).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");
    let call = body["choices"][0]["message"]["tool_calls"][0].clone();
    assert_eq!((call["type"].clone(), call["function"]["name"].clone()), (json!("function"), json!("get_weather")));
    let arguments: Value = serde_json::from_str(call["function"]["arguments"].as_str().expect("arguments")).expect("JSON arguments");
    assert_eq!(arguments, json!({ "query": "in Paris" }));

    // The result goes back as a tool message; the model answers it.
    let assistant = body["choices"][0]["message"].clone();
    let result = json!({ "role": "tool", "tool_call_id": call["id"], "content": "sunny and 21" });
    let answer = gateway.post("/v1/chat/completions", &json!({ "model": MODEL, "tools": weather_tool(), "messages": [ask, assistant, result] })).await;
    assert_eq!((answer.status, answer.text()), (200, "Echo: sunny and 21".to_string()), "{}", answer.body);

    // Streamed: delta.tool_calls with index, id and name first, then argument fragments.
    let streamed = gateway.post("/v1/chat/completions", &json!({ "model": MODEL, "stream": true, "tools": weather_tool(), "messages": [ask] })).await;
    let chunks: Vec<Value> = streamed.events().iter().filter_map(|e| serde_json::from_str(e).ok()).collect();
    let calls: Vec<&Value> = chunks.iter().filter_map(|c| c["choices"][0]["delta"]["tool_calls"].get(0)).collect();
    assert!(calls.len() >= 3, "{}", streamed.body);
    assert_eq!((calls[0]["index"].clone(), calls[0]["id"].clone(), calls[0]["function"]["name"].clone()), (json!(0), call["id"].clone(), json!("get_weather")));
    let arguments: String = calls.iter().filter_map(|c| c["function"]["arguments"].as_str()).collect();
    assert_eq!(serde_json::from_str::<Value>(&arguments).expect("JSON"), json!({ "query": "in Paris" }));
    assert!(chunks.iter().any(|c| c["choices"][0]["finish_reason"] == "tool_calls"));
    assert_eq!(streamed.events().last().map(String::as_str), Some("[DONE]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_arrive_as_data_urls() {
    let gateway = TestGateway::start().await;
    let content = json!([{ "type": "text", "text": "what is this" }, { "type": "image_url", "image_url": { "url": "data:image/png;base64,iVBORw0KGgo=" } }]);
    let response = gateway.post("/v1/chat/completions", &json!({ "model": MODEL, "messages": [{ "role": "user", "content": content }] })).await;
    assert_eq!((response.status, response.text()), (200, "Echo: what is this".to_string()), "{}", response.body);
    assert_eq!(response.json()["usage"]["prompt_tokens"], 103, "an image counts 100 tokens in the emulator");
    // What reached Bedrock: the text block, then the image as an image block with its bytes.
    let calls = gateway_common::runtime_calls(&gateway.emulator);
    let sent = &calls.last().expect("a Bedrock call").1["messages"][0]["content"];
    assert_eq!(sent, &json!([{ "text": "what is this" }, { "image": { "format": "png", "source": { "bytes": "iVBORw0KGgo=" } } }]), "{sent}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_class_gets_its_status_whole_and_streamed() {
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.request_timeout = Duration::from_millis(1500)), ..Setup::default() }).await;
    let faults: [(&str, Option<&str>, u16, &str); 8] = [
        ("ThrottlingException", None, 429, "rate_limit_exceeded"),
        ("AccessDeniedException", None, 403, "permission_denied"),
        ("ServiceUnavailableException", None, 503, "overloaded"),
        ("ValidationException", None, 400, "invalid_request"),
        ("ValidationException", Some("Input is too long for requested model."), 400, "context_length_exceeded"),
        ("ModelErrorException", None, 502, "model_error"),
        ("InternalServerException", None, 502, "unknown"),
        ("ResourceNotFoundException", None, 404, "model_not_found"),
    ];
    for stream in [false, true] {
        for (error_type, message, status, code) in faults {
            gateway.emulator.faults().clear();
            let fault = Fault::HttpError { error_type: error_type.into(), status: None, message: message.map(str::to_string) };
            gateway.emulator.faults().push(FaultRule::new(fault).times(10));
            let response = gateway.chat("hello", stream).await;
            assert_eq!(response.status, status, "{error_type} (stream {stream}): {}", response.body);
            let error = &response.json()["error"];
            assert_eq!(error["code"], code, "{error_type}: {error}");
            assert!(error["message"].is_string() && error["type"].is_string() && error.get("param").is_some(), "{error}");
        }
    }
    gateway.emulator.faults().clear();
    // Unknown model, and a call that outlives its time limit.
    let unknown =
        gateway.post("/v1/chat/completions", &json!({ "model": "vendor.no-such-model-v1:0", "messages": [{ "role": "user", "content": "hi" }] })).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    // Bedrock never answers: the limit fires however loaded the machine is.
    gateway.emulator.faults().push(FaultRule::new(Fault::Hang));
    let slow = gateway.chat("hi", false).await;
    assert_eq!(slow.status, 504, "{}", slow.body);
    gateway.emulator.faults().clear();
    assert!(!format!("{unknown:?}{slow:?}").contains(DEFAULT_SECRET_ACCESS_KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exception_mid_stream_ends_it_with_an_error_event() {
    let gateway = TestGateway::start().await;
    let exception = Fault::ExceptionAfter { events: 3, exception_type: "modelStreamErrorException".into(), message: Some("the model fell over".into()) };
    gateway.emulator.faults().push(FaultRule::new(exception).operation("ConverseStream").times(10));
    let response = gateway.chat("alpha beta gamma delta epsilon", true).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let events = response.events();
    let last: Value = serde_json::from_str(events.last().expect("events")).expect("JSON error event");
    assert_eq!(last["error"]["code"], "model_error", "{last}");
    assert!(last["error"]["message"].as_str().is_some_and(|m| m.contains("the model fell over")));
    assert!(!events.iter().any(|e| e == "[DONE]"));
    assert!(response.streamed_text().starts_with("Echo:"), "what was sent before stays: {events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_authentication_guards_everything_but_health() {
    let open = TestGateway::start().await;
    assert_eq!(open.chat("hi", false).await.status, 200, "no key configured: open");
    assert_eq!(open.post("/admin/policy", &json!({})).await.status, 404, "admin exists only with client auth");

    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.client_key = ClientKey::new("k3y-for-tests")), ..Setup::default() }).await;
    let body = chat_body("hi", false).to_string().into_bytes();
    let json = ("content-type", "application/json");
    let cases: [(&[(&str, &str)], u16); 4] = [
        (&[json], 401),
        (&[json, ("authorization", "Bearer wrong")], 401),
        (&[json, ("authorization", "Basic k3y-for-tests")], 401),
        (&[json, ("authorization", "Bearer k3y-for-tests")], 200),
    ];
    for (headers, status) in cases {
        let response = send(gateway.addr, "POST", "/v1/chat/completions", headers, body.clone()).await;
        assert_eq!(response.status, status, "{headers:?}: {}", response.body);
        assert!(!response.body.contains("k3y-for-tests"));
        if status == 401 {
            assert_eq!(response.json()["error"]["code"], "invalid_api_key");
        }
    }
    assert_eq!(gateway.get("/healthz").await.status, 200);
    assert_eq!(gateway.get("/metrics").await.status, 401);
    let reload = send(gateway.addr, "POST", "/admin/policy", &[("authorization", "Bearer k3y-for-tests")], Vec::new()).await;
    assert_eq!(reload.status, 200, "{}", reload.body);
    assert!(reload.json()["policy"].as_str().is_some_and(|p| p.contains("openclaw-default")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_refused_and_the_gateway_serves_on() {
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.max_body_bytes = 1 << 20), ..Setup::default() }).await;
    let json = [("content-type", "application/json")];
    let huge = format!("{{\"messages\": [{{\"role\": \"user\", \"content\": \"{}\"}}]}}", "a".repeat(2 << 20));
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Vec<u8>, u16);
    let cases: Vec<Case> = vec![
        ("POST", "/v1/chat/completions", json.to_vec(), b"{not json".to_vec(), 400),
        ("POST", "/v1/chat/completions", json.to_vec(), b"".to_vec(), 400),
        ("POST", "/v1/chat/completions", json.to_vec(), b"[1,2,3]".to_vec(), 400),
        ("POST", "/v1/chat/completions", json.to_vec(), b"{\"messages\": \"hi\"}".to_vec(), 400),
        ("POST", "/v1/chat/completions", json.to_vec(), b"{\"messages\": [{\"role\": \"user\"}]}".to_vec(), 400),
        ("POST", "/v1/chat/completions", json.to_vec(), vec![0xff, 0xfe, 0x00], 400),
        ("POST", "/v1/chat/completions", json.to_vec(), b"{\"model\": 7, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}".to_vec(), 400),
        ("POST", "/v1/chat/completions", json.to_vec(), huge.into_bytes(), 413),
        ("POST", "/v1/chat/completions", vec![("content-type", "text/plain")], b"{}".to_vec(), 415),
        ("POST", "/v1/chat/completions", vec![("content-type", "multipart/form-data")], b"--x".to_vec(), 415),
        ("GET", "/v1/chat/completions", vec![], vec![], 405),
        ("DELETE", "/v1/models", vec![], vec![], 405),
        ("GET", "/v1/nothing", vec![], vec![], 404),
        ("GET", "/../../etc/passwd", vec![], vec![], 404),
    ];
    for (method, path, headers, body, status) in cases {
        let response = send(gateway.addr, method, path, &headers, body).await;
        assert_eq!(response.status, status, "{method} {path}: {}", response.body);
        let error = response.json();
        assert!(error["error"]["message"].is_string(), "{error}");
    }
    let bad_model = gateway.post("/v1/chat/completions", &json!({ "model": "openai/gpt-5", "messages": [{ "role": "user", "content": "x" }] })).await;
    assert_eq!(bad_model.status, 400, "a reference the policy refuses: {}", bad_model.body);
    assert_eq!(gateway.chat("still here", false).await.text(), "Echo: still here");
    assert_eq!(gateway.get("/healthz").await.json()["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_tokens_and_first_tokens() {
    let gateway = TestGateway::start().await;
    assert_eq!(gateway.chat("one two", false).await.status, 200);
    assert_eq!(gateway.chat("three four", true).await.status, 200);
    assert_eq!(gateway.get("/v1/nothing").await.status, 404);
    let ready = gateway.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    let metrics = gateway.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    let text = metrics.body;
    assert!(text.contains(&format!("openclaw_gateway_requests_total{{route=\"/v1/chat/completions\",status=\"200\",model=\"{MODEL}\"}} 2")), "{text}");
    assert!(text.contains("openclaw_gateway_requests_total{route=\"other\",status=\"404\",model=\"\"} 1"), "{text}");
    assert!(text.contains("openclaw_gateway_time_to_first_token_seconds_count 2"), "{text}");
    assert!(text.contains("openclaw_gateway_tokens_total{kind=\"output\"} 6"), "{text}");
    assert!(text.contains("openclaw_gateway_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"+Inf\"} 2"), "{text}");
    assert!(text.contains("openclaw_gateway_policy_swaps_total{outcome=\"ok\"} 0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_file_is_reread_when_it_changes() {
    let config = |model: &str| format!("{{ model: 'bedrock/{model}' }}");
    let gateway = TestGateway::start_with(Setup { config: Some(config(MODEL)), ..Setup::default() }).await;
    let no_model = json!({ "messages": [{ "role": "user", "content": "which model" }] });
    let first = gateway.post("/v1/chat/completions", &no_model).await;
    assert_eq!((first.status, first.json()["model"].clone()), (200, json!(MODEL)), "{}", first.body);
    let other = "mistral.mistral-large-2407-v1:0";
    std::fs::write(&gateway.config_file, config(other)).expect("rewrite the config");
    let switched = eventually(Duration::from_secs(30), async || {
        gateway.post("/v1/chat/completions", &no_model).await.json()["model"].as_str().is_some_and(|m| m.contains("mistral-large"))
    })
    .await;
    assert!(switched, "requests use the new default model after the config changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_in_flight_limit_get_503() {
    let gateway = std::sync::Arc::new(TestGateway::start_with(Setup { options: Box::new(|o| o.max_in_flight = 1), ..Setup::default() }).await);
    // The first request holds the only slot until the test releases it at Bedrock.
    gateway.emulator.faults().push(FaultRule::new(Fault::Hold).operation("ConverseStream").times(1));
    let slow = {
        let gateway = std::sync::Arc::clone(&gateway);
        tokio::spawn(async move { gateway.chat("one two three", true).await })
    };
    gateway.emulator.faults().wait_held(1).await;
    let busy = gateway.chat("x", false).await;
    assert_eq!((busy.status, busy.json()["error"]["code"].clone()), (503, json!("overloaded")), "{}", busy.body);
    let busy = gateway.get("/v1/models").await;
    assert_eq!((busy.status, busy.json()["error"]["code"].clone()), (503, json!("overloaded")));
    gateway.emulator.faults().release_held();
    assert_eq!(slow.await.expect("task").streamed_text(), "Echo: one two three");
    assert_eq!(gateway.chat("free again", false).await.text(), "Echo: free again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_refused_for_its_size_is_read_off_so_its_413_arrives() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let gateway = TestGateway::start().await;
    let mut stream = tokio::net::TcpStream::connect(gateway.addr).await.expect("connect");
    let head = format!("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", 1u64 << 40);
    stream.write_all(head.as_bytes()).await.expect("head");
    // 4 MiB, far more than socket buffers hold: had the gateway closed with them unread, the
    // connection would be reset and these writes (or the answer) would fail.
    let chunk = vec![b' '; 64 << 10];
    for _ in 0..64 {
        stream.write_all(&chunk).await.expect("the gateway reads the refused body off");
    }
    let mut answer = [0u8; 12];
    stream.read_exact(&mut answer).await.expect("an answer");
    assert_eq!(&answer, b"HTTP/1.1 413", "{}", String::from_utf8_lossy(&answer));
}

/// (method, path, headers, body, status)
type RouteCase<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], Vec<u8>, u16);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_names_the_policy_that_answered() {
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.client_key = ClientKey::new("k3y-for-tests")), ..Setup::default() }).await;
    let key = ("authorization", "Bearer k3y-for-tests");
    let json = ("content-type", "application/json");
    let chat = chat_body("hi", false).to_string().into_bytes();
    let cases: [RouteCase; 9] = [
        ("POST", "/v1/chat/completions", &[key, json], chat.clone(), 200),
        ("POST", "/v1/chat/completions", &[key, json], b"{".to_vec(), 400),
        ("POST", "/v1/chat/completions", &[json], chat, 401),
        ("GET", "/v1/models", &[key], Vec::new(), 200),
        ("GET", "/healthz", &[], Vec::new(), 200),
        ("GET", "/readyz", &[], Vec::new(), 200),
        ("GET", "/metrics", &[key], Vec::new(), 200),
        ("GET", "/v1/nothing", &[key], Vec::new(), 404),
        ("DELETE", "/v1/models", &[key], Vec::new(), 405),
    ];
    for (method, path, headers, body, status) in cases {
        let response = send(gateway.addr, method, path, headers, body).await;
        assert_eq!(response.status, status, "{method} {path}: {}", response.body);
        let policy = response.header("openclaw-policy").unwrap_or_default();
        assert!(policy.starts_with("openclaw-default ") && policy.contains("contract openclaw:bedrock@0.3.0"), "{method} {path}: {policy:?}");
    }
}
