//! Chat (BEHAVIOUR.md section 6): which model and region a chat request goes to, with what
//! limits, and the fallback to a `global.` profile when a geography profile is throttled or
//! overloaded before its first event.

pub use openclaw_domain::ChatRequest;

use std::time::{Duration, Instant};

use crate::control_plane::ControlPlane;
use crate::region::RegionEnvironment;
use crate::resolve::resolve;
use crate::routing::{FallbackStep, requested_reference, route_of};
use crate::runtime::{ApiError, ConverseOptions, ConverseRequest, ErrorClass, EventStream, InferenceConfig, LogLevel, Runtime, StreamEvent};
use crate::target::settings_of;

pub use crate::routing::NO_MODEL;

/// Where the fallback chain stands.
#[derive(Debug)]
enum Fallback {
    /// Steps not taken yet, in order.
    Available(Vec<FallbackStep>),
    /// A step being tried: what to report if it fails with one of `report_original_on`.
    Trying { original_target: String, original_error: ApiError, report_original_on: Vec<ErrorClass>, rest: Vec<FallbackStep> },
}

/// A chat response in progress: the host's stream, wrapped so that the policy may fall back
/// before anything has been delivered, as the route says.
pub struct ChatStream<R: Runtime> {
    runtime: R,
    request: ConverseRequest,
    stream: Option<Box<dyn EventStream>>,
    delivered: bool,
    fallback: Fallback,
    started: Instant,
}

/// Resolves the model and starts a streamed chat.
///
/// The model is the request's reference, else the config's default; neither is a `format`
/// error ([`NO_MODEL`]); a reference that does not parse is a `format` error with the
/// parser's message, and so is an invalid config. The reference is resolved into its route
/// ([`crate::routing::route_of`]: a profile-only model goes through its profile; an unknown
/// bare id is `not-found`). Max tokens: the request's, else the route's.
pub fn start_chat<R: Runtime>(
    mut request: ChatRequest,
    environment: &RegionEnvironment,
    runtime: R,
    control_plane: &dyn ControlPlane,
) -> Result<ChatStream<R>, ApiError> {
    let settings = settings_of(request.settings.take(), &request.config, environment)?;
    let reference = requested_reference(request.model.as_deref(), &settings, control_plane)?;
    let resolved = resolve(&reference, &settings, control_plane, &runtime)?;
    let route = route_of(&reference, resolved, &settings);
    let call = ConverseRequest {
        model_id: route.target,
        region: route.region,
        system: request.system,
        messages: request.messages,
        inference: InferenceConfig {
            max_tokens: Some(request.max_tokens.unwrap_or(route.max_tokens)),
            temperature: request.temperature,
            top_p: request.top_p,
            stop_sequences: request.stop_sequences,
        },
        tools: request.tools,
        timeout: request.timeout,
        options: ConverseOptions::default(),
    };
    let mut chat =
        ChatStream { runtime, request: call, stream: None, delivered: false, fallback: Fallback::Available(route.fallbacks), started: Instant::now() };
    chat.runtime.log(LogLevel::Debug, "chat starts", &[("target", &chat.request.model_id), ("region", &chat.request.region)]);
    match chat.runtime.converse_stream(&chat.request) {
        Ok(stream) => chat.stream = Some(stream),
        Err(error) => chat.recover(error)?,
    }
    Ok(chat)
}

impl<R: Runtime> ChatStream<R> {
    /// The model id being called now (after any fallback).
    pub fn target(&self) -> &str {
        &self.request.model_id
    }

    /// The region being called now.
    pub fn region(&self) -> &str {
        &self.request.region
    }

    /// The next event; `Ok(None)` after the last. An error ends the stream. A `rate-limit` or
    /// `overloaded` failure before the first event may be answered by the fallback instead.
    pub fn next_event(&mut self) -> Result<Option<StreamEvent>, ApiError> {
        loop {
            let Some(stream) = self.stream.as_mut() else { return Ok(None) };
            match stream.next() {
                Ok(Some(event)) => {
                    self.delivered = true;
                    self.fallback = Fallback::Available(Vec::new());
                    return Ok(Some(event));
                }
                Ok(None) => {
                    self.stream = None;
                    return Ok(None);
                }
                Err(error) => {
                    self.stream = None;
                    if self.delivered {
                        return Err(error);
                    }
                    self.recover(error)?;
                }
            }
        }
    }

    /// Decides what a failure before the first event becomes: a started fallback step
    /// (`Ok`), or the error to report.
    fn recover(&mut self, error: ApiError) -> Result<(), ApiError> {
        let (steps, error) = match std::mem::replace(&mut self.fallback, Fallback::Available(Vec::new())) {
            Fallback::Available(steps) => (steps, error),
            Fallback::Trying { original_target, original_error, report_original_on, rest } => {
                let error = self.step_failed(error, original_target, original_error, &report_original_on);
                (rest, error)
            }
        };
        let Some(position) = steps.iter().position(|step| step.on.contains(&error.class)) else {
            return Err(error);
        };
        let mut rest = steps;
        let step = rest.remove(position);
        rest.drain(..position);
        let original_target = std::mem::replace(&mut self.request.model_id, step.target);
        self.request.region = step.region;
        let class = format!("{:?}", error.class);
        self.runtime.log(
            LogLevel::Warn,
            "falling back",
            &[("from", &original_target), ("to", &self.request.model_id), ("region", &self.request.region), ("class", &class), ("error", &error.message)],
        );
        self.fallback = Fallback::Trying { original_target, original_error: error, report_original_on: step.report_original_on, rest };
        self.request.timeout = self.request.timeout.saturating_sub(self.started.elapsed()).max(Duration::from_millis(1));
        match self.runtime.converse_stream(&self.request) {
            Ok(stream) => {
                self.stream = Some(stream);
                Ok(())
            }
            Err(step_error) => self.recover(step_error),
        }
    }

    /// The error to go on with when a fallback step fails: the one that triggered the step
    /// when the step's failure is one of `report_original_on` (the target reverts to the
    /// original), else the step's own.
    fn step_failed(&mut self, error: ApiError, original_target: String, original_error: ApiError, report_original_on: &[ErrorClass]) -> ApiError {
        let class = format!("{:?}", error.class);
        self.runtime.log(LogLevel::Warn, "the fallback failed too", &[("target", &self.request.model_id), ("class", &class), ("error", &error.message)]);
        if report_original_on.contains(&error.class) {
            self.request.model_id = original_target;
            original_error
        } else {
            error
        }
    }
}

#[cfg(test)]
mod tests;
