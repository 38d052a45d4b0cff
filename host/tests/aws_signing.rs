//! A policy's own Bedrock requests: which destinations count as Bedrock endpoints, and requests
//! authenticated by `Bedrock::authenticate` (SigV4 or bearer) accepted by the emulator when sent
//! by a plain HTTP client.

mod aws_common;

use std::net::SocketAddr;

use aws_common::{REGION, TestEnv};
use bedrock_emulator::{AuthScheme, DEFAULT_ACCESS_KEY_ID, DEFAULT_BEARER_TOKEN, DEFAULT_SECRET_ACCESS_KEY};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use openclaw_host::aws::model::ErrorClass;

/// Sends a request over a fresh HTTP/1.1 connection (origin-form target, headers as given).
async fn send(addr: SocketAddr, request: http::Request<Bytes>) -> (u16, String) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(connection);
    let (mut parts, body) = request.into_parts();
    parts.uri = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").parse().expect("origin form");
    let response = sender.send_request(http::Request::from_parts(parts, Full::new(body))).await.expect("response");
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn bedrock_endpoints_accepted_and_refused() {
    let emulator = aws_common::start().await;
    let port = emulator.local_addr().port();
    let here = format!("127.0.0.1:{port}");
    let elsewhere = format!("127.0.0.1:{}", port.wrapping_add(1).max(1));
    let localhost = format!("localhost:{port}");
    let bedrock = TestEnv::for_emulator(&emulator).bedrock().await;
    let cases: Vec<(&str, &str, bool)> = vec![
        ("https", "bedrock-runtime.us-east-1.amazonaws.com", true),
        ("https", "bedrock-runtime.us-east-1.amazonaws.com:443", true),
        ("https", "bedrock.us-west-2.amazonaws.com", true),
        ("https", "bedrock-fips.us-east-1.amazonaws.com", true),
        ("https", "bedrock-runtime-fips.us-gov-west-1.amazonaws.com", false),
        ("HTTPS", "Bedrock-Runtime.EU-central-1.amazonaws.com", true),
        ("http", &here, true),
        ("HTTP", &here, true),
        ("http", "bedrock-runtime.us-east-1.amazonaws.com", false),
        ("https", "bedrock-runtime.us-east-1.amazonaws.com:8443", false),
        ("https", "bedrock-runtime.cn-north-1.amazonaws.com.cn", false),
        ("https", "bedrock-agent-runtime.us-east-1.amazonaws.com", false),
        ("https", "bedrock-runtime.us-east-1.amazonaws.com.evil.example", false),
        ("https", "example.com", false),
        ("https", &here, false),
        ("http", &elsewhere, false),
        ("http", &localhost, false),
        ("http", "169.254.169.254", false),
        ("ftp", &here, false),
        ("https", "", false),
    ];
    for (scheme, authority, expected) in &cases {
        assert_eq!(bedrock.is_bedrock_endpoint(scheme, authority), *expected, "{scheme}://{authority}");
    }

    // The partition follows the configured region; without an override, loopback is refused.
    let china = TestEnv::new().set("AWS_REGION", "cn-north-1").bedrock().await;
    let cases = [
        ("https", "bedrock-runtime.cn-northwest-1.amazonaws.com.cn", true),
        ("https", "bedrock-runtime.us-east-1.amazonaws.com", false),
        ("http", here.as_str(), false),
    ];
    for (scheme, authority, expected) in cases {
        assert_eq!(china.is_bedrock_endpoint(scheme, authority), expected, "cn: {scheme}://{authority}");
    }
    // A service-specific override counts too.
    let runtime_only = TestEnv::new().set("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &emulator.endpoint()).bedrock().await;
    assert!(runtime_only.is_bedrock_endpoint("http", &here));
}

fn get_foundation_model(endpoint: &str) -> http::Request<Bytes> {
    http::Request::get(format!("{endpoint}/foundation-models/amazon.nova-pro-v1%3A0")).body(Bytes::new()).unwrap()
}

fn converse(endpoint: &str, prompt: &str) -> http::Request<Bytes> {
    let body = serde_json::json!({"messages": [{"role": "user", "content": [{"text": prompt}]}]}).to_string();
    http::Request::post(format!("{endpoint}/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"))
        .header("content-type", "application/json")
        .body(Bytes::from(body))
        .unwrap()
}

#[tokio::test]
async fn authenticated_requests_are_accepted_by_the_emulator() {
    let emulator = aws_common::start().await;
    let endpoint = emulator.endpoint();
    let issued = emulator.issue_credentials(std::time::Duration::from_secs(3600));
    let keys = TestEnv::for_emulator(&emulator).set("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID).set("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY);
    let cases = [
        ("keys", keys, AuthScheme::Sigv4, false),
        (
            "keys with session token",
            TestEnv::for_emulator(&emulator)
                .set("AWS_ACCESS_KEY_ID", &issued.access_key_id)
                .set("AWS_SECRET_ACCESS_KEY", &issued.secret_access_key)
                .set("AWS_SESSION_TOKEN", &issued.session_token),
            AuthScheme::Sigv4,
            true,
        ),
        ("bearer token", TestEnv::for_emulator(&emulator).set("AWS_BEARER_TOKEN_BEDROCK", DEFAULT_BEARER_TOKEN), AuthScheme::Bearer, false),
    ];
    for (name, env, scheme, session) in cases {
        let bedrock = env.bedrock().await;
        for (operation, mut request, expected) in [
            ("GetFoundationModel", get_foundation_model(&endpoint), "\"modelId\":\"amazon.nova-pro-v1:0\""),
            ("Converse", converse(&endpoint, "signed by the host"), "Echo: signed by the host"),
        ] {
            emulator.log().clear();
            // A guest-set authorization header never survives: the host's replaces it.
            request.headers_mut().insert("authorization", "Bearer guest-made-this-up".parse().unwrap());
            bedrock.authenticate(&mut request).await.unwrap_or_else(|e| panic!("{name} {operation}: {e}"));
            let (status, body) = send(emulator.local_addr(), request).await;
            assert_eq!(status, 200, "{name} {operation}: {body}");
            assert!(body.contains(expected), "{name} {operation}: {body}");
            let entry = emulator.request_log().into_iter().find(|e| e.operation == operation).expect("logged");
            assert_eq!((entry.auth_scheme, entry.session_token_present), (scheme, session), "{name} {operation}");
            if scheme == AuthScheme::Sigv4 {
                assert_eq!((entry.signed_service.as_deref(), entry.signed_region.as_deref()), (Some("bedrock"), Some(REGION)), "{name}");
            }
        }
    }
}

#[tokio::test]
async fn the_signature_covers_the_body_and_other_destinations_are_refused() {
    let emulator = aws_common::start().await;
    let endpoint = emulator.endpoint();
    let bedrock = TestEnv::for_emulator(&emulator)
        .set("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
        .set("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)
        .bedrock()
        .await;
    let mut request = converse(&endpoint, "original");
    bedrock.authenticate(&mut request).await.expect("signed");
    let tampered = request.map(|_| Bytes::from(serde_json::json!({"messages": [{"role": "user", "content": [{"text": "tampered"}]}]}).to_string()));
    let (status, body) = send(emulator.local_addr(), tampered).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("signature"), "{body}");

    let port = emulator.local_addr().port();
    for url in [format!("http://127.0.0.1:{}/model/m/converse", port.wrapping_add(1).max(1)), "https://example.com/".to_string(), "/relative/only".to_string()]
    {
        let mut request = http::Request::post(url.as_str()).body(Bytes::new()).unwrap();
        let error = bedrock.authenticate(&mut request).await.expect_err(&url);
        assert_eq!(error.class, ErrorClass::Format, "{url}: {error}");
        assert!(request.headers().get("authorization").is_none(), "{url}: nothing signed");
    }
}
