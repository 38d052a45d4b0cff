//! Every fault kind, driven through the library API and the HTTP control API, observed with the
//! AWS SDK for Rust as a client would see it.

mod common;

use std::time::{Duration, Instant};

use aws_sdk_bedrockruntime::primitives::Blob;
use bedrock_emulator::{Fault, FaultRule, RunningEmulator};
use common::{Auth, ClientOptions, NOVA_PRO, US_SONNET_45, error_code, user_message};

fn http_error(error_type: &str) -> Fault {
    Fault::HttpError { error_type: error_type.into(), status: None, message: None }
}

async fn converse(client: &aws_sdk_bedrockruntime::Client, model: &str) -> Result<(), (String, u16)> {
    client.converse().model_id(model).messages(user_message("hi there")).send().await.map(|_| ()).map_err(|e| error_code(&e))
}

/// Reads a converse stream to its end: the number of events and the error that ended it, if any.
async fn drain_converse_stream(client: &aws_sdk_bedrockruntime::Client) -> (usize, Option<String>) {
    let output = client.converse_stream().model_id(NOVA_PRO).messages(user_message("one two three four five")).send().await.expect("stream starts");
    let mut stream = output.stream;
    let mut events = 0;
    loop {
        match stream.recv().await {
            Ok(Some(_)) => events += 1,
            Ok(None) => return (events, None),
            Err(error) => {
                // Bedrock's exception payloads carry only a message, so the SDK names the error by
                // its variant, not by an error code.
                let code = match error.as_service_error() {
                    Some(service) => format!("{service:?}").split('(').next().unwrap_or("").to_string(),
                    None => format!("{error:?}"),
                };
                return (events, Some(code));
            }
        }
    }
}

#[tokio::test]
async fn http_error_faults_reach_the_sdk_as_each_bedrock_error() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let cases = [
        ("ThrottlingException", 429),
        ("ServiceUnavailableException", 503),
        ("ModelErrorException", 424),
        ("InternalServerException", 500),
        ("ModelNotReadyException", 429),
        ("ModelTimeoutException", 408),
        ("AccessDeniedException", 403),
        ("ResourceNotFoundException", 404),
        ("ValidationException", 400),
    ];
    for (error_type, status) in cases {
        emulator.faults().push(FaultRule::new(http_error(error_type)).operation("Converse"));
        assert_eq!(converse(&client, NOVA_PRO).await, Err((error_type.to_string(), status)), "{error_type}");
        assert_eq!(converse(&client, NOVA_PRO).await, Ok(()), "{error_type} applies once");
    }
    emulator.faults().push(FaultRule::new(http_error("ServiceQuotaExceededException")).operation("InvokeModel"));
    let error =
        client.invoke_model().model_id(NOVA_PRO).body(Blob::new(r#"{"messages":[{"role":"user","content":[{"text":"x"}]}]}"#)).send().await.unwrap_err();
    assert_eq!(error_code(&error), ("ServiceQuotaExceededException".to_string(), 429));
    let custom = Fault::HttpError {
        error_type: "ThrottlingException".into(),
        status: Some(400),
        message: Some("Too many tokens, please wait before trying again.".into()),
    };
    emulator.faults().push(FaultRule::new(custom));
    let error = client.converse().model_id(NOVA_PRO).messages(user_message("x")).send().await.unwrap_err();
    assert_eq!(error_code(&error), ("ThrottlingException".to_string(), 400));
    assert_eq!(aws_sdk_bedrockruntime::error::ProvideErrorMetadata::message(&error), Some("Too many tokens, please wait before trying again."));
}

#[tokio::test]
async fn faults_match_by_operation_model_and_count() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    emulator.faults().push(FaultRule::new(http_error("ThrottlingException")).model(US_SONNET_45).times(2));
    assert_eq!(converse(&client, NOVA_PRO).await, Ok(()), "another model is untouched");
    for _ in 0..2 {
        assert_eq!(converse(&client, US_SONNET_45).await, Err(("ThrottlingException".to_string(), 429)));
    }
    assert_eq!(converse(&client, US_SONNET_45).await, Ok(()));
    emulator.faults().push(FaultRule::new(http_error("ThrottlingException")).model("anthropic.claude-sonnet-4-5-20250929-v1:0"));
    assert_eq!(converse(&client, US_SONNET_45).await, Err(("ThrottlingException".to_string(), 429)), "matches the resolved model too");
    let faulted: Vec<_> = emulator.request_log().iter().map(|e| e.fault.clone()).collect();
    assert_eq!(faulted.iter().filter(|f| f.as_deref() == Some("http_error")).count(), 3);
}

#[tokio::test]
async fn standard_retries_ride_out_a_throttle() {
    let emulator = common::start().await;
    let options = ClientOptions {
        retries: aws_config::retry::RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(10)),
        ..ClientOptions::default()
    };
    let client = common::runtime_client_with(&emulator, Auth::default_keys(), options).await;
    emulator.faults().push(FaultRule::new(http_error("ThrottlingException")).operation("Converse"));
    assert_eq!(converse(&client, NOVA_PRO).await, Ok(()));
    let statuses: Vec<u16> = emulator.request_log().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [429, 200]);
}

#[tokio::test]
async fn delay_before_headers_is_felt_and_can_time_a_client_out() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    emulator.faults().push(FaultRule::new(Fault::DelayHeaders { ms: 300 }));
    let started = Instant::now();
    assert_eq!(converse(&client, NOVA_PRO).await, Ok(()));
    assert!(started.elapsed() >= Duration::from_millis(300));
    let impatient = common::runtime_client_with(
        &emulator,
        Auth::default_keys(),
        ClientOptions { attempt_timeout: Some(Duration::from_millis(100)), ..ClientOptions::default() },
    )
    .await;
    emulator.faults().push(FaultRule::new(Fault::DelayHeaders { ms: 1000 }));
    let error = impatient.converse().model_id(NOVA_PRO).messages(user_message("x")).send().await.unwrap_err();
    assert!(matches!(error, aws_sdk_bedrockruntime::error::SdkError::TimeoutError(_)), "{error:?}");
}

#[tokio::test]
async fn delay_between_events_paces_the_stream() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    emulator.faults().push(FaultRule::new(Fault::DelayEvents { ms: 40 }).operation("ConverseStream"));
    let started = Instant::now();
    let (events, error) = drain_converse_stream(&client).await;
    assert_eq!((events, error), (10, None));
    assert!(started.elapsed() >= Duration::from_millis(9 * 40), "{:?}", started.elapsed());
}

#[tokio::test]
async fn exception_frames_after_k_events_surface_as_stream_errors() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    let kinds = [
        ("throttlingException", "ThrottlingException"),
        ("modelStreamErrorException", "ModelStreamErrorException"),
        ("internalServerException", "InternalServerException"),
        ("validationException", "ValidationException"),
        ("serviceUnavailableException", "ServiceUnavailableException"),
    ];
    for (exception_type, sdk_code) in kinds {
        emulator
            .faults()
            .push(FaultRule::new(Fault::ExceptionAfter { events: 3, exception_type: exception_type.into(), message: None }).operation("ConverseStream"));
        let (events, error) = drain_converse_stream(&client).await;
        assert_eq!((events, error.as_deref()), (3, Some(sdk_code)), "{exception_type}");
    }
    emulator.faults().push(FaultRule::new(Fault::ExceptionAfter { events: 1, exception_type: "modelTimeoutException".into(), message: None }));
    let body = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":20,"messages":[{"role":"user","content":"a b c"}]}"#;
    let output = client.invoke_model_with_response_stream().model_id(US_SONNET_45).body(Blob::new(body)).send().await.unwrap();
    let mut stream = output.body;
    assert!(stream.recv().await.unwrap().is_some());
    let error = stream.recv().await.unwrap_err();
    let variant = error.as_service_error().map(|e| format!("{e:?}")).unwrap_or_default();
    assert!(variant.starts_with("ModelTimeoutException("), "{variant}");
}

#[tokio::test]
async fn truncated_frames_corrupted_crcs_and_resets_break_the_stream() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    emulator.faults().push(FaultRule::new(Fault::TruncateAfter { events: 2 }).operation("ConverseStream"));
    let (events, error) = drain_converse_stream(&client).await;
    assert_eq!(events, 2);
    assert!(error.is_some(), "a truncated stream must not end cleanly");
    emulator.faults().push(FaultRule::new(Fault::CorruptCrc { event: 1 }).operation("ConverseStream"));
    let (events, error) = drain_converse_stream(&client).await;
    assert_eq!(events, 1);
    assert!(error.as_deref().is_some_and(|e| e.to_lowercase().contains("checksum") || e.to_lowercase().contains("crc")), "{error:?}");
    emulator.faults().push(FaultRule::new(Fault::ConnectionReset).operation("Converse"));
    let error = client.converse().model_id(NOVA_PRO).messages(user_message("x")).send().await.unwrap_err();
    assert!(
        matches!(error, aws_sdk_bedrockruntime::error::SdkError::DispatchFailure(_) | aws_sdk_bedrockruntime::error::SdkError::ResponseError(_)),
        "{error:?}"
    );
    assert_eq!(converse(&client, NOVA_PRO).await, Ok(()), "the emulator keeps serving");
}

#[tokio::test]
async fn a_hang_never_answers_until_the_client_gives_up() {
    let emulator = common::start().await;
    let client = common::runtime_client_with(
        &emulator,
        Auth::default_keys(),
        ClientOptions { attempt_timeout: Some(Duration::from_millis(300)), ..ClientOptions::default() },
    )
    .await;
    emulator.faults().push(FaultRule::new(Fault::Hang).operation("Converse"));
    let error = client.converse().model_id(NOVA_PRO).messages(user_message("x")).send().await.unwrap_err();
    assert!(matches!(error, aws_sdk_bedrockruntime::error::SdkError::TimeoutError(_)), "{error:?}");
    emulator.shutdown().await;
}

async fn control_api_round_trip(emulator: &RunningEmulator) {
    let rule = r#"{"operation":"Converse","model":"amazon.nova-pro-v1:0","count":2,"fault":{"kind":"http_error","type":"ServiceUnavailableException"}}"#;
    assert_eq!(common::control(emulator, "POST", "/__emulator/faults", rule).await, (201, serde_json::json!({"queued": 1})));
    let (status, pending) = common::control(emulator, "GET", "/__emulator/faults", "").await;
    assert_eq!((status, pending["faults"][0]["count"].as_u64()), (200, Some(2)));
    let client = common::runtime_client(emulator).await;
    assert_eq!(converse(&client, NOVA_PRO).await, Err(("ServiceUnavailableException".to_string(), 503)));
    let (status, log) = common::control(emulator, "GET", "/__emulator/requests", "").await;
    assert_eq!(status, 200);
    let entry = &log["requests"][0];
    assert_eq!(
        (entry["operation"].as_str(), entry["model_id"].as_str(), entry["auth_scheme"].as_str(), entry["status"].as_u64()),
        (Some("Converse"), Some(NOVA_PRO), Some("sigv4"), Some(503))
    );
    assert_eq!(common::control(emulator, "POST", "/__emulator/reset", "").await.0, 204);
    assert_eq!(common::control(emulator, "GET", "/__emulator/faults", "").await.1, serde_json::json!({"faults": []}));
    assert_eq!(common::control(emulator, "GET", "/__emulator/requests", "").await.1, serde_json::json!({"requests": []}));
    let list = r#"[{"fault":{"kind":"hang"}},{"fault":{"kind":"delay_events","ms":1}}]"#;
    assert_eq!(common::control(emulator, "POST", "/__emulator/faults", list).await, (201, serde_json::json!({"queued": 2})));
    assert_eq!(common::control(emulator, "DELETE", "/__emulator/faults", "").await.0, 204);
    for bad in ["", "{", r#"{"fault":{"kind":"explode"}}"#, r#"{"fault":{"kind":"delay_headers"}}"#] {
        assert_eq!(common::control(emulator, "POST", "/__emulator/faults", bad).await.0, 400, "{bad}");
    }
    assert_eq!(common::control(emulator, "GET", "/__emulator/nothing", "").await.0, 404);
}

#[tokio::test]
async fn the_http_control_api_queues_lists_and_resets() {
    let emulator = common::start().await;
    control_api_round_trip(&emulator).await;
}

#[tokio::test]
async fn a_held_request_waits_for_its_release_and_then_answers() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    emulator.faults().push(FaultRule::new(Fault::Hold).operation("Converse"));
    let call = tokio::spawn({
        let client = client.clone();
        async move { converse(&client, NOVA_PRO).await }
    });
    // The notice that it arrived; it is not answered until released.
    tokio::time::timeout(Duration::from_secs(60), emulator.faults().wait_held(1)).await.expect("the request arrives");
    assert_eq!(emulator.faults().held(), 1);
    assert!(!call.is_finished(), "answered before the release");
    assert!(emulator.request_log().is_empty(), "logged when answered");
    assert_eq!(common::control(&emulator, "POST", "/__emulator/release", "").await.0, 204);
    assert_eq!(call.await.expect("task"), Ok(()));
    let entry = emulator.log().wait_for(|entry| entry.operation == "Converse").await;
    assert_eq!((entry.status, entry.fault.as_deref()), (200, Some("hold")));
}

#[tokio::test]
async fn hold_after_sends_some_events_then_the_rest_on_release() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    emulator.faults().push(FaultRule::new(Fault::HoldAfter { events: 2 }).operation("ConverseStream"));
    let output = client.converse_stream().model_id(NOVA_PRO).messages(user_message("one two three four five")).send().await.expect("stream starts");
    let mut stream = output.stream;
    for _ in 0..2 {
        assert!(matches!(stream.recv().await, Ok(Some(_))), "the events before the hold arrive");
    }
    emulator.faults().wait_held(1).await;
    emulator.faults().release_held();
    let mut rest = 0;
    while let Ok(Some(_)) = stream.recv().await {
        rest += 1;
    }
    assert_eq!(rest, 8, "the other events after the release");
    let ends = tokio::time::timeout(Duration::from_secs(60), emulator.log().wait_streams_ended(1)).await.expect("the stream ends");
    assert_eq!((ends.completed, ends.abandoned), (1, 0));
}

#[tokio::test]
async fn the_log_keeps_bedrock_bodies_and_no_header() {
    let emulator = common::start().await;
    let client = common::runtime_client(&emulator).await;
    client
        .converse()
        .model_id(NOVA_PRO)
        .messages(user_message("logged words"))
        .system(aws_sdk_bedrockruntime::types::SystemContentBlock::Text("the system".into()))
        .inference_config(aws_sdk_bedrockruntime::types::InferenceConfiguration::builder().temperature(0.25).stop_sequences("halt").build())
        .send()
        .await
        .expect("converse");
    let entry = emulator.request_log().pop().expect("logged");
    let body = entry.body_json();
    assert_eq!(body["messages"][0]["content"][0]["text"], "logged words", "{body}");
    assert_eq!(body["system"][0]["text"], "the system", "{body}");
    assert_eq!((body["inferenceConfig"]["temperature"].as_f64(), body["inferenceConfig"]["stopSequences"].clone()), (Some(0.25), serde_json::json!(["halt"])));
    let (_, log) = common::control(&emulator, "GET", "/__emulator/requests", "").await;
    let shown = log.to_string();
    assert!(shown.contains("logged words"), "the body over the control API: {shown}");
    assert!(
        !shown.to_lowercase().contains("authorization") && !shown.contains(bedrock_emulator::DEFAULT_SECRET_ACCESS_KEY) && !shown.contains("Signature="),
        "no header, no secret: {shown}"
    );
}
