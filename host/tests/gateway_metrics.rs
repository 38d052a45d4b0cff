//! `/metrics` as a Prometheus server reads it: the exposition of a gateway that served a
//! whole chat, a stream and failed requests parses with the text-format parser of the
//! Prometheus project's Python client (`prometheus_client`, installed by `.ci/run`), and every
//! family keeps its name, type and labels (README, "Metrics").

mod gateway_common;

use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{TestGateway, chat_body, send};
use serde_json::{Value, json};

/// Fetches `/metrics` and prints what the parser made of it: the content type and, per
/// family, its type and samples as [name, labels, value].
const PARSE: &str = r#"
import json, sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families
with urllib.request.urlopen(sys.argv[1]) as response:
    content_type = response.headers["content-type"]
    text = response.read().decode("utf-8")
families = {}
for family in text_string_to_metric_families(text):
    families[family.name] = {
        "type": family.type,
        "samples": [[s.name, s.labels, s.value] for s in family.samples],
    }
print(json.dumps({"content_type": content_type, "families": families}))
"#;

/// The samples of `sample` in `families` (any family), as (labels, value).
fn samples<'a>(families: &'a Value, sample: &str) -> Vec<(&'a Value, f64)> {
    let families = families.as_object().expect("families");
    families
        .values()
        .flat_map(|family| family["samples"].as_array().expect("samples"))
        .filter(|s| s[0] == sample)
        .map(|s| (&s[1], s[2].as_f64().expect("a number")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exposition_parses_with_the_prometheus_python_clients_parser() {
    let Some(python) = openclaw_test_support::python_with("the_exposition_parses_with_the_prometheus_python_clients_parser", &["prometheus_client"]) else {
        return;
    };
    let gateway = TestGateway::start().await;
    assert_eq!(gateway.chat("whole", false).await.status, 200);
    assert_eq!(gateway.chat("streamed", true).await.status, 200);
    let unknown = json!({ "model": "meta.llama9-v1:0", "messages": [{ "role": "user", "content": "hi" }] });
    assert_eq!(gateway.post("/v1/chat/completions", &unknown).await.status, 404);
    gateway.emulator.faults().push(FaultRule::new(Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None }).times(10));
    let throttled =
        send(gateway.addr, "POST", "/v1/chat/completions", &[("content-type", "application/json")], chat_body("x", false).to_string().into_bytes()).await;
    assert_eq!(throttled.status, 429, "{}", throttled.body);
    gateway.emulator.faults().clear();
    let out = openclaw_test_support::python_json(&python, &["-c", PARSE, &format!("http://{}/metrics", gateway.addr)]).await;
    assert!(out["content_type"].as_str().is_some_and(|t| t.starts_with("text/plain; version=0.0.4")), "{out}");
    let families = &out["families"];
    // (family as the parser names it, its type)
    let types = [
        ("openclaw_gateway_requests", "counter"),
        ("openclaw_gateway_request_duration_seconds", "histogram"),
        ("openclaw_gateway_time_to_first_token_seconds", "histogram"),
        ("openclaw_gateway_tokens", "counter"),
        ("openclaw_gateway_policy_swaps", "counter"),
        ("openclaw_gateway_guest_failures", "counter"),
        ("openclaw_gateway_routing", "counter"),
        ("openclaw_gateway_streams_open", "gauge"),
        ("openclaw_gateway_access_log_dropped", "counter"),
        ("openclaw_gateway_policy_info", "gauge"),
    ];
    for (family, kind) in types {
        assert_eq!(families[family]["type"], kind, "{family}: {}", families[family]);
    }
    let chat = "/v1/chat/completions";
    // (sample, labels, value)
    let expected: [(&str, Value, f64); 9] = [
        ("openclaw_gateway_requests_total", json!({ "route": chat, "status": "200", "model": gateway_common::MODEL }), 2.0),
        ("openclaw_gateway_requests_total", json!({ "route": chat, "status": "404", "model": "meta.llama9-v1:0" }), 1.0),
        ("openclaw_gateway_requests_total", json!({ "route": chat, "status": "429", "model": gateway_common::MODEL }), 1.0),
        ("openclaw_gateway_request_duration_seconds_count", json!({ "route": chat }), 4.0),
        ("openclaw_gateway_request_duration_seconds_bucket", json!({ "route": chat, "le": "+Inf" }), 4.0),
        ("openclaw_gateway_time_to_first_token_seconds_count", json!({}), 2.0),
        ("openclaw_gateway_streams_open", json!({}), 0.0),
        ("openclaw_gateway_guest_failures_total", json!({ "kind": "trap" }), 0.0),
        ("openclaw_gateway_access_log_dropped_total", json!({}), 0.0),
    ];
    for (sample, labels, value) in expected {
        let found = samples(families, sample);
        assert!(found.iter().any(|(l, v)| **l == labels && *v == value), "{sample} {labels} {value}: {found:?}");
    }
    let tokens = samples(families, "openclaw_gateway_tokens_total");
    assert!(tokens.iter().all(|(_, v)| *v > 0.0) && tokens.len() == 2, "input and output tokens counted: {tokens:?}");
    let buckets = samples(families, "openclaw_gateway_request_duration_seconds_bucket");
    let chat_buckets: Vec<f64> = buckets.iter().filter(|(l, _)| l["route"] == chat).map(|(_, v)| *v).collect();
    assert_eq!(chat_buckets.len(), 15, "14 bounds and +Inf: {buckets:?}");
    assert!(chat_buckets.windows(2).all(|w| w[0] <= w[1]), "cumulative: {chat_buckets:?}");
    let policy = samples(families, "openclaw_gateway_policy_info");
    assert!(policy.len() == 1 && policy[0].0["policy"].as_str().is_some_and(|p| p.starts_with("openclaw-default ")), "{policy:?}");
}
