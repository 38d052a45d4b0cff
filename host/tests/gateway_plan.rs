//! The gateway serves requests from the policy's routing plan: no guest call when the plan
//! covers the model, the policy's `resolve` (remembered when allowed) when it does not, the
//! plan's fallback chain run by the host, Converse for whole answers and ConverseStream for
//! streams, a new plan when the config changes or the catalog is refreshed, and 0.1.0 policies
//! still served through their `chat`.

mod gateway_common;

use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{MODEL, Setup, TestGateway, eventually};
use openclaw_test_support::TestGuest;
use serde_json::{Value, json};
use std::time::Duration;

const US_SONNET: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
const GLOBAL_SONNET: &str = "global.anthropic.claude-sonnet-4-6-20251001-v1:0";

/// (model, stream, status, routed (by the plan, by the policy) after it)
type RoutingCase<'a> = (Option<&'a str>, bool, u16, (u64, u64));
/// (stream, fault on the us. profile, fault on the global. one, status, (model, status) calls made)
type FallbackCase<'a> = (bool, Option<Fault>, Option<Fault>, u16, Vec<(&'a str, u16)>);

fn body(model: Option<&str>, stream: bool) -> Value {
    let mut body = json!({ "stream": stream, "messages": [{ "role": "user", "content": "hello plan" }] });
    if let Some(model) = model {
        body["model"] = json!(model);
    }
    body
}

async fn gateway_with(config: &str) -> TestGateway {
    TestGateway::start_with(Setup { config: Some(config.to_string()), ..Setup::default() }).await
}

/// The (operation, model, status) of every runtime call the emulator saw, in order.
fn runtime_calls(gateway: &TestGateway) -> Vec<(String, String, u16)> {
    gateway
        .emulator
        .request_log()
        .into_iter()
        .filter(|entry| entry.operation.starts_with("Converse"))
        .map(|entry| (entry.operation, entry.model_id.unwrap_or_default(), entry.status))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_the_plan_covers_make_no_guest_call() {
    let gateway = gateway_with(&format!("{{ model: '{MODEL}' }}")).await;
    let serving = gateway.handle.serving();
    let plan = serving.plan().expect("the default policy plans");
    assert!(plan.routes.len() > 30, "the plan covers the emulator's catalog: {} routes", plan.routes.len());
    // (model, stream, status, routed (by the plan, by the policy) after it)
    let cases: [RoutingCase; 8] = [
        (Some(MODEL), false, 200, (1, 0)),
        (Some(MODEL), true, 200, (2, 0)),
        (None, false, 200, (3, 0)),
        (Some(US_SONNET), true, 200, (4, 0)),
        (Some("bedrock/amazon.nova-pro-v1:0"), false, 200, (4, 1)),
        (Some("bedrock/amazon.nova-pro-v1:0"), true, 200, (5, 1)),
        (Some("meta.llama9-v1:0"), false, 404, (5, 2)),
        (Some("meta.llama9-v1:0"), true, 404, (5, 3)),
    ];
    for (model, stream, status, routed) in cases {
        let response = gateway.post("/v1/chat/completions", &body(model, stream)).await;
        assert_eq!(response.status, status, "{model:?} stream={stream}: {}", response.text());
        assert_eq!(gateway.handle.routing_counts(), routed, "{model:?} stream={stream}");
    }
    let operations: Vec<(String, String)> = runtime_calls(&gateway).into_iter().map(|(operation, model, _)| (operation, model)).collect();
    let expected = [
        ("Converse", MODEL),
        ("ConverseStream", MODEL),
        ("Converse", MODEL),
        ("ConverseStream", US_SONNET),
        ("Converse", "amazon.nova-pro-v1:0"),
        ("ConverseStream", "amazon.nova-pro-v1:0"),
    ];
    assert_eq!(operations, expected.map(|(operation, model)| (operation.to_string(), model.to_string())));
    let answer = gateway.post("/v1/chat/completions", &body(None, false)).await.json();
    assert_eq!(answer["model"], MODEL, "a request naming no model is told the model it was routed to");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_runs_the_plans_fallback_chain() {
    let gateway = gateway_with("{}").await;
    let throttled = || Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None };
    let unknown = || Fault::HttpError { error_type: "ResourceNotFoundException".into(), status: None, message: None };
    // (stream, faults on the us. profile then on the global. one, status, calls made)
    let cases: [FallbackCase; 5] = [
        (false, Some(throttled()), None, 200, vec![(US_SONNET, 429), (GLOBAL_SONNET, 200)]),
        (true, Some(throttled()), None, 200, vec![(US_SONNET, 429), (GLOBAL_SONNET, 200)]),
        (false, Some(throttled()), Some(unknown()), 429, vec![(US_SONNET, 429), (GLOBAL_SONNET, 404)]),
        (true, Some(throttled()), Some(throttled()), 429, vec![(US_SONNET, 429), (GLOBAL_SONNET, 429)]),
        (false, Some(unknown()), None, 404, vec![(US_SONNET, 404)]),
    ];
    for (stream, on_us, on_global, status, calls) in cases {
        gateway.emulator.faults().clear();
        gateway.emulator.log().clear();
        for (model, fault) in [(US_SONNET, on_us), (GLOBAL_SONNET, on_global)] {
            if let Some(fault) = fault {
                gateway.emulator.faults().push(FaultRule::new(fault).model(model).times(1));
            }
        }
        let response = gateway.post("/v1/chat/completions", &body(Some(US_SONNET), stream)).await;
        assert_eq!(response.status, status, "stream={stream} {calls:?}: {}", response.text());
        let made: Vec<(String, u16)> = runtime_calls(&gateway).into_iter().map(|(_, model, status)| (model, status)).collect();
        assert_eq!(made, calls.iter().map(|(model, status)| (model.to_string(), *status)).collect::<Vec<_>>(), "stream={stream}");
        if status == 200 {
            let text =
                if stream { response.streamed_text() } else { response.json()["choices"][0]["message"]["content"].as_str().unwrap_or_default().to_string() };
            assert!(!text.is_empty(), "the fallback answered: {}", response.text());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_change_and_a_catalog_refresh_each_make_a_new_plan() {
    let gateway = gateway_with(&format!("{{ model: '{MODEL}' }}")).await;
    let first = gateway.handle.serving().version();
    std::fs::write(&gateway.config_file, format!("{{ model: '{US_SONNET}' }}")).expect("config");
    let replanned = eventually(Duration::from_secs(20), async || {
        let serving = gateway.handle.serving();
        serving.version() > first && serving.config().text.as_deref().is_some_and(|text| text.contains(US_SONNET))
    })
    .await;
    assert!(replanned, "the config change made a new plan");
    gateway.emulator.log().clear();
    let answer = gateway.post("/v1/chat/completions", &body(None, false)).await;
    assert_eq!((answer.status, answer.json()["model"].as_str()), (200, Some(US_SONNET)), "{}", answer.text());
    let before = gateway.handle.serving().version();
    let listings = |gateway: &TestGateway| gateway.emulator.request_log().iter().filter(|entry| entry.operation == "ListFoundationModels").count();
    let listed = listings(&gateway);
    let models = gateway.get("/v1/models?refresh=true").await;
    assert_eq!(models.status, 200, "{}", models.text());
    assert!(gateway.handle.serving().version() > before, "the refresh made a new plan");
    assert_eq!(listings(&gateway), listed + 1, "the refresh listed the catalog again");
    let cached = gateway.get("/v1/models").await;
    assert_eq!((cached.status, listings(&gateway)), (200, listed + 1), "a plain listing is served from the plan");
    assert_eq!(cached.json()["data"], models.json()["data"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_config_leaves_the_previous_plan_serving() {
    let gateway = gateway_with(&format!("{{ model: '{MODEL}' }}")).await;
    let first = gateway.handle.serving();
    std::fs::write(&gateway.config_file, "{ model: 3 }").expect("config");
    let seen = eventually(Duration::from_secs(20), async || gateway.handle.serving().config().text.as_deref() == Some("{ model: 3 }")).await;
    assert!(seen, "the new text is read");
    let serving = gateway.handle.serving();
    assert_eq!(serving.version(), first.version(), "no new plan");
    assert!(std::sync::Arc::ptr_eq(serving.plan().expect("a plan"), first.plan().expect("a plan")), "the previous plan serves");
    let answer = gateway.post("/v1/chat/completions", &body(Some(MODEL), false)).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let missed = gateway.post("/v1/chat/completions", &body(Some("bedrock/amazon.nova-pro-v1:0"), false)).await;
    assert_eq!(missed.status, 400, "a miss is resolved with the config as it is now: {}", missed.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_policy_serves_every_request_through_its_chat() {
    let gateway = TestGateway::start_with(Setup { policy: TestGuest::AltPolicy.path(), ..Setup::default() }).await;
    let serving = gateway.handle.serving();
    assert_eq!(serving.policy().contract().as_str(), "0.1.0");
    assert!(serving.plan().is_none(), "a 0.1.0 policy has no plan");
    for stream in [false, true] {
        let response = gateway.post("/v1/chat/completions", &body(Some(MODEL), stream)).await;
        assert_eq!(response.status, 200, "{}", response.text());
        let text = if stream { response.streamed_text() } else { response.json()["choices"][0]["message"]["content"].as_str().unwrap_or_default().to_string() };
        assert!(text.starts_with("[alt-policy] "), "the policy's chat served it: {text}");
    }
    assert_eq!(gateway.handle.routing_counts(), (0, 0));
    let models = gateway.get("/v1/models").await;
    assert_eq!(models.status, 200, "{}", models.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_policy_built_for_0_1_routes_as_its_plan_does() {
    // The same requests through the default policy (served from its plan) and through the
    // same policy built for 0.1.0 (its `chat` per request): the same calls reach Bedrock, with
    // the same outcomes, fallback included.
    let planned = gateway_with(&format!("{{ model: '{MODEL}' }}")).await;
    let per_request =
        TestGateway::start_with(Setup { policy: TestGuest::DefaultV0_1.path(), config: Some(format!("{{ model: '{MODEL}' }}")), ..Setup::default() }).await;
    assert_eq!(per_request.handle.serving().policy().contract().as_str(), "0.1.0");
    let throttled = || Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None };
    // (model, stream, throttle the model once first)
    let cases: [(Option<&str>, bool, bool); 6] = [
        (None, false, false),
        (Some(MODEL), true, false),
        (Some(US_SONNET), false, true),
        (Some(US_SONNET), true, true),
        (Some("meta.llama9-v1:0"), false, false),
        (Some("bedrock/amazon.nova-pro-v1:0"), true, false),
    ];
    for (model, stream, throttle) in cases {
        let mut seen = Vec::new();
        for gateway in [&planned, &per_request] {
            gateway.emulator.faults().clear();
            gateway.emulator.log().clear();
            if throttle {
                gateway.emulator.faults().push(FaultRule::new(throttled()).model(model.unwrap_or(MODEL)).times(1));
            }
            let response = gateway.post("/v1/chat/completions", &body(model, stream)).await;
            let calls: Vec<(String, u16)> = runtime_calls(gateway).into_iter().map(|(_, model, status)| (model, status)).collect();
            seen.push((response.status, calls));
        }
        assert_eq!(seen[0], seen[1], "{model:?} stream={stream}: plan-served vs 0.1.0 chat");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_names_are_routed_from_the_plan_to_what_they_stand_for() {
    let aliases = "plugins: { entries: { 'amazon-bedrock': { config: { aliases: { fast: 'amazon.nova-micro-v1:0' } } } } }";
    let gateway = gateway_with(&format!("{{ model: '{MODEL}', {aliases} }}")).await;
    // (model as the client sends it, model id Bedrock is called with)
    let cases = [
        // Anthropic's names for the catalog's Claude model: the region's geography profile.
        ("claude-sonnet-4-6", US_SONNET),
        ("claude-sonnet-4-6-20251001", US_SONNET),
        ("claude-sonnet-4-6-latest", US_SONNET),
        ("claude-haiku-4-5-20251001", "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
        // An alias the config defines.
        ("fast", "amazon.nova-micro-v1:0"),
    ];
    for (model, target) in cases {
        gateway.emulator.log().clear();
        let response = gateway.post("/v1/chat/completions", &body(Some(model), false)).await;
        assert_eq!(response.status, 200, "{model}: {}", response.text());
        assert_eq!(response.json()["model"], target, "{model}: the answer names the model that served it");
        let called: Vec<String> = runtime_calls(&gateway).into_iter().map(|(_, model, _)| model).collect();
        assert_eq!(called, [target], "{model}");
    }
    assert_eq!(gateway.handle.routing_counts(), (cases.len() as u64, 0), "every name was in the plan: no guest call");
}
