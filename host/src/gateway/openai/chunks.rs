//! Chat Completions' stream: server-sent events in the `chat.completion.chunk` format, the
//! [`Encoder`] the call layer's stream body drives.

use super::options::service_tier_name;
use super::{finish_reason, redacted_block, thinking_block, usage_json};
use crate::aws::model::StreamEvent;
use crate::gateway::call::stream::Encoder;
use crate::gateway::errors::HttpError;
use bytes::Bytes;
use serde::Serialize;
use serde_json::json;

/// Turns the policy's stream events into `chat.completion.chunk` events. Reasoning text goes
/// out as `reasoning_content` deltas; when Bedrock signs a reasoning block, one delta carries
/// `thinking_blocks: [{type: "thinking", thinking: <the block's whole text>, signature}]`, and an
/// encrypted block `thinking_blocks: [{type: "redacted_thinking", data}]`, so a client can send
/// the blocks back on its next turn as they are.
#[derive(Debug)]
pub struct ChunkEncoder {
    id: String,
    created: u64,
    model: String,
    include_usage: bool,
    /// Content-block index of each tool call so far; its position is the OpenAI tool index.
    tool_blocks: Vec<u32>,
    /// The reasoning block being streamed: its index and text so far (for the signature).
    reasoning: Option<(u32, String)>,
    finished: bool,
}

impl ChunkEncoder {
    /// An encoder for one response.
    pub fn new(id: String, created: u64, model: String, include_usage: bool) -> Self {
        Self { id, created, model, include_usage, tool_blocks: Vec::new(), reasoning: None, finished: false }
    }

    /// One `chat.completion.chunk` frame, serialized straight from borrowed fields (one
    /// buffer per event, no intermediate JSON tree: this runs for every event of every stream).
    fn chunk(&self, delta: impl Serialize, finish: Option<&str>) -> Bytes {
        data(&ChunkFrame {
            id: &self.id,
            object: "chat.completion.chunk",
            created: self.created,
            model: &self.model,
            choices: [ChoiceFrame { index: 0, delta, finish_reason: finish, logprobs: None }],
        })
    }

    /// The SSE frame for one event, if it has one.
    pub fn event(&mut self, event: StreamEvent) -> Option<Bytes> {
        match event {
            StreamEvent::MessageStart(_) => Some(self.chunk(json!({ "role": "assistant", "content": "" }), None)),
            StreamEvent::TextDelta { text, .. } => Some(self.chunk(ContentDelta { content: &text }, None)),
            StreamEvent::ReasoningDelta { index, text } => {
                match &mut self.reasoning {
                    Some((at, so_far)) if *at == index => so_far.push_str(&text),
                    other => *other = Some((index, text.clone())),
                }
                Some(self.chunk(ReasoningDelta { reasoning_content: &text }, None))
            }
            StreamEvent::ReasoningSignature { index, signature } => {
                let text = self.reasoning.take().filter(|(at, _)| *at == index).map(|(_, text)| text).unwrap_or_default();
                Some(self.chunk(json!({ "thinking_blocks": [thinking_block(&text, &signature)] }), None))
            }
            StreamEvent::RedactedReasoning { data, .. } => Some(self.chunk(json!({ "thinking_blocks": [redacted_block(&data)] }), None)),
            StreamEvent::ToolUseStart { index, id, name } => {
                let tool_index = self.tool_blocks.len();
                self.tool_blocks.push(index);
                let call = json!({ "index": tool_index, "id": id, "type": "function", "function": { "name": name, "arguments": "" } });
                Some(self.chunk(json!({ "tool_calls": [call] }), None))
            }
            StreamEvent::ToolUseDelta { index, text } => {
                let tool_index = self.tool_blocks.iter().rposition(|block| *block == index)?;
                Some(self.chunk(json!({ "tool_calls": [{ "index": tool_index, "function": { "arguments": text } }] }), None))
            }
            StreamEvent::BlockStop(_) => None,
            StreamEvent::MessageStop(reason) => {
                self.finished = true;
                Some(self.chunk(json!({}), Some(finish_reason(&reason))))
            }
            StreamEvent::Metadata { usage, .. } if self.include_usage => {
                let mut value = json!({
                    "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                    "choices": [], "usage": usage_json(&usage),
                });
                // The tier that served is known only now, at the end of the stream.
                if let Some(tier) = usage.service_tier {
                    value["service_tier"] = serde_json::Value::String(service_tier_name(tier).into());
                }
                Some(data(&value))
            }
            StreamEvent::Metadata { .. } => None,
        }
    }

    /// The closing frames: a finish chunk if the stream never said why it stopped, then
    /// `data: [DONE]`.
    pub fn done(&mut self) -> Bytes {
        let mut out = Vec::new();
        if !self.finished {
            self.finished = true;
            out.extend_from_slice(&self.chunk(json!({}), Some("stop")));
        }
        out.extend_from_slice(b"data: [DONE]\n\n");
        Bytes::from(out)
    }
}

impl Encoder for ChunkEncoder {
    fn event(&mut self, event: StreamEvent) -> Option<Bytes> {
        ChunkEncoder::event(self, event)
    }

    fn done(&mut self) -> Bytes {
        ChunkEncoder::done(self)
    }

    /// A failure after streaming began: one `data: {"error": ...}` event (the stream then ends).
    fn error(&mut self, error: &HttpError) -> Bytes {
        data(&error.body())
    }
}

/// A `chat.completion.chunk`, borrowed.
#[derive(Serialize)]
struct ChunkFrame<'a, D: Serialize> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [ChoiceFrame<'a, D>; 1],
}

#[derive(Serialize)]
struct ChoiceFrame<'a, D: Serialize> {
    index: u32,
    delta: D,
    finish_reason: Option<&'a str>,
    /// Always `null`.
    logprobs: Option<()>,
}

#[derive(Serialize)]
struct ContentDelta<'a> {
    content: &'a str,
}

#[derive(Serialize)]
struct ReasoningDelta<'a> {
    reasoning_content: &'a str,
}

fn data(value: &impl Serialize) -> Bytes {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"data: ");
    // Serializing these frames (strings, numbers, `Value`s) cannot fail.
    let _ = serde_json::to_writer(&mut out, value);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::model::{Role, Usage};

    #[test]
    fn tool_calls_are_indexed_among_tool_calls() {
        let mut encoder = ChunkEncoder::new("id".into(), 1, "m".into(), true);
        let frames: Vec<String> = [
            StreamEvent::MessageStart(Role::Assistant),
            StreamEvent::TextDelta { index: 0, text: "hi".into() },
            StreamEvent::BlockStop(0),
            StreamEvent::ToolUseStart { index: 1, id: "t".into(), name: "f".into() },
            StreamEvent::ToolUseDelta { index: 1, text: "{}".into() },
            StreamEvent::MessageStop("tool_use".into()),
            StreamEvent::Metadata { usage: Usage { input_tokens: 1, output_tokens: 2, total_tokens: 3, ..Usage::default() }, latency_ms: 0 },
        ]
        .into_iter()
        .filter_map(|e| encoder.event(e))
        .map(|b| String::from_utf8(b.to_vec()).unwrap())
        .collect();
        assert_eq!(frames.len(), 6);
        assert!(frames[2].contains("\"index\":0") && frames[2].contains("\"name\":\"f\""), "{}", frames[2]);
        assert!(frames[4].contains("\"finish_reason\":\"tool_calls\""));
        assert!(frames[5].contains("\"total_tokens\":3") && frames[5].contains("\"choices\":[]"));
        assert_eq!(&encoder.done()[..], b"data: [DONE]\n\n");
    }

    #[test]
    fn reasoning_streams_as_deltas_then_a_signed_block() {
        let mut encoder = ChunkEncoder::new("id".into(), 1, "m".into(), false);
        let frames: Vec<serde_json::Value> = [
            StreamEvent::ReasoningDelta { index: 0, text: "Thinking ".into() },
            StreamEvent::ReasoningDelta { index: 0, text: "hard".into() },
            StreamEvent::ReasoningSignature { index: 0, signature: "sig".into() },
            StreamEvent::BlockStop(0),
            StreamEvent::RedactedReasoning { index: 1, data: vec![0, 1] },
        ]
        .into_iter()
        .filter_map(|e| encoder.event(e))
        .map(|b| serde_json::from_slice(&b[b"data: ".len()..]).expect("JSON"))
        .collect();
        let deltas: Vec<&serde_json::Value> = frames.iter().map(|f| &f["choices"][0]["delta"]).collect();
        assert_eq!(deltas[0]["reasoning_content"], "Thinking ");
        assert_eq!(deltas[2]["thinking_blocks"], json!([{ "type": "thinking", "thinking": "Thinking hard", "signature": "sig" }]));
        assert_eq!(deltas[3]["thinking_blocks"], json!([{ "type": "redacted_thinking", "data": "AAE=" }]));
        assert_eq!(frames.len(), 4);
    }
}
