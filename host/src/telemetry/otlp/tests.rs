//! The exporter against a receiver the test starts: what a collector gets, byte for byte
//! decoded, for one request's trace.

use super::*;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::net::TcpListener;

/// One export request as the receiver saw it.
struct Received {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Json,
}

/// A collector on 127.0.0.1:0 that answers each request with `status` and hands it over.
async fn receiver(status: u16) -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let (sender, received) = mpsc::channel(16);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            reader.read_line(&mut request_line).await.expect("request line");
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).await.expect("header");
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (name, value) = line.split_once(':').expect("a header");
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
            let length: usize = headers.iter().find(|(n, _)| n == "content-length").map(|(_, v)| v.parse().expect("length")).unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.expect("body");
            let mut stream = reader.into_inner();
            let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}");
            stream.write_all(answer.as_bytes()).await.expect("answer");
            let body = serde_json::from_slice(&body).expect("the body is JSON");
            let _ = sender.send(Received { request_line: request_line.trim_end().to_string(), headers, body }).await;
        }
    });
    (endpoint, received)
}

/// The spans of one request: the request, the policy's decision, the Bedrock call (failed).
fn request_trace(traceparent: Option<&str>) -> Vec<Span> {
    let mut request = Span::server("chat amazon.nova-pro-v1:0", traceparent);
    request.set(genai::OPERATION_NAME, "chat").set(genai::REQUEST_MODEL, "bedrock/amazon.nova-pro-v1:0").set(genai::REQUEST_ID, "req-1");
    let mut decision = request.child("policy decide", SpanKind::Internal);
    decision.set(genai::POLICY, "openclaw-default 0.1.0");
    let mut call = request.child("chat amazon.nova-pro-v1:0", SpanKind::Client);
    call.set(genai::OPERATION_NAME, "chat")
        .set(genai::PROVIDER_NAME, "aws.bedrock")
        .set(genai::SYSTEM, "aws.bedrock")
        .set(genai::REQUEST_MODEL, "amazon.nova-pro-v1:0")
        .set(genai::REQUEST_MAX_TOKENS, 256u32)
        .set(genai::REQUEST_TEMPERATURE, 0.5)
        .set(genai::CLOUD_REGION, "us-east-1")
        .set(genai::USAGE_INPUT_TOKENS, 12u64)
        .set(genai::USAGE_OUTPUT_TOKENS, 0u64)
        .fail("rate_limit");
    request.set(genai::HTTP_RESPONSE_STATUS_CODE, 429i64).fail("rate_limit");
    vec![decision.end(), call.end(), request.end()]
}

fn attributes(span: &Json) -> std::collections::HashMap<String, Json> {
    span["attributes"].as_array().expect("attributes").iter().map(|a| (a["key"].as_str().expect("key").to_string(), a["value"].clone())).collect()
}

#[tokio::test]
async fn a_request_trace_reaches_the_collector_as_otlp_json() {
    let (endpoint, mut received) = receiver(200).await;
    let (exporter, task) = Exporter::start(OtlpConfig::new(endpoint)).expect("exporter");
    for span in request_trace(None) {
        exporter.export(span);
    }
    let counts = exporter.stats();
    drop(exporter);
    task.await.expect("the export task ends once every handle is gone");
    let got = received.recv().await.expect("one export request");
    assert_eq!(got.request_line, "POST /v1/traces HTTP/1.1");
    assert!(got.headers.iter().any(|(n, v)| n == "content-type" && v == "application/json"));
    let resource = &got.body["resourceSpans"][0];
    assert_eq!(resource["resource"]["attributes"][0], json!({ "key": "service.name", "value": { "stringValue": "openclaw-gateway" } }));
    let spans = resource["scopeSpans"][0]["spans"].as_array().expect("spans");
    assert_eq!(spans.len(), 3);
    let by_kind = |kind: u64| spans.iter().find(|s| s["kind"].as_u64() == Some(kind)).expect("a span of each kind");
    let (server, internal, client) = (by_kind(2), by_kind(1), by_kind(3));
    let trace = server["traceId"].as_str().expect("trace id");
    assert_eq!(trace.len(), 32);
    for child in [internal, client] {
        assert_eq!(child["traceId"], server["traceId"]);
        assert_eq!(child["parentSpanId"], server["spanId"]);
    }
    assert!(server.get("parentSpanId").is_none(), "a new trace's root has no parent");
    let call = attributes(client);
    assert_eq!(call[genai::PROVIDER_NAME], json!({ "stringValue": "aws.bedrock" }));
    assert_eq!(call[genai::REQUEST_MAX_TOKENS], json!({ "intValue": "256" }));
    assert_eq!(call[genai::REQUEST_TEMPERATURE], json!({ "doubleValue": 0.5 }));
    assert_eq!(call[genai::ERROR_TYPE], json!({ "stringValue": "rate_limit" }));
    assert_eq!(client["status"], json!({ "code": 2, "message": "rate_limit" }));
    assert_eq!(attributes(internal)[genai::POLICY], json!({ "stringValue": "openclaw-default 0.1.0" }));
    for span in spans {
        let start: u128 = span["startTimeUnixNano"].as_str().expect("string").parse().expect("nanos");
        let end: u128 = span["endTimeUnixNano"].as_str().expect("string").parse().expect("nanos");
        assert!(start > 0 && end >= start, "{span}");
    }
    assert_eq!((counts.exported(), counts.dropped()), (3, 0));
}

#[tokio::test]
async fn a_caller_trace_is_continued_and_a_bad_traceparent_starts_a_new_one() {
    let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let cases: &[(Option<&str>, Option<&str>)] = &[
        (Some(parent), Some("4bf92f3577b34da6a3ce929d0e0e4736")),
        (Some("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), None),
        (Some("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), None),
        (Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"), None),
        (Some("garbage"), None),
        (None, None),
    ];
    for (header, continued) in cases {
        let span = Span::server("chat", *header);
        match continued {
            Some(trace) => {
                assert_eq!(span.trace_id(), *trace, "{header:?}");
                assert_eq!(span.to_json()["parentSpanId"], "00f067aa0ba902b7");
            }
            None => assert!(span.to_json().get("parentSpanId").is_none() && span.trace_id() != "4bf92f3577b34da6a3ce929d0e0e4736", "{header:?}"),
        }
        assert!(span.traceparent().starts_with(&format!("00-{}-", span.trace_id())));
    }
}

#[tokio::test]
async fn a_refusing_or_absent_collector_drops_and_counts() {
    let (endpoint, _received) = receiver(503).await;
    let (exporter, task) = Exporter::start(OtlpConfig::new(endpoint)).expect("exporter");
    for span in request_trace(None) {
        exporter.export(span);
    }
    let counts = exporter.stats();
    drop(exporter);
    task.await.expect("task");
    assert_eq!((counts.exported(), counts.dropped()), (0, 3));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let (exporter, task) = Exporter::start(OtlpConfig::new(format!("http://{closed}"))).expect("exporter");
    exporter.export(Span::server("chat", None).end());
    let counts = exporter.stats();
    drop(exporter);
    task.await.expect("task");
    assert_eq!((counts.exported(), counts.dropped()), (0, 1));
}

#[test]
fn endpoints() {
    let cases: &[(&str, Option<(&str, &str)>)] = &[
        ("http://127.0.0.1:4318", Some(("127.0.0.1:4318", "/v1/traces"))),
        ("http://collector:4318/", Some(("collector:4318", "/v1/traces"))),
        ("http://collector/otlp", Some(("collector:80", "/otlp/v1/traces"))),
        ("https://collector:4318", None),
        ("collector:4318", None),
        ("http://user@collector:4318", None),
        ("http://", None),
    ];
    for (endpoint, expected) in cases {
        let got = target(endpoint).ok();
        assert_eq!(got.as_ref().map(|t| (t.authority.as_str(), t.path.as_str())), *expected, "{endpoint}");
    }
}

#[test]
fn attributes_are_bounded_and_replaced_by_key() {
    let mut span = Span::server("chat", None);
    span.set("k", "a").set("k", "b");
    assert_eq!(span.attributes, vec![("k".to_string(), AttributeValue::Str("b".into()))]);
    for i in 0..200 {
        span.set(&format!("key{i}"), i as i64);
    }
    assert_eq!(span.attributes.len(), MAX_ATTRIBUTES);
    span.set("long", "x".repeat(10_000));
    assert!(span.attributes.iter().all(|(_, v)| !matches!(v, AttributeValue::Str(s) if s.len() > MAX_VALUE)));
}
