//! Bedrock as it is today (issue 28): reasoning for every current family (adaptive-only Claude
//! Opus 4.7, adaptive or budgeted Claude 4.6, budgeted Claude 4.5, an application profile's
//! model looked up, DeepSeek-R1 reasoning unasked), service tiers asked and echoed, and the
//! operator's guardrail on every call, through the gateway on the emulator. What reaches
//! Bedrock is read off the emulator's request log.

mod gateway_common;

use bedrock_emulator::guardrails::{BLOCKED_MESSAGE, DENIED_MARKER};
use gateway_common::{Setup, TestGateway, runtime_calls};
use openclaw_host::aws::model::Guardrail;
use serde_json::{Value, json};

const OPUS_4_7: &str = "us.anthropic.claude-opus-4-7";
const SONNET_4_6: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
const SONNET_4_5: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
/// The emulator's application profile, whose model is Claude Sonnet 4.5.
const APPLICATION_PROFILE: &str = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9x2pq7v4z";
const NOVA_LITE: &str = "us.amazon.nova-lite-v1:0";
const DEEPSEEK_R1: &str = "us.deepseek.r1-v1:0";
const LLAMA: &str = "us.meta.llama3-3-70b-instruct-v1:0";

fn chat(model: &str, extra: Value) -> Value {
    let mut body = json!({ "model": model, "max_tokens": 4096, "messages": [{ "role": "user", "content": "think it over" }] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

/// The body of the gateway's last call to Bedrock, if it made one after `before` calls.
fn sent_after(gateway: &TestGateway, before: usize) -> Option<Value> {
    runtime_calls(&gateway.emulator).into_iter().nth(before).map(|(_, body)| body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasoning_reaches_each_family_in_its_own_form() {
    let gateway = TestGateway::start().await;
    let adaptive = |effort: &str| json!({ "thinking": { "type": "adaptive" }, "output_config": { "effort": effort } });
    let budget = |tokens: u32| json!({ "thinking": { "type": "enabled", "budget_tokens": tokens } });
    // (model, what the client adds, additionalModelRequestFields sent, whether the answer reasons)
    let cases = [
        (OPUS_4_7, json!({ "reasoning_effort": "high" }), Some(adaptive("high")), true),
        (OPUS_4_7, json!({ "thinking": { "type": "enabled", "budget_tokens": 2000 } }), Some(adaptive("low")), true),
        (SONNET_4_6, json!({ "reasoning_effort": "medium" }), Some(adaptive("medium")), true),
        (SONNET_4_6, json!({ "thinking": { "type": "enabled", "budget_tokens": 2048 } }), Some(budget(2048)), true),
        (SONNET_4_5, json!({ "reasoning_effort": "low" }), Some(budget(2048)), true),
        (APPLICATION_PROFILE, json!({ "reasoning_effort": "low" }), Some(budget(2048)), true),
        (DEEPSEEK_R1, json!({ "reasoning_effort": "high" }), None, false),
    ];
    for (model, extra, fields, reasons) in cases {
        let before = runtime_calls(&gateway.emulator).len();
        let response = gateway.post("/v1/chat/completions", &chat(model, extra.clone())).await;
        assert_eq!(response.status, 200, "{model} {extra}: {}", response.body);
        let sent = sent_after(&gateway, before).expect("a call");
        assert_eq!(sent.get("additionalModelRequestFields").cloned(), fields, "{model} {extra}: {sent}");
        let message = &response.json()["choices"][0]["message"];
        assert_eq!(message["reasoning_content"].is_string(), reasons, "{model} {extra}: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_only_claude_gets_no_sampling_parameters() {
    let gateway = TestGateway::start().await;
    // (model, sampling sent to Bedrock)
    let cases = [(OPUS_4_7, json!({})), (SONNET_4_6, json!({ "temperature": 0.25, "topP": 0.5 }))];
    for (model, sampling) in cases {
        let before = runtime_calls(&gateway.emulator).len();
        let body = chat(model, json!({ "temperature": 0.25, "top_p": 0.5, "reasoning_effort": "low" }));
        let response = gateway.post("/v1/chat/completions", &body).await;
        assert_eq!(response.status, 200, "{model}: {}", response.body);
        let config = sent_after(&gateway, before).expect("a call")["inferenceConfig"].clone();
        let sent: serde_json::Map<String, Value> = config
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, _)| matches!(key.as_str(), "temperature" | "topP"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(Value::Object(sent), sampling, "{model}: {config}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasoning_a_model_cannot_take_is_refused_by_name_before_any_call() {
    let gateway = TestGateway::start().await;
    let cases = [
        (LLAMA, json!({ "reasoning_effort": "low" }), "reasoning_effort"),
        (NOVA_LITE, json!({ "thinking": { "type": "enabled", "budget_tokens": 1024 } }), "thinking"),
    ];
    for (model, extra, param) in cases {
        let before = runtime_calls(&gateway.emulator).len();
        let response = gateway.post("/v1/chat/completions", &chat(model, extra)).await;
        assert_eq!(response.status, 400, "{model}: {}", response.body);
        assert_eq!(response.json()["error"]["param"], param, "{}", response.body);
        assert!(sent_after(&gateway, before).is_none(), "{model}: no upstream call");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_tiers_are_asked_of_bedrock_and_the_served_tier_echoed() {
    let gateway = TestGateway::start().await;
    // (model, service_tier asked, status, serviceTier sent, service_tier answered)
    type Case = (&'static str, Value, u16, Option<&'static str>, Option<&'static str>);
    let cases: [Case; 7] = [
        (NOVA_LITE, json!("flex"), 200, Some("flex"), Some("flex")),
        (NOVA_LITE, json!("priority"), 200, Some("priority"), Some("priority")),
        (SONNET_4_5, json!("priority"), 200, Some("priority"), Some("priority")),
        (SONNET_4_5, json!("default"), 200, Some("default"), Some("default")),
        (SONNET_4_5, json!("auto"), 200, None, None),
        // Bedrock's own refusal for a tier the model lacks, passed on.
        (SONNET_4_5, json!("flex"), 400, Some("flex"), None),
        // OpenAI's `scale` is Bedrock's reserved capacity, which this account lacks.
        (NOVA_LITE, json!("scale"), 400, Some("reserved"), None),
    ];
    for stream in [false, true] {
        for (model, tier, status, sent_tier, answered) in &cases {
            let before = runtime_calls(&gateway.emulator).len();
            let mut body = chat(model, json!({ "service_tier": tier, "stream": stream }));
            if stream {
                body["stream_options"] = json!({ "include_usage": true });
            }
            let response = gateway.post("/v1/chat/completions", &body).await;
            let sent = sent_after(&gateway, before).expect("a call");
            assert_eq!(sent["serviceTier"]["type"].as_str(), *sent_tier, "{model} {tier}: {sent}");
            assert_eq!(response.status, *status, "{model} {tier} stream {stream}: {}", response.body);
            if *status != 200 {
                assert!(response.json()["error"]["message"].as_str().is_some_and(|m| m.contains("not supported for this model")), "{}", response.body);
                continue;
            }
            let echoed = if stream {
                let chunks: Vec<Value> = response.events().iter().filter_map(|e| serde_json::from_str(e).ok()).collect();
                chunks
                    .iter()
                    .rev()
                    .find(|chunk| chunk.get("usage").is_some_and(|u| !u.is_null()))
                    .and_then(|chunk| chunk["service_tier"].as_str().map(str::to_string))
            } else {
                response.json()["service_tier"].as_str().map(str::to_string)
            };
            assert_eq!(echoed.as_deref(), *answered, "{model} {tier} stream {stream}: {}", response.body);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_tier_that_is_not_one_is_refused_before_any_call() {
    let gateway = TestGateway::start().await;
    for (path, body) in [
        ("/v1/chat/completions", chat(NOVA_LITE, json!({ "service_tier": "fast" }))),
        ("/v1/responses", json!({ "model": NOVA_LITE, "input": "hi", "service_tier": 3 })),
    ] {
        let response = gateway.post(path, &body).await;
        assert_eq!(response.status, 400, "{path}: {}", response.body);
        assert_eq!(response.json()["error"]["param"], "service_tier", "{}", response.body);
    }
    assert!(runtime_calls(&gateway.emulator).is_empty(), "no upstream call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_responses_api_asks_for_a_tier_and_says_which_served() {
    let gateway = TestGateway::start().await;
    for (tier, answered) in [("flex", "flex"), ("auto", "default")] {
        let body = json!({ "model": NOVA_LITE, "input": "hello", "service_tier": tier, "store": false });
        let response = gateway.post("/v1/responses", &body).await;
        assert_eq!(response.status, 200, "{tier}: {}", response.body);
        assert_eq!(response.json()["service_tier"], answered, "{tier}: {}", response.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_guardrail_is_on_every_call_and_its_intervention_is_a_refusal() {
    let guardrail = Guardrail { identifier: "gr1a2b3c4d5e".into(), version: "3".into(), trace: true };
    let given = guardrail.clone();
    let gateway = TestGateway::start_with(Setup { options: Box::new(move |options| options.guardrail = Some(given)), ..Setup::default() }).await;
    let blocked = format!("tell me about the {DENIED_MARKER}");
    let messages = |text: &str| json!([{ "role": "user", "content": text }]);
    // (path, model, stream): Converse (OpenAI's APIs on Nova), InvokeModel (Claude natively).
    let cases = [
        ("/v1/chat/completions", NOVA_LITE, false),
        ("/v1/chat/completions", NOVA_LITE, true),
        ("/v1/messages", SONNET_4_5, false),
        ("/v1/messages", SONNET_4_5, true),
        ("/v1/responses", NOVA_LITE, false),
    ];
    for (path, model, stream) in cases {
        for (text, intervened) in [("a harmless question", false), (blocked.as_str(), true)] {
            let before = gateway.emulator.request_log().len();
            let body = match path {
                "/v1/responses" => json!({ "model": model, "input": text, "stream": stream, "store": false }),
                _ => json!({ "model": model, "max_tokens": 256, "stream": stream, "messages": messages(text) }),
            };
            let response = gateway.post(path, &body).await;
            assert_eq!(response.status, 200, "{path} {model} {stream}: {}", response.body);
            // The guardrail reached Bedrock in the call's own form (a body field or headers).
            let call = gateway.emulator.request_log().into_iter().skip(before).find(|entry| entry.model_id.is_some()).expect("a call");
            let sent = call.body_json();
            let in_body = sent["guardrailConfig"]["guardrailIdentifier"] == "gr1a2b3c4d5e" && sent["guardrailConfig"]["guardrailVersion"] == "3";
            let in_headers = call.guardrail.as_deref() == Some("gr1a2b3c4d5e:3");
            assert!(in_body || in_headers, "{path} {model}: no guardrail sent: {sent}");
            // A stream's text: OpenAI's content deltas or Anthropic's text deltas, joined.
            let answer = if stream {
                let data = response.body.lines().filter_map(|line| line.strip_prefix("data: "));
                let events: Vec<Value> = data.filter_map(|e| serde_json::from_str(e).ok()).collect();
                let piece = |event: &Value| event["choices"][0]["delta"]["content"].as_str().or(event["delta"]["text"].as_str()).map(str::to_string);
                events.iter().filter_map(piece).collect::<String>()
            } else {
                response.json().to_string()
            };
            assert_eq!(answer.contains(BLOCKED_MESSAGE), intervened, "{path} {model} {stream} {text}: {answer}");
            if intervened && !stream {
                let stop = match path {
                    "/v1/chat/completions" => response.json()["choices"][0]["finish_reason"].clone(),
                    "/v1/responses" => response.json()["incomplete_details"]["reason"].clone(),
                    _ => response.json()["amazon-bedrock-guardrailAction"].clone(),
                };
                assert!(matches!(stop.as_str(), Some("content_filter" | "INTERVENED")), "{path}: {stop}");
            }
        }
    }
}
