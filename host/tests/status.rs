//! `openclaw-bedrock models status --probe-provider bedrock`, the documentation's verify command,
//! against the emulator: every credential source, every probe outcome, and never a secret
//! in the output.

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_BEARER_TOKEN, DEFAULT_SECRET_ACCESS_KEY, Emulator, Fault, FaultRule, RunningEmulator};
use openclaw_test_support::{Run, TestHome, run_in_home_async};
use std::time::Duration;

/// Environment variables a case sets: (name, value).
type Vars<'a> = &'a [(&'a str, &'a str)];
/// A case of the second table: (name, variables, what the output says, what it must not).
type OwnedVarsCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);

const MODEL: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";

async fn emulator() -> RunningEmulator {
    Emulator::builder().start().await.expect("the emulator starts")
}

/// `openclaw-bedrock models status` with the emulator as every AWS endpoint and no IMDS.
async fn status(home: &TestHome, emulator: &RunningEmulator, env: &[(&str, &str)], extra: &[&str]) -> Run {
    let endpoint = emulator.endpoint();
    let mut vars: Vec<(&str, &str)> = vec![("AWS_ENDPOINT_URL", &endpoint), ("AWS_REGION", "us-east-1")];
    vars.extend_from_slice(env);
    let mut args = vec!["models", "status", "--json"];
    args.extend_from_slice(extra);
    run_in_home_async(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, &vars, &args).await
}

/// The needle of a row whose probe succeeds: its report must hold no error at all.
const NO_ERROR: &str = "(no error)";

const ENV_KEYS: [(&str, &str); 2] = [("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID), ("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)];

/// A home whose config names the default model (or, given `{...}`, is that config).
fn home_with_model(model: &str) -> TestHome {
    let home = TestHome::empty().expect("temporary home");
    let config = if model.starts_with('{') { model.to_string() } else { format!("{{ model: {model:?} }}") };
    home.write_config(&config).expect("config written");
    home
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_reports_each_outcome_and_exits_nonzero_on_failure() {
    let emulator = emulator().await;
    type Setup = fn(&RunningEmulator);
    /// (name, model, variables, faults, extra flags, status, what the error says)
    type ProbeCase<'a> = (&'a str, &'a str, Vars<'a>, Setup, &'a [&'a str], &'a str, &'a str);
    let no_fault: Setup = |_| {};
    let cases: [ProbeCase; 11] = [
        ("ok", MODEL, &[], no_fault, &[], "ok", NO_ERROR),
        ("wrong secret", MODEL, &[("AWS_SECRET_ACCESS_KEY", "wrong-secret")], no_fault, &[], "auth", "signature"),
        (
            "429 on every try",
            MODEL,
            &[],
            |e| e.faults().push(FaultRule::new(Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None }).times(20)),
            &[],
            "rate_limit",
            "Too many requests, please wait before trying again.",
        ),
        (
            "503",
            MODEL,
            &[],
            |e| e.faults().push(FaultRule::new(Fault::HttpError { error_type: "ServiceUnavailableException".into(), status: None, message: None }).times(20)),
            &[],
            "overloaded",
            "Bedrock is unable to process your request.",
        ),
        ("hang", MODEL, &[], |e| e.faults().push(FaultRule::new(Fault::Hang).operation("ConverseStream")), &["--probe-timeout", "1500"], "timeout", "1500"),
        ("unknown model, caught by the policy against the catalog", "vendor.no-such-model-v1:0", &[], no_fault, &[], "not_found", "closest:"),
        (
            "unknown model, discovery off: Bedrock's answer",
            "{ model: 'vendor.no-such-model-v1:0', models: { bedrockDiscovery: { enabled: false } } }",
            &[],
            no_fault,
            &[],
            "not_found",
            "The provided model identifier is invalid.",
        ),
        ("no default model", "", &[], no_fault, &[], "no_model", "model"),
        (
            "mid-stream exception",
            MODEL,
            &[],
            |e| {
                let exception = Fault::ExceptionAfter { events: 1, exception_type: "throttlingException".into(), message: Some("slow down".into()) };
                e.faults().push(FaultRule::new(exception).operation("ConverseStream").times(20))
            },
            &[],
            "rate_limit",
            "slow down",
        ),
        ("profile-only bare id, resolved to the region's profile", "anthropic.claude-sonnet-4-6-20251001-v1:0", &[], no_fault, &[], "ok", NO_ERROR),
        (
            "profile-only bare id, discovery off: Bedrock's answer",
            "{ model: 'anthropic.claude-sonnet-4-6-20251001-v1:0', models: { bedrockDiscovery: { enabled: false } } }",
            &[],
            no_fault,
            &[],
            "format",
            "inference profile",
        ),
    ];
    for (name, model, env, setup, flags, status_word, needle) in cases {
        emulator.faults().clear();
        setup(&emulator);
        let home = if model.is_empty() { TestHome::empty().expect("home") } else { home_with_model(model) };
        let mut vars = ENV_KEYS.to_vec();
        vars.extend_from_slice(env);
        let mut extra = vec!["--probe-provider", "bedrock"];
        extra.extend_from_slice(flags);
        let run = status(&home, &emulator, &vars, &extra).await;
        let report = run.json();
        assert_eq!(report["probe"]["status"], status_word, "{name}: {}", run.all_output());
        let expected_code = if status_word == "ok" { 0 } else { 1 };
        assert_eq!(run.code, Some(expected_code), "{name}: {}", run.stderr);
        if needle == NO_ERROR {
            assert!(report["probe"]["error"].is_null(), "{name}: no error expected: {}", report["probe"]);
        } else {
            let message = report["probe"]["error"]["message"].as_str().unwrap_or_default();
            assert!(!needle.is_empty() && message.contains(needle), "{name}: {message:?} should contain {needle:?}");
        }
        assert!(!run.all_output().contains(DEFAULT_SECRET_ACCESS_KEY), "{name}: the secret was printed");
        if name.starts_with("profile-only bare id, resolved") {
            assert_eq!(report["probe"]["target"], "us.anthropic.claude-sonnet-4-6-20251001-v1:0", "{name}");
        }
    }
    emulator.faults().clear();
    emulator.log().clear();
    // Throttling is retried by the SDK before the probe gives up: more than one attempt.
    emulator.faults().push(FaultRule::new(Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None }).times(20));
    status(&home_with_model(MODEL), &emulator, &ENV_KEYS, &["--probe"]).await;
    let attempts = emulator.request_log().iter().filter(|entry| entry.operation == "ConverseStream").count();
    assert!(attempts > 1, "a throttled probe was tried {attempts} time(s)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_credential_source_is_named_and_signs_a_call_bedrock_accepts() {
    let emulator = emulator().await;
    let endpoint = emulator.endpoint();
    let files = tempfile::tempdir().expect("temporary dir");
    let credentials_file = files.path().join("credentials");
    std::fs::write(
        &credentials_file,
        format!(
            "[default]\naws_access_key_id = {DEFAULT_ACCESS_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET_ACCESS_KEY}\n\n[dev]\naws_access_key_id = {DEFAULT_ACCESS_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET_ACCESS_KEY}\n"
        ),
    )
    .expect("credentials file");
    let process_script = files.path().join("credential-process.sh");
    std::fs::write(
        &process_script,
        format!("#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"{DEFAULT_ACCESS_KEY_ID}\", \"SecretAccessKey\": \"{DEFAULT_SECRET_ACCESS_KEY}\"}}'\n"),
    )
    .expect("script");
    #[cfg(unix)]
    std::fs::set_permissions(&process_script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let config_file = files.path().join("config");
    std::fs::write(&config_file, format!("[profile proc]\ncredential_process = {}\n", process_script.display())).expect("config file");
    let web_identity_token = files.path().join("web-identity-token");
    std::fs::write(&web_identity_token, bedrock_emulator::DEFAULT_WEB_IDENTITY_TOKEN).expect("token file");
    let session = emulator.issue_credentials(Duration::from_secs(3600));

    let credentials_path = credentials_file.display().to_string();
    let config_path = config_file.display().to_string();
    let token_path = web_identity_token.display().to_string();
    let container_uri = format!("{endpoint}/v2/credentials/test");
    let cases: Vec<OwnedVarsCase> = vec![
        ("bearer token", vec![("AWS_BEARER_TOKEN_BEDROCK", DEFAULT_BEARER_TOKEN)], "bearer_token", "bearer token (AWS_BEARER_TOKEN_BEDROCK)"),
        (
            "bearer token wins over keys",
            vec![("AWS_BEARER_TOKEN_BEDROCK", DEFAULT_BEARER_TOKEN), ("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONG"), ("AWS_SECRET_ACCESS_KEY", "wrong")],
            "bearer_token",
            "bearer token",
        ),
        ("environment keys", ENV_KEYS.to_vec(), "environment", "environment"),
        (
            "environment keys with a session token",
            vec![
                ("AWS_ACCESS_KEY_ID", &session.access_key_id),
                ("AWS_SECRET_ACCESS_KEY", &session.secret_access_key),
                ("AWS_SESSION_TOKEN", &session.session_token),
            ],
            "environment",
            "environment",
        ),
        ("default profile in a shared credentials file", vec![("AWS_SHARED_CREDENTIALS_FILE", &credentials_path)], "profile", "profile \"default\""),
        ("AWS_PROFILE selects a profile", vec![("AWS_SHARED_CREDENTIALS_FILE", &credentials_path), ("AWS_PROFILE", "dev")], "profile", "profile \"dev\""),
        ("credential_process", vec![("AWS_CONFIG_FILE", &config_path), ("AWS_PROFILE", "proc")], "profile", "profile \"proc\""),
        (
            "web identity through STS",
            vec![("AWS_WEB_IDENTITY_TOKEN_FILE", &token_path), ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/emulator-test-role")],
            "web_identity",
            "web identity",
        ),
        (
            "container endpoint",
            vec![
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &container_uri),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", bedrock_emulator::DEFAULT_CONTAINER_AUTHORIZATION_TOKEN),
            ],
            "container",
            "container",
        ),
        (
            "instance profile (IMDSv2)",
            vec![("AWS_EC2_METADATA_DISABLED", "false"), ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)],
            "instance_profile",
            "instance profile",
        ),
    ];
    let secrets = [DEFAULT_SECRET_ACCESS_KEY, DEFAULT_BEARER_TOKEN, session.secret_access_key.as_str(), session.session_token.as_str()];
    for (name, env, kind, words) in cases {
        let home = home_with_model(MODEL);
        let run = status(&home, &emulator, &env, &["--probe-provider", "amazon-bedrock"]).await;
        let report = run.json();
        assert_eq!(report["credentials"]["kind"], kind, "{name}: {}", run.all_output());
        let source = report["credentials"]["source"].as_str().unwrap_or_default();
        assert!(source.contains(words), "{name}: source {source:?} should say {words:?}");
        assert_eq!(report["probe"]["status"], "ok", "{name}: {}", run.all_output());
        assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
        for secret in secrets {
            assert!(!run.all_output().contains(secret), "{name}: a secret was printed");
        }
        let human = status(&home, &emulator, &env, &[]).await;
        assert!(!human.all_output().contains(DEFAULT_SECRET_ACCESS_KEY), "{name}: a secret was printed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credentials_and_expired_credentials_are_auth_failures() {
    let emulator = emulator().await;
    let home = home_with_model(MODEL);
    let none = status(&home, &emulator, &[], &["--check"]).await;
    assert_eq!(none.code, Some(1), "{}", none.all_output());
    let report = none.json();
    assert_eq!(report["credentials"]["ok"], false);
    let message = report["credentials"]["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty() && !message.contains('\n'), "one clear line: {message:?}");

    let with_keys = status(&home, &emulator, &ENV_KEYS, &["--check"]).await;
    assert_eq!(with_keys.code, Some(0), "{}", with_keys.all_output());

    let session = emulator.issue_credentials(Duration::from_secs(3600));
    emulator.expire_issued_credentials();
    let env = [
        ("AWS_ACCESS_KEY_ID", session.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", &session.secret_access_key),
        ("AWS_SESSION_TOKEN", &session.session_token),
    ];
    let expired = status(&home, &emulator, &env, &["--probe"]).await;
    assert_eq!(expired.json()["probe"]["status"], "auth", "{}", expired.all_output());
    assert_eq!(expired.code, Some(1));
    assert!(!expired.all_output().contains(&session.session_token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_prints_only_the_default_model() {
    let emulator = emulator().await;
    let run = run_in_home_async(env!("CARGO_BIN_EXE_openclaw-bedrock"), &home_with_model(MODEL), &[], &["models", "status", "--plain"]).await;
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), format!("{MODEL}\n").as_str()));
    let none = run_in_home_async(env!("CARGO_BIN_EXE_openclaw-bedrock"), &TestHome::empty().expect("home"), &[], &["models", "status", "--plain"]).await;
    assert_eq!(none.code, Some(1));
    let bad_provider = status(&TestHome::empty().expect("home"), &emulator, &[], &["--probe-provider", "openai"]).await;
    assert_eq!(bad_provider.code, Some(2), "{}", bad_provider.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_log_even_at_trace() {
    // The AWS SDK's own TRACE output prints environment values and its credential
    // environment; the host caps it, whatever RUST_LOG says.
    let emulator = emulator().await;
    let session = emulator.issue_credentials(Duration::from_secs(3600));
    let keys = [
        ("AWS_ACCESS_KEY_ID", session.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", session.secret_access_key.as_str()),
        ("AWS_SESSION_TOKEN", session.session_token.as_str()),
    ];
    let cases: [(&str, Vec<(&str, &str)>); 2] = [("bearer token", vec![("AWS_BEARER_TOKEN_BEDROCK", DEFAULT_BEARER_TOKEN)]), ("session keys", keys.to_vec())];
    // Everything that handles credentials at TRACE (wasmtime's and cranelift's own TRACE output
    // is left out: millions of lines while a fresh home compiles the policy).
    let everything_aws = "openclaw=trace,policy=trace,aws_runtime=trace,aws_smithy_runtime=trace,aws_smithy_runtime_api=trace,aws_config=trace,aws_sigv4=trace,aws_sdk_bedrock=trace,aws_sdk_bedrockruntime=trace,hyper=trace";
    for rust_log in [everything_aws, "debug"] {
        for (name, env) in &cases {
            let mut env = env.clone();
            env.push(("RUST_LOG", rust_log));
            let run = status(&home_with_model(MODEL), &emulator, &env, &["--probe"]).await;
            assert_eq!(run.json()["probe"]["status"], "ok", "{name}");
            for secret in [DEFAULT_BEARER_TOKEN, session.secret_access_key.as_str(), session.session_token.as_str()] {
                assert!(!run.all_output().contains(secret), "{name} at RUST_LOG={rust_log}: a secret reached the log");
            }
        }
    }
    // The cap never makes the SDK louder: at the default level a healthy run logs nothing.
    let quiet = status(&home_with_model(MODEL), &emulator, &[cases[0].1[0], ("RUST_LOG", "warn")], &["--probe"]).await;
    assert_eq!(quiet.json()["probe"]["status"], "ok");
    assert_eq!(quiet.stderr, "", "a healthy run at RUST_LOG=warn logs nothing");
}
