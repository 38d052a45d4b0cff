//! The emulator's credential endpoints driven by aws-config's own providers (the default chain
//! over an isolated environment, and the providers built directly), and the credentials they
//! issue accepted by Bedrock; plus the wire details every SDK relies on.

// Test tables are tuples on purpose: one row per case reads as the specification.
#![allow(clippy::type_complexity)]

mod common;

use aws_config::Region;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use bedrock_emulator::{AuthScheme, DEFAULT_CONTAINER_AUTHORIZATION_TOKEN, DEFAULT_WEB_IDENTITY_TOKEN, IMDS_ROLE_NAME, RunningEmulator};
use common::{Auth, ClientOptions, NOVA_PRO, user_message};

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Converses through a client whose credentials come from `auth`; returns the Converse log entry.
async fn converse_with(emulator: &RunningEmulator, auth: Auth) -> Result<bedrock_emulator::RequestLogEntry, String> {
    let client = common::runtime_client_with(emulator, auth, ClientOptions::default()).await;
    client.converse().model_id(NOVA_PRO).messages(user_message("hi")).send().await.map_err(|e| format!("{e:?}"))?;
    Ok(emulator.request_log().into_iter().rev().find(|e| e.operation == "Converse").expect("logged"))
}

#[tokio::test]
async fn the_default_chain_reaches_each_credential_endpoint_and_bedrock_accepts_what_it_gets() {
    let emulator = common::start().await;
    let endpoint = emulator.endpoint();
    let container_uri = format!("{endpoint}/v2/credentials/task-1");
    let cases: Vec<(&str, Vec<(String, String)>, Vec<(String, String)>, &[&str])> = vec![
        ("instance profile (IMDSv2)", pairs(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)]), vec![], &["InstanceMetadata", "Converse"]),
        (
            "container",
            pairs(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &container_uri), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", DEFAULT_CONTAINER_AUTHORIZATION_TOKEN)]),
            vec![],
            &["ContainerCredentials", "Converse"],
        ),
        (
            "web identity",
            pairs(&[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token"),
                ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web-role"),
                ("AWS_ROLE_SESSION_NAME", "chain-test"),
                ("AWS_ENDPOINT_URL_STS", &endpoint),
            ]),
            pairs(&[("/var/run/secrets/token", DEFAULT_WEB_IDENTITY_TOKEN)]),
            &["AssumeRoleWithWebIdentity", "Converse"],
        ),
    ];
    for (source, env, files, operations) in cases {
        emulator.log().clear();
        let entry = converse_with(&emulator, Auth::Chain { env, files }).await.unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(entry.auth_scheme, AuthScheme::Sigv4, "{source}");
        assert!(entry.access_key_id.as_deref().is_some_and(|k| k.starts_with("ASIA")), "{source}: temporary key expected");
        assert!(entry.session_token_present, "{source}");
        let seen: Vec<String> = emulator.request_log().into_iter().map(|e| e.operation).collect();
        for operation in operations {
            assert!(seen.iter().any(|s| s == operation), "{source}: {operation} not in {seen:?}");
        }
    }
}

#[tokio::test]
async fn assume_role_provider_signs_sts_and_its_credentials_work() {
    let emulator = common::start().await;
    let base = common::sdk_config(&emulator.endpoint(), Auth::default_keys(), ClientOptions::default()).await;
    let provider = aws_config::sts::AssumeRoleProvider::builder("arn:aws:iam::123456789012:role/assumed")
        .session_name("assume-test")
        .region(Region::new(common::REGION))
        .configure(&base)
        .build()
        .await;
    let credentials = provider.provide_credentials().await.expect("AssumeRole answers");
    assert!(credentials.access_key_id().starts_with("ASIA") && credentials.session_token().is_some() && credentials.expiry().is_some());
    let entry = converse_with(&emulator, Auth::Provider(SharedCredentialsProvider::new(provider))).await.unwrap();
    assert!(entry.access_key_id.unwrap().starts_with("ASIA"));
    let sts = emulator.request_log().into_iter().find(|e| e.operation == "AssumeRole").expect("AssumeRole logged");
    assert_eq!((sts.auth_scheme, sts.signed_service.as_deref(), sts.status), (AuthScheme::Sigv4, Some("sts"), 200));
}

#[tokio::test]
async fn providers_report_the_endpoints_refusals() {
    let emulator = common::start().await;
    let endpoint = emulator.endpoint();
    let container_uri = format!("{endpoint}/v2/credentials/task-1");
    let cases: Vec<(&str, Vec<(String, String)>, Vec<(String, String)>)> = vec![
        ("wrong container token", pairs(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &container_uri), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong")]), vec![]),
        (
            "unknown web identity token",
            pairs(&[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/token"),
                ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web-role"),
                ("AWS_ROLE_SESSION_NAME", "s"),
                ("AWS_ENDPOINT_URL_STS", &endpoint),
            ]),
            pairs(&[("/token", "forged-token")]),
        ),
    ];
    for (what, env, files) in cases {
        assert!(converse_with(&emulator, Auth::Chain { env, files }).await.is_err(), "{what} must fail");
        assert!(!emulator.request_log().iter().any(|e| e.operation == "Converse"), "{what}: no Bedrock call without credentials");
    }
    let statuses: Vec<(String, u16)> = emulator.request_log().into_iter().map(|e| (e.operation, e.status)).collect();
    assert!(statuses.contains(&("ContainerCredentials".to_string(), 401)), "{statuses:?}");
    assert!(statuses.contains(&("AssumeRoleWithWebIdentity".to_string(), 400)), "{statuses:?}");
}

#[tokio::test]
async fn imds_credentials_provider_with_an_endpoint_override() {
    let emulator = common::start().await;
    let client = aws_config::imds::Client::builder().endpoint(emulator.endpoint()).unwrap().build();
    let provider = aws_config::imds::credentials::ImdsCredentialsProvider::builder().imds_client(client).build();
    let credentials = provider.provide_credentials().await.expect("IMDS credentials");
    assert!(credentials.access_key_id().starts_with("ASIA"));
    let entry = converse_with(&emulator, Auth::Provider(SharedCredentialsProvider::new(provider))).await.unwrap();
    assert!(entry.session_token_present);
}

#[tokio::test]
async fn imds_and_sts_wire_details() {
    let emulator = common::start().await;
    let addr = emulator.local_addr();
    let send = |request: String| async move { common::raw_http(addr, request.as_bytes()).await };
    let put = |extra: &str| format!("PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n{extra}\r\n");
    let (status, head, token) = send(put("X-aws-ec2-metadata-token-ttl-seconds: 60\r\n")).await;
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("x-aws-ec2-metadata-token-ttl-seconds: 60"));
    let token = String::from_utf8(token).unwrap();
    let get = |path: &str, headers: &str| format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n");
    let with_token = format!("X-aws-ec2-metadata-token: {token}\r\n");
    let cases: Vec<(String, u16, Option<&str>)> = vec![
        (put(""), 400, None),
        (put("X-aws-ec2-metadata-token-ttl-seconds: 0\r\n"), 400, None),
        (put("X-aws-ec2-metadata-token-ttl-seconds: 21601\r\n"), 400, None),
        (put("X-aws-ec2-metadata-token-ttl-seconds: 60\r\nX-Forwarded-For: 10.0.0.1\r\n"), 403, None),
        (get("/latest/meta-data/iam/security-credentials/", ""), 401, None),
        (get("/latest/meta-data/iam/security-credentials/", "X-aws-ec2-metadata-token: forged\r\n"), 401, None),
        (get("/latest/meta-data/iam/security-credentials/", &with_token), 200, Some(IMDS_ROLE_NAME)),
        (get("/latest/meta-data/iam/security-credentials/other-role", &with_token), 404, None),
        (get(&format!("/latest/meta-data/iam/security-credentials/{IMDS_ROLE_NAME}"), &with_token), 200, Some("\"Code\":\"Success\"")),
        (get(&format!("/latest/meta-data/iam/security-credentials-extended/{IMDS_ROLE_NAME}"), &with_token), 200, Some("\"AccountId\":\"123456789012\"")),
        (get("/latest/meta-data/placement/region", &with_token), 200, Some("us-east-1")),
    ];
    for (request, expected_status, expected_body) in cases {
        let (status, _, body) = send(request.clone()).await;
        assert_eq!(status, expected_status, "{request}");
        if let Some(text) = expected_body {
            assert!(String::from_utf8_lossy(&body).contains(text), "{request}: {}", String::from_utf8_lossy(&body));
        }
    }
    let form = |body: &str| {
        format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let web_identity = format!(
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s&WebIdentityToken={DEFAULT_WEB_IDENTITY_TOKEN}"
    );
    let sts_cases: Vec<(String, u16, &str)> = vec![
        (web_identity.clone(), 200, "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"),
        (web_identity.replace("RoleSessionName=s&", ""), 400, "<Code>ValidationError</Code>"),
        (web_identity.replace("&DurationSeconds=1", "") + "&DurationSeconds=10", 400, "<Code>ValidationError</Code>"),
        (
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s".into(),
            403,
            "<Code>MissingAuthenticationTokenException</Code>",
        ),
        ("Action=Explode&Version=2011-06-15".into(), 403, "<Code>MissingAuthenticationTokenException</Code>"),
    ];
    for (body, expected_status, expected_text) in sts_cases {
        let (status, _, reply) = send(form(&body)).await;
        let reply = String::from_utf8_lossy(&reply);
        assert_eq!(status, expected_status, "{body}: {reply}");
        assert!(reply.contains(expected_text), "{body}: {reply}");
    }
}
