//! A 0.1.0 policy (no routing plan) serves chat requests of every API through its `chat`
//! export, in a fresh instance, every event passing through the guest: the route is decided
//! inside the guest, the fallback too. A whole answer is gathered from the stream's events.

use crate::aws::model::{ContentBlock, ConverseResponse, StreamEvent, Usage};
use crate::gateway::Shared;
use crate::gateway::errors::{HttpError, guest_failure_kind};
use crate::plan::Serving;
use crate::sandbox::{ChatStream, PolicyError};
use crate::types::ChatRequest;
use std::sync::Arc;

/// A policy failure: counted, then answered with a 500.
pub(in crate::gateway) fn policy_failed(shared: &Shared, error: &PolicyError) -> HttpError {
    if let Some(kind) = guest_failure_kind(error) {
        shared.metrics.guest_failure(kind);
    }
    HttpError::from_policy(error)
}

/// A 0.1.0 policy's `chat` stream.
pub(super) struct PolicyEvents(ChatStream);

impl PolicyEvents {
    /// The policy's `chat`, started in a fresh instance of the serving policy.
    pub(super) async fn start(shared: &Shared, serving: &Serving, request: &ChatRequest) -> Result<Self, HttpError> {
        let instance = shared.control.instance(serving).await.map_err(|e| policy_failed(shared, &e))?;
        match instance.chat(request).await {
            Err(error) => Err(policy_failed(shared, &error)),
            Ok(Err(error)) => Err(HttpError::from_api(&error)),
            Ok(Ok(stream)) => Ok(Self(stream)),
        }
    }

    /// The model the policy is calling.
    pub(super) async fn target(&mut self, shared: &Shared) -> Result<String, HttpError> {
        self.0.target().await.map_err(|e| policy_failed(shared, &e))
    }

    /// The next event, with both kinds of failure as an [`HttpError`].
    pub(super) async fn next(&mut self, shared: &Shared) -> Result<Option<StreamEvent>, HttpError> {
        match self.0.next().await {
            Ok(Ok(event)) => Ok(event),
            Ok(Err(error)) => Err(HttpError::from_api(&error)),
            Err(error) => Err(policy_failed(shared, &error)),
        }
    }

    /// The stream as a streamed response's event source.
    pub(super) fn with(self, shared: Arc<Shared>) -> InPolicy {
        InPolicy(shared, self)
    }
}

/// A 0.1.0 policy's `chat-stream` as a streamed response's source.
pub(super) struct InPolicy(Arc<Shared>, PolicyEvents);

impl super::stream::EventSource for InPolicy {
    async fn next(&mut self) -> Result<Option<crate::plan::call::Delivery>, HttpError> {
        Ok(self.1.next(&self.0).await?.map(crate::plan::call::Delivery::Event))
    }
}

/// A whole answer gathered from stream events (a 0.1.0 policy's `chat` streams even when the
/// client asked for a whole answer): blocks in the order they began.
#[derive(Debug, Default)]
pub(super) struct Collector {
    /// Each block with the stream's index for it.
    blocks: Vec<(u32, ContentBlock)>,
    stop_reason: Option<String>,
    /// Token counts, when the stream reported them.
    usage: Option<Usage>,
}

impl Collector {
    /// Whether nothing has been gathered yet.
    pub(super) fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The block of stream index `index`, begun as `new` if it is not the latest one.
    fn block(&mut self, index: u32, fits: fn(&ContentBlock) -> bool, new: impl FnOnce() -> ContentBlock) -> &mut ContentBlock {
        let reuse = self.blocks.last().is_some_and(|(at, block)| *at == index && fits(block));
        if !reuse {
            self.blocks.push((index, new()));
        }
        // Just checked or pushed.
        &mut self.blocks.last_mut().expect("a block").1
    }

    /// Adds one event.
    pub(super) fn push(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::TextDelta { index, text } => {
                if let ContentBlock::Text(whole) = self.block(index, |b| matches!(b, ContentBlock::Text(_)), || ContentBlock::Text(String::new())) {
                    whole.push_str(&text);
                }
            }
            StreamEvent::ReasoningDelta { index, text: piece } => {
                let new = || ContentBlock::Reasoning { text: String::new(), signature: None };
                if let ContentBlock::Reasoning { text, .. } = self.block(index, |b| matches!(b, ContentBlock::Reasoning { .. }), new) {
                    text.push_str(&piece);
                }
            }
            StreamEvent::ReasoningSignature { index, signature: given } => {
                let new = || ContentBlock::Reasoning { text: String::new(), signature: None };
                if let ContentBlock::Reasoning { signature, .. } = self.block(index, |b| matches!(b, ContentBlock::Reasoning { .. }), new) {
                    *signature = Some(given);
                }
            }
            StreamEvent::RedactedReasoning { index, data } => self.blocks.push((index, ContentBlock::RedactedReasoning(data))),
            StreamEvent::ToolUseStart { index, id, name } => self.blocks.push((index, ContentBlock::ToolUse { id, name, input: String::new() })),
            StreamEvent::ToolUseDelta { index, text } => {
                if let Some((_, ContentBlock::ToolUse { input, .. })) = self.blocks.last_mut().filter(|(at, _)| *at == index) {
                    input.push_str(&text);
                }
            }
            StreamEvent::MessageStop(reason) => self.stop_reason = Some(reason),
            StreamEvent::Metadata { usage, .. } => self.usage = Some(usage),
            StreamEvent::MessageStart(_) | StreamEvent::BlockStop(_) => {}
        }
    }

    /// The answer as a Converse response, and the usage if the stream reported it.
    pub(super) fn finish(self) -> (ConverseResponse, Option<Usage>) {
        let response = ConverseResponse {
            content: self.blocks.into_iter().map(|(_, block)| block).collect(),
            stop_reason: self.stop_reason.unwrap_or_else(|| "end_turn".to_string()),
            usage: self.usage.unwrap_or_default(),
            latency_ms: 0,
        };
        (response, self.usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_events_gather_into_the_same_answer() {
        let usage = Usage { input_tokens: 3, output_tokens: 4, total_tokens: 7, ..Usage::default() };
        let mut collector = Collector::default();
        for event in [
            StreamEvent::MessageStart(crate::aws::model::Role::Assistant),
            StreamEvent::ReasoningDelta { index: 0, text: "hm".into() },
            StreamEvent::ReasoningDelta { index: 0, text: "m".into() },
            StreamEvent::ReasoningSignature { index: 0, signature: "sig".into() },
            StreamEvent::BlockStop(0),
            StreamEvent::TextDelta { index: 1, text: "h".into() },
            StreamEvent::TextDelta { index: 1, text: "i".into() },
            StreamEvent::ToolUseStart { index: 2, id: "t1".into(), name: "f".into() },
            StreamEvent::ToolUseDelta { index: 2, text: "{\"a\":".into() },
            StreamEvent::ToolUseDelta { index: 2, text: "1}".into() },
            StreamEvent::MessageStop("tool_use".into()),
            StreamEvent::Metadata { usage, latency_ms: 1 },
        ] {
            collector.push(event);
        }
        let (whole, reported) = collector.finish();
        assert_eq!(
            whole.content,
            vec![
                ContentBlock::Reasoning { text: "hmm".into(), signature: Some("sig".into()) },
                ContentBlock::Text("hi".into()),
                ContentBlock::ToolUse { id: "t1".into(), name: "f".into(), input: "{\"a\":1}".into() },
            ]
        );
        assert_eq!((whole.stop_reason.as_str(), whole.usage, reported), ("tool_use", usage, Some(usage)));
    }
}
