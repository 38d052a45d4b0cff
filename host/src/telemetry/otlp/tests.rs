//! The span model and the configuration; the export itself is tested against a receiver on
//! the official OTLP types (host/tests/telemetry_collector.rs).

use super::*;
use opentelemetry::trace::Status;

fn attribute(data: &SpanData, key: &str) -> Option<Value> {
    data.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| kv.value.clone())
}

#[test]
fn a_caller_trace_is_continued_and_a_bad_traceparent_starts_a_new_one() {
    let (trace, parent) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let valid = format!("00-{trace}-{parent}-01");
    // (traceparent, whether the caller's trace is continued)
    let cases: &[(Option<&str>, bool)] = &[
        (Some(&valid), true),
        (Some(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 "), true),
        (Some("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), false),
        (Some("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), false),
        (Some("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), false),
        (Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"), false),
        (Some("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), false),
        (Some("garbage"), false),
        (None, false),
    ];
    let scope = InstrumentationScope::builder("test").build();
    for (header, continued) in cases {
        let span = Span::server("chat", *header);
        let data = span.clone().end().into_span_data(&scope);
        if *continued {
            assert_eq!(span.trace_id(), trace, "{header:?}");
            assert_eq!((data.parent_span_id.to_string().as_str(), data.parent_span_is_remote), (parent, true), "{header:?}");
        } else {
            assert!(span.trace_id() != trace && span.trace_id().len() == 32, "{header:?}");
            assert_eq!(data.parent_span_id, SpanId::INVALID, "{header:?}: a new trace's root has no parent");
        }
        assert!(span.traceparent().starts_with(&format!("00-{}-", span.trace_id())), "{}", span.traceparent());
        assert_eq!(caller_context(&span.traceparent()).trace_id().to_string(), span.trace_id(), "our traceparent parses back");
    }
}

#[test]
fn a_request_trace_becomes_the_sdks_span_data() {
    let scope = InstrumentationScope::builder("openclaw-host").build();
    let mut request = Span::server("POST /v1/chat/completions", None);
    request.set(genai::REQUEST_ID, "req-1").set(genai::HTTP_RESPONSE_STATUS_CODE, 429u32).fail("rate_limit");
    let mut call = request.child("chat amazon.nova-pro-v1:0", SpanKind::Client);
    call.set(genai::REQUEST_MAX_TOKENS, 256u32)
        .set(genai::REQUEST_TEMPERATURE, 0.5)
        .set(genai::CLOUD_REGION, "us-east-1")
        .set(genai::CLOUD_REGION, "us-west-2")
        .set("openclaw.stream", true)
        .set(genai::RESPONSE_FINISH_REASONS, AttributeValue::StrList(vec!["end_turn".into()]));
    let decision = request.child("policy decision", SpanKind::Internal);
    let (request, call, decision) = (request.end().into_span_data(&scope), call.end().into_span_data(&scope), decision.end().into_span_data(&scope));
    for child in [&call, &decision] {
        assert_eq!(child.span_context.trace_id(), request.span_context.trace_id());
        assert_eq!((child.parent_span_id, child.parent_span_is_remote), (request.span_context.span_id(), false));
        assert!(child.span_context.span_id() != request.span_context.span_id());
    }
    // (span, kind)
    let kinds = [
        (&request, opentelemetry::trace::SpanKind::Server),
        (&call, opentelemetry::trace::SpanKind::Client),
        (&decision, opentelemetry::trace::SpanKind::Internal),
    ];
    for (data, kind) in kinds {
        assert_eq!(data.span_kind, kind, "{}", data.name);
        assert!(data.end_time >= data.start_time && data.span_context.is_sampled());
        assert_eq!(data.instrumentation_scope.name(), "openclaw-host");
    }
    assert_eq!(request.status, Status::error("rate_limit"));
    assert_eq!(attribute(&request, genai::ERROR_TYPE), Some(Value::from("rate_limit")));
    assert_eq!(attribute(&request, genai::HTTP_RESPONSE_STATUS_CODE), Some(Value::I64(429)));
    assert_eq!(call.status, Status::Unset);
    // (attribute, value): a later value replaced the earlier one in place
    let expected = [
        (genai::REQUEST_MAX_TOKENS, Value::I64(256)),
        (genai::REQUEST_TEMPERATURE, Value::F64(0.5)),
        (genai::CLOUD_REGION, Value::from("us-west-2")),
        ("openclaw.stream", Value::Bool(true)),
        (genai::RESPONSE_FINISH_REASONS, Value::Array(Array::String(vec!["end_turn".into()]))),
    ];
    for (key, value) in expected {
        assert_eq!(attribute(&call, key), Some(value), "{key}");
    }
    assert_eq!(call.attributes.len(), 5, "no duplicate keys: {:?}", call.attributes);
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
    span.set("k", "x".repeat(10_000));
    assert!(span.attributes.iter().all(|(_, v)| !matches!(v, AttributeValue::Str(s) if s.chars().count() > MAX_VALUE)));
    assert_eq!(Span::server(&"n".repeat(1000), None).name.len(), 256);
}

#[test]
fn the_configuration_comes_from_the_standard_variables() {
    type Vars = &'static [(&'static str, &'static str)];
    type Expected = Option<(&'static str, Protocol, Option<&'static str>, &'static str)>;
    // (variables, endpoint, protocol, CA file, service name), or None for no export
    let cases: &[(Vars, Expected)] = &[
        (&[], None),
        (&[("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")], None),
        (&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")], Some(("http://c:4318", Protocol::HttpProtobuf, None, "openclaw-gateway"))),
        (
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://t:4318/v1/traces")],
            Some(("https://t:4318/v1/traces", Protocol::HttpProtobuf, None, "openclaw-gateway")),
        ),
        (
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/ca.pem")],
            Some(("https://c:4317", Protocol::Grpc, Some("/ca.pem"), "openclaw-gateway")),
        ),
        (
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
                ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
                ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/t.pem"),
                ("OTEL_SERVICE_NAME", "edge-gw"),
            ],
            Some(("http://c:4317", Protocol::Grpc, Some("/t.pem"), "edge-gw")),
        ),
    ];
    for (vars, expected) in cases {
        let config = OtlpConfig::from_vars(&|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())).expect("valid");
        let got = config.as_ref().map(|c| (c.endpoint.as_str(), c.protocol, c.ca_file.as_deref().and_then(|p| p.to_str()), c.service_name.as_str()));
        assert_eq!(got, *expected, "{vars:?}");
    }
    let bad = OtlpConfig::from_vars(&|name| match name {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://c:4318".into()),
        "OTEL_EXPORTER_OTLP_PROTOCOL" => Some("http/json".into()),
        _ => None,
    });
    assert_eq!(bad.expect_err("refused").to_string(), "OTLP protocol \"http/json\": expected http/protobuf or grpc");
}

#[test]
fn endpoints_are_checked_and_signal_urls_made() {
    // (endpoint, valid, traces URL, metrics URL)
    let cases: &[(&str, bool, &str, &str)] = &[
        ("http://127.0.0.1:4318", true, "http://127.0.0.1:4318/v1/traces", "http://127.0.0.1:4318/v1/metrics"),
        ("https://collector:4318/", true, "https://collector:4318/v1/traces", "https://collector:4318/v1/metrics"),
        ("http://collector/otlp", true, "http://collector/otlp/v1/traces", "http://collector/otlp/v1/metrics"),
        ("https://t:4318/v1/traces", true, "https://t:4318/v1/traces", "https://t:4318/v1/metrics"),
        ("collector:4318", false, "", ""),
        ("ftp://collector:4318", false, "", ""),
        ("http://user@collector:4318", false, "", ""),
        ("http://", false, "", ""),
        ("not a url", false, "", ""),
    ];
    for (endpoint, valid, traces, metrics) in cases {
        let config = OtlpConfig::new(*endpoint);
        match config.checked_endpoint() {
            Ok(_) => {
                assert!(valid, "{endpoint} accepted");
                assert_eq!((config.signal_url("traces").as_str(), config.signal_url("metrics").as_str()), (*traces, *metrics), "{endpoint}");
            }
            Err(error) => {
                assert!(!valid, "{endpoint}: {error}");
                assert!(error.to_string().contains(endpoint.trim()), "the error names the endpoint: {error}");
            }
        }
    }
}

#[tokio::test]
async fn a_bad_ca_file_or_endpoint_stops_the_exporter_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").expect("write");
    let missing = dir.path().join("missing.pem");
    // (protocol, endpoint, CA file, what the error says)
    let cases = [
        (Protocol::HttpProtobuf, "https://127.0.0.1:1", Some(&not_pem), "no PEM certificate"),
        (Protocol::Grpc, "https://127.0.0.1:1", Some(&not_pem), "no PEM certificate"),
        (Protocol::HttpProtobuf, "https://127.0.0.1:1", Some(&missing), "missing.pem"),
        (Protocol::Grpc, "127.0.0.1:4317", None, "expected http://HOST:PORT"),
    ];
    for (protocol, endpoint, ca_file, says) in cases {
        let config = OtlpConfig { protocol, ca_file: ca_file.cloned(), ..OtlpConfig::new(endpoint) };
        let error = Exporter::start(config).expect_err("refused").to_string();
        assert!(error.contains(says), "{protocol:?} {endpoint}: {error}");
    }
}

#[test]
fn the_configurations_debug_text_names_headers_without_their_values() {
    let config = OtlpConfig { headers: vec![("x-intake-key".into(), "intake-secret".into())], ..OtlpConfig::new("https://c:4318") };
    let text = format!("{config:?}");
    assert!(text.contains("x-intake-key") && !text.contains("intake-secret"), "{text}");
}
