//! Anthropic's streamed Messages events from Bedrock's stream events: `message_start`, `ping`,
//! per block `content_block_start` / `content_block_delta` (`text_delta`, `input_json_delta`,
//! `thinking_delta`, `signature_delta`) / `content_block_stop`, then `message_delta` (stop
//! reason, usage) and `message_stop`; a failure after the 200 is an `error` event.
//!
//! Bedrock sends no block start for text and reasoning, so a block opens at its first delta;
//! blocks are numbered in the order they open (one open at a time, as Anthropic streams them),
//! whatever Bedrock's indices are.

use super::error_json;
use super::response::{redacted_data, stop_reason, stop_sequence, usage_json};
use crate::aws::model::{StreamEvent, Usage};
use crate::gateway::call::Relayed;
use crate::gateway::call::stream::Encoder;
use crate::gateway::errors::HttpError;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};

/// The kind of the block being streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Thinking,
    Redacted,
    ToolUse,
}

/// The open block: Bedrock's index, its kind, and its index in the Anthropic stream.
#[derive(Debug, Clone, Copy)]
struct Open {
    bedrock: u32,
    kind: Kind,
    index: u32,
}

/// Encodes one streamed Messages response.
#[derive(Debug)]
pub struct MessageEncoder {
    id: String,
    model: String,
    stop_sequences: Vec<String>,
    started: bool,
    open: Option<Open>,
    next_index: u32,
    stop_reason: Option<String>,
    finished: bool,
}

impl MessageEncoder {
    /// An encoder for the response `id` answering as `model`; `stop_sequences` are the
    /// request's (see [`stop_sequence`]).
    pub fn new(id: String, model: String, stop_sequences: Vec<String>) -> Self {
        Self { id, model, stop_sequences, started: false, open: None, next_index: 0, stop_reason: None, finished: false }
    }

    /// `message_start` (an empty assistant message; the usage comes with `message_delta`,
    /// Bedrock reports it at the end) and a `ping`, once.
    fn start(&mut self, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        let message = json!({
            "id": self.id, "type": "message", "role": "assistant", "model": self.model, "content": [],
            "stop_reason": null, "stop_sequence": null, "usage": usage_json(&Usage::default()),
        });
        frame(out, "message_start", &json!({ "type": "message_start", "message": message }));
        frame(out, "ping", &json!({ "type": "ping" }));
    }

    /// Closes the open block, if any.
    fn close(&mut self, out: &mut Vec<u8>) {
        if let Some(open) = self.open.take() {
            frame(out, "content_block_stop", &json!({ "type": "content_block_stop", "index": open.index }));
        }
    }

    /// Makes sure Bedrock's block `bedrock` of `kind` is the open one, opening it with
    /// `content_block` (closing another first); its Anthropic index.
    fn open(&mut self, out: &mut Vec<u8>, bedrock: u32, kind: Kind, content_block: impl FnOnce() -> Value) -> u32 {
        if let Some(open) = self.open.filter(|open| open.bedrock == bedrock && open.kind == kind) {
            return open.index;
        }
        self.close(out);
        let index = self.next_index;
        self.next_index += 1;
        self.open = Some(Open { bedrock, kind, index });
        frame(out, "content_block_start", &json!({ "type": "content_block_start", "index": index, "content_block": content_block() }));
        index
    }

    fn delta(out: &mut Vec<u8>, index: u32, delta: Value) {
        frame(out, "content_block_delta", &json!({ "type": "content_block_delta", "index": index, "delta": delta }));
    }

    /// `message_delta` and `message_stop`.
    fn finish(&mut self, out: &mut Vec<u8>, usage: &Usage) {
        self.close(out);
        let reason = self.stop_reason.as_deref().unwrap_or("end_turn");
        let delta = json!({ "stop_reason": stop_reason(reason), "stop_sequence": stop_sequence(reason, &self.stop_sequences) });
        frame(out, "message_delta", &json!({ "type": "message_delta", "delta": delta, "usage": usage_json(usage) }));
        frame(out, "message_stop", &json!({ "type": "message_stop" }));
        self.finished = true;
    }
}

impl Encoder for MessageEncoder {
    fn event(&mut self, event: StreamEvent) -> Option<Bytes> {
        if self.finished {
            return None;
        }
        let mut out = Vec::new();
        self.start(&mut out);
        match event {
            StreamEvent::MessageStart(_) => {}
            StreamEvent::TextDelta { index, text } => {
                let at = self.open(&mut out, index, Kind::Text, || json!({ "type": "text", "text": "" }));
                Self::delta(&mut out, at, json!({ "type": "text_delta", "text": text }));
            }
            StreamEvent::ReasoningDelta { index, text } => {
                let at = self.open(&mut out, index, Kind::Thinking, || json!({ "type": "thinking", "thinking": "", "signature": "" }));
                Self::delta(&mut out, at, json!({ "type": "thinking_delta", "thinking": text }));
            }
            StreamEvent::ReasoningSignature { index, signature } => {
                let at = self.open(&mut out, index, Kind::Thinking, || json!({ "type": "thinking", "thinking": "", "signature": "" }));
                Self::delta(&mut out, at, json!({ "type": "signature_delta", "signature": signature }));
            }
            StreamEvent::RedactedReasoning { index, data } => {
                // Anthropic sends encrypted reasoning whole, in its block's start.
                self.close(&mut out);
                self.open(&mut out, index, Kind::Redacted, || json!({ "type": "redacted_thinking", "data": redacted_data(&data) }));
            }
            StreamEvent::ToolUseStart { index, id, name } => {
                self.close(&mut out);
                self.open(&mut out, index, Kind::ToolUse, || json!({ "type": "tool_use", "id": id, "name": name, "input": {} }));
            }
            StreamEvent::ToolUseDelta { index, text } => {
                // Input for a call whose start never came has no block to go in.
                if let Some(open) = self.open.filter(|open| open.bedrock == index && open.kind == Kind::ToolUse) {
                    Self::delta(&mut out, open.index, json!({ "type": "input_json_delta", "partial_json": text }));
                }
            }
            StreamEvent::BlockStop(index) => {
                if self.open.is_some_and(|open| open.bedrock == index) {
                    self.close(&mut out);
                }
            }
            StreamEvent::MessageStop(reason) => {
                self.close(&mut out);
                self.stop_reason = Some(reason);
            }
            StreamEvent::Metadata { usage, .. } => self.finish(&mut out, &usage),
        }
        (!out.is_empty()).then(|| Bytes::from(out))
    }

    /// A stream that ended without Bedrock's usage still closes as Anthropic's does.
    fn done(&mut self) -> Bytes {
        let mut out = Vec::new();
        if !self.finished {
            self.start(&mut out);
            self.finish(&mut out, &Usage::default());
        }
        Bytes::from(out)
    }

    fn error(&mut self, error: &HttpError) -> Bytes {
        let mut out = Vec::new();
        frame(&mut out, "error", &error_json(error).1);
        self.finished = true;
        Bytes::from(out)
    }

    /// Claude's own event, relayed ([`super::native::relay`]); the message is then Claude's to
    /// start and finish.
    fn relay_chunk(&mut self, chunk: Vec<u8>) -> Result<Relayed, HttpError> {
        let relayed = super::native::relay(&self.model, &chunk)?;
        self.started = true;
        if relayed.body.starts_with(b"event: message_stop\n") {
            self.finished = true;
        }
        Ok(relayed)
    }

    /// Anthropic's `ping`, in a silent gap (Bedrock sends none).
    fn keepalive(&mut self) -> Option<Bytes> {
        if self.finished {
            return None;
        }
        let mut out = Vec::new();
        frame(&mut out, "ping", &json!({ "type": "ping" }));
        Some(Bytes::from(out))
    }
}

/// One SSE event: `event: <name>` and its JSON `data`.
fn frame(out: &mut Vec<u8>, name: &str, data: &impl Serialize) {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    // Serializing a `Value` cannot fail.
    let _ = serde_json::to_writer(&mut *out, data);
    out.extend_from_slice(b"\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::model::Role;

    /// The event names and data of everything encoded, in order.
    fn encode(events: Vec<StreamEvent>, stops: &[&str]) -> Vec<(String, Value)> {
        let mut encoder = MessageEncoder::new("msg_1".into(), "m".into(), stops.iter().map(|s| s.to_string()).collect());
        let mut bytes = Vec::new();
        for event in events {
            bytes.extend_from_slice(&encoder.event(event).unwrap_or_default());
        }
        bytes.extend_from_slice(&encoder.done());
        String::from_utf8(bytes)
            .unwrap()
            .split("\n\n")
            .filter(|f| !f.is_empty())
            .map(|f| {
                let (name, data) = f.strip_prefix("event: ").unwrap().split_once("\ndata: ").unwrap();
                (name.to_string(), serde_json::from_str(data).unwrap())
            })
            .collect()
    }

    #[test]
    fn thinking_then_text_then_a_tool_call() {
        let usage = Usage { input_tokens: 5, output_tokens: 9, total_tokens: 14, ..Usage::default() };
        let frames = encode(
            vec![
                StreamEvent::MessageStart(Role::Assistant),
                StreamEvent::ReasoningDelta { index: 0, text: "Thinking".into() },
                StreamEvent::ReasoningSignature { index: 0, signature: "sig".into() },
                StreamEvent::BlockStop(0),
                StreamEvent::TextDelta { index: 1, text: "Hi".into() },
                StreamEvent::BlockStop(1),
                StreamEvent::ToolUseStart { index: 2, id: "t1".into(), name: "f".into() },
                StreamEvent::ToolUseDelta { index: 2, text: "{\"a\":".into() },
                StreamEvent::ToolUseDelta { index: 2, text: "1}".into() },
                StreamEvent::BlockStop(2),
                StreamEvent::MessageStop("tool_use".into()),
                StreamEvent::Metadata { usage, latency_ms: 1 },
            ],
            &[],
        );
        let expected = [
            (
                "message_start",
                json!({ "type": "message_start", "message": { "id": "msg_1", "type": "message", "role": "assistant", "model": "m", "content": [], "stop_reason": null, "stop_sequence": null, "usage": { "input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0 } } }),
            ),
            ("ping", json!({ "type": "ping" })),
            (
                "content_block_start",
                json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "thinking", "thinking": "", "signature": "" } }),
            ),
            ("content_block_delta", json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "thinking_delta", "thinking": "Thinking" } })),
            ("content_block_delta", json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "signature_delta", "signature": "sig" } })),
            ("content_block_stop", json!({ "type": "content_block_stop", "index": 0 })),
            ("content_block_start", json!({ "type": "content_block_start", "index": 1, "content_block": { "type": "text", "text": "" } })),
            ("content_block_delta", json!({ "type": "content_block_delta", "index": 1, "delta": { "type": "text_delta", "text": "Hi" } })),
            ("content_block_stop", json!({ "type": "content_block_stop", "index": 1 })),
            (
                "content_block_start",
                json!({ "type": "content_block_start", "index": 2, "content_block": { "type": "tool_use", "id": "t1", "name": "f", "input": {} } }),
            ),
            ("content_block_delta", json!({ "type": "content_block_delta", "index": 2, "delta": { "type": "input_json_delta", "partial_json": "{\"a\":" } })),
            ("content_block_delta", json!({ "type": "content_block_delta", "index": 2, "delta": { "type": "input_json_delta", "partial_json": "1}" } })),
            ("content_block_stop", json!({ "type": "content_block_stop", "index": 2 })),
            (
                "message_delta",
                json!({ "type": "message_delta", "delta": { "stop_reason": "tool_use", "stop_sequence": null }, "usage": { "input_tokens": 5, "output_tokens": 9, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0 } }),
            ),
            ("message_stop", json!({ "type": "message_stop" })),
        ];
        assert_eq!(frames.len(), expected.len(), "{frames:#?}");
        for (i, ((name, data), (want_name, want_data))) in frames.iter().zip(expected).enumerate() {
            assert_eq!((name.as_str(), data), (want_name, &want_data), "event {i}");
        }
    }

    #[test]
    fn blocks_renumber_and_a_cut_stream_still_closes() {
        // Bedrock's text at index 3 without a stop, then the stream ends without metadata.
        let frames = encode(vec![StreamEvent::TextDelta { index: 3, text: "a".into() }, StreamEvent::MessageStop("stop_sequence".into())], &["END"]);
        let names: Vec<&str> = frames.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["message_start", "ping", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
        assert_eq!(frames[2].1["index"], 0);
        assert_eq!(frames[5].1["delta"], json!({ "stop_reason": "stop_sequence", "stop_sequence": "END" }));
    }

    #[test]
    fn encrypted_reasoning_arrives_whole_in_its_block_start() {
        let frames = encode(
            vec![
                StreamEvent::RedactedReasoning { index: 0, data: vec![1, 2, 3] },
                StreamEvent::BlockStop(0),
                StreamEvent::TextDelta { index: 1, text: "a".into() },
            ],
            &[],
        );
        assert_eq!(
            frames[2],
            (
                "content_block_start".to_string(),
                json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "redacted_thinking", "data": "AQID" } })
            )
        );
        assert_eq!(frames[3], ("content_block_stop".to_string(), json!({ "type": "content_block_stop", "index": 0 })));
        assert_eq!(frames[4].1["index"], 1);
    }

    #[test]
    fn a_failure_mid_stream_is_an_error_event() {
        let mut encoder = MessageEncoder::new("msg_1".into(), "m".into(), Vec::new());
        let frame = encoder.error(&HttpError::new(503, "overloaded_error", "busy"));
        let text = String::from_utf8(frame.to_vec()).unwrap();
        assert_eq!(text, "event: error\ndata: {\"error\":{\"message\":\"busy\",\"type\":\"overloaded_error\"},\"type\":\"error\"}\n\n");
    }
}
