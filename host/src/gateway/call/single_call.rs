//! One tool call per turn (OpenAI's `parallel_tool_calls: false`, Anthropic's
//! `disable_parallel_tool_use`), for every API alike. Claude is told (the request carries
//! `ConverseOptions::single_tool_call`, which becomes Anthropic's own `tool_choice` field:
//! `crate::aws::convert`); no other Bedrock family has such a switch, so for them the call
//! layer keeps the first tool call of the answer, whole or streamed, and says so in the
//! [`HEADER`] of the response (docs/api-openai-chat.md, "Fields").

use super::Relayed;
use super::stream::Encoder;
use crate::aws::model::{ContentBlock, ConverseResponse, StreamEvent};
use crate::gateway::errors::HttpError;
use bytes::Bytes;

/// The response header of an answer cut to its first tool call; its value names the rule.
pub const HEADER: &str = "openclaw-parallel-tool-calls";
/// The header's value.
pub const FIRST_CALL_ONLY: &str = "first-call-only";

/// Whether the gateway must cut `target`'s answer itself: one call was asked for and the model
/// is not Claude (which is told). An application profile's ARN names no family: cut, which is
/// harmless for a Claude that was told.
pub(in crate::gateway) fn cuts(asked: bool, target: &str) -> bool {
    asked && !crate::aws::model_id::is_claude(target)
}

/// A whole answer cut to its first tool call (text and reasoning kept).
pub(in crate::gateway) fn first_call_only(response: &mut ConverseResponse) {
    let mut seen = false;
    response.content.retain(|block| match block {
        ContentBlock::ToolUse { .. } if seen => false,
        ContentBlock::ToolUse { .. } => {
            seen = true;
            true
        }
        _ => true,
    });
}

/// An API's stream encoder that sees only the first tool call: the blocks of later calls are
/// left out before the API renders anything of them.
pub(in crate::gateway) struct FirstCall<E> {
    inner: E,
    /// Whether it cuts at all.
    active: bool,
    /// The block index of the call kept.
    kept: Option<u32>,
    /// The block indices left out.
    dropped: Vec<u32>,
}

impl<E> FirstCall<E> {
    /// `inner`, cut when `active`.
    pub(in crate::gateway) fn new(inner: E, active: bool) -> Self {
        Self { inner, active, kept: None, dropped: Vec::new() }
    }

    /// Whether `event` reaches the API's encoder.
    fn keeps(&mut self, event: &StreamEvent) -> bool {
        if !self.active {
            return true;
        }
        match event {
            StreamEvent::ToolUseStart { index, .. } if self.kept.is_some_and(|kept| kept != *index) => {
                self.dropped.push(*index);
                false
            }
            StreamEvent::ToolUseStart { index, .. } => {
                self.kept = Some(*index);
                true
            }
            StreamEvent::ToolUseDelta { index, .. } | StreamEvent::BlockStop(index) => !self.dropped.contains(index),
            _ => true,
        }
    }
}

impl<E: Encoder> Encoder for FirstCall<E> {
    fn event(&mut self, event: StreamEvent) -> Option<Bytes> {
        if self.keeps(&event) { self.inner.event(event) } else { None }
    }

    fn done(&mut self) -> Bytes {
        self.inner.done()
    }

    fn error(&mut self, error: &HttpError) -> Bytes {
        self.inner.error(error)
    }

    fn relay_chunk(&mut self, chunk: Vec<u8>) -> Result<Relayed, HttpError> {
        self.inner.relay_chunk(chunk)
    }

    fn keepalive(&mut self) -> Option<Bytes> {
        self.inner.keepalive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::model::Usage;

    /// Records the events it is given.
    #[derive(Default)]
    struct Seen(Vec<StreamEvent>);

    impl Encoder for Seen {
        fn event(&mut self, event: StreamEvent) -> Option<Bytes> {
            self.0.push(event);
            None
        }
        fn done(&mut self) -> Bytes {
            Bytes::new()
        }
        fn error(&mut self, _: &HttpError) -> Bytes {
            Bytes::new()
        }
    }

    #[test]
    fn only_a_model_that_cannot_be_told_is_cut() {
        // (asked, target, cut by the gateway)
        let cases = [
            (true, "amazon.nova-pro-v1:0", true),
            (true, "meta.llama3-3-70b-instruct-v1:0", true),
            (true, "us.anthropic.claude-sonnet-4-6-20251001-v1:0", false),
            (false, "amazon.nova-pro-v1:0", false),
        ];
        for (asked, target, cut) in cases {
            assert_eq!(cuts(asked, target), cut, "{asked} {target}");
        }
    }

    #[test]
    fn the_first_tool_call_is_kept_whole_and_streamed() {
        let call = |id: &str| ContentBlock::ToolUse { id: id.into(), name: "f".into(), input: "{}".into() };
        let mut whole = ConverseResponse {
            content: vec![ContentBlock::Text("a".into()), call("1"), call("2")],
            stop_reason: "tool_use".into(),
            usage: Usage::default(),
            latency_ms: 0,
        };
        first_call_only(&mut whole);
        assert_eq!(whole.content, vec![ContentBlock::Text("a".into()), call("1")]);

        let start = |index: u32| StreamEvent::ToolUseStart { index, id: index.to_string(), name: "f".into() };
        let delta = |index: u32| StreamEvent::ToolUseDelta { index, text: "{}".into() };
        let events = vec![
            StreamEvent::TextDelta { index: 0, text: "a".into() },
            StreamEvent::BlockStop(0),
            start(1),
            delta(1),
            StreamEvent::BlockStop(1),
            start(2),
            delta(2),
            StreamEvent::BlockStop(2),
            StreamEvent::MessageStop("tool_use".into()),
        ];
        let cut: Vec<StreamEvent> = events[..5].iter().chain(&events[8..]).cloned().collect();
        for (active, expected) in [(true, cut), (false, events.clone())] {
            let mut encoder = FirstCall::new(Seen::default(), active);
            for event in events.clone() {
                encoder.event(event);
            }
            assert_eq!(encoder.inner.0, expected, "{active}");
        }
    }
}
