//! The AWS profile files mean to the host what they mean to the SDK's default chain
//! (BEHAVIOUR.md 4: "the profile files are read by the AWS SDK's own parser"): which profile is
//! a visible credential source, how it is described, and what resolving it gives.

mod aws_common;

use aws_common::{TestEnv, assert_no_secret};
use bedrock_emulator::credentials_endpoints::DEFAULT_SSO_ACCESS_TOKEN;
use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use openclaw_host::aws::model::{ErrorClass, SourceKind};

/// Profile files that the host's former hand-written section reader read otherwise than the
/// SDK: what the host shows (visible source) and what resolving gives now follow the SDK's own
/// parser. (name, AWS_PROFILE, files under the home, the visible profile source, what resolving
/// gives: the description's source or a fragment of the error.)
#[tokio::test]
async fn profile_files_mean_what_the_sdk_reads() {
    type Case = (&'static str, Option<&'static str>, Vec<(&'static str, String)>, Option<&'static str>, Result<&'static str, &'static str>);
    let emulator = aws_common::start().await;
    let keys = format!("aws_access_key_id = {DEFAULT_ACCESS_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET_ACCESS_KEY}\n");
    let indented_keys = keys.lines().map(|line| format!("  {line}\n")).collect::<String>();
    let sso = "sso_account_id = 123456789012\nsso_role_name = TestRole\nregion = us-east-1\n";
    let session = "[sso-session corp]\nsso_start_url = https://openclaw-tests.awsapps.com/start\nsso_region = us-east-1\n";
    let cases: Vec<Case> = vec![
        (
            "indented keys continue the value above them",
            None,
            vec![(".aws/credentials", format!("[default]\nregion = us-east-1\n{indented_keys}"))],
            None,
            Err("no AWS credentials found"),
        ),
        (
            "[profile default] replaces [default] in the config file",
            None,
            vec![(".aws/config", format!("[default]\n{keys}[profile default]\nregion = us-east-1\n"))],
            None,
            Err("no AWS credentials found"),
        ),
        (
            "a credentials file the SDK refuses is named with its line",
            Some("dev"),
            vec![(".aws/credentials", format!("[dev\n{keys}"))],
            Some("profile \"dev\" (~/.aws/credentials: line 1: Profile definition must end with ']')"),
            Err("line 1"),
        ),
        (
            "a lone secret key stops the chain at the profile",
            None,
            vec![(".aws/credentials", format!("[default]\naws_secret_access_key = {DEFAULT_SECRET_ACCESS_KEY}\n"))],
            Some("profile \"default\" (~/.aws/credentials)"),
            Err("aws_access_key_id"),
        ),
        (
            "an sso_session with no [sso-session] section",
            Some("sso"),
            vec![(".aws/config", format!("[profile sso]\nsso_session = corp\n{sso}"))],
            Some("profile \"sso\" (~/.aws/config: sso_session \"corp\" has no [sso-session corp] section in the config file)"),
            Err("corp"),
        ),
        (
            "an sso_session with its section resolves through the SSO portal",
            Some("sso"),
            vec![(".aws/config", format!("[profile sso]\nsso_session = corp\n{sso}{session}"))],
            Some("profile \"sso\" (~/.aws/config)"),
            Ok("profile \"sso\" (~/.aws/config)"),
        ),
    ];
    for (name, profile, files, visible, resolved) in cases {
        let mut env = TestEnv::for_emulator(&emulator);
        if let Some(profile) = profile {
            env = env.set("AWS_PROFILE", profile);
        }
        for (file, text) in &files {
            env.write(file, text);
        }
        // The token `aws sso login` caches for a session is named after the session.
        openclaw_test_support::write_sso_token_cache(env.home(), "corp", "us-east-1", DEFAULT_SSO_ACCESS_TOKEN).expect("SSO token cache");
        let bedrock = env.bedrock().await;
        let shown = bedrock.visible_sources().into_iter().find(|s| s.kind == SourceKind::Profile).map(|s| s.description);
        assert_eq!(shown.as_deref(), visible, "{name}");
        match (bedrock.resolve_credentials().await, resolved) {
            (Ok(description), Ok(source)) => assert_eq!((description.kind, description.source.as_str()), (SourceKind::Profile, source), "{name}"),
            (Err(error), Err(fragment)) => {
                assert_eq!(error.class, ErrorClass::Auth, "{name}: {error}");
                assert!(error.message.contains(fragment) && !error.message.contains('\n'), "{name}: {error}");
                assert_no_secret(name, format!("{error} {error:?}").as_bytes(), &[DEFAULT_SECRET_ACCESS_KEY, DEFAULT_SSO_ACCESS_TOKEN]);
            }
            (outcome, expected) => panic!("{name}: got {outcome:?}, expected {expected:?}"),
        }
    }
}
