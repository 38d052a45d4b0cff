//! The AWS SDK for Rust (`aws-sdk-bedrockruntime`) as a client of the emulator: every runtime
//! operation, both stream kinds to the end, model identifiers of every form, the errors Bedrock
//! sends, and authentication with SigV4 (with and without session token) and bearer tokens.

// Test tables are tuples on purpose: one row per case reads as the specification.
#![allow(clippy::type_complexity)]

mod common;

use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{ConverseStreamOutput, ConverseTokensRequest, CountTokensInput, InferenceConfiguration, ResponseStream, StopReason};
use bedrock_emulator::{AuthScheme, DEFAULT_BEARER_TOKEN, DEFAULT_SECRET_ACCESS_KEY, Emulator, StaticCredentials, TlsOptions};
use common::{Auth, ClientOptions, HAIKU_3, NOVA_PRO, SONNET_45, US_SONNET_45, error_code, user_message};

async fn converse_text(client: &aws_sdk_bedrockruntime::Client, model: &str, prompt: &str) -> Result<String, (String, u16)> {
    let output = client.converse().model_id(model).messages(user_message(prompt)).send().await.map_err(|e| error_code(&e))?;
    let message = output.output().and_then(|o| o.as_message().ok()).expect("a message");
    Ok(message.content()[0].as_text().expect("text").clone())
}

#[tokio::test]
async fn converse_answers_deterministically_for_every_identifier_form() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let identifiers = [
        NOVA_PRO,
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
        US_SONNET_45,
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9x2pq7v4z",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    ];
    for identifier in identifiers {
        assert_eq!(converse_text(&client, identifier, "hello emulator").await, Ok("Echo: hello emulator".to_string()), "{identifier}");
    }
    let logged: Vec<Option<String>> = emulator.request_log().into_iter().map(|e| e.model_id).collect();
    assert_eq!(logged, identifiers.iter().map(|i| Some(i.to_string())).collect::<Vec<_>>(), "ARNs arrive decoded");
}

#[tokio::test]
async fn converse_reports_usage_and_stop_reasons() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let cases = [(None, "Echo: one two three", StopReason::EndTurn, 4), (Some(2), "Echo: one", StopReason::MaxTokens, 2)];
    for (max_tokens, text, stop, output_tokens) in cases {
        let output = client
            .converse()
            .model_id(NOVA_PRO)
            .messages(user_message("one two three"))
            .inference_config(InferenceConfiguration::builder().set_max_tokens(max_tokens).build())
            .send()
            .await
            .expect("converse");
        let message = output.output().unwrap().as_message().unwrap();
        assert_eq!(message.content()[0].as_text().unwrap(), text);
        assert_eq!(output.stop_reason(), &stop);
        let usage = output.usage().unwrap();
        assert_eq!((usage.input_tokens(), usage.output_tokens(), usage.total_tokens()), (3, output_tokens, 3 + output_tokens));
    }
}

#[tokio::test]
async fn converse_stream_runs_to_the_end_in_bedrocks_event_order() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let output = client.converse_stream().model_id(US_SONNET_45).messages(user_message("stream me please")).send().await.expect("stream starts");
    let mut stream = output.stream;
    let mut kinds = Vec::new();
    let mut text = String::new();
    while let Some(event) = stream.recv().await.expect("no stream error") {
        kinds.push(match &event {
            ConverseStreamOutput::MessageStart(start) => {
                assert_eq!(start.role().as_str(), "assistant");
                "messageStart"
            }
            ConverseStreamOutput::ContentBlockStart(_) => "contentBlockStart",
            ConverseStreamOutput::ContentBlockDelta(delta) => {
                assert_eq!(delta.content_block_index(), 0);
                text.push_str(delta.delta().unwrap().as_text().unwrap());
                "contentBlockDelta"
            }
            ConverseStreamOutput::ContentBlockStop(_) => "contentBlockStop",
            ConverseStreamOutput::MessageStop(stop) => {
                assert_eq!(stop.stop_reason(), &StopReason::EndTurn);
                "messageStop"
            }
            ConverseStreamOutput::Metadata(metadata) => {
                let usage = metadata.usage().unwrap();
                assert_eq!((usage.input_tokens(), usage.output_tokens(), usage.total_tokens()), (3, 4, 7));
                assert!(metadata.metrics().is_some());
                "metadata"
            }
            other => panic!("unexpected event {other:?}"),
        });
    }
    assert_eq!(text, "Echo: stream me please");
    assert_eq!(
        kinds,
        ["messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]
    );
}

#[tokio::test]
async fn invoke_model_speaks_each_providers_body() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let cases: &[(&str, serde_json::Value, &str)] = &[
        (
            HAIKU_3,
            serde_json::json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "messages": [{"role": "user", "content": "hi there"}]}),
            "/content/0/text",
        ),
        ("meta.llama3-1-8b-instruct-v1:0", serde_json::json!({"prompt": "hi there", "max_gen_len": 50}), "/generation"),
        ("mistral.mistral-large-2407-v1:0", serde_json::json!({"prompt": "hi there"}), "/outputs/0/text"),
        (NOVA_PRO, serde_json::json!({"messages": [{"role": "user", "content": [{"text": "hi there"}]}]}), "/output/message/content/0/text"),
        ("cohere.command-r-plus-v1:0", serde_json::json!({"message": "hi there"}), "/text"),
        ("deepseek.v3-v1:0", serde_json::json!({"prompt": "hi there"}), "/choices/0/text"),
        ("openai.gpt-oss-120b-1:0", serde_json::json!({"messages": [{"role": "user", "content": "hi there"}]}), "/choices/0/message/content"),
        ("amazon.titan-text-express-v1", serde_json::json!({"inputText": "hi there"}), "/results/0/outputText"),
    ];
    for (model, body, pointer) in cases {
        let output = client
            .invoke_model()
            .model_id(*model)
            .content_type("application/json")
            .body(Blob::new(body.to_string()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{model}: {e:?}"));
        let reply: serde_json::Value = serde_json::from_slice(output.body().as_ref()).unwrap();
        assert_eq!(reply.pointer(pointer).and_then(|v| v.as_str()), Some("Echo: hi there"), "{model}: {reply}");
    }
    let embedding = client
        .invoke_model()
        .model_id("amazon.titan-embed-text-v2:0")
        .body(Blob::new(r#"{"inputText":"embed me","dimensions":256}"#))
        .send()
        .await
        .expect("embedding");
    let reply: serde_json::Value = serde_json::from_slice(embedding.body().as_ref()).unwrap();
    assert_eq!(reply["embedding"].as_array().map(Vec::len), Some(256));
    assert_eq!(reply["inputTextTokenCount"], 2);
}

#[tokio::test]
async fn invoke_with_response_stream_runs_to_the_end_with_anthropic_chunks() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let body = serde_json::json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "messages": [{"role": "user", "content": "two words"}]});
    let output = client.invoke_model_with_response_stream().model_id(US_SONNET_45).body(Blob::new(body.to_string())).send().await.expect("stream starts");
    let mut stream = output.body;
    let mut types = Vec::new();
    let mut text = String::new();
    let mut last = serde_json::Value::Null;
    while let Some(event) = stream.recv().await.expect("no stream error") {
        let ResponseStream::Chunk(part) = event else { panic!("unexpected {event:?}") };
        let chunk: serde_json::Value = serde_json::from_slice(part.bytes().unwrap().as_ref()).unwrap();
        types.push(chunk["type"].as_str().unwrap().to_string());
        if let Some(piece) = chunk.pointer("/delta/text").and_then(|t| t.as_str()) {
            text.push_str(piece);
        }
        last = chunk;
    }
    assert_eq!(text, "Echo: two words");
    assert_eq!(
        types,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    assert_eq!(last["amazon-bedrock-invocationMetrics"]["outputTokenCount"], 3);
}

#[tokio::test]
async fn count_tokens_counts_converse_and_invoke_inputs() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let converse = ConverseTokensRequest::builder().messages(user_message("four words right here")).build();
    let output = client.count_tokens().model_id(HAIKU_3).input(CountTokensInput::Converse(converse)).send().await.expect("count tokens");
    assert_eq!(output.input_tokens(), 4);
    let invoke = aws_sdk_bedrockruntime::types::InvokeModelTokensRequest::builder()
        .body(Blob::new(r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":5,"messages":[{"role":"user","content":"three words here"}]}"#))
        .build()
        .unwrap();
    let output = client.count_tokens().model_id(HAIKU_3).input(CountTokensInput::InvokeModel(invoke)).send().await.expect("count tokens");
    assert_eq!(output.input_tokens(), 3);
}

#[tokio::test]
async fn validation_errors_carry_bedrocks_texts() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let too_many = InferenceConfiguration::builder().max_tokens(1_000_000).build();
    let converse = |model: &str, config: Option<InferenceConfiguration>| {
        client.converse().model_id(model).messages(user_message("hi")).set_inference_config(config).send()
    };
    let cases: Vec<(&str, Result<_, _>, &str)> = vec![
        ("unknown model", converse("acme.nonexistent-v1:0", None).await, "The provided model identifier is invalid."),
        (
            "profile-only bare id",
            converse(SONNET_45, None).await,
            "Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn\u{2019}t supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
        ),
        (
            "max tokens over limit",
            converse(NOVA_PRO, Some(too_many)).await,
            "The maximum tokens you requested exceeds the model limit of 10000. Try again with a maximum tokens value that is lower than 10000.",
        ),
        (
            "embedding model",
            converse("amazon.titan-embed-text-v2:0", None).await,
            "This action doesn't support the model that you provided. Try again with a supported text or chat model.",
        ),
    ];
    for (what, result, message) in cases {
        let error = result.expect_err(what);
        assert_eq!(error_code(&error), ("ValidationException".to_string(), 400), "{what}");
        assert_eq!(aws_sdk_bedrockruntime::error::ProvideErrorMetadata::message(&error), Some(message), "{what}");
    }
    let stream = client.converse_stream().model_id("cohere.command-light-text-v14").messages(user_message("hi")).send().await.expect_err("cannot stream");
    assert_eq!(error_code(&stream), ("ValidationException".to_string(), 400));
    let no_max = client
        .invoke_model()
        .model_id(HAIKU_3)
        .body(Blob::new(r#"{"anthropic_version":"bedrock-2023-05-31","messages":[]}"#))
        .send()
        .await
        .expect_err("max_tokens required");
    assert_eq!(error_code(&no_max), ("ValidationException".to_string(), 400));
}

#[tokio::test]
async fn authentication_outcomes_match_aws() {
    let emulator = Emulator::builder()
        .credentials(StaticCredentials::default_pair())
        .credentials(StaticCredentials::new("AKIDWITHTOKENEXAMPLE", "secret-with-token").with_session_token("static-session-token"))
        .credentials(StaticCredentials::new("AKIDDENIEDEXAMPLE", "denied-secret").denied())
        .bearer_token(DEFAULT_BEARER_TOKEN)
        .start()
        .await
        .unwrap();
    let issued = emulator.issue_credentials(std::time::Duration::from_secs(900));
    let keys = |id: &str, secret: &str, token: Option<&str>| Auth::Keys {
        access_key_id: id.into(),
        secret_access_key: secret.into(),
        session_token: token.map(str::to_string),
    };
    let cases: Vec<(&str, Auth, Result<(), (&str, u16)>)> = vec![
        ("default pair", Auth::default_keys(), Ok(())),
        ("static pair with its session token", keys("AKIDWITHTOKENEXAMPLE", "secret-with-token", Some("static-session-token")), Ok(())),
        ("static pair without its session token", keys("AKIDWITHTOKENEXAMPLE", "secret-with-token", None), Err(("UnrecognizedClientException", 403))),
        ("issued temporary credentials", keys(&issued.access_key_id, &issued.secret_access_key, Some(&issued.session_token)), Ok(())),
        ("issued key with a wrong token", keys(&issued.access_key_id, &issued.secret_access_key, Some("forged")), Err(("UnrecognizedClientException", 403))),
        ("unknown access key", keys("AKIDUNKNOWNEXAMPLE", "x", None), Err(("UnrecognizedClientException", 403))),
        ("wrong secret", keys(bedrock_emulator::DEFAULT_ACCESS_KEY_ID, "wrong", None), Err(("InvalidSignatureException", 403))),
        ("denied identity", keys("AKIDDENIEDEXAMPLE", "denied-secret", None), Err(("AccessDeniedException", 403))),
        ("bearer token", Auth::BearerEnv(DEFAULT_BEARER_TOKEN.into()), Ok(())),
        ("unknown bearer token", Auth::BearerEnv("ABSKbm90LWEta2V5".into()), Err(("AccessDeniedException", 403))),
        ("malformed bearer token", Auth::BearerEnv("not-an-api-key".into()), Err(("AccessDeniedException", 403))),
    ];
    for (what, auth, expected) in cases {
        let client = common::runtime_client_with(&emulator, auth, ClientOptions::default()).await;
        let got = converse_text(&client, NOVA_PRO, "hi").await.map(|_| ());
        let expected = expected.map_err(|(code, status)| (code.to_string(), status));
        assert_eq!(got, expected, "{what}");
    }
    emulator.expire_issued_credentials();
    let client =
        common::runtime_client_with(&emulator, keys(&issued.access_key_id, &issued.secret_access_key, Some(&issued.session_token)), ClientOptions::default())
            .await;
    assert_eq!(converse_text(&client, NOVA_PRO, "hi").await, Err(("ExpiredTokenException".to_string(), 403)));
    let log = serde_json::to_string(&emulator.request_log()).unwrap();
    for secret in [
        DEFAULT_SECRET_ACCESS_KEY,
        "secret-with-token",
        "static-session-token",
        DEFAULT_BEARER_TOKEN,
        issued.secret_access_key.as_str(),
        issued.session_token.as_str(),
    ] {
        assert!(!log.contains(secret), "the request log leaks a secret");
    }
}

#[tokio::test]
async fn request_log_records_scheme_key_region_and_service() {
    let emulator = common::start().await;
    let sigv4 = common::runtime_client(&emulator).await;
    let bearer = common::runtime_client_with(&emulator, Auth::BearerEnv(DEFAULT_BEARER_TOKEN.into()), ClientOptions::default()).await;
    converse_text(&sigv4, NOVA_PRO, "a").await.unwrap();
    converse_text(&bearer, NOVA_PRO, "b").await.unwrap();
    let log = emulator.request_log();
    let summary: Vec<_> = log
        .iter()
        .map(|e| (e.operation.as_str(), e.auth_scheme, e.access_key_id.as_deref(), e.signed_region.as_deref(), e.signed_service.as_deref(), e.status))
        .collect();
    assert_eq!(
        summary,
        [
            ("Converse", AuthScheme::Sigv4, Some(bedrock_emulator::DEFAULT_ACCESS_KEY_ID), Some("us-east-1"), Some("bedrock"), 200),
            ("Converse", AuthScheme::Bearer, None, None, None, 200),
        ]
    );
}

#[tokio::test]
async fn a_client_signing_for_another_region_is_refused() {
    let emulator = Emulator::builder().region("eu-west-1").start().await.unwrap();
    let client = common::runtime_client(&emulator).await; // signs for us-east-1
    assert_eq!(converse_text(&client, "eu.amazon.nova-pro-v1:0", "hi").await, Err(("InvalidSignatureException".to_string(), 403)));
}

#[tokio::test]
async fn tls_mode_serves_clients_that_trust_the_written_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("emulator.pem");
    let emulator = Emulator::builder().tls(TlsOptions { cert_out: Some(cert_path.clone()) }).start().await.unwrap();
    assert!(emulator.endpoint().starts_with("https://127.0.0.1:"));
    let pem = std::fs::read_to_string(&cert_path).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    for auth in [Auth::BearerEnv(DEFAULT_BEARER_TOKEN.into()), Auth::default_keys()] {
        let options = ClientOptions { trust_pem: Some(pem.clone()), ..ClientOptions::default() };
        let client = common::runtime_client_with(&emulator, auth.clone(), options).await;
        assert_eq!(converse_text(&client, NOVA_PRO, "over tls").await, Ok("Echo: over tls".to_string()), "{auth:?}");
    }
    let untrusting = common::runtime_client_with(&emulator, Auth::default_keys(), ClientOptions::default()).await;
    assert!(untrusting.converse().model_id(NOVA_PRO).messages(user_message("x")).send().await.is_err(), "a client without the certificate must fail");
}
