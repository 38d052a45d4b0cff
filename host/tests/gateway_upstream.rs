//! What the gateway sends to Bedrock and what it does when Bedrock or the client misbehaves,
//! seen from the emulator's request log: the OpenAI parameters in the Converse request, the
//! operation per `stream`, a streamed timeout, a client leaving mid-stream, readiness without
//! credentials, the admin reload's refusals, and `/v1/models?refresh=true`.

mod gateway_common;

use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{MODEL, Setup, TestGateway, chat_body, runtime_calls, send};
use openclaw_host::gateway::ClientKey;
use openclaw_test_support::TestGuest;
use serde_json::{Value, json};
use std::time::Duration;

/// Whether a JSON number is `expected` as an `f32` the SDK carried (0.2 arrives as 0.2000000029...).
fn near(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-6)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sampling_parameters_system_prompt_and_stop_sequences_reach_bedrock() {
    let gateway = TestGateway::start().await;
    for stream in [false, true] {
        gateway.emulator.log().clear();
        let request = json!({
            "model": MODEL, "stream": stream, "max_tokens": 50, "temperature": 0.2, "top_p": 0.9, "stop": ["zzz", "yyy"],
            "messages": [{ "role": "system", "content": "be brief" }, { "role": "user", "content": "hello gateway" }]
        });
        let response = gateway.post("/v1/chat/completions", &request).await;
        assert_eq!(response.status, 200, "stream {stream}: {}", response.body);
        let calls = runtime_calls(&gateway.emulator);
        assert_eq!(calls.len(), 1, "one Bedrock call (stream {stream}): {calls:?}");
        let body = &calls[0].1;
        let config = &body["inferenceConfig"];
        assert_eq!(config["maxTokens"], 50, "stream {stream}: {body}");
        assert!(near(&config["temperature"], 0.2), "temperature (stream {stream}): {body}");
        assert!(near(&config["topP"], 0.9), "top_p (stream {stream}): {body}");
        assert_eq!(config["stopSequences"], json!(["zzz", "yyy"]), "stream {stream}: {body}");
        assert_eq!(body["system"], json!([{ "text": "be brief" }]), "the system message is Bedrock's system prompt (stream {stream}): {body}");
        assert_eq!(body["messages"], json!([{ "role": "user", "content": [{ "text": "hello gateway" }] }]), "stream {stream}: {body}");
    }
    // Parameters the client left out are not sent: Bedrock's own defaults apply.
    gateway.emulator.log().clear();
    assert_eq!(gateway.chat("plain", false).await.status, 200);
    let calls = runtime_calls(&gateway.emulator);
    let config = &calls[0].1["inferenceConfig"];
    for absent in ["temperature", "topP", "stopSequences"] {
        assert!(config.get(absent).is_none(), "{absent} not sent: {}", calls[0].1);
    }
    assert!(calls[0].1.get("system").is_none_or(|system| system == &json!([])), "no system prompt: {}", calls[0].1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_false_calls_converse_and_stream_true_calls_converse_stream() {
    let gateway = TestGateway::start().await;
    for (stream, operation) in [(false, "Converse"), (true, "ConverseStream")] {
        gateway.emulator.log().clear();
        let response = gateway.chat("which operation", stream).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let operations: Vec<String> = runtime_calls(&gateway.emulator).into_iter().map(|(operation, _)| operation).collect();
        assert_eq!(operations, vec![operation.to_string()], "stream {stream}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_outlives_the_time_limit_ends_with_a_timeout_event() {
    // The stream is held until the end of the test: the limit fires whatever the machine's load.
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.request_timeout = Duration::from_secs(1)), ..Setup::default() }).await;
    gateway.emulator.faults().push(FaultRule::new(Fault::HoldAfter { events: 3 }).operation("ConverseStream"));
    let response = gateway.chat("alpha beta gamma delta", true).await;
    gateway.emulator.faults().release_held();
    assert_eq!(response.status, 200, "the headers went out before the limit: {}", response.body);
    let events = response.events();
    let last: Value = serde_json::from_str(events.last().expect("events")).expect("a JSON error event");
    assert_eq!(last["error"]["code"], "timeout", "{events:?}");
    assert!(!events.iter().any(|e| e == "[DONE]"), "{events:?}");
    assert!(response.streamed_text().starts_with("Echo:"), "what was sent before stays: {events:?}");

    // Whole: 504.
    gateway.emulator.faults().push(FaultRule::new(Fault::Hang));
    let whole = gateway.chat("hi", false).await;
    assert_eq!((whole.status, whole.json()["error"]["code"].clone()), (504, json!("timeout")), "{}", whole.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_is_503_when_no_credentials_resolve() {
    let gateway = TestGateway::start_with(Setup { keys: false, ..Setup::default() }).await;
    let ready = gateway.get("/readyz").await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert_eq!(ready.json()["status"], "not_ready", "{}", ready.body);
    assert!(ready.json()["reason"].as_str().is_some_and(|r| !r.is_empty()), "{}", ready.body);
    assert_eq!(gateway.get("/healthz").await.status, 200, "alive all the same");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_reload_refuses_without_a_policy_file_and_keeps_serving_on_a_bad_one() {
    let key = ("authorization", "Bearer admin-key");
    let embedded = TestGateway::start_with(Setup {
        options: Box::new(|o| {
            o.client_key = ClientKey::new("admin-key");
            o.policy_file = None;
        }),
        ..Setup::default()
    })
    .await;
    let conflict = send(embedded.addr, "POST", "/admin/policy", &[key], Vec::new()).await;
    assert_eq!((conflict.status, conflict.json()["error"]["code"].clone()), (409, json!("no_policy_file")), "{}", conflict.body);

    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.client_key = ClientKey::new("admin-key")), ..Setup::default() }).await;
    std::fs::copy(TestGuest::Refuses.path(), &gateway.policy_file).expect("a refused policy in the file");
    let refused = send(gateway.addr, "POST", "/admin/policy", &[key], Vec::new()).await;
    assert_eq!((refused.status, refused.json()["error"]["code"].clone()), (422, json!("policy_refused")), "{}", refused.body);
    let chat =
        send(gateway.addr, "POST", "/v1/chat/completions", &[key, ("content-type", "application/json")], chat_body("after", false).to_string().into_bytes())
            .await;
    assert_eq!((chat.status, chat.text()), (200, "Echo: after".to_string()), "the previous policy serves on: {}", chat.body);
    assert!(chat.header("openclaw-policy").is_some_and(|p| p.contains("openclaw-default")), "{:?}", chat.headers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_list_is_cached_until_refresh_is_asked_for() {
    let gateway = TestGateway::start().await;
    let listings = || gateway.emulator.request_log().iter().filter(|e| e.operation == "ListFoundationModels").count();
    assert_eq!(gateway.get("/v1/models").await.status, 200);
    let first = listings();
    assert!(first >= 1, "the first list asks Bedrock");
    assert_eq!(gateway.get("/v1/models").await.status, 200);
    assert_eq!(listings(), first, "the second list comes from the cache");
    for query in ["refresh=true", "refresh=1"] {
        let before = listings();
        let refreshed = gateway.get(&format!("/v1/models?{query}")).await;
        assert_eq!(refreshed.status, 200, "{}", refreshed.body);
        assert!(listings() > before, "?{query} asks Bedrock again");
    }
    let after = listings();
    for path in ["/v1/models", "/v1/models?refresh=false"] {
        assert_eq!(gateway.get(path).await.status, 200);
        assert_eq!(listings(), after, "{path}: the refreshed list is cached in turn");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_stream_frees_its_slot_at_once() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    // One request slot; Bedrock's stream sends two events and is then held until the end of the
    // test, so no further upstream event can be what frees the slot.
    let gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.max_in_flight = 1), ..Setup::default() }).await;
    gateway.emulator.faults().push(FaultRule::new(Fault::HoldAfter { events: 2 }).operation("ConverseStream"));
    let body = chat_body("leave early", true).to_string();
    let mut client = tokio::net::TcpStream::connect(gateway.addr).await.expect("connect");
    let request =
        format!("POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len());
    client.write_all(request.as_bytes()).await.expect("send");
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("data: ") {
        let read = tokio::time::timeout(Duration::from_secs(30), client.read(&mut buffer)).await.expect("the stream starts").expect("read");
        assert!(read > 0, "the gateway closed the stream: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buffer[..read]);
    }
    gateway.emulator.faults().wait_held(1).await;
    let busy = gateway.chat("while the slot is taken", false).await;
    assert_eq!(busy.status, 503, "the one slot is taken by the stream: {}", busy.body);
    drop(client);
    // The slot is freed by the client leaving, not by Bedrock (still held).
    let freed = gateway_common::eventually(Duration::from_secs(20), async || gateway.chat("after the client left", false).await.status == 200).await;
    gateway.emulator.faults().release_held();
    assert!(freed, "the abandoned stream still holds the only slot");
}
