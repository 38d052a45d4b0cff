//! What a first run prints when AWS is not set up: no credentials, a wrong profile, an
//! unreachable endpoint, an expired token. Every command says each problem once, on one line,
//! in words, with what to do next; no AWS SDK structure and no secret reaches the output at
//! the default log level, and the SDK's own events come back at `RUST_LOG=debug`, still
//! without a secret.

use bedrock_emulator::{Emulator, RunningEmulator};
use openclaw_test_support::{PLANTED_SECRET_ACCESS_KEY, Run, TestHome, run_in_home_async};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_openclaw-bedrock");
const MODEL: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";

/// Text that only an AWS SDK `Debug` dump prints.
const SDK_STRUCTS: &[&str] =
    &["SdkBody", "ProviderError(", "ConnectorError", "DispatchFailure", "TokenError", "Response {", "headers: {", "source: Some(", "HeaderMap"];

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// One way of not being set up: the home, the variables, and the problem's one line as each
/// command prints it (the line starts with `first` and ends with `last`).
struct Case {
    name: &'static str,
    home: TestHome,
    env: Vec<(String, String)>,
    /// The report row that carries the problem in `models status`.
    row: &'static str,
    first: String,
    last: &'static str,
    /// Values that must never be printed.
    secrets: Vec<String>,
}

async fn cases(emulator: &RunningEmulator) -> Vec<Case> {
    let endpoint = emulator.endpoint();
    let expired = emulator.issue_credentials(Duration::from_secs(3600));
    emulator.expire_issued_credentials();
    let keys = TestHome::new().expect("home with keys");
    let config = |home: &TestHome| {
        home.write_config(&format!("{{ model: {MODEL:?} }}")).expect("config");
    };
    let empty = TestHome::empty().expect("empty home");
    let profile_home = TestHome::new().expect("home with keys");
    let endpoint_home = TestHome::new().expect("home with keys");
    for home in [&keys, &empty, &profile_home, &endpoint_home] {
        config(home);
    }
    let imds_port = closed_port();
    let unreachable = format!("http://127.0.0.1:{}", closed_port());
    vec![
        Case {
            name: "no credentials",
            home: empty,
            // The instance profile is tried last; here it answers nothing, on loopback.
            env: vec![
                ("AWS_EC2_METADATA_DISABLED".into(), "false".into()),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT".into(), format!("http://127.0.0.1:{imds_port}")),
            ],
            row: "credentials",
            first: "none resolved: no AWS credentials found; tried AWS_BEARER_TOKEN_BEDROCK, environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), profile \"default\"".into(),
            last: "or try it without an account: openclaw-bedrock --emulate demo",
            secrets: vec![],
        },
        Case {
            name: "wrong profile",
            home: profile_home,
            env: vec![("AWS_PROFILE".into(), "nope".into())],
            row: "credentials",
            first: "none resolved: profile \"nope\" (AWS_PROFILE) is not defined in ~/.aws/credentials or ~/.aws/config".into(),
            last: "; check AWS_PROFILE, or define the profile (aws configure --profile NAME)",
            secrets: vec![PLANTED_SECRET_ACCESS_KEY.into()],
        },
        Case {
            name: "unreachable endpoint",
            home: endpoint_home,
            env: vec![("AWS_ENDPOINT_URL".into(), unreachable), ("AWS_MAX_ATTEMPTS".into(), "1".into())],
            row: "probe",
            first: "unknown in ".to_string(),
            last: ": cannot reach Bedrock: Connection refused (os error 111); check the network or proxy, and AWS_ENDPOINT_URL if it is set",
            secrets: vec![PLANTED_SECRET_ACCESS_KEY.into()],
        },
        Case {
            name: "expired token",
            home: keys,
            env: vec![
                ("AWS_ENDPOINT_URL".into(), endpoint),
                ("AWS_REGION".into(), "us-east-1".into()),
                ("AWS_ACCESS_KEY_ID".into(), expired.access_key_id.clone()),
                ("AWS_SECRET_ACCESS_KEY".into(), expired.secret_access_key.clone()),
                ("AWS_SESSION_TOKEN".into(), expired.session_token.clone()),
            ],
            row: "probe",
            first: "auth in ".to_string(),
            last: "; the credentials have expired: renew them (aws sso login, or fresh session credentials) and try again",
            secrets: vec![expired.secret_access_key.clone(), expired.session_token.clone(), PLANTED_SECRET_ACCESS_KEY.into()],
        },
    ]
}

async fn run(case: &Case, extra: &[(&str, &str)], args: &[&str]) -> Run {
    let mut env: Vec<(&str, &str)> = case.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.extend_from_slice(extra);
    run_in_home_async(BINARY, &case.home, &env, args).await
}

/// The problem's line: starts and ends as the case says, and is one line.
fn is_the_problem(case: &Case, text: &str) -> bool {
    text.starts_with(&case.first) && text.ends_with(case.last)
}

fn assert_clean(case: &Case, what: &str, run: &Run) {
    let all = run.all_output();
    for marker in SDK_STRUCTS {
        assert!(!all.contains(marker), "{}: {what} printed an SDK structure ({marker}):\n{all}", case.name);
    }
    for secret in &case.secrets {
        assert!(!all.contains(secret.as_str()), "{}: {what} printed a secret", case.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_problem_is_one_line_in_words_with_the_next_step() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    for case in cases(&emulator).await {
        // models status: the problem's row, once; the probe it stops says so without repeating it.
        let status = run(&case, &[], &["models", "status", "--probe-provider", "bedrock"]).await;
        assert_eq!(status.code, Some(1), "{}: {}", case.name, status.all_output());
        assert_eq!(status.stderr, "", "{}: no log line at the default level", case.name);
        let prefix = format!("{:<13}  ", case.row);
        let line = status.stdout.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{}: no {} row:\n{}", case.name, case.row, status.stdout));
        assert!(is_the_problem(&case, &line[prefix.len()..]), "{}: {line:?}", case.name);
        if case.row == "credentials" {
            assert!(
                status.stdout.contains("probe          auth in ") && status.stdout.contains(": not sent, no credentials (above)\n"),
                "{}: {}",
                case.name,
                status.stdout
            );
        }
        assert_clean(&case, "models status", &status);

        // chat: exactly one line on stderr, the same problem.
        let chat = run(&case, &[], &["chat", "hi"]).await;
        assert_eq!((chat.code, chat.stdout.as_str()), (Some(1), ""), "{}: {}", case.name, chat.all_output());
        assert_eq!(chat.stderr.lines().count(), 1, "{}: {}", case.name, chat.stderr);
        assert!(chat.stderr.starts_with("error: ") && chat.stderr.ends_with(&format!("{}\n", case.last)), "{}: {}", case.name, chat.stderr);
        assert_clean(&case, "chat", &chat);

        // demo: the problem once; the steps it stops say so without repeating it.
        let demo = run(&case, &[], &["demo"]).await;
        assert_eq!(demo.code, Some(1), "{}: {}", case.name, demo.all_output());
        let mentions = demo.stdout.lines().filter(|l| l.ends_with(case.last)).count();
        assert_eq!(mentions, 1, "{}: {}", case.name, demo.stdout);
        assert!(demo.stdout.contains("not sent: "), "{}: {}", case.name, demo.stdout);
        assert_clean(&case, "demo", &demo);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdks_own_events_are_there_at_debug_still_without_a_secret() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    for case in cases(&emulator).await {
        let debug = run(&case, &[("RUST_LOG", "debug")], &["models", "status", "--probe-provider", "bedrock"]).await;
        assert!(debug.stderr.lines().any(|l| l.contains("aws_")), "{}: the SDK's events are gone at debug:\n{}", case.name, debug.stderr);
        for secret in &case.secrets {
            assert!(!debug.all_output().contains(secret.as_str()), "{}: a secret at RUST_LOG=debug", case.name);
        }
        // An explicit RUST_LOG below debug keeps them out, as the default does.
        let warn = run(&case, &[("RUST_LOG", "warn")], &["models", "status", "--probe-provider", "bedrock"]).await;
        assert_eq!(warn.stderr, "", "{}", case.name);
    }
}
