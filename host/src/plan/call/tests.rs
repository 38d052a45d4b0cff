//! The chain builds each attempt's request for its own target, and one chain may call both
//! forms: a Claude route throttled on InvokeModel falls back to a Converse model.

use super::*;
use crate::aws::model::{Catalog, CatalogRequest, ConverseOptions, CredentialDescription, InferenceConfig, Usage, VisibleSource};
use crate::capability::BoxFuture;
use std::sync::Mutex;

const US: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
const GLOBAL: &str = "global.anthropic.claude-sonnet-4-6-20251001-v1:0";
const NOVA: &str = "amazon.nova-pro-v1:0";

/// Bedrock that throttles the targets it is told to and answers the others; it records every
/// call as (operation, target).
#[derive(Default)]
struct Recording {
    throttled: Vec<&'static str>,
    calls: Mutex<Vec<(&'static str, String)>>,
}

impl Recording {
    fn answer<T>(&self, operation: &'static str, target: &str, answer: T) -> Result<T, ApiError> {
        self.calls.lock().expect("lock").push((operation, target.to_string()));
        if self.throttled.contains(&target) {
            return Err(ApiError {
                class: ErrorClass::RateLimit,
                code: Some("ThrottlingException".into()),
                message: "slow down".into(),
                http_status: Some(429),
                retryable: true,
            });
        }
        Ok(answer)
    }
}

fn unused<T: Send + 'static>() -> BoxFuture<'static, Result<T, ApiError>> {
    Box::pin(async { Err(closed()) })
}

impl BedrockAccess for Recording {
    fn visible_sources(&self) -> Vec<VisibleSource> {
        Vec::new()
    }
    fn resolve_credentials(&self) -> BoxFuture<'_, Result<CredentialDescription, ApiError>> {
        unused()
    }
    fn converse(&self, request: ConverseRequest) -> BoxFuture<'_, Result<ConverseResponse, ApiError>> {
        let response = ConverseResponse { content: Vec::new(), stop_reason: "end_turn".into(), usage: Usage::default(), latency_ms: 1 };
        Box::pin(async move { self.answer("Converse", &request.model_id, response) })
    }
    fn converse_stream(&self, _: ConverseRequest) -> BoxFuture<'_, Result<Box<dyn EventStream>, ApiError>> {
        unused()
    }
    fn count_tokens(&self, _: ConverseRequest) -> BoxFuture<'_, Result<u32, ApiError>> {
        unused()
    }
    fn count_tokens_invoke(&self, _: InvokeRequest) -> BoxFuture<'_, Result<u32, ApiError>> {
        unused()
    }
    fn invoke_model(&self, request: InvokeRequest) -> BoxFuture<'_, Result<InvokeResponse, ApiError>> {
        let response = InvokeResponse { body: b"{}".to_vec(), content_type: "application/json".into() };
        Box::pin(async move { self.answer("InvokeModel", &request.model_id, response) })
    }
    fn invoke_model_with_response_stream(&self, _: InvokeRequest) -> BoxFuture<'_, Result<Box<dyn ChunkStream>, ApiError>> {
        unused()
    }
    fn list_catalog(&self, _: CatalogRequest) -> BoxFuture<'_, Result<Catalog, ApiError>> {
        unused()
    }
    fn is_bedrock_endpoint(&self, _: &str, _: &str) -> bool {
        false
    }
    fn authenticate<'a>(&'a self, _: &'a mut http::Request<bytes::Bytes>) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Builds InvokeModel for `anthropic.` targets and Converse for the rest, recording whether
/// each attempt was told it was the last.
#[derive(Default)]
struct ByTarget {
    lasts: Vec<bool>,
}

impl BuildUpstream for ByTarget {
    fn build(&mut self, at: &Aim<'_>) -> Result<Upstream, ApiError> {
        self.lasts.push(at.last);
        if at.target.contains("anthropic.") {
            let body = b"{}".to_vec();
            let request = InvokeRequest {
                model_id: at.target.into(),
                region: at.region.into(),
                body,
                content_type: String::new(),
                accept: String::new(),
                timeout: at.timeout,
                guardrail: None,
            };
            return Ok(Upstream::Invoke(request));
        }
        let mut request = ConverseRequest {
            model_id: String::new(),
            region: String::new(),
            system: Vec::new(),
            messages: Vec::new(),
            inference: InferenceConfig::default(),
            tools: Vec::new(),
            timeout: Duration::ZERO,
            options: ConverseOptions::default(),
        };
        aim(&mut request, at);
        Ok(Upstream::Converse(Box::new(request)))
    }
}

#[tokio::test]
async fn each_step_gets_the_request_its_target_takes() {
    let step =
        |target: &str| FallbackStep { on: vec![ErrorClass::RateLimit], target: target.into(), region: "us-west-2".into(), report_original_on: Vec::new() };
    let route = Route { target: US.into(), region: "us-east-1".into(), max_tokens: 100, fallbacks: vec![step(GLOBAL), step(NOVA)] };
    let every = vec![("InvokeModel", US), ("InvokeModel", GLOBAL), ("Converse", NOVA)];
    // (targets throttled, calls made, the outcome, whether each attempt was told it was the last)
    type Case<'a> = (Vec<&'static str>, Vec<(&'a str, &'a str)>, &'a str, Vec<bool>);
    let cases: [Case; 3] = [
        (vec![], vec![("InvokeModel", US)], "invoke from us-east-1", vec![false]),
        (vec![US, GLOBAL], every.clone(), "converse from us-west-2", vec![false, false, true]),
        (vec![US, GLOBAL, NOVA], every, "throttled", vec![false, false, true]),
    ];
    for (throttled, calls, outcome, lasts) in cases {
        let bedrock = Recording { throttled, ..Recording::default() };
        let mut build = ByTarget::default();
        let got = match call(&bedrock, &route, Duration::from_secs(5), &mut build).await {
            Ok(Whole { answer: Answer::Invoke(_), region, .. }) => format!("invoke from {region}"),
            Ok(Whole { answer: Answer::Converse(_), region, .. }) => format!("converse from {region}"),
            Err(error) if error.class == ErrorClass::RateLimit => "throttled".to_string(),
            Err(error) => format!("{error}"),
        };
        assert_eq!(got, outcome, "{calls:?}");
        let made = bedrock.calls.lock().expect("lock").clone();
        assert_eq!(made, calls.iter().map(|(op, target)| (*op, target.to_string())).collect::<Vec<_>>());
        assert_eq!(build.lasts, lasts, "{calls:?}");
    }
}
