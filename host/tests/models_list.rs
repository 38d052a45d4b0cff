//! `openclaw-bedrock models list` against the emulator's built-in catalog: what BEHAVIOUR.md section 5
//! says is listed, from the cache unless refreshed, stale after a failed refresh.

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, Fault, FaultRule, RunningEmulator};
use openclaw_test_support::{Run, TestHome, run_in_home_async};
use serde_json::Value;

async fn list(home: &TestHome, emulator: &RunningEmulator, with_keys: bool, args: &[&str]) -> Run {
    let endpoint = emulator.endpoint();
    let mut env: Vec<(&str, &str)> = vec![("AWS_ENDPOINT_URL", &endpoint), ("AWS_REGION", "us-east-1")];
    if with_keys {
        env.extend([("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID), ("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)]);
    }
    let mut all = vec!["models", "list"];
    all.extend_from_slice(args);
    run_in_home_async(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, &env, &all).await
}

fn ids(report: &Value) -> Vec<String> {
    report["models"].as_array().map(|models| models.iter().filter_map(|m| m["id"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Makes every catalog cache file `seconds` older (its `fetched_at_ms`), as if that much time
/// had passed since discovery.
fn age_catalog_cache(home: &TestHome, seconds: u64) {
    let dir = home.state_dir().join("openclaw-bedrock").join("cache").join("catalog");
    let mut aged = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        let mut file: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("a JSON cache file");
        let fetched = file["fetched_at_ms"].as_u64().expect("fetched_at_ms");
        file["fetched_at_ms"] = Value::from(fetched - seconds * 1000);
        std::fs::write(&path, file.to_string()).expect("write");
        aged += 1;
    }
    assert!(aged > 0, "a cache file in {}", dir.display());
}

fn control_plane_calls(emulator: &RunningEmulator) -> usize {
    emulator.request_log().iter().filter(|e| matches!(e.operation.as_str(), "ListFoundationModels" | "ListInferenceProfiles")).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builtin_catalog_lists_what_the_behaviour_says() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    home.write_config("{ model: 'us.anthropic.claude-sonnet-4-6-20251001-v1:0', models: { bedrockDiscovery: { enabled: true } } }").expect("config");
    let run = list(&home, &emulator, true, &["--json"]).await;
    assert_eq!(run.code, Some(0), "{}", run.all_output());
    let report = run.json();
    assert_eq!((report["runs"].as_bool(), report["stale"].as_bool()), (Some(true), Some(false)));
    let ids = ids(&report);
    // Order: global. profiles first, then other profiles, then foundation models.
    let ranks: Vec<u8> = report["models"]
        .as_array()
        .map(|models| {
            models
                .iter()
                .map(|m| match (m["kind"].as_str(), m["id"].as_str().is_some_and(|id| id.starts_with("global."))) {
                    (_, true) => 0,
                    (Some("foundation"), _) => 2,
                    _ => 1,
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(ranks.windows(2).all(|pair| pair[0] <= pair[1]) && ranks.first() == Some(&0) && ranks.last() == Some(&2), "{ids:?}");
    let listed = |id: &str| ids.iter().any(|listed| listed == id);
    let cases = [
        ("us.anthropic.claude-sonnet-4-6-20251001-v1:0", true, "system profile of a profile-only model"),
        ("anthropic.claude-sonnet-4-6-20251001-v1:0", false, "bare id of a profile-only model"),
        ("mistral.mistral-large-2407-v1:0", true, "on-demand foundation model"),
        ("amazon.titan-embed-text-v2:0", false, "embedding-only"),
        ("cohere.command-light-text-v14", false, "cannot stream"),
        ("anthropic.claude-3-haiku-20240307-v1:0:200k", false, "provisioned-only"),
    ];
    for (id, expected, why) in cases {
        assert_eq!(listed(id), expected, "{why}: {id} in {ids:?}");
    }
    assert!(ids.iter().any(|id| id.starts_with("arn:aws:bedrock:") && id.contains(":application-inference-profile/")), "application profile by ARN: {ids:?}");
    let default = report["models"]
        .as_array()
        .and_then(|models| models.iter().find(|m| m["id"] == "us.anthropic.claude-sonnet-4-6-20251001-v1:0"))
        .cloned()
        .unwrap_or_default();
    assert!(default["tags"].as_array().is_some_and(|tags| tags.iter().any(|t| t == "default") && tags.iter().any(|t| t == "profile")), "{default}");
    assert!(default["name"].as_str().is_some_and(|name| name.starts_with("US ")), "{default}");

    // The table, piped: no progress indicator, one row per model plus the header.
    let table = list(&home, &emulator, true, &[]).await;
    assert_eq!(table.stdout.lines().count(), ids.len() + 1, "{}", table.stdout);
    assert!(!table.stderr.contains('\r'), "no spinner when piped: {:?}", table.stderr);
    // The filter keeps exactly the Mistral AI rows of the full list, and there are some.
    let mistral = list(&home, &emulator, true, &["--json", "--provider", "Mistral"]).await.json();
    let expected: Vec<String> = ids.iter().filter(|id| id.contains("mistral") || id.contains("pixtral")).cloned().collect();
    assert!(expected.len() >= 2, "the catalog has Mistral AI models: {ids:?}");
    assert_eq!(self::ids(&mistral), expected, "{mistral}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_answers_until_refresh_and_serves_stale_after_a_failure() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    // An interval no run of this test can outlive; the cache is aged by rewriting its file.
    home.write_config("{ models: { bedrockDiscovery: { enabled: true, refreshInterval: 3600 } } }").expect("config");
    let first = list(&home, &emulator, true, &["--json"]).await;
    assert_eq!(first.code, Some(0), "{}", first.all_output());
    let calls = control_plane_calls(&emulator);
    assert!(calls >= 2, "the first run lists models and profiles");
    let cached = list(&home, &emulator, true, &["--json"]).await;
    assert_eq!(ids(&cached.json()), ids(&first.json()));
    assert_eq!(control_plane_calls(&emulator), calls, "a warm cache makes no call");
    list(&home, &emulator, true, &["--json", "--refresh"]).await;
    assert!(control_plane_calls(&emulator) > calls, "--refresh asks Bedrock");

    age_catalog_cache(&home, 2 * 3600);
    let failure = Fault::HttpError { error_type: "InternalServerException".into(), status: None, message: Some("control plane down".into()) };
    emulator.faults().push(FaultRule::new(failure).operation("ListFoundationModels").times(10));
    let stale = list(&home, &emulator, true, &["--json"]).await;
    assert_eq!(stale.code, Some(0), "{}", stale.all_output());
    let report = stale.json();
    assert_eq!(report["stale"], true, "{report}");
    assert_eq!(ids(&report), ids(&first.json()), "the last good list");
    assert!(report["models"][0]["tags"].as_array().is_some_and(|tags| tags.iter().any(|t| t == "stale")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_auto_enables_only_with_visible_credentials() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    home.write_config("{}").expect("config");
    let off = list(&home, &emulator, false, &["--json"]).await;
    let report = off.json();
    assert_eq!((report["runs"].as_bool(), ids(&report).len()), (Some(false), 0), "{report}");
    assert_eq!(control_plane_calls(&emulator), 0, "no call when discovery is off");
    let on = list(&home, &emulator, true, &["--json"]).await.json();
    assert_eq!(on["runs"], true, "{on}");
    assert!(!ids(&on).is_empty());
    home.write_config("{ models: { bedrockDiscovery: { enabled: false } } }").expect("config");
    let disabled = list(&home, &emulator, true, &["--json"]).await.json();
    assert_eq!(disabled["runs"], false, "{disabled}");
}
