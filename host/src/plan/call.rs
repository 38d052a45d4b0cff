//! A Bedrock call on a route, with the route's fallback chain run by the host: while nothing
//! has been delivered, a failure whose class a step lists starts that step (its target and
//! region, the time left of the request's limit); a step that fails with one of its
//! `report_original_on` classes reports the failure that triggered it instead. The policy
//! decided all of it in the plan; the host only follows the data (`wit/routing.wit`).

use super::{FallbackStep, Route};
use crate::aws::model::{ApiError, ConverseRequest, ConverseResponse, StreamEvent};
use crate::capability::{BedrockAccess, EventStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The attempt in progress and the steps left.
#[derive(Debug)]
struct Chain {
    steps: Vec<FallbackStep>,
    trying: Option<Trying>,
    started: Instant,
    timeout: Duration,
}

/// A step being tried, and what to report if it fails with one of `report_original_on`.
#[derive(Debug)]
struct Trying {
    original_target: String,
    original_region: String,
    original_error: ApiError,
    report_original_on: Vec<crate::aws::model::ErrorClass>,
}

impl Chain {
    fn new(route: &Route, timeout: Duration) -> Self {
        Self { steps: route.fallbacks.clone(), trying: None, started: Instant::now(), timeout }
    }

    /// Whether a failure may still be answered by another attempt (the request must be kept).
    fn may_fall_back(&self) -> bool {
        !self.steps.is_empty()
    }

    /// A failure before anything was delivered: points `request` at the next step and returns
    /// `Ok`, or returns the error to report.
    fn recover(&mut self, request: &mut ConverseRequest, error: ApiError) -> Result<(), ApiError> {
        let error = match self.trying.take() {
            Some(trying) => {
                tracing::warn!(target_called = %request.model_id, class = error.class.as_str(), %error, "the fallback failed too");
                if trying.report_original_on.contains(&error.class) {
                    request.model_id = trying.original_target;
                    request.region = trying.original_region;
                    trying.original_error
                } else {
                    error
                }
            }
            None => error,
        };
        let Some(position) = self.steps.iter().position(|step| step.on.contains(&error.class)) else {
            return Err(error);
        };
        let step = self.steps.remove(position);
        self.steps.drain(..position);
        tracing::warn!(from = %request.model_id, to = %step.target, region = %step.region, class = error.class.as_str(), %error, "falling back");
        let original_target = std::mem::replace(&mut request.model_id, step.target);
        let original_region = std::mem::replace(&mut request.region, step.region);
        self.trying = Some(Trying { original_target, original_region, original_error: error, report_original_on: step.report_original_on });
        request.timeout = self.timeout.saturating_sub(self.started.elapsed()).max(Duration::from_millis(1));
        Ok(())
    }

    /// The request for the next attempt: a copy while a failure may still fall back (the
    /// original stays in `kept`), else the original itself.
    fn next_attempt(&self, kept: &mut Option<ConverseRequest>) -> Option<ConverseRequest> {
        if self.may_fall_back() || self.trying.is_some() { kept.clone() } else { kept.take() }
    }

    /// Something was delivered: no more fallback.
    fn delivered(&mut self) {
        self.steps.clear();
        self.trying = None;
    }
}

/// Points `request` at the route: its target and region, and its max tokens when the request
/// names none.
pub fn aim(request: &mut ConverseRequest, route: &Route) {
    request.model_id.clone_from(&route.target);
    request.region.clone_from(&route.region);
    request.inference.max_tokens = Some(request.inference.max_tokens.unwrap_or(route.max_tokens));
}

/// A whole Converse response and the model id that produced it.
#[derive(Debug)]
pub struct Whole {
    /// The response.
    pub response: ConverseResponse,
    /// The model id called last (after any fallback).
    pub target: String,
}

/// Converse on `route`, falling back as the route says.
pub async fn converse(bedrock: &dyn BedrockAccess, route: &Route, mut request: ConverseRequest) -> Result<Whole, ApiError> {
    aim(&mut request, route);
    let mut chain = Chain::new(route, request.timeout);
    let mut kept = Some(request);
    loop {
        let Some(attempt) = chain.next_attempt(&mut kept) else { return Err(closed()) };
        let target = attempt.model_id.clone();
        match bedrock.converse(attempt).await {
            Ok(response) => return Ok(Whole { response, target }),
            Err(error) => match kept.as_mut() {
                Some(request) => chain.recover(request, error)?,
                None => return Err(error),
            },
        }
    }
}

/// A ConverseStream response on a route, falling back before its first event as the route
/// says.
pub struct RoutedStream {
    bedrock: Arc<dyn BedrockAccess>,
    request: Option<ConverseRequest>,
    target: String,
    region: String,
    stream: Option<Box<dyn EventStream>>,
    chain: Chain,
}

impl RoutedStream {
    /// Starts the call: a failure before the stream opens may already start a fallback step.
    pub async fn start(bedrock: Arc<dyn BedrockAccess>, route: &Route, mut request: ConverseRequest) -> Result<Self, ApiError> {
        aim(&mut request, route);
        let chain = Chain::new(route, request.timeout);
        let mut stream = Self { bedrock, target: String::new(), region: String::new(), request: Some(request), stream: None, chain };
        stream.open().await?;
        Ok(stream)
    }

    /// The model id being called now (after any fallback).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The region being called now.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Opens the stream of the current attempt, falling back while the chain allows.
    async fn open(&mut self) -> Result<(), ApiError> {
        loop {
            let Some(attempt) = self.chain.next_attempt(&mut self.request) else { return Err(closed()) };
            self.target.clone_from(&attempt.model_id);
            self.region.clone_from(&attempt.region);
            match self.bedrock.converse_stream(attempt).await {
                Ok(stream) => {
                    self.stream = Some(stream);
                    return Ok(());
                }
                Err(error) => self.recover(error)?,
            }
        }
    }

    fn recover(&mut self, error: ApiError) -> Result<(), ApiError> {
        let Some(request) = self.request.as_mut() else { return Err(error) };
        let outcome = self.chain.recover(request, error);
        self.target.clone_from(&request.model_id);
        self.region.clone_from(&request.region);
        outcome
    }

    /// The next event; `Ok(None)` after the last. An error ends the stream.
    pub async fn next(&mut self) -> Result<Option<StreamEvent>, ApiError> {
        loop {
            let Some(stream) = self.stream.as_mut() else { return Ok(None) };
            match stream.next().await {
                Ok(Some(event)) => {
                    if self.request.is_some() {
                        self.chain.delivered();
                        self.request = None;
                    }
                    return Ok(Some(event));
                }
                Ok(None) => {
                    self.stream = None;
                    return Ok(None);
                }
                Err(error) => {
                    self.stream = None;
                    self.recover(error)?;
                    self.open().await?;
                }
            }
        }
    }
}

fn closed() -> ApiError {
    ApiError { class: crate::aws::model::ErrorClass::Unknown, code: None, message: "the stream has ended".into(), http_status: None, retryable: false }
}
