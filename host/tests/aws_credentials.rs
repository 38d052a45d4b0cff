//! Each credential source of BEHAVIOUR.md section 4 resolves, is described in the right words,
//! and signs a call the emulator accepts; no credentials and refused credentials are `auth`
//! errors; nothing shown ever holds a secret.

mod aws_common;

use std::time::Duration;

use aws_common::{NOVA_PRO, TestEnv, assert_no_secret, converse_request};
use bedrock_emulator::credentials_endpoints::DEFAULT_SSO_ACCESS_TOKEN;
use bedrock_emulator::{
    AuthScheme, DEFAULT_ACCESS_KEY_ID, DEFAULT_BEARER_TOKEN, DEFAULT_CONTAINER_AUTHORIZATION_TOKEN, DEFAULT_SECRET_ACCESS_KEY, DEFAULT_WEB_IDENTITY_TOKEN,
    RunningEmulator,
};
use openclaw_host::aws::model::{ContentBlock, ErrorClass, SourceKind};

const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// One credential source: how to set it up and what it must look like.
struct Case {
    name: &'static str,
    env: TestEnv,
    kind: SourceKind,
    /// The description's `source`, exactly.
    source: String,
    /// Whether it shows up in `visible_sources` (first).
    visible: bool,
    /// Whether the credentials are temporary (an `ASIA` key with an expiry).
    temporary: bool,
    /// The auth scheme the emulator must see.
    scheme: AuthScheme,
    /// Operations the emulator must have seen besides Converse.
    also_seen: &'static [&'static str],
}

fn credential_process_script(env: &TestEnv) -> String {
    let json = format!(r#"{{"Version": 1, "AccessKeyId": "{DEFAULT_ACCESS_KEY_ID}", "SecretAccessKey": "{DEFAULT_SECRET_ACCESS_KEY}"}}"#);
    let script = env.write("bin/creds.sh", &format!("#!/bin/sh\ncat <<'EOF'\n{json}\nEOF\n"));
    format!("sh {}", script.display())
}

// Each case is pushed right after the files it needs are written, so the set-up reads in order.
#[allow(clippy::vec_init_then_push)]
fn cases(emulator: &RunningEmulator, outside_home: &std::path::Path, issued: &bedrock_emulator::IssuedCredentials) -> Vec<Case> {
    let endpoint = emulator.endpoint();
    let base = || TestEnv::for_emulator(emulator);
    let keys = |env: TestEnv| env.set("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID).set("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY);
    let mut cases = Vec::new();

    cases.push(Case {
        name: "bearer token wins over environment keys",
        env: base()
            .set("AWS_BEARER_TOKEN_BEDROCK", DEFAULT_BEARER_TOKEN)
            .set("AWS_ACCESS_KEY_ID", "AKIDWRONGWRONGWRONG")
            .set("AWS_SECRET_ACCESS_KEY", "wrong-secret-wrong"),
        kind: SourceKind::BearerToken,
        source: "bearer token (AWS_BEARER_TOKEN_BEDROCK)".into(),
        visible: true,
        temporary: false,
        scheme: AuthScheme::Bearer,
        also_seen: &[],
    });
    cases.push(Case {
        name: "environment keys",
        env: keys(base()),
        kind: SourceKind::Environment,
        source: "environment".into(),
        visible: true,
        temporary: false,
        scheme: AuthScheme::Sigv4,
        also_seen: &[],
    });
    cases.push(Case {
        name: "environment keys with a blank bearer token",
        env: keys(base()).set("AWS_BEARER_TOKEN_BEDROCK", "   "),
        kind: SourceKind::Environment,
        source: "environment".into(),
        visible: true,
        temporary: false,
        scheme: AuthScheme::Sigv4,
        also_seen: &[],
    });
    cases.push(Case {
        name: "environment keys with session token",
        env: base()
            .set("AWS_ACCESS_KEY_ID", &issued.access_key_id)
            .set("AWS_SECRET_ACCESS_KEY", &issued.secret_access_key)
            .set("AWS_SESSION_TOKEN", &issued.session_token),
        kind: SourceKind::Environment,
        source: "environment".into(),
        visible: true,
        temporary: false,
        scheme: AuthScheme::Sigv4,
        also_seen: &[],
    });

    let credentials_file = outside_home.join("shared-credentials");
    std::fs::write(&credentials_file, format!("[default]\naws_access_key_id = {DEFAULT_ACCESS_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET_ACCESS_KEY}\n"))
        .unwrap();
    cases.push(Case {
        name: "static profile in AWS_SHARED_CREDENTIALS_FILE",
        env: base().set("AWS_SHARED_CREDENTIALS_FILE", &credentials_file.display().to_string()),
        kind: SourceKind::Profile,
        source: format!("profile \"default\" ({})", credentials_file.display()),
        visible: true,
        temporary: false,
        scheme: AuthScheme::Sigv4,
        also_seen: &[],
    });

    let env = base().set("AWS_PROFILE", "dev");
    env.write(
        ".aws/credentials",
        &format!(
            "[default]\naws_access_key_id = AKIDNOTTHEONETOUSE\naws_secret_access_key = not-the-secret\n\n[dev]\naws_access_key_id = {DEFAULT_ACCESS_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET_ACCESS_KEY}\n"
        ),
    );
    cases.push(Case {
        name: "AWS_PROFILE selects a non-default profile",
        env,
        kind: SourceKind::Profile,
        source: "profile \"dev\" (~/.aws/credentials)".into(),
        visible: true,
        temporary: false,
        scheme: AuthScheme::Sigv4,
        also_seen: &[],
    });

    let env = base().set("AWS_PROFILE", "proc");
    let command = credential_process_script(&env);
    env.write(".aws/config", &format!("[default]\nregion = us-east-1\n\n[profile proc]\ncredential_process = {command}\n"));
    cases.push(Case {
        name: "credential_process",
        env,
        kind: SourceKind::Profile,
        source: "profile \"proc\" (~/.aws/config)".into(),
        visible: true,
        temporary: false,
        scheme: AuthScheme::Sigv4,
        also_seen: &[],
    });

    // A role_arn chain: the base profile's keys sign AssumeRole at the emulator's STS.
    let env = base().set("AWS_PROFILE", "chained");
    env.write(
        ".aws/config",
        "[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/chained-role\nsource_profile = base\nrole_session_name = openclaw-tests\n",
    );
    env.write(".aws/credentials", &format!("[base]\naws_access_key_id = {DEFAULT_ACCESS_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET_ACCESS_KEY}\n"));
    cases.push(Case {
        name: "role_arn profile through the emulator's STS",
        env,
        kind: SourceKind::Profile,
        source: "profile \"chained\" (~/.aws/config)".into(),
        visible: true,
        temporary: true,
        scheme: AuthScheme::Sigv4,
        also_seen: &["AssumeRole"],
    });

    // SSO: the token `aws sso login` would have cached, exchanged at the emulator's SSO portal.
    let env = base().set("AWS_PROFILE", "sso");
    let start_url = "https://openclaw-tests.awsapps.com/start";
    env.write(
        ".aws/config",
        &format!(
            "[profile sso]\nsso_start_url = {start_url}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = TestRole\nregion = us-east-1\n"
        ),
    );
    openclaw_test_support::write_sso_token_cache(env.home(), start_url, "us-east-1", DEFAULT_SSO_ACCESS_TOKEN).expect("SSO token cache");
    cases.push(Case {
        name: "SSO profile through the emulator's SSO portal",
        env,
        kind: SourceKind::Profile,
        source: "profile \"sso\" (~/.aws/config)".into(),
        visible: true,
        temporary: true,
        scheme: AuthScheme::Sigv4,
        also_seen: &["GetRoleCredentials"],
    });

    let env = base().set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web-role").set("AWS_ROLE_SESSION_NAME", "aws-tests");
    let token_file = env.write("token", DEFAULT_WEB_IDENTITY_TOKEN);
    cases.push(Case {
        name: "web identity through the emulator's STS",
        env: env.set("AWS_WEB_IDENTITY_TOKEN_FILE", &token_file.display().to_string()),
        kind: SourceKind::WebIdentity,
        source: "web identity".into(),
        visible: true,
        temporary: true,
        scheme: AuthScheme::Sigv4,
        also_seen: &["AssumeRoleWithWebIdentity"],
    });
    cases.push(Case {
        name: "container endpoint",
        env: base()
            .set("AWS_CONTAINER_CREDENTIALS_FULL_URI", &format!("{endpoint}/v2/credentials/task-1"))
            .set("AWS_CONTAINER_AUTHORIZATION_TOKEN", DEFAULT_CONTAINER_AUTHORIZATION_TOKEN),
        kind: SourceKind::Container,
        source: "container".into(),
        visible: true,
        temporary: true,
        scheme: AuthScheme::Sigv4,
        also_seen: &["ContainerCredentials"],
    });
    cases.push(Case {
        name: "instance profile (IMDSv2)",
        env: base().unset("AWS_EC2_METADATA_DISABLED").set("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint),
        kind: SourceKind::InstanceProfile,
        source: "instance profile".into(),
        visible: false,
        temporary: true,
        scheme: AuthScheme::Sigv4,
        also_seen: &["InstanceMetadata"],
    });
    cases
}

#[tokio::test]
async fn each_source_resolves_is_described_and_signs_an_accepted_call() {
    let emulator = aws_common::start().await;
    let outside_home = tempfile::tempdir().unwrap();
    let issued = emulator.issue_credentials(Duration::from_secs(3600));
    let secrets = [
        DEFAULT_SECRET_ACCESS_KEY,
        DEFAULT_BEARER_TOKEN,
        DEFAULT_CONTAINER_AUTHORIZATION_TOKEN,
        DEFAULT_WEB_IDENTITY_TOKEN,
        DEFAULT_SSO_ACCESS_TOKEN,
        &issued.secret_access_key,
        &issued.session_token,
    ];
    for case in cases(&emulator, outside_home.path(), &issued) {
        let name = case.name;
        emulator.log().clear();
        let bedrock = case.env.bedrock().await;

        let visible = bedrock.visible_sources();
        if case.visible {
            assert_eq!(visible.first().map(|s| (s.kind, s.description.clone())), Some((case.kind, case.source.clone())), "{name}: visible {visible:?}");
        } else {
            assert!(visible.is_empty(), "{name}: nothing visible without the network, got {visible:?}");
        }

        let description = bedrock.resolve_credentials().await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((description.kind, description.source.as_str()), (case.kind, case.source.as_str()), "{name}");
        assert_eq!(description.expires_at.is_some(), case.temporary, "{name}: expiry {description:?}");

        let response = bedrock.converse(converse_request(NOVA_PRO, "hi", CALL_TIMEOUT)).await.unwrap_or_else(|e| panic!("{name}: converse: {e}"));
        assert_eq!(response.content, vec![ContentBlock::Text("Echo: hi".into())], "{name}");

        let log = emulator.request_log();
        let converse = log.iter().rev().find(|e| e.operation == "Converse").unwrap_or_else(|| panic!("{name}: no Converse in {log:?}"));
        assert_eq!((converse.status, converse.auth_scheme), (200, case.scheme), "{name}");
        match (&description.access_key_id, &converse.access_key_id) {
            (None, None) => assert_eq!(case.kind, SourceKind::BearerToken, "{name}"),
            (Some(masked), Some(key)) => {
                assert_eq!(masked, &format!("****{}", &key[key.len() - 4..]), "{name}");
                assert_eq!(key.starts_with("ASIA"), case.temporary || key == &issued.access_key_id, "{name}: {key}");
            }
            other => panic!("{name}: key ids {other:?}"),
        }
        for operation in case.also_seen {
            assert!(log.iter().any(|e| e.operation == *operation), "{name}: {operation} not seen");
        }

        let shown = format!("{bedrock:?} {visible:?} {description:?} {} {response:?}", serde_json::to_string(&description).unwrap());
        assert_no_secret(name, shown.as_bytes(), &secrets);
    }
}

/// Runs `calls` converse calls with credentials from a credential_process that counts its runs
/// and hands out emulator-issued credentials valid for `lifetime`; returns the number of runs.
async fn credential_process_runs(emulator: &RunningEmulator, lifetime: Duration, calls: usize) -> usize {
    let issued = emulator.issue_credentials(lifetime);
    let env = TestEnv::for_emulator(emulator).set("AWS_PROFILE", "proc");
    let runs = env.home().join("runs");
    let json = format!(
        r#"{{"Version": 1, "AccessKeyId": "{}", "SecretAccessKey": "{}", "SessionToken": "{}", "Expiration": "{}"}}"#,
        issued.access_key_id,
        issued.secret_access_key,
        issued.session_token,
        bedrock_emulator::clock::format_iso8601(issued.expiration)
    );
    let script = env.write("bin/creds.sh", &format!("#!/bin/sh\necho run >> '{}'\ncat <<'EOF'\n{json}\nEOF\n", runs.display()));
    env.write(".aws/config", &format!("[profile proc]\ncredential_process = sh {}\n", script.display()));
    let bedrock = env.bedrock().await;
    for call in 0..calls {
        let response = bedrock.converse(converse_request(NOVA_PRO, "hi", CALL_TIMEOUT)).await.unwrap_or_else(|e| panic!("call {call}: {e}"));
        assert_eq!(response.content, vec![ContentBlock::Text("Echo: hi".into())]);
    }
    std::fs::read_to_string(&runs).map(|text| text.lines().count()).unwrap_or(0)
}

#[tokio::test]
async fn temporary_credentials_far_from_expiry_are_resolved_once() {
    let emulator = aws_common::start().await;
    assert_eq!(credential_process_runs(&emulator, Duration::from_secs(3600), 3).await, 1, "one resolution serves every call");
}

#[tokio::test]
async fn temporary_credentials_near_expiry_are_resolved_again_before_each_call() {
    // Within the refresh window (five minutes before expiry) each call resolves again, so none
    // is signed with credentials about to expire.
    let emulator = aws_common::start().await;
    assert_eq!(credential_process_runs(&emulator, Duration::from_secs(120), 3).await, 3, "credentials 2 minutes from expiry are resolved again for each call");
}

#[tokio::test]
async fn no_credentials_at_all_is_one_clear_auth_line() {
    let emulator = aws_common::start().await;
    let env = TestEnv::for_emulator(&emulator);
    let bedrock = env.bedrock().await;
    assert!(bedrock.visible_sources().is_empty());
    let error = bedrock.resolve_credentials().await.expect_err("nothing to resolve");
    assert_eq!(error.class, ErrorClass::Auth);
    assert!(!error.message.contains('\n'), "{error}");
    for tried in [
        "AWS_BEARER_TOKEN_BEDROCK",
        "environment",
        "profile \"default\" (~/.aws/credentials, ~/.aws/config)",
        "web identity",
        "container",
        "instance profile (disabled by AWS_EC2_METADATA_DISABLED)",
    ] {
        assert!(error.message.contains(tried), "{tried} missing from: {error}");
    }
    let call = bedrock.converse(converse_request(NOVA_PRO, "hi", CALL_TIMEOUT)).await.expect_err("no credentials, no call");
    assert_eq!(call.class, ErrorClass::Auth, "{call}");
    assert!(!emulator.request_log().iter().any(|e| e.operation == "Converse"), "nothing sent without credentials");
}

#[tokio::test]
async fn refused_credentials_are_auth_errors_without_secrets() {
    let emulator = aws_common::start().await;
    let issued = emulator.issue_credentials(Duration::from_secs(3600));
    emulator.expire_issued_credentials();
    let cases: Vec<(&str, TestEnv, &str)> = vec![
        (
            "expired session token",
            TestEnv::for_emulator(&emulator)
                .set("AWS_ACCESS_KEY_ID", &issued.access_key_id)
                .set("AWS_SECRET_ACCESS_KEY", &issued.secret_access_key)
                .set("AWS_SESSION_TOKEN", &issued.session_token),
            "ExpiredTokenException",
        ),
        (
            "wrong secret",
            TestEnv::for_emulator(&emulator)
                .set("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
                .set("AWS_SECRET_ACCESS_KEY", "wrongWRONGwrongWRONGwrongWRONGwrong1234"),
            "InvalidSignatureException",
        ),
        ("unknown bearer token", TestEnv::for_emulator(&emulator).set("AWS_BEARER_TOKEN_BEDROCK", "ABSKbm90LWEtcmVhbC10b2tlbg=="), "AccessDeniedException"),
    ];
    for (name, env, code) in cases {
        let bedrock = env.bedrock().await;
        let error = bedrock.converse(converse_request(NOVA_PRO, "hi", CALL_TIMEOUT)).await.expect_err(name);
        assert_eq!((error.class, error.code.as_deref(), error.retryable), (ErrorClass::Auth, Some(code), false), "{name}: {error}");
        let shown = format!("{error} {error:?}");
        assert_no_secret(
            name,
            shown.as_bytes(),
            &[&issued.secret_access_key, &issued.session_token, "wrongWRONGwrongWRONGwrongWRONGwrong1234", "ABSKbm90LWEtcmVhbC10b2tlbg=="],
        );
    }
}

#[tokio::test]
async fn a_failing_source_says_why_without_its_secret() {
    let emulator = aws_common::start().await;
    let endpoint = emulator.endpoint();
    let web_identity = TestEnv::for_emulator(&emulator).set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web-role").set("AWS_ROLE_SESSION_NAME", "s");
    let forged = web_identity.write("token", "forged-web-identity-token");
    let cases = [
        (
            "wrong container token",
            TestEnv::for_emulator(&emulator)
                .set("AWS_CONTAINER_CREDENTIALS_FULL_URI", &format!("{endpoint}/v2/credentials/task-1"))
                .set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-container-token"),
            "wrong-container-token",
        ),
        ("forged web identity token", web_identity.set("AWS_WEB_IDENTITY_TOKEN_FILE", &forged.display().to_string()), "forged-web-identity-token"),
    ];
    for ((name, env, secret), source) in cases.into_iter().zip(["container: ", "web identity: "]) {
        let bedrock = env.bedrock().await;
        let error = bedrock.resolve_credentials().await.expect_err(name);
        assert_eq!(error.class, ErrorClass::Auth, "{name}: {error}");
        assert!(error.message.starts_with(source), "{name}: {error}");
        assert!(!error.message.contains('\n'), "{name}: {error}");
        assert_no_secret(name, format!("{error} {error:?}").as_bytes(), &[secret]);
    }
}
