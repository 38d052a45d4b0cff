//! Every host import called from a component in the real sandbox (the import-caller test
//! guest), with Bedrock access against the emulator and without any: log, environment,
//! credentials (visible sources, resolve), runtime (converse, converse-stream and its events,
//! invoke-model, invoke-model-with-response-stream and its chunks) and list-catalog.

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, RunningEmulator};
use openclaw_host::aws::Bedrock;
use openclaw_host::aws::environment::AwsEnvironment;
use openclaw_host::capability::{BedrockAccess, Capabilities};
use openclaw_host::sandbox::{PolicyHost, PolicySource};
use openclaw_host::types::{ConfigSource, RegionEnvironment};
use openclaw_test_support::{TestGuest, emulator_aws_vars};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

const CONVERSE_MODEL: &str = "amazon.nova-pro-v1:0";
const INVOKE_MODEL: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

/// Every `policy` log line the host wrote in this test binary (a global subscriber: the guest's
/// calls run on whichever runtime thread).
fn policy_log() -> &'static Mutex<Vec<String>> {
    static LINES: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        #[derive(Clone)]
        struct Sink;
        impl std::io::Write for Sink {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                policy_log().lock().unwrap_or_else(|p| p.into_inner()).push(String::from_utf8_lossy(bytes).into_owned());
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let subscriber = tracing_subscriber::fmt().with_env_filter("policy=trace").with_ansi(false).with_writer(|| Sink).finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    });
    LINES.get_or_init(Mutex::default)
}

async fn bedrock_for(emulator: &RunningEmulator, home: &std::path::Path) -> Arc<dyn BedrockAccess> {
    let env = AwsEnvironment::from_vars(emulator_aws_vars(&emulator.endpoint(), (DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY), home));
    Arc::new(Bedrock::builder(env).max_attempts(1).build().await)
}

/// What the import-caller reported, by import.
async fn call_every_import(bedrock: Option<Arc<dyn BedrockAccess>>) -> BTreeMap<String, String> {
    let host = PolicyHost::builder().build(PolicySource::File(TestGuest::ImportCaller.path())).await.expect("import-caller loads");
    let environment = RegionEnvironment { aws_region: Some("us-east-1".into()), profile: Some("dev".into()), ..RegionEnvironment::default() };
    let capabilities = Capabilities { environment: Arc::new(environment), bedrock };
    let mut instance = host.instance_with(capabilities).await.expect("instance");
    let source = ConfigSource { origin: "command".into(), text: Some(format!("{CONVERSE_MODEL} {INVOKE_MODEL}")) };
    let settings = instance.load_config(&source).await.expect("the call runs").expect("valid");
    settings.warnings.into_iter().map(|finding| (finding.path, finding.message)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_import_works_through_the_sandbox_with_bedrock_access() {
    let log = policy_log();
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = tempfile::tempdir().expect("home");
    let found = call_every_import(Some(bedrock_for(&emulator, home.path()).await)).await;
    let get = |import: &str| found.get(import).cloned().unwrap_or_else(|| panic!("{import} not reported: {found:?}"));

    assert_eq!(get("log"), "emitted");
    assert_eq!(get("environment"), "aws-region=us-east-1 profile=dev");
    assert_eq!(get("credentials.visible-sources"), "SourceKind::Environment", "{found:?}");
    let resolved = get("credentials.resolve");
    assert!(resolved.starts_with("SourceKind::Environment environment key=****"), "the key id masked: {resolved}");
    assert!(resolved.contains(&DEFAULT_ACCESS_KEY_ID[DEFAULT_ACCESS_KEY_ID.len() - 4..]), "the key id, masked or whole: {resolved}");
    assert_eq!(get("runtime.converse"), "Echo: hello imports stop=end_turn out=3");
    assert_eq!(get("runtime.converse-stream"), "Echo: hello imports stop=end_turn");
    let invoked = get("runtime.invoke-model");
    assert!(invoked.starts_with("application/json ") && invoked.contains("Echo: hello invoke"), "{invoked}");
    let chunks = get("runtime.invoke-model-with-response-stream");
    let count: usize = chunks.strip_prefix("chunks=").and_then(|rest| rest.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0);
    // message_start, content_block_start, three deltas (Echo: hello invoke), content_block_stop,
    // message_delta, message_stop: every chunk read to the end.
    assert!(count == 8 && chunks.contains(r#""type":"message_start""#) && chunks.contains("Echo: "), "every chunk read: {chunks}");
    let catalog = &emulator.catalog();
    assert_eq!(get("control-plane.list-catalog"), format!("region=us-east-1 models={} profiles={}", catalog.models.len(), catalog.profiles.len()));
    assert!(!found.values().any(|message| message.contains(DEFAULT_SECRET_ACCESS_KEY)), "{found:?}");

    // What reached Bedrock, in order, and the converse request as the guest built it.
    let operations: Vec<String> = emulator.request_log().iter().map(|entry| entry.operation.clone()).collect();
    for operation in ["Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream", "ListFoundationModels", "ListInferenceProfiles"] {
        assert!(operations.iter().any(|o| o == operation), "{operation} reached the emulator: {operations:?}");
    }
    let converse = emulator.request_log().into_iter().find(|entry| entry.operation == "Converse").expect("converse");
    let body = converse.body_json();
    assert_eq!(body["system"], serde_json::json!([{ "text": "be brief" }]), "{body}");
    assert!(body["inferenceConfig"]["temperature"].as_f64().is_some_and(|t| (t - 0.5).abs() < 1e-6), "{body}");
    assert_eq!(converse.model_id.as_deref(), Some(CONVERSE_MODEL));

    let lines = log.lock().unwrap_or_else(|p| p.into_inner()).concat();
    for level in ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"] {
        let line = lines.lines().find(|line| line.contains(&format!("import-caller Level::{}", level[..1].to_string() + &level[1..].to_lowercase())));
        assert!(line.is_some_and(|line| line.contains(&format!("{level} policy:"))), "the {level} line reached the host's log at its level: {lines}");
    }
    assert!(lines.contains("probe=1"), "fields too: {lines}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_bedrock_access_every_bedrock_import_fails_cleanly() {
    let found = call_every_import(None).await;
    let get = |import: &str| found.get(import).cloned().unwrap_or_else(|| panic!("{import} not reported: {found:?}"));
    assert_eq!(get("log"), "emitted");
    assert_eq!(get("environment"), "aws-region=us-east-1 profile=dev");
    assert_eq!(get("credentials.visible-sources"), "-");
    for import in [
        "credentials.resolve",
        "runtime.converse",
        "runtime.converse-stream",
        "runtime.invoke-model",
        "runtime.invoke-model-with-response-stream",
        "control-plane.list-catalog",
    ] {
        let message = get(import);
        assert!(message.starts_with("error ") || message.starts_with("chunks=0 error "), "{import}: {message}");
    }
}
