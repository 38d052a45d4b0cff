//! What the gateway tells its operators about each request, seen from outside: the
//! `x-request-id` on every response, the access log's one JSON line per request (whole,
//! streamed, failed, abandoned by its client), the traces an OTLP/HTTP collector receives (host/tests/telemetry_collector.rs: every transport),
//! and `/readyz` while the gateway drains before shutdown.

mod gateway_common;

use bedrock_emulator::{DEFAULT_SECRET_ACCESS_KEY, Fault, FaultRule};
use gateway_common::{MODEL, Response, Setup, TestGateway, chat_body, eventually, send};
use openclaw_host::gateway::ClientKey;
use openclaw_host::telemetry::access_log::{AccessLog, Sink};
use openclaw_host::telemetry::otlp::OtlpConfig;
use openclaw_test_support::otlp_collector::{OtlpCollector, Transport, attributes};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The client key of these tests: it must never appear in a log line or a span.
const KEY: &str = "k3y-telemetry-never-logged";
const AUTH: (&str, &str) = ("authorization", "Bearer k3y-telemetry-never-logged");
const JSON: (&str, &str) = ("content-type", "application/json");
/// Longest wait for a line or a span: only so that a broken build fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(30);

/// A gateway with client authentication, its access log in `dir`, and traces to `otlp`.
async fn gateway(dir: &Path, otlp: Option<&str>) -> (TestGateway, PathBuf) {
    let log = dir.join("access.jsonl");
    let access_log = AccessLog::open(Sink::File(log.clone())).expect("the access log opens");
    let otlp = otlp.map(|endpoint| OtlpConfig { interval: Duration::from_millis(50), ..OtlpConfig::new(endpoint) });
    let options = move |o: &mut openclaw_host::gateway::GatewayOptions| {
        o.client_key = ClientKey::new(KEY);
        o.access_log = access_log;
        o.otlp = otlp;
    };
    (TestGateway::start_with(Setup { options: Box::new(options), ..Setup::default() }).await, log)
}

async fn chat(gateway: &TestGateway, body: &Value, headers: &[(&str, &str)]) -> Response {
    let mut all = vec![JSON, AUTH];
    all.extend_from_slice(headers);
    send(gateway.addr, "POST", "/v1/chat/completions", &all, body.to_string().into_bytes()).await
}

/// The access-log lines written so far.
fn lines(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log).unwrap_or_default().lines().map(|line| serde_json::from_str(line).expect("each line is one JSON object")).collect()
}

/// The access-log line of `request_id`, once written.
async fn line_of(log: &Path, request_id: &str) -> Value {
    let found = eventually(PATIENCE, async || lines(log).iter().any(|l| l["request_id"] == request_id)).await;
    assert!(found, "no access-log line for {request_id}: {:?}", std::fs::read_to_string(log));
    let mut matching: Vec<Value> = lines(log).into_iter().filter(|l| l["request_id"] == request_id).collect();
    assert_eq!(matching.len(), 1, "one line per request: {matching:?}");
    matching.remove(0)
}

fn body_for(model: &str, prompt: &str, stream: bool) -> Value {
    json!({ "model": model, "stream": stream, "messages": [{ "role": "user", "content": prompt }] })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_gets_one_access_log_line_without_prompt_or_key() {
    let dir = tempfile::tempdir().expect("dir");
    let (gateway, log) = gateway(dir.path(), None).await;
    let key_id = ClientKey::new(KEY).expect("key").id();
    let throttled = || Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None };
    let exception = Fault::ExceptionAfter { events: 3, exception_type: "modelStreamErrorException".into(), message: None };
    // (request id, model, stream, fault, status, error class, target called, tokens counted,
    // a first token came)
    type Case = (&'static str, &'static str, bool, Option<Fault>, u16, Option<&'static str>, Option<&'static str>, bool, bool);
    let cases: Vec<Case> = vec![
        ("whole-1", MODEL, false, None, 200, None, Some(MODEL), true, true),
        ("stream-1", MODEL, true, None, 200, None, Some(MODEL), true, true),
        ("unknown-1", "meta.llama9-v1:0", false, None, 404, Some("model_not_found"), None, false, false),
        ("throttled-1", MODEL, false, Some(throttled()), 429, Some("rate_limit_exceeded"), Some(MODEL), false, false),
        ("throttled-2", MODEL, true, Some(throttled()), 429, Some("rate_limit_exceeded"), Some(MODEL), false, false),
        ("mid-stream-1", MODEL, true, Some(exception), 200, Some("model_error"), Some(MODEL), false, true),
    ];
    let mut prompts = Vec::new();
    for (request_id, model, stream, fault, status, class, target, tokens, first_token) in cases {
        gateway.emulator.faults().clear();
        if let Some(fault) = fault {
            gateway.emulator.faults().push(FaultRule::new(fault).times(10));
        }
        let prompt = format!("secret prompt text of {request_id}");
        let response = chat(&gateway, &body_for(model, &prompt, stream), &[("x-request-id", request_id)]).await;
        assert_eq!(response.status, status, "{request_id}: {}", response.body);
        assert_eq!(response.header("x-request-id"), Some(request_id), "{request_id}: the client's id is echoed");
        let line = line_of(&log, request_id).await;
        let expected = json!({
            "request_id": request_id, "client_key_id": key_id, "method": "POST", "route": "/v1/chat/completions",
            "model_requested": model, "target": target, "stream": stream, "status": status, "error_class": class,
        });
        for (field, value) in expected.as_object().expect("object") {
            assert_eq!(&line[field], value, "{request_id}: {field} in {line}");
        }
        assert_eq!(line["region"].as_str(), target.map(|_| "us-east-1"), "{request_id}: {line}");
        assert!(line["policy"].as_str().is_some_and(|p| p.starts_with("openclaw-default ")), "{request_id}: {line}");
        assert!(line["policy_digest"].as_str().is_some_and(|d| d.len() == 64), "{request_id}: {line}");
        assert!(line["plan_version"].as_u64().is_some(), "{request_id}: the plan that served it: {line}");
        assert!(line["time"].as_str().is_some_and(|t| t.ends_with('Z')) && line["latency_ms"].is_u64(), "{request_id}: {line}");
        assert_eq!(line["tokens_in"].as_u64().is_some() && line["tokens_out"].as_u64().is_some(), tokens, "{request_id}: {line}");
        assert_eq!(line["ttft_ms"].is_u64(), first_token, "{request_id}: the first token's time when one came: {line}");
        prompts.push(prompt);
    }
    gateway.emulator.faults().clear();
    // Requests the gateway refuses itself are logged too, without the key they lacked.
    let refused = send(gateway.addr, "POST", "/v1/chat/completions", &[JSON, ("x-request-id", "no-key-1")], b"{}".to_vec()).await;
    assert_eq!(refused.status, 401);
    let line = line_of(&log, "no-key-1").await;
    assert_eq!((line["status"].as_u64(), line["error_class"].as_str(), &line["client_key_id"]), (Some(401), Some("invalid_api_key"), &Value::Null));
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(!text.contains(KEY) && !text.contains(DEFAULT_SECRET_ACCESS_KEY), "a secret in the access log: {text}");
    for prompt in &prompts {
        assert!(!text.contains(prompt.as_str()) && !text.contains("secret prompt"), "prompt text in the access log: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_stream_is_logged_when_it_leaves() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let dir = tempfile::tempdir().expect("dir");
    let (gateway, log) = gateway(dir.path(), None).await;
    // Two events, then Bedrock holds the stream until the end of the test: only the client
    // leaving can end it.
    gateway.emulator.faults().push(FaultRule::new(Fault::HoldAfter { events: 2 }).operation("ConverseStream"));
    let body = chat_body("leave early", true).to_string();
    let mut client = tokio::net::TcpStream::connect(gateway.addr).await.expect("connect");
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\nauthorization: Bearer {KEY}\r\nx-request-id: leaver-1\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    client.write_all(request.as_bytes()).await.expect("send");
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    // Two frames (the role, then the first text): the first token has passed through the
    // gateway, so its time is in the line whenever the client leaves after this.
    while String::from_utf8_lossy(&seen).matches("data: ").count() < 2 {
        let read = tokio::time::timeout(PATIENCE, client.read(&mut buffer)).await.expect("the stream starts").expect("read");
        assert!(read > 0, "the gateway closed the stream: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buffer[..read]);
    }
    assert!(String::from_utf8_lossy(&seen).to_ascii_lowercase().contains("x-request-id: leaver-1"), "{}", String::from_utf8_lossy(&seen));
    gateway.emulator.faults().wait_held(1).await;
    assert!(lines(&log).iter().all(|l| l["request_id"] != "leaver-1"), "a stream is logged when it ends, not when it starts");
    drop(client);
    let line = line_of(&log, "leaver-1").await;
    gateway.emulator.faults().release_held();
    assert_eq!((line["status"].as_u64(), line["stream"].as_bool(), line["error_class"].as_str()), (Some(200), Some(true), Some("client_closed")), "{line}");
    assert!(line["ttft_ms"].is_u64(), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_id_is_kept_when_sane_and_made_otherwise_on_every_route() {
    let dir = tempfile::tempdir().expect("dir");
    let (gateway, log) = gateway(dir.path(), None).await;
    let long = "x".repeat(129);
    let whole = chat_body("hi", false).to_string().into_bytes();
    let streamed = chat_body("hi", true).to_string().into_bytes();
    // (method, path, body, authenticated, status)
    let routes: [(&str, &str, &[u8], bool, u16); 8] = [
        ("POST", "/v1/chat/completions", &whole, true, 200),
        ("POST", "/v1/chat/completions", &streamed, true, 200),
        ("POST", "/v1/chat/completions", &whole, false, 401),
        ("GET", "/v1/models", b"", true, 200),
        ("GET", "/healthz", b"", false, 200),
        ("GET", "/readyz", b"", false, 200),
        ("GET", "/metrics", b"", true, 200),
        ("GET", "/v1/nothing", b"", true, 404),
    ];
    // (the x-request-id sent, whether it is kept)
    let ids: [(Option<&str>, bool); 4] = [(Some("req-0f8fad5b-d9cb"), true), (None, false), (Some("has space"), false), (Some(long.as_str()), false)];
    let mut made = Vec::new();
    for (method, path, body, authenticated, status) in routes {
        for (sent, kept) in ids {
            let mut headers = vec![JSON];
            headers.extend(authenticated.then_some(AUTH));
            headers.extend(sent.map(|id| ("x-request-id", id)));
            let response = send(gateway.addr, method, path, &headers, body.to_vec()).await;
            assert_eq!(response.status, status, "{method} {path}: {}", response.body);
            let echoed = response.header("x-request-id").unwrap_or_else(|| panic!("{method} {path} {sent:?}: no x-request-id"));
            if kept {
                assert_eq!(Some(echoed), sent, "{method} {path}");
            } else {
                assert!(echoed.len() == 32 && echoed.chars().all(|c| c.is_ascii_hexdigit()), "{method} {path} {sent:?}: made {echoed}");
                made.push(echoed.to_string());
            }
        }
    }
    let unique: std::collections::HashSet<&String> = made.iter().collect();
    assert_eq!(unique.len(), made.len(), "every made id is new");
    // The made id is the one the access log carries.
    let line = line_of(&log, made.last().expect("made ids")).await;
    assert_eq!(line["route"], "/v1/nothing", "{line}");
}

fn named(spans: &[Value], kind: u64) -> &Value {
    spans.iter().find(|s| s["kind"].as_u64() == Some(kind)).unwrap_or_else(|| panic!("no span of kind {kind}: {spans:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_is_a_trace_with_the_policy_decision_and_the_bedrock_call() {
    const SERVER: u64 = 2;
    const INTERNAL: u64 = 1;
    const CLIENT: u64 = 3;
    let collector = OtlpCollector::start(Transport::Http, false).await;
    let dir = tempfile::tempdir().expect("dir");
    let (gateway, log) = gateway(dir.path(), Some(&collector.endpoint)).await;
    let (caller_trace, caller_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let traceparent = format!("00-{caller_trace}-{caller_span}-01");
    // (request id, model, stream, fault, status, decided without a wasm call, error type)
    type Case<'a> = (&'a str, &'a str, bool, Option<Fault>, u16, bool, Option<&'a str>);
    let throttled = Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None };
    let cases: [Case; 4] = [
        ("plan-hit", MODEL, false, None, 200, true, None),
        ("policy-miss", "bedrock/amazon.nova-pro-v1:0", true, None, 200, false, None),
        ("unknown", "meta.llama9-v1:0", false, None, 404, false, Some("model_not_found")),
        ("throttled", MODEL, true, Some(throttled), 429, true, Some("rate_limit_exceeded")),
    ];
    for (request_id, model, stream, fault, status, from_plan, error) in cases {
        gateway.emulator.faults().clear();
        if let Some(fault) = fault {
            gateway.emulator.faults().push(FaultRule::new(fault).times(10));
        }
        let mut headers = vec![("x-request-id", request_id)];
        if request_id == "plan-hit" {
            headers.push(("traceparent", traceparent.as_str()));
        }
        let response = chat(&gateway, &body_for(model, "a prompt never traced", stream), &headers).await;
        assert_eq!(response.status, status, "{request_id}: {}", response.body);
        let called = error != Some("model_not_found");
        let spans = collector.trace_of(request_id, if called { 3 } else { 2 }, PATIENCE).await;
        assert_eq!(spans.len(), if called { 3 } else { 2 }, "{request_id}: {spans:#?}");
        let server = named(&spans, SERVER);
        let decision = named(&spans, INTERNAL);
        let (server_attributes, decision_attributes) = (attributes(server), attributes(decision));
        assert_eq!(server["name"], "POST /v1/chat/completions", "{request_id}");
        assert_eq!(server["service"], "openclaw-gateway", "{request_id}");
        assert_eq!(server_attributes["http.response.status_code"], json!(status), "{request_id}");
        assert_eq!(server_attributes["gen_ai.operation.name"], "chat", "{request_id}");
        assert_eq!(server_attributes["gen_ai.request.model"], model, "{request_id}");
        assert_eq!(decision["parentSpanId"], server["spanId"], "{request_id}: the decision is the request's child");
        assert_eq!(decision_attributes["openclaw.policy.wasm_call"], json!(!from_plan), "{request_id}: {decision_attributes:?}");
        assert_eq!(decision_attributes["openclaw.route.source"], if from_plan { "plan" } else { "policy" }, "{request_id}");
        match error {
            Some(class) => {
                assert_eq!((server["status"]["code"].as_u64(), &server_attributes["error.type"]), (Some(2), &json!(class)), "{request_id}: {server}");
            }
            None => assert!(server["status"].get("code").is_none() && !server_attributes.contains_key("error.type"), "{request_id}: {server}"),
        }
        if request_id == "plan-hit" {
            assert_eq!((server["traceId"].as_str(), server["parentSpanId"].as_str()), (Some(caller_trace), Some(caller_span)), "the caller's trace continues");
            let line = line_of(&log, request_id).await;
            assert_eq!(line["trace_id"], caller_trace, "the access log names the trace: {line}");
        }
        if !called {
            continue;
        }
        let call = named(&spans, CLIENT);
        let call_attributes = attributes(call);
        assert_eq!(call["parentSpanId"], server["spanId"], "{request_id}: the Bedrock call is the request's child");
        assert_eq!(call["name"], format!("chat {MODEL}"), "{request_id}");
        let expected = [
            ("gen_ai.system", json!("aws.bedrock")),
            ("gen_ai.provider.name", json!("aws.bedrock")),
            ("gen_ai.operation.name", json!("chat")),
            ("gen_ai.request.model", json!(MODEL)),
            ("cloud.region", json!("us-east-1")),
        ];
        for (key, value) in expected {
            assert_eq!(call_attributes.get(key), Some(&value), "{request_id}: {key} in {call_attributes:?}");
        }
        assert!(call_attributes["gen_ai.request.max_tokens"].as_i64().is_some_and(|t| t > 0), "{request_id}: {call_attributes:?}");
        match error {
            Some(class) => assert_eq!((call["status"]["code"].as_u64(), &call_attributes["error.type"]), (Some(2), &json!(class)), "{request_id}"),
            None => {
                assert_eq!(call_attributes.get("gen_ai.response.model"), Some(&json!(MODEL)), "{request_id}");
                assert!(call_attributes["gen_ai.usage.input_tokens"].as_i64().is_some_and(|t| t > 0), "{request_id}: {call_attributes:?}");
                assert!(call_attributes["gen_ai.usage.output_tokens"].as_i64().is_some_and(|t| t > 0), "{request_id}: {call_attributes:?}");
            }
        }
    }
    let posted: Vec<String> = collector.exports().into_iter().map(|export| export.path).collect();
    assert!(posted.iter().any(|path| path == "/v1/traces") && posted.iter().all(|path| path == "/v1/traces" || path == "/v1/metrics"), "{posted:?}");
    let everything = serde_json::to_string(&collector.spans()).expect("JSON");
    assert!(!everything.contains("a prompt never traced") && !everything.contains(KEY), "prompt or key in a span");
    let metrics = send(gateway.addr, "GET", "/metrics", &[AUTH], Vec::new()).await.body;
    assert!(metrics.contains("openclaw_gateway_spans_total{outcome=\"dropped\"} 0"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draining_turns_readiness_off_at_once_while_requests_are_still_served() {
    let gateway = TestGateway::start().await;
    assert_eq!(gateway.get("/readyz").await.status, 200, "ready (and the answer cached)");
    assert!(!gateway.handle.is_draining());
    gateway.handle.start_draining();
    let ready = gateway.get("/readyz").await;
    assert_eq!((ready.status, ready.json()["status"].as_str()), (503, Some("draining")), "the cached 200 does not hide draining: {}", ready.body);
    assert!(ready.json()["reason"].as_str().is_some_and(|r| r.contains("draining")), "{}", ready.body);
    assert_eq!(gateway.chat("still served", false).await.text(), "Echo: still served");
    assert_eq!(gateway.chat("streamed too", true).await.streamed_text(), "Echo: streamed too");
    assert_eq!(gateway.get("/healthz").await.status, 200, "draining is not unhealthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embeddings_request_is_traced_as_embeddings() {
    const SERVER: u64 = 2;
    const CLIENT: u64 = 3;
    let collector = OtlpCollector::start(Transport::Http, false).await;
    let dir = tempfile::tempdir().expect("dir");
    let (gateway, _log) = gateway(dir.path(), Some(&collector.endpoint)).await;
    let body = json!({ "model": "amazon.titan-embed-text-v2:0", "input": "a text never traced" });
    let headers = [JSON, AUTH, ("x-request-id", "embed-1")];
    let response = send(gateway.addr, "POST", "/v1/embeddings", &headers, body.to_string().into_bytes()).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let spans = collector.trace_of("embed-1", 3, PATIENCE).await;
    let (server, call) = (attributes(named(&spans, SERVER)), named(&spans, CLIENT));
    assert_eq!(server["gen_ai.operation.name"], "embeddings");
    assert_eq!(attributes(call)["gen_ai.operation.name"], "embeddings");
    assert_eq!(call["name"], "embeddings amazon.titan-embed-text-v2:0");
    assert!(!spans.iter().any(|span| span.to_string().contains("never traced")), "no input text in a span");
}
