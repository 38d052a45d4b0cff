//! Hostile and unusual wire input (bad bodies, bad headers, skewed clocks, presigned URLs, raw
//! garbage) answered with clear errors and never a crash; and the `bedrock-emulator` binary.

// Test tables are tuples on purpose: one row per case reads as the specification.
#![allow(clippy::type_complexity)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, RunningEmulator};

/// A request signed with the `aws-sigv4` crate (the independent oracle) at `time`, as raw bytes.
fn signed_raw(emulator: &RunningEmulator, method: &str, path: &str, body: &[u8], time: SystemTime, location: SignatureLocation) -> Vec<u8> {
    let host = emulator.local_addr().to_string();
    let url = format!("http://{host}{path}");
    let identity = aws_credential_types::Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, None, None, "test").into();
    let mut settings = SigningSettings::default();
    settings.signature_location = location;
    settings.expires_in = Some(Duration::from_secs(300));
    let params = v4::SigningParams::builder().identity(&identity).region(common::REGION).name("bedrock").time(time).settings(settings).build().unwrap().into();
    let headers = [("host", host.as_str()), ("content-type", "application/json")];
    let signable = SignableRequest::new(method, url.as_str(), headers.iter().copied(), SignableBody::Bytes(body)).unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let (signed_headers, query) = instructions.into_parts();
    let mut target = path.to_string();
    for (i, (k, v)) in query.iter().enumerate() {
        let sep = if i == 0 && !path.contains('?') { '?' } else { '&' };
        target.push_str(&format!("{sep}{k}={}", percent_encode(v)));
    }
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for header in &signed_headers {
        request.push_str(&format!("{}: {}\r\n", header.name(), header.value()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn percent_encode(value: &str) -> String {
    value.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn error_type(head: &str) -> String {
    head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("x-amzn-errortype: ").map(str::to_string)).unwrap_or_default()
}

const CONVERSE: &str = "/model/amazon.nova-pro-v1%3A0/converse";

#[tokio::test]
async fn malformed_bodies_get_validation_errors() {
    let emulator = common::start().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", b"".to_vec()),
        ("truncated JSON", b"{".to_vec()),
        ("array", b"[]".to_vec()),
        ("null", b"null".to_vec()),
        ("messages not a list", br#"{"messages": 5}"#.to_vec()),
        ("content not a list", br#"{"messages":[{"role":"user","content":"hi"}]}"#.to_vec()),
        ("assistant first", br#"{"messages":[{"role":"assistant","content":[{"text":"hi"}]}]}"#.to_vec()),
        ("unknown role", br#"{"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"robot","content":[{"text":"b"}]}]}"#.to_vec()),
        ("max tokens not a number", br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":"lots"}}"#.to_vec()),
        ("content block not an object", br#"{"messages":[{"role":"user","content":[7]}]}"#.to_vec()),
        ("invalid UTF-8", b"{\"messages\":\"\xff\xfe\"}".to_vec()),
        ("deep nesting", deep.into_bytes()),
    ];
    for (what, body) in bodies {
        let request = signed_raw(&emulator, "POST", CONVERSE, &body, SystemTime::now(), SignatureLocation::Headers);
        let (status, head, reply) = common::raw_http(emulator.local_addr(), &request).await;
        assert_eq!((status, error_type(&head).as_str()), (400, "validationexception"), "{what}: {}", String::from_utf8_lossy(&reply));
        let message: serde_json::Value = serde_json::from_slice(&reply).expect("a JSON error body");
        assert!(message["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}");
    }
}

#[tokio::test]
async fn bad_authentication_headers_get_aws_errors() {
    let emulator = common::start().await;
    let host = emulator.local_addr();
    let request =
        |headers: &str| format!("POST {CONVERSE} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\nConnection: close\r\n{headers}\r\n{{}}").into_bytes();
    let cases: &[(&str, &[u8], u16, &str)] = &[
        ("no authentication", b"", 403, "missingauthenticationtokenexception"),
        ("garbage after the algorithm", b"Authorization: AWS4-HMAC-SHA256 garbage\r\nX-Amz-Date: 20250101T000000Z\r\n", 400, "incompletesignatureexception"),
        ("no signature", b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEMULATOREXAMPLE/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host\r\nX-Amz-Date: 20250101T000000Z\r\n", 400, "incompletesignatureexception"),
        ("short credential scope", b"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20250101, SignedHeaders=host, Signature=00\r\nX-Amz-Date: 20250101T000000Z\r\n", 400, "incompletesignatureexception"),
        ("host not signed", b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEMULATOREXAMPLE/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=x-amz-date, Signature=00\r\nX-Amz-Date: 20250101T000000Z\r\n", 400, "incompletesignatureexception"),
        ("no date", b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEMULATOREXAMPLE/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00\r\n", 400, "incompletesignatureexception"),
        ("unknown key", b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDNOBODY/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00\r\nX-Amz-Date: 20250101T000000Z\r\n", 403, "unrecognizedclientexception"),
        ("malformed date", b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEMULATOREXAMPLE/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00\r\nX-Amz-Date: yesterday\r\n", 400, "incompletesignatureexception"),
        ("empty bearer token", b"Authorization: Bearer \r\n", 403, "accessdeniedexception"),
        ("non-UTF-8 authorization", b"Authorization: \xff\xfe\r\n", 403, "missingauthenticationtokenexception"),
    ];
    for (what, headers, expected_status, expected_type) in cases {
        let mut raw = request("");
        let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 2;
        raw.splice(at..at, headers.iter().copied());
        let (status, head, body) = common::raw_http(host, &raw).await;
        assert_eq!((status, error_type(&head).as_str()), (*expected_status, *expected_type), "{what}: {}", String::from_utf8_lossy(&body));
    }
}

#[tokio::test]
async fn clock_skew_beyond_five_minutes_is_refused_and_presigned_urls_work() {
    let emulator = common::start().await;
    let body = br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}]}"#;
    let minutes = |m: u64| Duration::from_secs(60 * m);
    let cases = [
        (SystemTime::now() - minutes(4), 200, None),
        (SystemTime::now() - minutes(10), 403, Some("Signature expired:")),
        (SystemTime::now() + minutes(10), 403, Some("Signature not yet current:")),
    ];
    for (time, expected_status, message) in cases {
        let request = signed_raw(&emulator, "POST", CONVERSE, body, time, SignatureLocation::Headers);
        let (status, head, reply) = common::raw_http(emulator.local_addr(), &request).await;
        assert_eq!(status, expected_status, "{}", String::from_utf8_lossy(&reply));
        if let Some(prefix) = message {
            assert_eq!(error_type(&head), "invalidsignatureexception");
            let json: serde_json::Value = serde_json::from_slice(&reply).unwrap();
            assert!(json["message"].as_str().unwrap().starts_with(prefix), "{json}");
        }
    }
    let presigned = signed_raw(&emulator, "GET", "/foundation-models?byProvider=Meta", b"", SystemTime::now(), SignatureLocation::QueryParams);
    let (status, _, reply) = common::raw_http(emulator.local_addr(), &presigned).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let listed: serde_json::Value = serde_json::from_slice(&reply).unwrap();
    let summaries = listed["modelSummaries"].as_array().unwrap();
    // Not vacuous: the built-in catalog has Meta models, and only they come back.
    assert!(!summaries.is_empty() && summaries.iter().all(|m| m["providerName"] == "Meta"), "{listed}");
}

#[tokio::test]
async fn garbage_on_the_wire_never_stops_the_server() {
    let emulator = common::start().await;
    let garbage: &[&[u8]] = &[
        b"NOT HTTP AT ALL\r\n\r\n",
        b"\x00\x01\x02\x03",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"POST /model/x/converse HTTP/1.1\r\n",
    ];
    for bytes in garbage {
        // An incomplete request would wait for more bytes; two seconds shows the server took it.
        let _ = tokio::time::timeout(Duration::from_secs(2), common::raw_http(emulator.local_addr(), bytes)).await;
    }
    let (status, head, _) = common::raw_http(emulator.local_addr(), b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert_eq!((status, error_type(&head).as_str()), (404, "unknownoperationexception"));
    assert_eq!(common::control(&emulator, "GET", "/__emulator/health", "").await.0, 200);
}

/// The binary, killed when dropped.
struct Binary(Child);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_binary(args: &[&str]) -> (Binary, String) {
    let mut child =
        Command::new(env!("CARGO_BIN_EXE_bedrock-emulator")).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("first line");
    (Binary(child), line.trim_end().to_string())
}

#[tokio::test]
async fn the_binary_prints_its_address_and_serves_files_and_flags() {
    let (_plain, line) = spawn_binary(&[]);
    let port = line.strip_prefix("listening on http://127.0.0.1:").unwrap_or_else(|| panic!("first line was {line:?}"));
    assert!(port.parse::<u16>().is_ok_and(|p| p > 0), "{line}");

    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let (_tls, line) = spawn_binary(&["--tls", "--cert-out", cert.to_str().unwrap()]);
    assert!(line.starts_with("listening on https://127.0.0.1:"), "{line}");
    assert!(std::fs::read_to_string(&cert).unwrap().contains("BEGIN CERTIFICATE"));

    let catalog = dir.path().join("models.json");
    std::fs::write(&catalog, r#"{"modelSummaries":[{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/acme.tiny-v1:0","modelId":"acme.tiny-v1:0","modelName":"Tiny","providerName":"Acme","inputModalities":["TEXT"],"outputModalities":["TEXT"],"responseStreamingSupported":true,"customizationsSupported":[],"inferenceTypesSupported":["ON_DEMAND"],"modelLifecycle":{"status":"ACTIVE"}}]}"#).unwrap();
    let profiles = dir.path().join("profiles.json");
    std::fs::write(&profiles, r#"{"inferenceProfileSummaries":[]}"#).unwrap();
    let (_custom, line) = spawn_binary(&[
        "--catalog",
        catalog.to_str().unwrap(),
        "--profiles",
        profiles.to_str().unwrap(),
        "--access-key",
        "AKIDCUSTOMEXAMPLE",
        "--secret-key",
        "custom-secret",
    ]);
    let endpoint = line.strip_prefix("listening on ").unwrap().to_string();
    let custom = common::Auth::Keys { access_key_id: "AKIDCUSTOMEXAMPLE".into(), secret_access_key: "custom-secret".into(), session_token: None };
    let config = common::sdk_config(&endpoint, custom, common::ClientOptions::default()).await;
    let listed = aws_sdk_bedrock::Client::new(&config).list_foundation_models().send().await.unwrap();
    let ids: Vec<&str> = listed.model_summaries().iter().map(|m| m.model_id()).collect();
    assert_eq!(ids, ["acme.tiny-v1:0"]);
    let reply =
        aws_sdk_bedrockruntime::Client::new(&config).converse().model_id("acme.tiny-v1:0").messages(common::user_message("hello file")).send().await.unwrap();
    assert_eq!(reply.output().unwrap().as_message().unwrap().content()[0].as_text().unwrap(), "Echo: hello file");
    let defaults = common::sdk_config(&endpoint, common::Auth::default_keys(), common::ClientOptions::default()).await;
    let refused = aws_sdk_bedrock::Client::new(&defaults).list_foundation_models().send().await.unwrap_err();
    assert_eq!(common::error_code(&refused).0, "UnrecognizedClientException", "the defaults are off once keys are given");

    let status =
        Command::new(env!("CARGO_BIN_EXE_bedrock-emulator")).args(["--access-key", "AKIDONLY"]).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert!(!status.success(), "a key without a secret is refused");
    let status = Command::new(env!("CARGO_BIN_EXE_bedrock-emulator"))
        .args(["--catalog", "/nonexistent/models.json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "a missing catalog file is refused");
}
