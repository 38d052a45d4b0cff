//! Small worlds (issue 13): a contract 0.3.0 component exports `identity` and any of the parts
//! `config`, `discovery`, `routing`, `chat`; the host asks the default policy for the parts it
//! does not export, per call, and `policy check` says who provides which. Components without
//! a part, or of two versions at once, are refused; components of 0.2.0 and 0.1.0 still serve.

mod gateway_common;

use gateway_common::{MODEL, Setup, TestGateway};
use openclaw_test_support::{TestGuest, TestHome, run_in_home};
use serde_json::{Value, json};
use std::path::Path;

const NOVA_MICRO: &str = "amazon.nova-micro-v1:0";
const NOVA_LITE: &str = "amazon.nova-lite-v1:0";
const HAIKU_3: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// `openclaw-bedrock policy check [--json] FILE` in `home`: (exit code, stdout, stderr).
fn check(home: &TestHome, component: &Path, json: bool) -> (Option<i32>, String, String) {
    let file = component.display().to_string();
    let args: Vec<&str> = if json { vec!["policy", "check", "--json", &file] } else { vec!["policy", "check", &file] };
    let run = run_in_home(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, &[], &args);
    (run.code, run.stdout.clone(), run.stderr.clone())
}

fn body(model: Option<&str>) -> Value {
    let mut body = json!({ "messages": [{ "role": "user", "content": "hello parts" }] });
    if let Some(model) = model {
        body["model"] = json!(model);
    }
    body
}

/// The model ids Bedrock was called with (Converse and ConverseStream), in order.
fn called(gateway: &TestGateway) -> Vec<String> {
    gateway.emulator.request_log().into_iter().filter(|entry| entry.operation.starts_with("Converse")).filter_map(|entry| entry.model_id).collect()
}

/// The ids `GET /v1/models` lists.
async fn listed(gateway: &TestGateway) -> Vec<String> {
    let models = gateway.get("/v1/models").await;
    assert_eq!(models.status, 200, "{}", models.body);
    models.json()["data"].as_array().expect("data").iter().filter_map(|model| model["id"].as_str().map(str::to_string)).collect()
}

async fn gateway(policy: TestGuest, config: &str) -> TestGateway {
    TestGateway::start_with(Setup { policy: policy.path(), config: Some(config.to_string()), ..Setup::default() }).await
}

#[test]
fn policy_check_names_the_parts_a_component_provides_and_those_of_the_default() {
    // One home: its compile cache serves the default policy to every check after the first.
    let home = TestHome::new().expect("home");
    let (own, default) = ("own", "default");
    // (component, the end of the text line, each part's provider: config, discovery, routing, chat)
    let cases = [
        (TestGuest::PartsRouting, "parts: routing (own); config, discovery, chat (default policy)", [default, default, own, default]),
        (TestGuest::PartsConfig, "parts: config (own); discovery, routing, chat (default policy)", [own, default, default, default]),
        (TestGuest::PartsDiscovery, "parts: discovery (own); config, routing, chat (default policy)", [default, own, default, default]),
        (TestGuest::DefaultV0_2, "parts: config, discovery, routing, chat (own)", [own; 4]),
        (TestGuest::DefaultV0_1, "parts: config, discovery, routing, chat (own)", [own; 4]),
    ];
    for (guest, line, providers) in cases {
        let (code, stdout, stderr) = check(&home, &guest.path(), false);
        assert_eq!(code, Some(0), "{guest:?}: {stdout}{stderr}");
        assert!(stdout.lines().count() == 1 && stdout.trim_end().ends_with(line), "{guest:?}: one line ending {line:?}: {stdout}");
        let (code, stdout, stderr) = check(&home, &guest.path(), true);
        assert_eq!(code, Some(0), "{guest:?}: {stdout}{stderr}");
        let report: Value = serde_json::from_str(&stdout).expect("one JSON document");
        let expected = json!({ "config": providers[0], "discovery": providers[1], "routing": providers[2], "chat": providers[3] });
        assert_eq!(report["parts"], expected, "{guest:?}");
    }
}

#[test]
fn a_component_without_a_part_or_of_two_versions_is_refused() {
    let home = TestHome::new().expect("home");
    // (component, words of the refusal)
    let cases = [
        (TestGuest::PartsNone, vec!["exports no part: config, discovery, routing or chat", "`openclaw:bedrock/identity@0.3.0`"]),
        (
            TestGuest::MixedVersions,
            vec!["several contract versions", "`openclaw:bedrock/identity@0.3.0`", "`openclaw:bedrock/routing@0.2.0`", "this host implements"],
        ),
    ];
    for (guest, words) in cases {
        let (code, stdout, stderr) = check(&home, &guest.path(), true);
        assert_eq!(code, Some(1), "{guest:?}: {stdout}{stderr}");
        let report: Value = serde_json::from_str(&stdout).expect("one JSON document");
        assert_eq!(report["ok"], false, "{guest:?}: {report}");
        let error = report["error"].as_str().unwrap_or_default();
        for words in words {
            assert!(error.contains(words), "{guest:?}: {words:?} in {error}");
        }
        assert!(!error.contains("wrong type") && !error.contains("implementation is missing"), "{guest:?}: not the linker's words: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routing_only_policy_serves_its_routes_and_the_default_discovery() {
    let config = format!("{{ model: '{MODEL}' }}");
    let routing = gateway(TestGuest::PartsRouting, &config).await;
    assert!(routing.handle.serving().plan().is_some(), "the composed policy planned");
    // (model the client sends, status, model Bedrock is called with)
    let cases =
        [(None, 200, Some(NOVA_LITE)), (Some("lane/fast"), 200, Some(NOVA_MICRO)), (Some(MODEL), 200, Some(MODEL)), (Some("meta.llama9-v1:0"), 404, None)];
    for (model, status, target) in cases {
        routing.emulator.log().clear();
        let response = routing.post("/v1/chat/completions", &body(model)).await;
        assert_eq!(response.status, status, "{model:?}: {}", response.body);
        assert_eq!(called(&routing), target.map(str::to_string).into_iter().collect::<Vec<_>>(), "{model:?}");
        if target.is_none() {
            assert!(response.body.contains("parts-routing routes"), "{model:?}: its resolve's words: {}", response.body);
        }
    }
    assert_eq!(routing.handle.routing_counts(), (3, 1), "three served from its plan, one resolved by it");
    let whole = gateway(TestGuest::DefaultV0_2, &config).await;
    let models = listed(&routing).await;
    assert!(models.len() > 10, "the default discovery lists the emulator's catalog: {models:?}");
    assert_eq!(models, listed(&whole).await, "the models are the default policy's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_only_policys_settings_reach_the_default_discovery_and_plan() {
    let gateway = gateway(TestGuest::PartsConfig, &format!(r#"{{ "defaultModel": "{NOVA_MICRO}" }}"#)).await;
    assert!(gateway.handle.serving().plan().is_some(), "the default policy planned from its settings");
    // (model the client sends, model Bedrock is called with): its default model and its alias.
    let cases = [(None, NOVA_MICRO), (Some("configured"), NOVA_MICRO), (Some(MODEL), MODEL)];
    for (model, target) in cases {
        gateway.emulator.log().clear();
        let response = gateway.post("/v1/chat/completions", &body(model)).await;
        assert_eq!(response.status, 200, "{model:?}: {}", response.body);
        assert_eq!(called(&gateway), [target], "{model:?}");
    }
    assert_eq!(gateway.handle.routing_counts(), (3, 0), "every one from the default's plan");
    assert!(listed(&gateway).await.iter().any(|id| id == NOVA_MICRO), "the default discovery ran with its settings");

    // A file it finds invalid: the previous plan keeps serving; a miss is refused with its
    // diagnostic, in the one wording of an invalid config.
    std::fs::write(&gateway.config_file, r#"{ "model": "x" }"#).expect("config");
    let seen = gateway_common::eventually(std::time::Duration::from_secs(20), async || {
        gateway.handle.serving().config().text.as_deref() == Some(r#"{ "model": "x" }"#)
    })
    .await;
    assert!(seen, "the new text is read");
    let served = gateway.post("/v1/chat/completions", &body(None)).await;
    assert_eq!(served.status, 200, "the previous plan serves: {}", served.body);
    let missed = gateway.post("/v1/chat/completions", &body(Some("not-in-the-plan"))).await;
    assert_eq!(missed.status, 400, "{}", missed.body);
    for words in ["is invalid (1 error(s))", "`defaultModel`", "parts-config reads `defaultModel`"] {
        assert!(missed.body.contains(words), "{words:?} in {}", missed.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discovery_only_policys_models_are_listed_and_routed_by_the_default_plan() {
    let gateway = gateway(TestGuest::PartsDiscovery, &format!("{{ model: '{MODEL}' }}")).await;
    let models = gateway.get("/v1/models").await;
    assert_eq!(models.status, 200, "{}", models.body);
    let data = models.json()["data"].clone();
    let ids: Vec<&str> = data.as_array().expect("data").iter().filter_map(|model| model["id"].as_str()).collect();
    assert_eq!(ids, [NOVA_MICRO, HAIKU_3], "its models, as it lists them");
    for model in [NOVA_MICRO, HAIKU_3] {
        gateway.emulator.log().clear();
        let response = gateway.post("/v1/chat/completions", &body(Some(model))).await;
        assert_eq!(response.status, 200, "{model}: {}", response.body);
        let calls = called(&gateway);
        assert!(calls.len() == 1 && calls[0].ends_with(model), "{model}: routed by the default's rules: {calls:?}");
    }
    assert_eq!(gateway.handle.routing_counts(), (2, 0), "both from the default's plan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn components_of_older_contracts_still_serve() {
    // (component, contract, whether it has a plan)
    let cases = [(TestGuest::DefaultV0_2, "0.2.0", true), (TestGuest::DefaultV0_1, "0.1.0", false)];
    for (guest, contract, plans) in cases {
        let gateway = gateway(guest, &format!("{{ model: '{MODEL}' }}")).await;
        let serving = gateway.handle.serving();
        assert_eq!((serving.policy().contract().as_str(), serving.plan().is_some()), (contract, plans), "{guest:?}");
        assert!(serving.policy().parts().is_whole(), "{guest:?}: every part its own");
        for model in [None, Some(MODEL)] {
            gateway.emulator.log().clear();
            let response = gateway.post("/v1/chat/completions", &body(model)).await;
            assert_eq!(response.status, 200, "{guest:?} {model:?}: {}", response.body);
            assert_eq!(called(&gateway), [MODEL], "{guest:?} {model:?}");
        }
        assert!(!listed(&gateway).await.is_empty(), "{guest:?}: its discovery");
    }
}

#[test]
fn policy_test_runs_the_corpus_against_the_composed_policy() {
    let home = TestHome::new().expect("home");
    let cases = openclaw_test_support::config_cases_dir().display().to_string();
    // (component, parts it provides): the config corpus is the config part's, here the
    // default policy's, so the composition passes all of it, its exact answers included.
    let components = [(TestGuest::PartsRouting, "routing"), (TestGuest::PartsDiscovery, "discovery")];
    for (guest, own) in components {
        let policy = guest.path().display().to_string();
        let run = run_in_home(env!("CARGO_BIN_EXE_openclaw-bedrock"), &home, &[], &["--policy", &policy, "policy", "test", "--cases", &cases, "--json"]);
        let report = run.json();
        assert_eq!(run.code, Some(0), "{guest:?}: {}", run.stderr);
        assert_eq!((report["failed"].as_u64(), report["parts"][own].as_str(), report["parts"]["config"].as_str()), (Some(0), Some("own"), Some("default")));
        assert!(report["passed"].as_u64().is_some_and(|passed| passed > 100), "{guest:?}: {}", report["passed"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_worlds_are_swapped_in_and_out_of_a_running_gateway() {
    let gateway = TestGateway::start_with(Setup { config: Some(format!("{{ model: '{MODEL}' }}")), ..Setup::default() }).await;
    // (component installed, policy serving, model Bedrock is called with for a request naming none)
    let cases = [
        (TestGuest::PartsRouting.path(), "parts-routing", NOVA_LITE),
        (gateway_common::embedded_policy_file(), "openclaw-default", MODEL),
        (TestGuest::PartsRouting.path(), "parts-routing", NOVA_LITE),
    ];
    for (component, name, target) in cases {
        let incoming = gateway.policy_file.with_extension("incoming");
        std::fs::copy(&component, &incoming).expect("copy");
        std::fs::rename(&incoming, &gateway.policy_file).expect("rename");
        let swapped = gateway_common::eventually(std::time::Duration::from_secs(20), async || {
            let serving = gateway.handle.serving();
            serving.policy().info().name == name && serving.plan().is_some()
        })
        .await;
        assert!(swapped, "{name} swapped in and planned");
        gateway.emulator.log().clear();
        let response = gateway.post("/v1/chat/completions", &body(None)).await;
        assert_eq!(response.status, 200, "{name}: {}", response.body);
        assert_eq!(called(&gateway), [target], "{name}");
        assert!(response.header("openclaw-policy").is_some_and(|header| header.starts_with(name)), "{name}: {:?}", response.header("openclaw-policy"));
    }
}
