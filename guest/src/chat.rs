//! Chat (behaviour.md section 6): which model and region a chat request goes to, with what
//! limits, and the fallback to a `global.` profile when a geography profile is throttled or
//! overloaded before its first event.

use std::time::Instant;

use crate::config::ConfigSource;
use crate::control_plane::ControlPlane;
use crate::model_ref::parse_model_reference;
use crate::region::RegionEnvironment;
use crate::resolve::resolve;
use crate::runtime::{ApiError, ConverseRequest, ErrorClass, EventStream, InferenceConfig, LogLevel, Message, Runtime, StreamEvent, ToolSpec};
use crate::target::{global_fallback, load_settings};

/// A chat request as a client sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    /// The config file (default model, region, defaults).
    pub config: ConfigSource,
    /// A model reference; `None` uses the default model.
    pub model: Option<String>,
    /// System prompts.
    pub system: Vec<String>,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Most tokens to generate; `None` takes the model's known max tokens, else the config's
    /// `defaultMaxTokens`.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    pub top_p: Option<f32>,
    /// Sequences that stop generation.
    pub stop_sequences: Vec<String>,
    /// Tools the model may call.
    pub tools: Vec<ToolSpec>,
    /// Time limit for the whole call, fallback included, in ms.
    pub timeout_ms: u32,
}

/// The message when neither the request nor the config names a model.
pub const NO_MODEL: &str = "no model given and no default model configured (set `model` or `agents.defaults.model.primary`)";

/// Where the fallback stands.
#[derive(Debug)]
enum Fallback {
    /// Not tried yet: the `global.` profile to try.
    Available(String),
    /// Being tried: what to report if it is refused as unknown or invalid.
    Trying { original_target: String, original_error: ApiError },
    /// Tried, or not possible.
    Spent,
}

/// A chat response in progress: the host's stream, wrapped so that the policy may fall back
/// once before anything has been delivered.
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
/// error ([`NO_MODEL`]): the client's request is incomplete, nothing on Bedrock is missing. A
/// reference that does not parse is a `format` error with the parser's message, and so is an
/// invalid config. The reference is resolved ([`resolve`]: a profile-only model goes through
/// its profile; an unknown bare id is `not-found`). Max tokens: the request's, else the model's
/// known max tokens, else the config's `defaultMaxTokens`. Region: the ARN's, else the
/// resolved one.
pub fn start_chat<R: Runtime>(request: ChatRequest, environment: &RegionEnvironment, runtime: R, control_plane: &dyn ControlPlane) -> Result<ChatStream<R>, ApiError> {
    let settings = load_settings(&request.config, environment)?;
    let reference = match request.model.as_deref() {
        Some(text) => parse_model_reference(text).map_err(|message| ApiError::policy(ErrorClass::Format, message))?,
        None => settings.default_model_reference.clone().ok_or_else(|| ApiError::policy(ErrorClass::Format, NO_MODEL))?,
    };
    let resolved = resolve(&reference, &settings, control_plane, &runtime)?;
    let target = resolved.target;
    let fallback = if reference.region.is_none() { global_fallback(&target.model_id) } else { None };
    let call = ConverseRequest {
        model_id: target.model_id,
        region: target.region,
        system: request.system,
        messages: request.messages,
        inference: InferenceConfig {
            max_tokens: Some(request.max_tokens.or(resolved.max_tokens).unwrap_or(settings.discovery.default_max_tokens)),
            temperature: request.temperature,
            top_p: request.top_p,
            stop_sequences: request.stop_sequences,
        },
        tools: request.tools,
        timeout_ms: request.timeout_ms,
    };
    let mut chat = ChatStream {
        runtime,
        request: call,
        stream: None,
        delivered: false,
        fallback: fallback.map_or(Fallback::Spent, Fallback::Available),
        started: Instant::now(),
    };
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
                    if matches!(self.fallback, Fallback::Trying { .. }) {
                        self.fallback = Fallback::Spent;
                    }
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

    /// Decides what a failure before the first event becomes: a started fallback (`Ok`), or
    /// the error to report.
    fn recover(&mut self, error: ApiError) -> Result<(), ApiError> {
        match std::mem::replace(&mut self.fallback, Fallback::Spent) {
            Fallback::Available(global) if matches!(error.class, ErrorClass::RateLimit | ErrorClass::Overloaded) => {
                let original_target = std::mem::replace(&mut self.request.model_id, global);
                let class = format!("{:?}", error.class);
                self.runtime.log(LogLevel::Warn, "falling back to the global profile", &[("from", &original_target), ("to", &self.request.model_id), ("region", &self.request.region), ("class", &class), ("error", &error.message)]);
                self.fallback = Fallback::Trying { original_target, original_error: error };
                let elapsed = u32::try_from(self.started.elapsed().as_millis()).unwrap_or(u32::MAX);
                self.request.timeout_ms = self.request.timeout_ms.saturating_sub(elapsed).max(1);
                match self.runtime.converse_stream(&self.request) {
                    Ok(stream) => {
                        self.stream = Some(stream);
                        Ok(())
                    }
                    Err(fallback_error) => Err(self.fallback_failed(fallback_error)),
                }
            }
            Fallback::Trying { original_target, original_error } => {
                self.fallback = Fallback::Trying { original_target, original_error };
                Err(self.fallback_failed(error))
            }
            other => {
                self.fallback = other;
                Err(error)
            }
        }
    }

    /// The error to report when the fallback fails: the original one when Bedrock does not know
    /// or accept the `global.` profile (the target reverts to the original), else the fallback's.
    fn fallback_failed(&mut self, error: ApiError) -> ApiError {
        let Fallback::Trying { original_target, original_error } = std::mem::replace(&mut self.fallback, Fallback::Spent) else {
            return error;
        };
        let class = format!("{:?}", error.class);
        self.runtime.log(LogLevel::Warn, "the global profile failed too", &[("target", &self.request.model_id), ("class", &class), ("error", &error.message)]);
        if matches!(error.class, ErrorClass::NotFound | ErrorClass::Format) {
            self.request.model_id = original_target;
            original_error
        } else {
            error
        }
    }
}

#[cfg(test)]
mod tests;
