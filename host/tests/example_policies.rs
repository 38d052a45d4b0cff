//! The example policies of `examples/policies/` (one routing rule, `family-router`, in Rust,
//! Python and JavaScript) as their author meets them: `policy check` names their parts (routing
//! their own, the rest the default policy's), the contract tier of both corpora passes, the
//! gateway serves chat through their plan (the fallback to the family's small model included),
//! and each is swapped in and out under load with no failed request.

mod gateway_common;

use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{MODEL, Response, Setup, TestGateway, embedded_policy_file, eventually};
use openclaw_domain::{ErrorClass, FallbackStep};
use openclaw_test_support::examples::{self, ExamplePolicy};
use openclaw_test_support::{TestHome, config_cases_dir, discovery_cases_dir, run_in_home};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

const OPENCLAW: &str = env!("CARGO_BIN_EXE_openclaw-bedrock");
const US_SONNET: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
/// The first Anthropic model with `haiku` the default discovery lists in us-east-1 (`global.`
/// profiles come first).
const HAIKU: &str = "global.anthropic.claude-haiku-4-5-20251001-v1:0";
/// The first Amazon model with `nova-lite` or `nova-micro` listed: profiles come before
/// foundation models, by name, and the emulator lists every geography's profiles.
const NOVA_LITE: &str = "apac.amazon.nova-lite-v1:0";
/// The default model as the config writes it, and what it stands for. Mistral has no small
/// model in the catalog: its route has no fallback.
const DEFAULT_WRITTEN: &str = "bedrock/mistral.mistral-large-2407-v1:0";
const MISTRAL_LARGE: &str = "mistral.mistral-large-2407-v1:0";

/// The examples whose toolchain is here: a missing one is skipped with a note (CI fails).
fn built(test: &str) -> Vec<(ExamplePolicy, PathBuf)> {
    ExamplePolicy::ALL.into_iter().filter_map(|example| example.component(test).map(|path| (example, path))).collect()
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn policy_check_names_the_parts_and_the_contract_tier_of_both_corpora_passes() {
    for (example, component) in built("policy_check_names_the_parts_and_the_contract_tier_of_both_corpora_passes") {
        let language = example.language();
        let home = TestHome::new().expect("home");
        // The shared state directory: after the first compile its cache serves the component.
        let state = arg(&examples::state_dir());
        let env = [("OPENCLAW_STATE_DIR", state.as_str())];
        let check = run_in_home(OPENCLAW, &home, &env, &["policy", "check", &arg(&component), "--json"]);
        assert_eq!(check.code, Some(0), "{language}: {}", check.all_output());
        let report = check.json();
        assert_eq!(report["policy"]["name"], example.name(), "{language}: {report}");
        assert_eq!(report["policy"]["contract"], "0.3.0", "{language}: {report}");
        // (part, whose it is)
        for (part, whose) in [("routing", "own"), ("config", "default"), ("discovery", "default"), ("chat", "default")] {
            assert_eq!(report["parts"][part], whose, "{language}: {part}: {report}");
        }
        let words = run_in_home(OPENCLAW, &home, &env, &["policy", "check", &arg(&component)]);
        assert_eq!(words.code, Some(0), "{language}: {}", words.all_output());
        assert!(words.stdout.contains("parts: routing (own); config, discovery, chat (default policy)"), "{language}: {}", words.stdout);

        for cases in [config_cases_dir(), discovery_cases_dir()] {
            let args = ["--policy", &arg(&component), "policy", "test", "--cases", &arg(&cases), "--tags", "contract", "--json"];
            let run = run_in_home(OPENCLAW, &home, &env, &args);
            assert_eq!(run.code, Some(0), "{language} on {}: {}", cases.display(), run.all_output());
            let report = run.json();
            assert_eq!((report["tier"].as_str(), report["failed"].as_u64()), (Some("contract"), Some(0)), "{language}: {report}");
            assert!(report["results"].as_array().is_some_and(|results| !results.is_empty()), "{language}: {report}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_examples_plan_follows_the_family_rule() {
    // The default model as an ARN: called in its own region, with the discovery's default max
    // tokens (no model of that id is listed), falling back where the small model was listed.
    const ARN: &str = "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0";
    let config = format!("{{ model: '{ARN}', models: {{ bedrockDiscovery: {{ defaultMaxTokens: 1234 }} }} }}");
    // (reference, the small model its route falls back to)
    let fallbacks = [
        (US_SONNET, Some(HAIKU)),
        (ARN, Some(HAIKU)),
        (HAIKU, None),
        (MODEL, Some(NOVA_LITE)),
        (NOVA_LITE, None),
        ("us.meta.llama3-3-70b-instruct-v1:0", Some("us.meta.llama3-1-8b-instruct-v1:0")),
        (MISTRAL_LARGE, None),
        ("cohere.command-r-plus-v1:0", None),
    ];
    for (example, component) in built("each_examples_plan_follows_the_family_rule") {
        let name = example.name();
        let setup = Setup { policy: component, config: Some(config.clone()), compile_cache: Some(examples::compile_cache_dir()), ..Setup::default() };
        let gateway = TestGateway::start_with(setup).await;
        let serving = gateway.handle.serving();
        let plan = serving.plan().unwrap_or_else(|| panic!("{name} plans"));
        let models = &plan.discovery.models;
        assert!(models.len() > 30, "{name}: the default policy's discovery is handed on: {} models", models.len());
        for model in models {
            let route = &plan.routes[&model.id];
            assert_eq!((route.target.as_str(), route.region.as_str(), route.max_tokens), (model.id.as_str(), "us-east-1", model.max_tokens), "{name}");
        }
        assert_eq!(plan.routes.len(), models.len() + 1, "{name}: the discovered models and the default model as written");
        let default = plan.default_route.as_ref().unwrap_or_else(|| panic!("{name}: a default route"));
        assert_eq!(plan.routes.get(ARN), Some(default), "{name}");
        assert_eq!((default.target.as_str(), default.region.as_str(), default.max_tokens), (ARN, "eu-west-1", 1234), "{name}");
        for (reference, small) in fallbacks {
            let expected: Vec<FallbackStep> = small
                .map(|small| FallbackStep {
                    on: vec![ErrorClass::RateLimit, ErrorClass::Overloaded],
                    target: small.to_string(),
                    region: "us-east-1".into(),
                    report_original_on: vec![ErrorClass::NotFound, ErrorClass::Format],
                })
                .into_iter()
                .collect();
            assert_eq!(plan.routes[reference].fallbacks, expected, "{name}: {reference}");
        }
        assert_eq!(plan.valid_for, None, "{name}");
        let listed = gateway.get("/v1/models").await.json();
        let ids: Vec<&str> = listed["data"].as_array().expect("a list").iter().filter_map(|model| model["id"].as_str()).collect();
        assert!(models.iter().all(|model| ids.contains(&model.id.as_str())), "{name}: /v1/models lists the discovery the plan returned: {ids:?}");
    }
}

/// (model, stream, faults (model, Bedrock error type), status, calls made (model, status),
/// words of the error)
type ChatCase<'a> = (Option<&'a str>, bool, &'a [(&'a str, &'a str)], u16, &'a [(&'a str, u16)], &'a str);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_serves_chat_through_each_examples_plan() {
    const THROTTLED: &str = "ThrottlingException";
    let cases: [ChatCase; 12] = [
        // A discovered model goes to itself.
        (Some(MODEL), false, &[], 200, &[(MODEL, 200)], ""),
        (Some(MODEL), true, &[], 200, &[(MODEL, 200)], ""),
        // The default model, for a request naming none and under its written name.
        (None, false, &[], 200, &[(MISTRAL_LARGE, 200)], ""),
        (Some(DEFAULT_WRITTEN), true, &[], 200, &[(MISTRAL_LARGE, 200)], ""),
        // Throttled or overloaded: the family's small model answers.
        (Some(US_SONNET), false, &[(US_SONNET, THROTTLED)], 200, &[(US_SONNET, 429), (HAIKU, 200)], ""),
        (Some(US_SONNET), true, &[(US_SONNET, "ServiceUnavailableException")], 200, &[(US_SONNET, 503), (HAIKU, 200)], ""),
        (Some(MODEL), false, &[(MODEL, THROTTLED)], 200, &[(MODEL, 429), (NOVA_LITE, 200)], ""),
        // A small model the account cannot call reports the throttle that sent the request there.
        (Some(US_SONNET), false, &[(US_SONNET, THROTTLED), (HAIKU, "ResourceNotFoundException")], 429, &[(US_SONNET, 429), (HAIKU, 404)], THROTTLED),
        // The small model does not fall back to itself; Mistral has no small model discovered.
        (Some(HAIKU), false, &[(HAIKU, THROTTLED)], 429, &[(HAIKU, 429)], THROTTLED),
        (None, false, &[(MISTRAL_LARGE, THROTTLED)], 429, &[(MISTRAL_LARGE, 429)], THROTTLED),
        // Outside the plan: refused in the policy's words, nothing called (the default policy
        // would resolve the second spelling; this one routes only what its plan lists).
        (Some("meta.llama9-v1:0"), false, &[], 404, &[], "has no route for model `meta.llama9-v1:0`"),
        (Some("bedrock/amazon.nova-pro-v1:0"), true, &[], 404, &[], "has no route for model `bedrock/amazon.nova-pro-v1:0`"),
    ];
    for (example, component) in built("the_gateway_serves_chat_through_each_examples_plan") {
        let name = example.name();
        let config = format!("{{ model: '{DEFAULT_WRITTEN}' }}");
        let gateway =
            TestGateway::start_with(Setup { policy: component, config: Some(config), compile_cache: Some(examples::compile_cache_dir()), ..Setup::default() })
                .await;
        assert_eq!(gateway.handle.policy().info().name, name);
        for (model, stream, faults, status, calls, words) in cases {
            gateway.emulator.faults().clear();
            gateway.emulator.log().clear();
            for (target, error_type) in faults {
                let fault = Fault::HttpError { error_type: error_type.to_string(), status: None, message: None };
                gateway.emulator.faults().push(FaultRule::new(fault).model(target).times(1));
            }
            let response = gateway.post("/v1/chat/completions", &body(model, stream)).await;
            let case = format!("{name}: {model:?} stream={stream} faults={faults:?}");
            assert_eq!(response.status, status, "{case}: {}", response.body);
            assert_eq!(runtime_calls(&gateway), calls.iter().map(|(model, status)| (model.to_string(), *status)).collect::<Vec<_>>(), "{case}");
            assert!(response.header("openclaw-policy").is_some_and(|header| header.starts_with(&name)), "{case}: {:?}", response.headers);
            if status != 200 {
                let message = response.json()["error"]["message"].as_str().unwrap_or_default().to_string();
                assert!(!words.is_empty() && message.contains(words), "{case}: {message}");
                if status == 404 {
                    assert!(message.contains(&name), "{case}: the refusal names the policy: {message}");
                }
            } else if stream {
                assert!(!response.streamed_text().is_empty(), "{case}: {}", response.body);
            } else {
                let served = calls.last().map(|(model, _)| *model);
                assert_eq!(response.json()["model"].as_str(), served, "{case}: the answer names the model that served it");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_example_is_swapped_in_and_out_under_load_with_no_failed_request() {
    let examples = built("each_example_is_swapped_in_and_out_under_load_with_no_failed_request");
    // Swapped by `reload` alone, so that each swap is counted exactly once (the file watcher,
    // polling too, would load some files first). A plan for a policy swapped out since is never
    // served over its successor's: `plan::tests` pins that race down.
    let setup = Setup {
        options: Box::new(|options| options.watch_interval = Duration::from_secs(24 * 3600)),
        compile_cache: Some(examples::compile_cache_dir()),
        ..Setup::default()
    };
    let gateway = Arc::new(TestGateway::start_with(setup).await);
    // Each stream takes ~100 ms, so some are in flight at every swap.
    gateway.emulator.faults().push(FaultRule::new(Fault::DelayEvents { ms: 12 }).operation("ConverseStream").times(1_000_000));
    // The policies by the name their header carries; requests each one served so far.
    let names: Arc<Vec<String>> = Arc::new(std::iter::once("openclaw-default".to_string()).chain(examples.iter().map(|(e, _)| e.name())).collect());
    let served: Arc<Vec<AtomicU32>> = Arc::new(names.iter().map(|_| AtomicU32::new(0)).collect());
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for worker in 0..16 {
        let (gateway, names, served, stop) = (Arc::clone(&gateway), Arc::clone(&names), Arc::clone(&served), Arc::clone(&stop));
        workers.push(tokio::spawn(async move {
            let mut count = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let stream = (worker + count).is_multiple_of(2);
                let response = gateway.post("/v1/chat/completions", &body(Some(MODEL), stream)).await;
                served[served_by(&response, stream, &names)].fetch_add(1, Ordering::Relaxed);
                count += 1;
            }
            count
        }));
    }
    let served_at_least = async |policy: usize, count: u32| {
        let served = Arc::clone(&served);
        let enough = eventually(Duration::from_secs(180), async move || served[policy].load(Ordering::Relaxed) >= count).await;
        assert!(enough, "{count} requests served by {} in time", names[policy]);
    };
    let install = |source: &Path| {
        let aside = gateway.policy_file.with_extension("incoming");
        std::fs::copy(source, &aside).expect("copy");
        std::fs::rename(&aside, &gateway.policy_file).expect("rename");
    };
    for (index, (example, component)) in examples.iter().enumerate() {
        // (component, its index in `names`): in, then out again.
        for (source, policy) in [(component.clone(), index + 1), (embedded_policy_file(), 0)] {
            let previous = if policy == 0 { index + 1 } else { 0 };
            // Load on the current policy first: requests are in flight at the swap.
            served_at_least(previous, served[previous].load(Ordering::Relaxed) + 16).await;
            install(&source);
            let loaded = gateway.handle.reload().await.unwrap_or_else(|e| panic!("{}: {} loads: {e}", example.language(), names[policy]));
            assert_eq!(loaded.info().name, names[policy]);
            let after = gateway.post("/v1/chat/completions", &body(Some(MODEL), false)).await;
            assert_eq!(served_by(&after, false, &names), policy, "a request after the swap runs {}", names[policy]);
            served_at_least(policy, served[policy].load(Ordering::Relaxed) + 16).await;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        tokio::time::timeout(Duration::from_secs(60), worker).await.expect("workers stop").expect("no request failed");
    }
    let metrics = gateway.handle.metrics();
    assert!(!metrics.contains("status=\"500\""), "{metrics}");
    assert_eq!(gateway.handle.swap_counts(), (2 * examples.len() as u64, 0), "swaps counted (ok, refused)");
}

/// Checks one answer under load (complete, the emulator's echo) and returns the index in
/// `names` of the policy its header names.
fn served_by(response: &Response, stream: bool, names: &[String]) -> usize {
    assert_eq!(response.status, 200, "{}", response.body);
    let text = if stream {
        assert_eq!(response.events().last().map(String::as_str), Some("[DONE]"), "{}", response.body);
        response.streamed_text()
    } else {
        response.text()
    };
    assert_eq!(text, "Echo: hello family", "{}", response.body);
    let header = response.header("openclaw-policy").expect("the policy header");
    names.iter().position(|name| header.starts_with(name.as_str())).unwrap_or_else(|| panic!("a known policy: {header}"))
}

fn body(model: Option<&str>, stream: bool) -> Value {
    let mut body = json!({ "stream": stream, "messages": [{ "role": "user", "content": "hello family" }] });
    if let Some(model) = model {
        body["model"] = json!(model);
    }
    body
}

/// The (model, status) of every Converse call the emulator saw, in order.
fn runtime_calls(gateway: &TestGateway) -> Vec<(String, u16)> {
    gateway
        .emulator
        .request_log()
        .into_iter()
        .filter(|entry| entry.operation.starts_with("Converse"))
        .map(|entry| (entry.model_id.unwrap_or_default(), entry.status))
        .collect()
}
