//! A chat response in progress: the policy's `chat-stream` resource, called in the instance
//! that started it.

use super::{PolicyInstance, missing};
use crate::aws::model::{ApiError, StreamEvent};
use crate::sandbox::LoadedPolicy;
use crate::sandbox::contract::call_policy;
use crate::sandbox::error::PolicyError;
use crate::sandbox::parts::Part;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::ResourceAny;

/// A chat response in progress, served by the policy's `chat-stream` (which wraps the host's
/// Bedrock stream). Dropping it drops the instance.
pub struct ChatStream {
    pub(super) instance: PolicyInstance,
    pub(super) stream: ResourceAny,
    pub(super) io_allowance: Duration,
    /// The policy the stream serves for (a 0.3.0 component whose chat part is the default
    /// policy's runs the stream in the default's instance).
    pub(super) policy: Option<Arc<LoadedPolicy>>,
}

impl ChatStream {
    /// The policy that serves this stream.
    pub fn policy(&self) -> Option<&Arc<LoadedPolicy>> {
        self.policy.as_ref()
    }

    /// The model id being called now (after resolution and any fallback).
    pub async fn target(&mut self) -> Result<String, PolicyError> {
        let instance = &mut self.instance;
        instance.before_call(Duration::ZERO)?;
        let PolicyInstance { bindings, store, .. } = instance;
        let result = call_policy!(bindings,
        policy => policy.chat_stream().call_target(&mut *store, self.stream).await,
        parts => match &parts.chat {
            Some(chat) => chat.chat_stream().call_target(&mut *store, self.stream).await,
            None => return Err(missing(Part::Chat, "chat-stream.target")),
        });
        instance.after_call("chat-stream.target", result)
    }

    /// The region being called now.
    pub async fn region(&mut self) -> Result<String, PolicyError> {
        let instance = &mut self.instance;
        instance.before_call(Duration::ZERO)?;
        let PolicyInstance { bindings, store, .. } = instance;
        let result = call_policy!(bindings,
        policy => policy.chat_stream().call_region(&mut *store, self.stream).await,
        parts => match &parts.chat {
            Some(chat) => chat.chat_stream().call_region(&mut *store, self.stream).await,
            None => return Err(missing(Part::Chat, "chat-stream.region")),
        });
        instance.after_call("chat-stream.region", result)
    }

    /// The next event; `None` after the last. An `ApiError` ends the stream; a
    /// `PolicyError` means the policy itself failed (trap, deadline, memory).
    pub async fn next(&mut self) -> Result<Result<Option<StreamEvent>, ApiError>, PolicyError> {
        let instance = &mut self.instance;
        instance.before_call(self.io_allowance)?;
        let PolicyInstance { bindings, store, .. } = instance;
        let result = call_policy!(bindings,
        policy => policy.chat_stream().call_next(&mut *store, self.stream).await.map(|next| next.map(|event| event.map(Into::into)).map_err(Into::into)),
        parts => match &parts.chat {
            Some(chat) => chat.chat_stream().call_next(&mut *store, self.stream).await.map(|next| next.map(|event| event.map(Into::into)).map_err(Into::into)),
            None => return Err(missing(Part::Chat, "chat-stream.next")),
        });
        instance.after_call("chat-stream.next", result)
    }
}
