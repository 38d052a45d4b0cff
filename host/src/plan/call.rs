//! A Bedrock call on a route, with the route's fallback chain run by the host: while nothing
//! has been delivered, a failure whose class a step lists starts that step (its target and
//! region, the time left of the request's limit); a step that fails with one of its
//! `report_original_on` classes reports the failure that triggered it instead. The policy
//! decided all of it in the plan; the host only follows the data (`wit/routing.wit`).
//!
//! Each attempt's request is built afresh for its target by the caller's [`BuildUpstream`]
//! (issue 22: "the fallback chain builds each step's upstream request from the parsed client
//! request and the step's target"), so one chain may call Converse on one step and InvokeModel
//! on the next. The chain never looks inside a request or an answer.

use super::{FallbackStep, Route};
use crate::aws::model::{ApiError, ConverseRequest, ConverseResponse, ErrorClass, InvokeRequest, InvokeResponse, StreamEvent};
use crate::capability::{BedrockAccess, ChunkStream, EventStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where one attempt goes.
#[derive(Debug, Clone, Copy)]
pub struct Aim<'a> {
    /// The model id, profile id or ARN called.
    pub target: &'a str,
    /// The region called.
    pub region: &'a str,
    /// The route's max tokens, for a request that names none.
    pub max_tokens: u32,
    /// The time left of the request's limit.
    pub timeout: Duration,
    /// No attempt can follow this one (the builder may give its request away).
    pub last: bool,
}

/// One attempt's request, in the form its target takes.
#[derive(Debug, Clone)]
pub enum Upstream {
    /// Converse or ConverseStream (boxed: the larger form).
    Converse(Box<ConverseRequest>),
    /// InvokeModel or InvokeModelWithResponseStream with a model-native body.
    Invoke(InvokeRequest),
}

/// Builds each attempt's request from the client's request and the attempt's target. A
/// request that cannot be built for a target (its form refuses what was asked) is that
/// attempt's failure.
pub trait BuildUpstream: Send {
    /// The request for `aim`.
    fn build(&mut self, aim: &Aim<'_>) -> Result<Upstream, ApiError>;
}

/// A whole answer, in the form of the request that produced it.
#[derive(Debug)]
pub enum Answer {
    /// Converse's response.
    Converse(ConverseResponse),
    /// InvokeModel's response body.
    Invoke(InvokeResponse),
}

/// One delivery of a streamed answer.
#[derive(Debug)]
pub enum Delivery {
    /// A ConverseStream event.
    Event(StreamEvent),
    /// The bytes of one InvokeModelWithResponseStream chunk.
    Chunk(Vec<u8>),
}

impl Delivery {
    /// Whether it is generated output (for the time to the first token): a Converse event
    /// says; every chunk counts.
    pub fn is_output(&self) -> bool {
        match self {
            Self::Event(event) => event.is_output(),
            Self::Chunk(_) => true,
        }
    }
}

/// The attempt in progress and the steps left.
#[derive(Debug)]
struct Chain {
    steps: Vec<FallbackStep>,
    target: String,
    region: String,
    max_tokens: u32,
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
    report_original_on: Vec<ErrorClass>,
}

impl Chain {
    fn new(route: &Route, timeout: Duration) -> Self {
        Self {
            steps: route.fallbacks.clone(),
            target: route.target.clone(),
            region: route.region.clone(),
            max_tokens: route.max_tokens,
            trying: None,
            started: Instant::now(),
            timeout,
        }
    }

    /// The current attempt's request, built for its target.
    fn attempt(&self, build: &mut dyn BuildUpstream) -> Result<Upstream, ApiError> {
        let timeout = self.timeout.saturating_sub(self.started.elapsed()).max(Duration::from_millis(1));
        // Only a step left can start another attempt (a failed step reports, never retries).
        let last = self.steps.is_empty();
        build.build(&Aim { target: &self.target, region: &self.region, max_tokens: self.max_tokens, timeout, last })
    }

    /// A failure before anything was delivered: aims the chain at the next step and returns
    /// `Ok`, or returns the error to report.
    fn recover(&mut self, error: ApiError) -> Result<(), ApiError> {
        let error = match self.trying.take() {
            Some(trying) => {
                tracing::warn!(target_called = %self.target, class = error.class.as_str(), %error, "the fallback failed too");
                if trying.report_original_on.contains(&error.class) {
                    self.target = trying.original_target;
                    self.region = trying.original_region;
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
        tracing::warn!(from = %self.target, to = %step.target, region = %step.region, class = error.class.as_str(), %error, "falling back");
        let original_target = std::mem::replace(&mut self.target, step.target);
        let original_region = std::mem::replace(&mut self.region, step.region);
        self.trying = Some(Trying { original_target, original_region, original_error: error, report_original_on: step.report_original_on });
        Ok(())
    }

    /// Something was delivered: no more fallback.
    fn delivered(&mut self) {
        self.steps.clear();
        self.trying = None;
    }
}

/// Points a Converse `request` at an attempt: its target, region and time left, and the
/// route's max tokens when the request names none.
pub fn aim(request: &mut ConverseRequest, aim: &Aim<'_>) {
    request.model_id = aim.target.to_string();
    request.region = aim.region.to_string();
    request.timeout = aim.timeout;
    request.inference.max_tokens = Some(request.inference.max_tokens.unwrap_or(aim.max_tokens));
}

/// Points `request` at the route itself (no fallback: count_tokens).
pub fn aim_at_route(request: &mut ConverseRequest, route: &Route) {
    let timeout = request.timeout;
    aim(request, &Aim { target: &route.target, region: &route.region, max_tokens: route.max_tokens, timeout, last: true });
}

/// A whole answer and where it came from.
#[derive(Debug)]
pub struct Whole {
    /// The answer.
    pub answer: Answer,
    /// The model id called last (after any fallback).
    pub target: String,
    /// The region called last.
    pub region: String,
}

/// One call on `route` (Converse or InvokeModel, as each attempt's request is built), falling
/// back as the route says; `timeout` is the request's limit.
pub async fn call(bedrock: &dyn BedrockAccess, route: &Route, timeout: Duration, build: &mut dyn BuildUpstream) -> Result<Whole, ApiError> {
    let mut chain = Chain::new(route, timeout);
    loop {
        let outcome = match chain.attempt(build) {
            Ok(Upstream::Converse(request)) => bedrock.converse(*request).await.map(Answer::Converse),
            Ok(Upstream::Invoke(request)) => bedrock.invoke_model(request).await.map(Answer::Invoke),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(answer) => return Ok(Whole { answer, target: chain.target, region: chain.region }),
            Err(error) => chain.recover(error)?,
        }
    }
}

/// The open upstream stream of either form.
enum Open {
    Events(Box<dyn EventStream>),
    Chunks(Box<dyn ChunkStream>),
}

/// A streamed answer on a route, falling back before its first delivery as the route says.
pub struct RoutedStream {
    bedrock: Arc<dyn BedrockAccess>,
    build: Option<Box<dyn BuildUpstream>>,
    stream: Option<Open>,
    chain: Chain,
}

impl RoutedStream {
    /// Starts the call: a failure before the stream opens may already start a fallback step.
    pub async fn start(bedrock: Arc<dyn BedrockAccess>, route: &Route, timeout: Duration, build: Box<dyn BuildUpstream>) -> Result<Self, ApiError> {
        let mut stream = Self { bedrock, build: Some(build), stream: None, chain: Chain::new(route, timeout) };
        stream.open().await?;
        Ok(stream)
    }

    /// The model id being called now (after any fallback).
    pub fn target(&self) -> &str {
        &self.chain.target
    }

    /// The region being called now.
    pub fn region(&self) -> &str {
        &self.chain.region
    }

    /// Opens the stream of the current attempt, falling back while the chain allows.
    async fn open(&mut self) -> Result<(), ApiError> {
        loop {
            let Some(build) = self.build.as_deref_mut() else { return Err(closed()) };
            let opened = match self.chain.attempt(build) {
                Ok(Upstream::Converse(request)) => self.bedrock.converse_stream(*request).await.map(Open::Events),
                Ok(Upstream::Invoke(request)) => self.bedrock.invoke_model_with_response_stream(request).await.map(Open::Chunks),
                Err(error) => Err(error),
            };
            match opened {
                Ok(stream) => {
                    self.stream = Some(stream);
                    return Ok(());
                }
                Err(error) => self.chain.recover(error)?,
            }
        }
    }

    /// The next delivery; `Ok(None)` after the last. An error ends the stream.
    pub async fn next(&mut self) -> Result<Option<Delivery>, ApiError> {
        loop {
            let next = match self.stream.as_mut() {
                None => return Ok(None),
                Some(Open::Events(events)) => events.next().await.map(|event| event.map(Delivery::Event)),
                Some(Open::Chunks(chunks)) => chunks.next().await.map(|chunk| chunk.map(Delivery::Chunk)),
            };
            match next {
                Ok(Some(delivery)) => {
                    if self.build.take().is_some() {
                        self.chain.delivered();
                    }
                    return Ok(Some(delivery));
                }
                Ok(None) => {
                    self.stream = None;
                    return Ok(None);
                }
                Err(error) => {
                    self.stream = None;
                    if self.build.is_none() {
                        return Err(error);
                    }
                    self.chain.recover(error)?;
                    self.open().await?;
                }
            }
        }
    }
}

/// The error of a call with nothing left to try.
pub fn closed() -> ApiError {
    ApiError { class: ErrorClass::Unknown, code: None, message: "the stream has ended".into(), http_status: None, retryable: false }
}

#[cfg(test)]
mod tests;
