//! Hostile guests in the real sandbox: each misbehaviour fails only its own call, with a clear
//! error, and the same host serves the next call normally.

use openclaw_host::sandbox::{Limits, PolicyError, PolicyHost, PolicySource};
use openclaw_host::types::{ConfigSource, RegionEnvironment};
use openclaw_test_support::TestGuest;
use std::sync::Arc;
use std::time::Duration;

fn config(text: &str) -> ConfigSource {
    ConfigSource { origin: "test.json5".into(), text: Some(text.into()) }
}

async fn hostile_host() -> PolicyHost {
    // A deadline generous enough for any normal call on a loaded machine (it applies to them
    // too); a spinning guest costs the test this long once.
    let limits = Limits { call_deadline: Duration::from_secs(5), memory_bytes: 16 << 20, ..Limits::default() };
    PolicyHost::builder().limits(limits).build(PolicySource::File(TestGuest::Hostile.path())).await.expect("the hostile guest loads")
}

/// Runs `load-config` on a fresh instance of the current policy.
async fn load_config(host: &PolicyHost, text: &str) -> Result<openclaw_host::types::ConfigOutcome, PolicyError> {
    let environment = Arc::new(RegionEnvironment { aws_region: Some("eu-west-1".into()), ..RegionEnvironment::default() });
    host.instance(environment).await?.load_config(&config(text)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snooping_guest_finds_nothing() {
    // The test process itself has HOME, PATH and more; the guest must see none of it. The
    // listener is open: a connection refused there is the sandbox's doing, not a closed port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listener");
    let address = listener.local_addr().expect("address");
    let host = hostile_host().await;
    let settings = load_config(&host, &format!("snoop {address}")).await.expect("the call runs").expect("valid");
    let findings: Vec<String> = settings.warnings.iter().map(|w| format!("{}: {}", w.path, w.message)).collect();
    assert_eq!(findings, vec![format!("snoop: ran: environment, arguments, 5 paths, {address}")], "the guest found more than nothing");
    let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(accepted.is_err(), "the guest connected to the listener");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_misbehaviour_fails_its_call_and_the_host_goes_on() {
    let host = hostile_host().await;
    type Check = fn(&PolicyError) -> bool;
    let cases: [(&str, Check); 3] = [
        ("spin", |e| matches!(e, PolicyError::Deadline { call: "load-config", .. })),
        ("hog", |e| matches!(e, PolicyError::MemoryCap { call: "load-config", .. })),
        ("trap", |e| matches!(e, PolicyError::Trap { call: "load-config", .. })),
    ];
    for (mode, expected) in cases {
        let error = load_config(&host, mode).await.expect_err(mode);
        assert!(expected(&error), "{mode}: unexpected error {error}");
        assert!(!error.to_string().contains('\n'), "{mode}: the message is one line: {error}");
        let next = load_config(&host, "{}").await.expect("the next call runs").expect("valid");
        assert_eq!(next.default_model.as_deref(), Some("hostile"), "after {mode}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapped_instance_refuses_further_calls() {
    let host = hostile_host().await;
    let mut instance = host.instance(Arc::default()).await.expect("instance");
    assert!(matches!(instance.load_config(&config("trap")).await, Err(PolicyError::Trap { .. })));
    assert!(matches!(instance.load_config(&config("{}")).await, Err(PolicyError::Poisoned)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guest_sees_only_the_region_environment_it_is_handed() {
    let host = PolicyHost::builder().build(PolicySource::Embedded).await.expect("default policy");
    let environment = RegionEnvironment { aws_region: Some("  ".into()), aws_default_region: Some("ap-south-1".into()), profile: None, profile_region: None };
    let mut instance = host.instance(Arc::new(environment)).await.expect("instance");
    let settings = instance.load_config(&config("{}")).await.expect("runs").expect("valid");
    assert_eq!(settings.region.name, "ap-south-1");
}
