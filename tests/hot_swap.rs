//! Hot swap: calls in flight finish on the component they started with, new calls use the new
//! one, and a component that fails to compile, link or self-check is refused.

use openclaw_host::sandbox::{PolicyError, PolicyHost, PolicySource};
use openclaw_host::types::ConfigSource;
use openclaw_test_support::TestGuest;
use std::sync::Arc;

fn config(text: &str) -> ConfigSource {
    ConfigSource { origin: "test.json5".into(), text: Some(text.into()) }
}

async fn default_model_of_next_call(host: &PolicyHost, text: &str) -> Option<String> {
    let mut instance = host.instance(Arc::default()).await.expect("instance");
    instance.load_config(&config(text)).await.expect("runs").expect("valid").default_model
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_flight_finishes_on_its_policy_while_new_calls_use_the_new_one() {
    let host = Arc::new(PolicyHost::builder().build(PolicySource::File(TestGuest::AltPolicy.path())).await.expect("v1 loads"));
    assert_eq!(host.current().info().name, "alt-policy");

    // The instance is taken before the swap (so no head start is needed: whenever its call
    // runs, it belongs to v1), and v1 holds the call for 1.5 s inside the guest, so the swap
    // usually lands while it runs.
    let mut instance = host.instance(Arc::default()).await.expect("instance");
    let slow = tokio::spawn(async move {
        let settings = instance.load_config(&config("sleep=1500")).await;
        (instance.policy().map(|p| p.info().name.clone()), settings)
    });

    let swapped = host.swap(PolicySource::Embedded).await.expect("v2 loads");
    assert_eq!(swapped.info().name, "openclaw-default");
    // A call started after the swap runs v2 (the default policy resolves the real default).
    assert_eq!(
        default_model_of_next_call(&host, "{model: 'bedrock/mistral.mistral-large-2407-v1:0'}").await.as_deref(),
        Some("bedrock/mistral.mistral-large-2407-v1:0")
    );

    let (started_on, settings) = slow.await.expect("the slow call's task");
    assert_eq!(started_on.as_deref(), Some("alt-policy"));
    let settings = settings.expect("the slow call runs to the end").expect("valid");
    assert_eq!(settings.default_model.as_deref(), Some("alt-policy"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_component_is_refused_and_the_old_one_keeps_serving() {
    let host = PolicyHost::builder().build(PolicySource::File(TestGuest::AltPolicy.path())).await.expect("v1 loads");
    let garbage = PolicySource::Bytes { origin: "garbage.wasm".into(), bytes: Arc::from(&b"\0asm\x0d\0\x01\0not really"[..]) };
    type Check = fn(&PolicyError) -> bool;
    let cases: [(PolicySource, Check); 5] = [
        (garbage, |e| matches!(e, PolicyError::Compile { .. })),
        (PolicySource::File("/nonexistent/policy.wasm".into()), |e| matches!(e, PolicyError::Read { .. })),
        (PolicySource::File(TestGuest::Unlinkable.path()), |e| matches!(e, PolicyError::Link { .. })),
        (PolicySource::File(TestGuest::NotAPolicy.path()), |e| matches!(e, PolicyError::NotAPolicy { .. })),
        (PolicySource::File(TestGuest::Refuses.path()), |e| matches!(e, PolicyError::SelfCheck { .. })),
    ];
    for (source, expected) in cases {
        let origin = source.origin();
        let error = host.swap(source).await.expect_err(&origin);
        assert!(expected(&error), "{origin}: unexpected error {error}");
        assert!(error.to_string().contains(&origin) || matches!(error, PolicyError::Read { .. }), "{origin}: the error names it: {error}");
        assert_eq!(host.current().info().name, "alt-policy", "after refusing {origin}");
        assert_eq!(default_model_of_next_call(&host, "{}").await.as_deref(), Some("alt-policy"), "after refusing {origin}");
    }
}
