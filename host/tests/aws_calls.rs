//! The runtime calls against the emulator: Converse and ConverseStream to the end, InvokeModel
//! and its stream, model identifiers of every form, endpoint variables with and without a
//! region, and each failure classified (HTTP errors after the SDK's retries, in-stream
//! exceptions, hangs).

mod aws_common;

use std::time::{Duration, Instant};

use aws_common::{NOVA_PRO, REGION, SONNET_45, TestEnv, US_SONNET_45, converse_request};
use bedrock_emulator::{AuthScheme, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Fault, FaultRule, RunningEmulator};
use openclaw_host::aws::Bedrock;
use openclaw_host::aws::model::{ContentBlock, ErrorClass, InvokeRequest, Role, StreamEvent};

const CALL_TIMEOUT: Duration = Duration::from_secs(20);

async fn keyed(emulator: &RunningEmulator) -> Bedrock {
    TestEnv::for_emulator(emulator).set("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID).set("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY).bedrock().await
}

fn http_error(error_type: &str) -> Fault {
    Fault::HttpError { error_type: error_type.into(), status: None, message: None }
}

#[tokio::test]
async fn converse_answers_for_every_identifier_form() {
    let emulator = aws_common::start().await;
    let bedrock = keyed(&emulator).await;
    let identifiers = [
        NOVA_PRO,
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
        US_SONNET_45,
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9x2pq7v4z",
    ];
    for identifier in identifiers {
        let response = bedrock.converse(converse_request(identifier, "hello there", CALL_TIMEOUT)).await.unwrap_or_else(|e| panic!("{identifier}: {e}"));
        assert_eq!(response.content, vec![ContentBlock::Text("Echo: hello there".into())], "{identifier}");
        assert_eq!(response.stop_reason, "end_turn");
        assert_eq!((response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens), (2, 3, 5), "{identifier}");
    }
    let logged: Vec<Option<String>> = emulator.request_log().into_iter().map(|e| e.model_id).collect();
    assert_eq!(logged, identifiers.iter().map(|i| Some(i.to_string())).collect::<Vec<_>>(), "ARNs arrive whole");
}

#[tokio::test]
async fn converse_stream_runs_to_the_end_in_order() {
    let emulator = aws_common::start().await;
    let bedrock = keyed(&emulator).await;
    let mut stream = bedrock.converse_stream(converse_request(US_SONNET_45, "stream me please", CALL_TIMEOUT)).await.expect("stream starts");
    let mut events = Vec::new();
    while let Some(event) = stream.next().await.expect("no stream error") {
        events.push(event);
    }
    assert_eq!(stream.next().await, Ok(None), "a finished stream stays finished");
    assert_eq!(events.first(), Some(&StreamEvent::MessageStart(Role::Assistant)));
    let text: String = events.iter().filter_map(|e| if let StreamEvent::TextDelta { index: 0, text } = e { Some(text.as_str()) } else { None }).collect();
    assert_eq!(text, "Echo: stream me please");
    let tail: Vec<&StreamEvent> = events.iter().rev().take(3).collect();
    assert_eq!(tail[2], &StreamEvent::BlockStop(0));
    assert_eq!(tail[1], &StreamEvent::MessageStop("end_turn".into()));
    match tail[0] {
        StreamEvent::Metadata { usage, .. } => assert_eq!((usage.input_tokens, usage.output_tokens, usage.total_tokens), (3, 4, 7)),
        other => panic!("last event {other:?}"),
    }
}

#[tokio::test]
async fn invoke_model_and_its_stream() {
    let emulator = aws_common::start().await;
    let bedrock = keyed(&emulator).await;
    let body = serde_json::json!({"messages": [{"role": "user", "content": [{"text": "raw body"}]}], "inferenceConfig": {"maxTokens": 50}});
    let request = InvokeRequest {
        model_id: NOVA_PRO.into(),
        region: REGION.into(),
        body: serde_json::to_vec(&body).unwrap(),
        content_type: "application/json".into(),
        accept: "application/json".into(),
        timeout: CALL_TIMEOUT,
        guardrail: None,
    };
    let response = bedrock.invoke_model(request.clone()).await.expect("invoke");
    assert_eq!(response.content_type, "application/json");
    let answer: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON body");
    assert_eq!(answer.pointer("/output/message/content/0/text").and_then(|v| v.as_str()), Some("Echo: raw body"), "{answer}");

    let mut stream = bedrock.invoke_model_with_response_stream(request).await.expect("stream starts");
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.next().await.expect("no stream error") {
        chunks.push(serde_json::from_slice::<serde_json::Value>(&chunk).expect("each chunk is JSON"));
    }
    assert!(chunks.first().is_some_and(|c| c.get("messageStart").is_some()), "{chunks:?}");
    let text: String = chunks.iter().filter_map(|c| c.pointer("/contentBlockDelta/delta/text").and_then(|t| t.as_str())).collect();
    assert_eq!(text, "Echo: raw body");
}

#[tokio::test]
async fn mid_stream_exceptions_are_classified_like_http_errors() {
    let emulator = aws_common::start().await;
    let bedrock = keyed(&emulator).await;
    let cases = [
        ("throttlingException", ErrorClass::RateLimit),
        ("modelStreamErrorException", ErrorClass::ModelError),
        ("serviceUnavailableException", ErrorClass::Overloaded),
        ("validationException", ErrorClass::Format),
        ("internalServerException", ErrorClass::Unknown),
    ];
    for (exception, class) in cases {
        emulator.log().clear();
        emulator
            .faults()
            .push(FaultRule::new(Fault::ExceptionAfter { events: 2, exception_type: exception.into(), message: None }).operation("ConverseStream"));
        let mut stream = bedrock.converse_stream(converse_request(NOVA_PRO, "one two three four", CALL_TIMEOUT)).await.expect("stream starts");
        let mut delivered = 0;
        let error = loop {
            match stream.next().await {
                Ok(Some(_)) => delivered += 1,
                Ok(None) => panic!("{exception}: the stream ended without the exception"),
                Err(error) => break error,
            }
        };
        assert_eq!(delivered, 2, "{exception}: the events before the exception are kept");
        assert_eq!(error.class, class, "{exception}: {error}");
        assert_eq!(stream.next().await, Ok(None), "{exception}: an error ends the stream");
        let attempts = emulator.request_log().iter().filter(|e| e.operation == "ConverseStream").count();
        assert_eq!(attempts, 1, "{exception}: a failure after output is never retried");
    }
}

#[tokio::test]
async fn http_errors_are_retried_then_classified() {
    let emulator = aws_common::start().await;
    let bedrock = keyed(&emulator).await;
    // (fault type, expected class, attempts made): throttling and 5xx are retried to 3 attempts.
    let cases = [
        ("ThrottlingException", ErrorClass::RateLimit, 3),
        ("ServiceUnavailableException", ErrorClass::Overloaded, 3),
        ("ModelNotReadyException", ErrorClass::Overloaded, 3),
        ("AccessDeniedException", ErrorClass::Auth, 1),
        ("ModelErrorException", ErrorClass::ModelError, 1),
    ];
    for streaming in [false, true] {
        let operation = if streaming { "ConverseStream" } else { "Converse" };
        for (error_type, class, attempts) in cases {
            emulator.log().clear();
            emulator.faults().clear();
            emulator.faults().push(FaultRule::new(http_error(error_type)).operation(operation).times(10));
            let request = converse_request(NOVA_PRO, "hi", CALL_TIMEOUT);
            let error = if streaming {
                bedrock.converse_stream(request).await.map(|_| ()).expect_err(error_type)
            } else {
                bedrock.converse(request).await.map(|_| ()).expect_err(error_type)
            };
            assert_eq!((error.class, error.code.as_deref()), (class, Some(error_type)), "{operation} {error_type}: {error}");
            let made = emulator.request_log().iter().filter(|e| e.operation == operation).count();
            assert_eq!(made, attempts, "{operation} {error_type}: attempts");
        }
    }
    emulator.faults().clear();
    emulator.log().clear();
    emulator.faults().push(FaultRule::new(http_error("ThrottlingException")).operation("Converse").times(2));
    let response = bedrock.converse(converse_request(NOVA_PRO, "third time", CALL_TIMEOUT)).await.expect("the third attempt succeeds");
    assert_eq!(response.content, vec![ContentBlock::Text("Echo: third time".into())]);
}

#[tokio::test]
async fn a_hang_times_out_within_the_timeout() {
    let emulator = aws_common::start().await;
    let bedrock = keyed(&emulator).await;
    for operation in ["Converse", "ConverseStream"] {
        emulator.faults().push(FaultRule::new(Fault::Hang).operation(operation));
        let timeout = Duration::from_millis(700);
        let started = Instant::now();
        let request = converse_request(NOVA_PRO, "hi", timeout);
        let error = if operation == "Converse" { bedrock.converse(request).await.map(|_| ()) } else { bedrock.converse_stream(request).await.map(|_| ()) }
            .expect_err(operation);
        let elapsed = started.elapsed();
        assert_eq!(error.class, ErrorClass::Timeout, "{operation}: {error}");
        // Only a lower bound: a loaded machine may take longer to notice, never less.
        assert!(elapsed >= timeout, "{operation}: gave up after {elapsed:?}");
    }
    // A stream held after its first events: the deadline covers the whole stream, not only
    // its start (the events are held until the end of the test, whatever the machine's load).
    emulator.faults().push(FaultRule::new(Fault::HoldAfter { events: 2 }).operation("ConverseStream"));
    let mut stream = bedrock.converse_stream(converse_request(NOVA_PRO, "a b c d e f g h", Duration::from_millis(1000))).await.expect("starts");
    let error = loop {
        match stream.next().await {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the stream should not finish within its deadline"),
            Err(error) => break error,
        }
    };
    assert_eq!(error.class, ErrorClass::Timeout, "{error}");
    emulator.faults().release_held();
}

#[tokio::test]
async fn bedrock_validation_answers_keep_bedrocks_message() {
    let emulator = aws_common::start().await;
    let bedrock = keyed(&emulator).await;
    let cases = [
        ("amazon.no-such-model-v9:0", ErrorClass::NotFound, "The provided model identifier is invalid."),
        (SONNET_45, ErrorClass::Format, "with on-demand throughput isn\u{2019}t supported"),
    ];
    for (model, class, message) in cases {
        for streaming in [false, true] {
            let request = converse_request(model, "hi", CALL_TIMEOUT);
            let error =
                if streaming { bedrock.converse_stream(request).await.map(|_| ()) } else { bedrock.converse(request).await.map(|_| ()) }.expect_err(model);
            assert_eq!((error.class, error.code.as_deref(), error.http_status), (class, Some("ValidationException"), Some(400)), "{model}: {error}");
            assert!(error.message.contains(message), "{model}: {error}");
        }
    }
}

#[tokio::test]
async fn endpoint_variables_work_with_and_without_a_region() {
    let emulator = aws_common::start().await;
    let endpoint = emulator.endpoint();
    let with_keys = |env: TestEnv| env.set("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID).set("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY);
    let cases = [
        ("AWS_ENDPOINT_URL, no region", with_keys(TestEnv::new().set("AWS_ENDPOINT_URL", &endpoint))),
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME, no region", with_keys(TestEnv::new().set("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &endpoint))),
        (
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME with a region",
            with_keys(TestEnv::new().set("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &endpoint).set("AWS_REGION", REGION)),
        ),
        (
            "bearer token, AWS_ENDPOINT_URL_BEDROCK_RUNTIME, no region",
            TestEnv::new().set("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &endpoint).set("AWS_BEARER_TOKEN_BEDROCK", bedrock_emulator::DEFAULT_BEARER_TOKEN),
        ),
    ];
    for (name, env) in cases {
        let bedrock = env.bedrock().await;
        let response = bedrock.converse(converse_request(NOVA_PRO, "hi", CALL_TIMEOUT)).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(response.content, vec![ContentBlock::Text("Echo: hi".into())], "{name}");
    }
    // The control plane follows its own variable, with the bearer token as well.
    let cases = [
        ("AWS_ENDPOINT_URL_BEDROCK with keys", with_keys(TestEnv::new().set("AWS_ENDPOINT_URL_BEDROCK", &endpoint)), AuthScheme::Sigv4),
        (
            "AWS_ENDPOINT_URL_BEDROCK with a bearer token",
            TestEnv::new().set("AWS_ENDPOINT_URL_BEDROCK", &endpoint).set("AWS_BEARER_TOKEN_BEDROCK", bedrock_emulator::DEFAULT_BEARER_TOKEN),
            AuthScheme::Bearer,
        ),
    ];
    for (name, env, scheme) in cases {
        emulator.log().clear();
        let bedrock = env.bedrock().await;
        let models = bedrock.control_client(REGION).list_foundation_models().send().await.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(!models.model_summaries().is_empty(), "{name}");
        assert_eq!(emulator.request_log().last().map(|e| e.auth_scheme), Some(scheme), "{name}");
    }
}

#[tokio::test]
async fn every_content_block_kind_reaches_bedrock_and_bad_tool_json_never_leaves() {
    use openclaw_host::aws::model::{InferenceConfig, Message, ToolSpec};
    let emulator = aws_common::start().await;
    let bedrock = keyed(&emulator).await;
    let mut request = converse_request(US_SONNET_45, "unused", CALL_TIMEOUT);
    request.system = vec!["Be brief.".into()];
    request.inference = InferenceConfig { max_tokens: Some(100), temperature: Some(0.5), top_p: Some(0.9), stop_sequences: vec!["STOP".into()] };
    request.tools = vec![ToolSpec {
        name: "lookup".into(),
        description: "Looks things up.".into(),
        input_schema: r#"{"type":"object","properties":{"q":{"type":"string"}}}"#.into(),
    }];
    request.messages = vec![
        Message {
            role: Role::User,
            content: vec![ContentBlock::Text("find it".into()), ContentBlock::Image { format: "png".into(), bytes: vec![0x89, b'P', b'N', b'G'] }],
        },
        Message {
            role: Role::Assistant,
            content: vec![
                // Signed as the emulator signs its reasoning: it refuses a block sent back with any other.
                ContentBlock::Reasoning { text: "I should look".into(), signature: Some(bedrock_emulator::reasoning::sign("I should look")) },
                ContentBlock::ToolUse { id: "t1".into(), name: "lookup".into(), input: r#"{"q":"it"}"#.into() },
            ],
        },
        Message {
            role: Role::User,
            content: vec![ContentBlock::ToolResult { id: "t1".into(), content: "found".into(), is_error: false }, ContentBlock::Text("thanks".into())],
        },
    ];
    let response = bedrock.converse(request.clone()).await.expect("accepted");
    assert_eq!(response.content, vec![ContentBlock::Text("Echo: thanks".into())]);

    emulator.log().clear();
    let cases = [
        ("tool schema", {
            let mut bad = request.clone();
            bad.tools[0].input_schema = "{not json".into();
            bad
        }),
        ("tool input", {
            let mut bad = request.clone();
            bad.messages[1].content[1] = ContentBlock::ToolUse { id: "t1".into(), name: "lookup".into(), input: "[1,".into() };
            bad
        }),
    ];
    for (what, bad) in cases {
        let error = bedrock.converse(bad).await.expect_err(what);
        assert_eq!(error.class, ErrorClass::Format, "{what}: {error}");
        assert!(error.message.contains("is not valid JSON"), "{what}: {error}");
    }
    assert!(emulator.request_log().is_empty(), "invalid requests are refused before sending");
}

/// A short-term Bedrock API key rotates: with `AWS_BEARER_TOKEN_BEDROCK_FILE` every call reads
/// the file's token as it is now (issue 28), on the data path and the control plane, and the
/// file wins over the variable.
#[tokio::test]
async fn a_bearer_token_file_is_followed_as_it_rotates() {
    let (first, second) = ("ABSK-first-key", "ABSK-second-key");
    let emulator = bedrock_emulator::Emulator::builder().region(REGION).bearer_token(first).bearer_token(second).start().await.expect("emulator starts");
    let home = tempfile::tempdir().expect("a temp dir");
    let file = home.path().join("bedrock-api-key");
    std::fs::write(&file, format!("{first}\n")).expect("write");
    let env = TestEnv::new()
        .set("AWS_ENDPOINT_URL", &emulator.endpoint())
        .set("AWS_REGION", REGION)
        .set("AWS_BEARER_TOKEN_BEDROCK", "ABSK-stale-variable")
        .set("AWS_BEARER_TOKEN_BEDROCK_FILE", &file.display().to_string());
    let bedrock = env.bedrock().await;
    let description = bedrock.resolve_credentials().await.expect("described");
    assert!(description.source.contains("AWS_BEARER_TOKEN_BEDROCK_FILE"), "{description:?}");
    // (token in the file, whether calls succeed)
    let cases = [(first, true), ("ABSK-revoked-key", false), (second, true)];
    for (token, works) in cases {
        std::fs::write(&file, token).expect("write");
        let answer = bedrock.converse(converse_request(NOVA_PRO, "hi", CALL_TIMEOUT)).await;
        assert_eq!(answer.is_ok(), works, "{token}: {answer:?}");
        if let Err(error) = &answer {
            assert_eq!(error.class, ErrorClass::Auth, "{error:?}");
            assert!(!error.message.contains(token), "no token in the message: {}", error.message);
        }
        let listed = bedrock.control_client(REGION).list_foundation_models().send().await;
        assert_eq!(listed.is_ok(), works, "{token}: control plane");
        assert_eq!(emulator.request_log().last().map(|e| e.auth_scheme), Some(AuthScheme::Bearer), "{token}");
    }
    std::fs::remove_file(&file).expect("remove");
    let gone = bedrock.converse(converse_request(NOVA_PRO, "hi", CALL_TIMEOUT)).await.expect_err("no file, no call");
    assert!(gone.message.contains("bedrock-api-key"), "{}", gone.message);
}
