//! A policy's own HTTP requests (`wasi:http/outgoing-handler`): the host signs them for
//! Bedrock endpoints and refuses everything else, and the guest never holds an auth header.

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, RunningEmulator};
use openclaw_host::aws::Bedrock;
use openclaw_host::aws::environment::AwsEnvironment;
use openclaw_host::capability::{BedrockAccess, Capabilities};
use openclaw_host::sandbox::{PolicyHost, PolicySource};
use openclaw_host::types::ConfigSource;
use openclaw_test_support::{TestGuest, emulator_aws_vars};
use std::collections::BTreeMap;
use std::sync::Arc;

const MODEL: &str = "anthropic.claude-sonnet-4-6-20251001-v1:0";

async fn bedrock_for(emulator: &RunningEmulator, home: &std::path::Path) -> Arc<dyn BedrockAccess> {
    let env = AwsEnvironment::from_vars(emulator_aws_vars(&emulator.endpoint(), (DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY), home));
    Arc::new(Bedrock::from_env(env).await)
}

/// What the http-caller guest reported, by finding path (`status`, `body`, `error`).
async fn call(host: &PolicyHost, bedrock: Option<Arc<dyn BedrockAccess>>, command: &str) -> BTreeMap<String, String> {
    let capabilities = Capabilities { environment: Arc::default(), bedrock };
    let mut instance = host.instance_with(capabilities).await.expect("instance");
    let source = ConfigSource { origin: "command".into(), text: Some(command.into()) };
    let settings = instance.load_config(&source).await.expect("the call runs").expect("valid");
    settings.warnings.into_iter().map(|finding| (finding.path, finding.message)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_reaches_bedrock_signed_by_the_host_and_nothing_else() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = tempfile::tempdir().expect("home");
    let bedrock = bedrock_for(&emulator, home.path()).await;
    let host = PolicyHost::builder().build(PolicySource::File(TestGuest::HttpCaller.path())).await.expect("http-caller loads");
    // Another loopback service the policy must not reach.
    let bystander = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bystander");
    let bystander_url = format!("http://{}/", bystander.local_addr().expect("address"));
    let endpoint = emulator.endpoint();
    let model_url = format!("{endpoint}/foundation-models/{MODEL}");

    let allowed = call(&host, Some(Arc::clone(&bedrock)), &format!("GET {model_url}")).await;
    assert_eq!(allowed.get("status").map(String::as_str), Some("200"), "{allowed:?}");
    assert!(allowed.get("body").is_some_and(|body| body.contains(MODEL)), "{allowed:?}");
    let entry = emulator.request_log().into_iter().last().expect("the emulator saw the request");
    assert_eq!((entry.access_key_id.as_deref(), entry.signed_service.as_deref()), (Some(DEFAULT_ACCESS_KEY_ID), Some("bedrock")));

    // Each refusal must be the host's (or wasi-http's) and not a failed connection: every
    // destination here is reachable, and the error names the refusal.
    let bystander_port = bystander.local_addr().expect("address").port();
    let emulator_port = emulator.local_addr().port();
    let refused = [
        ("own authorization header", format!("GET {model_url} authorization=Bearer-stolen"), "Forbidden"),
        ("own x-amz header", format!("GET {model_url} x-amz-security-token=forged"), "Forbidden"),
        ("another loopback port", format!("GET {bystander_url}"), "HttpRequestDenied"),
        ("another host name for a listening port", format!("GET http://localhost:{bystander_port}/"), "HttpRequestDenied"),
        ("the emulator under another host name", format!("GET http://localhost:{emulator_port}/foundation-models/{MODEL}"), "HttpRequestDenied"),
    ];
    let seen_before = emulator.request_log().len();
    for (name, command, why) in refused {
        let findings = call(&host, Some(Arc::clone(&bedrock)), &command).await;
        assert!(!findings.contains_key("status"), "{name}: {findings:?}");
        assert!(findings.get("error").is_some_and(|error| error.contains(why)), "{name}: refused as {why}: {findings:?}");
    }
    let no_access = call(&host, None, &format!("GET {model_url}")).await;
    assert!(no_access.get("error").is_some_and(|error| error.contains("HttpRequestDenied")), "without Bedrock access: {no_access:?}");
    assert_eq!(emulator.request_log().len(), seen_before, "a refused request reached the emulator");
    let accepted = tokio::time::timeout(std::time::Duration::from_millis(100), bystander.accept()).await;
    assert!(accepted.is_err(), "the policy connected to the bystander");
}
