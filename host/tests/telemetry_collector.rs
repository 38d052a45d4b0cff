//! Traces and metrics reaching an OTLP collector the way an operator's would receive them:
//! over HTTP/protobuf and gRPC, plain and TLS (the collector's certificate trusted through the
//! CA option), with a vendor's header; the spans, attributes and metric points of a whole
//! chat, a stream and a failed request; and a dead collector costing requests nothing.
//! The collector is tests/support's, on the official OTLP types (issue 31).

mod gateway_common;

use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{MODEL, Setup, TestGateway, chat_body, send};
use openclaw_host::telemetry::otlp::{Exporter, OtlpConfig, Protocol, Span};
use openclaw_test_support::otlp_collector::{OtlpCollector, Transport, attributes};
use serde_json::{Value, json};
use std::time::Duration;

/// Longest wait for a span or a point: only so that a broken build fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(30);
const SERVER: u64 = 2;
const CLIENT: u64 = 3;

/// A gateway exporting to `endpoint` over `protocol`, trusting `ca_file`, with a header.
async fn gateway(endpoint: &str, protocol: Protocol, ca_file: Option<std::path::PathBuf>) -> TestGateway {
    let otlp = OtlpConfig {
        protocol,
        ca_file,
        headers: vec![("x-intake-key".into(), "intake-secret".into())],
        interval: Duration::from_millis(50),
        metrics_interval: Duration::from_millis(200),
        ..OtlpConfig::new(endpoint)
    };
    TestGateway::start_with(Setup { options: Box::new(move |o| o.otlp = Some(otlp)), ..Setup::default() }).await
}

async fn chat(gateway: &TestGateway, request_id: &str, stream: bool) -> u16 {
    let headers = [("content-type", "application/json"), ("x-request-id", request_id)];
    send(gateway.addr, "POST", "/v1/chat/completions", &headers, chat_body("a prompt never exported", stream).to_string().into_bytes()).await.status
}

/// `openclaw_gateway_spans_total{outcome=...}` in a `/metrics` text.
fn span_count(metrics: &str, outcome: &str) -> u64 {
    let prefix = format!("openclaw_gateway_spans_total{{outcome=\"{outcome}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no {prefix}in {metrics}"))
}

fn of_kind(spans: &[Value], kind: u64) -> &Value {
    spans.iter().find(|s| s["kind"].as_u64() == Some(kind)).unwrap_or_else(|| panic!("no span of kind {kind}: {spans:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_and_metric_points_reach_the_collector_over_http_and_grpc_plain_and_tls() {
    // (transport, TLS)
    let cases = [(Transport::Http, false), (Transport::Http, true), (Transport::Grpc, false), (Transport::Grpc, true)];
    for (transport, tls) in cases {
        let case = format!("{transport:?}{}", if tls { " over TLS" } else { "" });
        let collector = OtlpCollector::start(transport, tls).await;
        let protocol = if transport == Transport::Grpc { Protocol::Grpc } else { Protocol::HttpProtobuf };
        let gateway = gateway(&collector.endpoint, protocol, collector.ca_file.clone()).await;
        assert_eq!(chat(&gateway, "whole", false).await, 200, "{case}");
        assert_eq!(chat(&gateway, "streamed", true).await, 200, "{case}");
        gateway.emulator.faults().push(FaultRule::new(Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None }).times(10));
        assert_eq!(chat(&gateway, "failed", false).await, 429, "{case}");
        gateway.emulator.faults().clear();
        // (request id, stream, status, error type)
        let requests = [("whole", false, 200, None), ("streamed", true, 200, None), ("failed", false, 429, Some("rate_limit_exceeded"))];
        for (request_id, stream, status, error) in requests {
            let spans = collector.trace_of(request_id, 3, PATIENCE).await;
            let (server, call) = (of_kind(&spans, SERVER), of_kind(&spans, CLIENT));
            let (server_attributes, call_attributes) = (attributes(server), attributes(call));
            assert_eq!((server["service"].as_str(), server["scope"].as_str()), (Some("openclaw-gateway"), Some("openclaw-host")), "{case} {request_id}");
            assert_eq!(server["resource"]["telemetry.sdk.name"], "opentelemetry", "{case}: the SDK's resource: {}", server["resource"]);
            assert_eq!(server["name"], "POST /v1/chat/completions", "{case} {request_id}");
            assert_eq!(call["parentSpanId"], server["spanId"], "{case} {request_id}");
            assert_eq!(server_attributes["http.response.status_code"], json!(status), "{case} {request_id}");
            assert_eq!(server_attributes["openclaw.stream"], json!(stream), "{case} {request_id}");
            let expected = [
                ("gen_ai.operation.name", json!("chat")),
                ("gen_ai.provider.name", json!("aws.bedrock")),
                ("gen_ai.request.model", json!(MODEL)),
                ("cloud.region", json!("us-east-1")),
            ];
            for (key, value) in expected {
                assert_eq!(call_attributes.get(key), Some(&value), "{case} {request_id}: {key} in {call_attributes:?}");
            }
            match error {
                Some(class) => {
                    for span in [server, call] {
                        assert_eq!((span["status"]["code"].as_u64(), &attributes(span)["error.type"]), (Some(2), &json!(class)), "{case} {request_id}: {span}");
                    }
                }
                None => {
                    assert!(server["status"].get("code").is_none(), "{case} {request_id}: {server}");
                    assert!(call_attributes["gen_ai.usage.output_tokens"].as_i64().is_some_and(|t| t > 0), "{case} {request_id}: {call_attributes:?}");
                    assert_eq!(call_attributes["gen_ai.response.finish_reasons"], json!(["end_turn"]), "{case} {request_id}");
                }
            }
        }
        // (status, requests counted)
        let counted = [("200", 2), ("429", 1)];
        for (status, count) in counted {
            let labels = json!({ "route": "/v1/chat/completions", "status": status, "model": MODEL });
            let mut value = None;
            let deadline = tokio::time::Instant::now() + PATIENCE;
            while value != Some(json!(count)) && tokio::time::Instant::now() < deadline {
                value = collector.latest("openclaw_gateway_requests", &labels, PATIENCE).await;
            }
            assert_eq!(value, Some(json!(count)), "{case}: requests with status {status}: {:#?}", collector.points());
        }
        let tokens = collector.latest("openclaw_gateway_tokens", &json!({ "kind": "output" }), PATIENCE).await;
        assert!(tokens.as_ref().and_then(Value::as_i64).is_some_and(|t| t > 0), "{case}: {tokens:?}");
        let points = collector.points();
        assert!(points.iter().filter(|p| p["metric"] == "openclaw_gateway_requests").all(|p| p["kind"] == "sum" && p["monotonic"] == true), "{case}");
        let exports = collector.exports();
        assert!(
            exports.iter().all(|e| e.headers.iter().any(|(n, v)| n == "x-intake-key" && v == "intake-secret")),
            "{case}: the header on every export: {exports:?}"
        );
        let everything = serde_json::to_string(&collector.spans()).expect("JSON");
        assert!(!everything.contains("never exported") && !everything.contains("intake-secret"), "{case}: prompt or header in a span");
        let metrics = gateway.get("/metrics").await.body;
        assert!(metrics.contains("openclaw_gateway_spans_total{outcome=\"dropped\"} 0"), "{case}: {metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_or_untrusted_collector_costs_requests_nothing_and_its_spans_are_counted_dropped() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let untrusted = OtlpCollector::start(Transport::Http, true).await;
    // (endpoint, protocol)
    let cases = [
        (format!("http://{closed}"), Protocol::HttpProtobuf),
        (format!("http://{closed}"), Protocol::Grpc),
        (untrusted.endpoint.clone(), Protocol::HttpProtobuf),
    ];
    for (endpoint, protocol) in cases {
        let gateway = gateway(&endpoint, protocol, None).await;
        for (index, stream) in [false, true, false].into_iter().enumerate() {
            assert_eq!(chat(&gateway, &format!("dead-{index}"), stream).await, 200, "{endpoint} {protocol:?}");
        }
        // Each scrape of /metrics is a request with a span too: at least the chats' nine drop.
        let dropped = gateway_common::eventually(PATIENCE, async || {
            let metrics = gateway.get("/metrics").await.body;
            span_count(&metrics, "dropped") >= 9 && span_count(&metrics, "exported") == 0
        })
        .await;
        assert!(dropped, "{endpoint} {protocol:?}: the chats' spans dropped: {}", gateway.get("/metrics").await.body);
    }
    assert!(untrusted.spans().is_empty(), "nothing crosses an untrusted TLS connection");
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_without_waiting() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let config = OtlpConfig { queue: 4, interval: Duration::from_secs(60), ..OtlpConfig::new(format!("http://{closed}")) };
    let (exporter, task) = Exporter::start(config).expect("exporter");
    for _ in 0..100 {
        exporter.export(Span::server("chat", None).end());
    }
    let stats = exporter.stats();
    // The test's runtime has one thread: the export task has not run yet, the queue holds 4.
    assert_eq!(stats.dropped(), 96, "a full queue drops at once");
    drop(exporter);
    task.await.expect("the export task ends with the last handle");
    assert_eq!((stats.exported(), stats.dropped()), (0, 100), "every span accounted for");
}

#[tokio::test]
async fn the_metrics_export_ends_with_its_exporter_even_on_a_current_thread_runtime() {
    use openclaw_host::telemetry::access_log::AccessLog;
    use openclaw_host::telemetry::metrics::{Metrics, SinkCounts};
    let collector = OtlpCollector::start(Transport::Http, false).await;
    let config = OtlpConfig { metrics_interval: Duration::from_millis(50), ..OtlpConfig::new(&collector.endpoint) };
    let (exporter, task) = Exporter::start(config).expect("exporter");
    let metrics = Metrics::new(&["other"], &SinkCounts::of(&AccessLog::off(), Some(&exporter)));
    metrics.tokens(7, 11);
    let output = collector.latest("openclaw_gateway_tokens", &json!({ "kind": "output" }), PATIENCE).await;
    assert_eq!(output, Some(json!(11)), "{:#?}", collector.points());
    // The SDK's provider shuts down when its last handle goes, waiting for the reader's task
    // on this (only) runtime thread: it must not be this thread that waits.
    drop((metrics, exporter));
    task.await.expect("the export task ends with the last handle");
}
