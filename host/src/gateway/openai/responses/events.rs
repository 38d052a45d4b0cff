//! The Responses API's stream from Bedrock's stream events (docs/responses-api.md, "Events"):
//!
//! ```text
//! response.created, response.in_progress
//! per item: response.output_item.added
//!   message:   response.content_part.added, response.output_text.delta*, response.output_text.done,
//!              response.content_part.done
//!   reasoning: response.reasoning_summary_part.added, response.reasoning_summary_text.delta*,
//!              response.reasoning_summary_text.done, response.reasoning_summary_part.done
//!   function:  response.function_call_arguments.delta*, response.function_call_arguments.done
//!   custom:    response.custom_tool_call_input.delta, response.custom_tool_call_input.done
//!   response.output_item.done
//! response.completed | response.incomplete (max tokens, content filter) | response.failed
//! ```
//!
//! Every event carries `sequence_number`. The stream always ends with `response.completed`
//! (or `.incomplete`, `.failed`): Codex re-sends a whole turn whose stream closes without it.
//! A whole answer runs through the same encoder with its frames left out, so both give the
//! same output items.
//!
//! (Past 400 lines on purpose: the whole event sequence is one state machine, kept in one file
//! so that its order can be read top to bottom against the list above.)

use super::ResponseRender;
use super::output::{Finish, Item, Kind, Status, output_text, summary_text};
use crate::aws::model::{ContentBlock, ConverseResponse, StreamEvent, Usage};
use crate::gateway::call::stream::Encoder;
use crate::gateway::errors::HttpError;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};

/// Encodes one response.
pub(in crate::gateway) struct ResponseEncoder {
    render: ResponseRender,
    /// The model answering.
    model: String,
    family: &'static str,
    frames: Frames,
    items: Vec<Item>,
    /// The open item: Bedrock's block index and the item's position.
    open: Option<(u32, usize)>,
    /// Whether the open reasoning item's summary part was announced.
    summary_open: bool,
    stop_reason: Option<String>,
    usage: Option<Usage>,
    started: bool,
    finished: bool,
}

impl ResponseEncoder {
    /// An encoder for `render`'s response, answered by `model`; `frames: false` only gathers.
    pub fn new(render: ResponseRender, model: String, frames: bool) -> Self {
        let family = super::seal::family_name(&model);
        Self {
            render,
            model,
            family,
            frames: Frames { on: frames, out: Vec::new(), sequence: 0 },
            items: Vec::new(),
            open: None,
            summary_open: false,
            stop_reason: None,
            usage: None,
            started: false,
            finished: false,
        }
    }

    /// A whole answer's response object (stored when asked).
    pub fn whole(mut self, response: ConverseResponse) -> Value {
        for (index, block) in response.content.into_iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let events = match block {
                ContentBlock::Text(text) => vec![StreamEvent::TextDelta { index, text }],
                ContentBlock::Reasoning { text, signature } => {
                    let mut events = vec![StreamEvent::ReasoningDelta { index, text }];
                    events.extend(signature.map(|signature| StreamEvent::ReasoningSignature { index, signature }));
                    events
                }
                ContentBlock::RedactedReasoning(data) => vec![StreamEvent::RedactedReasoning { index, data }],
                ContentBlock::ToolUse { id, name, input } => {
                    vec![StreamEvent::ToolUseStart { index, id, name }, StreamEvent::ToolUseDelta { index, text: input }]
                }
                ContentBlock::Image { .. } | ContentBlock::ToolResult { .. } | ContentBlock::Document { .. } | ContentBlock::CachePoint => Vec::new(),
            };
            for event in events.into_iter().chain([StreamEvent::BlockStop(index)]) {
                self.push(event);
            }
        }
        self.push(StreamEvent::MessageStop(response.stop_reason));
        self.push(StreamEvent::Metadata { usage: response.usage, latency_ms: response.latency_ms });
        self.finish(None)
    }

    fn finisher(&self) -> Finish<'_> {
        Finish { tools: &self.render.tools, sealer: &self.render.state.sealer, family: self.family }
    }

    /// Writes one event frame.
    fn emit(&mut self, kind: &str, body: impl Serialize) {
        self.frames.emit(kind, &body);
    }

    fn start(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        if !self.frames.on {
            return;
        }
        let body = json!({ "response": self.render.meta.response(&self.model, &Status::InProgress, Vec::new(), None) });
        self.emit("response.created", &body);
        self.emit("response.in_progress", &body);
    }

    /// Makes Bedrock's block `index` the open item, of `kind`; its position.
    fn open(&mut self, index: u32, kind: Kind, call: Option<(String, String)>) -> usize {
        if let Some((open_index, position)) = self.open
            && open_index == index
            && self.items[position].kind == kind
        {
            return position;
        }
        self.close();
        let mut item = Item::new(kind);
        if let Some((call_id, name)) = call {
            item.call_id = call_id;
            item.name = name;
        }
        let position = self.items.len();
        self.open = Some((index, position));
        if self.frames.on {
            let added = item.json(false, &self.finisher());
            self.frames.emit("response.output_item.added", &ItemFrame { output_index: position, item: &added });
            if kind == Kind::Message {
                self.emit("response.content_part.added", json!({ "item_id": item.id, "output_index": position, "content_index": 0, "part": output_text("") }));
            }
        }
        self.items.push(item);
        position
    }

    /// Closes the open item: its closing events, then `response.output_item.done`.
    fn close(&mut self) {
        let Some((_, position)) = self.open.take() else { return };
        // The item as it ends, made once (reasoning sealed once): `output_item.done` and the
        // final response show the same item.
        let done = self.items[position].json(true, &self.finisher());
        if self.frames.on {
            self.close_events(position);
            self.frames.emit("response.output_item.done", &ItemFrame { output_index: position, item: &done });
        }
        self.summary_open = false;
        self.items[position].done = Some(done);
    }

    /// The events that end item `position`'s parts.
    fn close_events(&mut self, position: usize) {
        let item = &self.items[position];
        let (kind, text, name) = (item.kind, item.text.clone(), item.name.clone());
        let (arguments, input) = (item.arguments().to_string(), (kind == Kind::Custom).then(|| item.custom_input()));
        let at = json!({ "item_id": item.id, "output_index": position });
        let with = |mut at: Value, extra: Value| {
            if let (Some(at), Value::Object(extra)) = (at.as_object_mut(), extra) {
                at.extend(extra);
            }
            at
        };
        match kind {
            Kind::Message => {
                self.emit("response.output_text.done", with(at.clone(), json!({ "content_index": 0, "text": text, "logprobs": [] })));
                self.emit("response.content_part.done", with(at, json!({ "content_index": 0, "part": output_text(&text) })));
            }
            Kind::Reasoning if self.summary_open => {
                self.emit("response.reasoning_summary_text.done", with(at.clone(), json!({ "summary_index": 0, "text": text })));
                self.emit("response.reasoning_summary_part.done", with(at, json!({ "summary_index": 0, "part": summary_text(&text) })));
            }
            Kind::Reasoning => {}
            Kind::Function => self.emit("response.function_call_arguments.done", with(at, json!({ "name": name, "arguments": arguments }))),
            Kind::Custom => {
                let input = input.unwrap_or_default();
                self.emit("response.custom_tool_call_input.delta", with(at.clone(), json!({ "delta": input })));
                self.emit("response.custom_tool_call_input.done", with(at, json!({ "input": input })));
            }
        }
    }

    fn push(&mut self, event: StreamEvent) {
        self.start();
        match event {
            StreamEvent::MessageStart(_) => {}
            StreamEvent::TextDelta { index, text } => {
                let position = self.open(index, Kind::Message, None);
                let item = &mut self.items[position];
                item.text.push_str(&text);
                let delta =
                    DeltaFrame { item_id: &item.id, output_index: position, content_index: Some(0), summary_index: None, delta: &text, logprobs: Some([]) };
                self.frames.emit("response.output_text.delta", &delta);
            }
            StreamEvent::ReasoningDelta { index, text } => {
                let position = self.open(index, Kind::Reasoning, None);
                if !self.summary_open {
                    self.summary_open = true;
                    let id = self.items[position].id.clone();
                    self.emit(
                        "response.reasoning_summary_part.added",
                        json!({ "item_id": id, "output_index": position, "summary_index": 0, "part": summary_text("") }),
                    );
                }
                let item = &mut self.items[position];
                item.text.push_str(&text);
                let delta = DeltaFrame { item_id: &item.id, output_index: position, content_index: None, summary_index: Some(0), delta: &text, logprobs: None };
                self.frames.emit("response.reasoning_summary_text.delta", &delta);
            }
            StreamEvent::ReasoningSignature { index, signature } => {
                let position = self.open(index, Kind::Reasoning, None);
                self.items[position].signature = Some(signature);
            }
            StreamEvent::RedactedReasoning { index, data } => {
                let position = self.open(index, Kind::Reasoning, None);
                self.items[position].redacted.get_or_insert_with(Vec::new).extend(data);
            }
            StreamEvent::ToolUseStart { index, id, name } => {
                let kind = if self.render.tools.kind(&name) == super::tools::ToolKind::Custom { Kind::Custom } else { Kind::Function };
                self.open(index, kind, Some((id, name)));
            }
            StreamEvent::ToolUseDelta { index, text } => {
                let Some((open_index, position)) = self.open else { return };
                if open_index != index {
                    return;
                }
                let item = &mut self.items[position];
                item.text.push_str(&text);
                if item.kind == Kind::Function {
                    let delta =
                        DeltaFrame { item_id: &item.id, output_index: position, content_index: None, summary_index: None, delta: &text, logprobs: None };
                    self.frames.emit("response.function_call_arguments.delta", &delta);
                }
            }
            StreamEvent::BlockStop(index) => {
                if self.open.is_some_and(|(open_index, _)| open_index == index) {
                    self.close();
                }
            }
            StreamEvent::MessageStop(reason) => {
                self.close();
                self.stop_reason = Some(reason);
            }
            StreamEvent::Metadata { usage, .. } => self.usage = Some(usage),
        }
    }

    /// The final response object (stored when asked unless it failed); its closing event.
    fn finish(&mut self, failed: Option<&HttpError>) -> Value {
        self.start();
        self.close();
        self.finished = true;
        let status = match failed {
            Some(error) => Status::Failed(failure_code(error).to_string(), failure_message(error)),
            None => Status::of(self.stop_reason.as_deref()),
        };
        let finisher = self.finisher();
        let output: Vec<Value> = self.items.iter().map(|item| item.done.clone().unwrap_or_else(|| item.json(true, &finisher))).collect();
        let response = self.render.meta.response(&self.model, &status, output, self.usage.as_ref());
        if failed.is_none() {
            self.render.keep(&response);
        }
        self.emit(status.event(), json!({ "response": response }));
        response
    }

    fn take(&mut self) -> Bytes {
        Bytes::from(std::mem::take(&mut self.frames.out))
    }
}

/// The frames written so far and the next sequence number.
struct Frames {
    /// Whether frames are written (false for a whole answer).
    on: bool,
    out: Vec<u8>,
    sequence: u64,
}

impl Frames {
    /// One event: its `event:` line, then `data:` with `type`, `sequence_number` and the
    /// fields of `body` (a JSON object), serialized straight from borrowed values (this runs
    /// for every delta of every stream).
    fn emit(&mut self, kind: &str, body: &impl Serialize) {
        let sequence = self.sequence;
        self.sequence += 1;
        if !self.on {
            return;
        }
        let out = &mut self.out;
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(b"\ndata: {\"type\":\"");
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(format!("\",\"sequence_number\":{sequence}").as_bytes());
        let fields = out.len();
        // Serializing borrowed strings, numbers and `Value`s cannot fail.
        let _ = serde_json::to_writer(&mut *out, body);
        // The body's `{` becomes a `,` joining its fields to the two above (an empty body's
        // `{}` leaves only the closing brace).
        if out.get(fields..fields + 2) == Some(b"{}") {
            out.remove(fields);
        } else if out.get(fields) == Some(&b'{') {
            out[fields] = b',';
        }
        out.extend_from_slice(b"\n\n");
    }
}

/// An item event's fields, borrowed.
#[derive(Serialize)]
struct ItemFrame<'a> {
    output_index: usize,
    item: &'a Value,
}

/// A delta event's fields, borrowed.
#[derive(Serialize)]
struct DeltaFrame<'a> {
    item_id: &'a str,
    output_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_index: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary_index: Option<u32>,
    delta: &'a str,
    /// `[]` for text deltas (no log probabilities).
    #[serde(skip_serializing_if = "Option::is_none")]
    logprobs: Option<[u8; 0]>,
}

/// OpenAI's error code for a failure during a response.
fn failure_code(error: &HttpError) -> &'static str {
    match error.code.as_deref() {
        Some("rate_limit_exceeded") => "rate_limit_exceeded",
        Some("context_length_exceeded") => "context_length_exceeded",
        Some("invalid_request") => "invalid_prompt",
        _ => "server_error",
    }
}

/// The failure's message; a rate limit says when to try again, as OpenAI's do (clients such
/// as Codex read the delay from it): Bedrock gives no delay, so the shortest, 1 s.
fn failure_message(error: &HttpError) -> String {
    if error.code.as_deref() == Some("rate_limit_exceeded") { format!("{} Please try again in 1s.", error.message) } else { error.message.clone() }
}

impl Encoder for ResponseEncoder {
    fn event(&mut self, event: StreamEvent) -> Option<Bytes> {
        self.push(event);
        (!self.frames.out.is_empty()).then(|| self.take())
    }

    fn done(&mut self) -> Bytes {
        if !self.finished {
            self.finish(None);
        }
        self.take()
    }

    fn error(&mut self, error: &HttpError) -> Bytes {
        if !self.finished {
            self.finish(Some(error));
        }
        self.take()
    }
}

#[cfg(test)]
mod tests {
    use super::super::output::Meta;
    use super::super::stored::ResponsesState;
    use super::super::tools::Tools;
    use super::*;
    use crate::state::StateOptions;
    use std::sync::Arc;

    async fn encoder(model: &str) -> ResponseEncoder {
        let state = Arc::new(ResponsesState::open(&StateOptions::default()).await.expect("state"));
        let meta = Meta { id: "resp_1".into(), created_at: 1, echo: serde_json::Map::new() };
        ResponseEncoder::new(ResponseRender { meta, tools: Tools::default(), state, keep: None }, model.into(), true)
    }

    /// The events' types, then the last event's `response`.
    fn frames(bytes: &[u8]) -> (Vec<String>, Value) {
        let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
        let events: Vec<Value> =
            text.split("\n\n").filter_map(|frame| frame.split_once("\ndata: ")).map(|(_, data)| serde_json::from_str(data).expect("JSON")).collect();
        for (i, event) in events.iter().enumerate() {
            assert_eq!(event["sequence_number"], json!(i), "{event}");
        }
        let last = events.last().map(|e| e["response"].clone()).unwrap_or_default();
        // Each item shows the same in its `output_item.done` as in the final response.
        for done in events.iter().filter(|e| e["type"] == "response.output_item.done") {
            if let Some(index) = done["output_index"].as_u64().and_then(|i| usize::try_from(i).ok()) {
                assert_eq!(done["item"], last["output"][index], "{done}");
            }
        }
        (events.iter().map(|e| e["type"].as_str().unwrap_or_default().to_string()).collect(), last)
    }

    const CLAUDE: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";

    #[tokio::test]
    async fn each_ending_has_its_events() {
        let usage = Usage { input_tokens: 3, output_tokens: 4, total_tokens: 7, ..Usage::default() };
        let thinking = [
            StreamEvent::ReasoningDelta { index: 0, text: "hm".into() },
            StreamEvent::ReasoningSignature { index: 0, signature: "sig".into() },
            StreamEvent::BlockStop(0),
            StreamEvent::MessageStop("max_tokens".into()),
            StreamEvent::Metadata { usage, latency_ms: 1 },
        ];
        let reasoning = [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.incomplete",
        ];
        let mut thinking_encoder = encoder(CLAUDE).await;
        let mut bytes = Vec::new();
        for event in thinking {
            bytes.extend(thinking_encoder.event(event).unwrap_or_default());
        }
        bytes.extend(thinking_encoder.done());
        let (types, response) = frames(&bytes);
        assert_eq!(types, reasoning);
        assert_eq!(response["status"], "incomplete");
        assert_eq!(response["incomplete_details"], json!({ "reason": "max_output_tokens" }));
        assert_eq!(response["usage"]["total_tokens"], 7);
        assert_eq!(response["output"][0]["summary"][0]["text"], "hm");
        assert!(response["output"][0]["encrypted_content"].as_str().is_some_and(|s| s.starts_with("v1.anthropic.")), "{response}");

        // A stream that fails after it began ends with response.failed; one cut short with
        // response.completed all the same.
        let mut failing = encoder(CLAUDE).await;
        let mut bytes = failing.event(StreamEvent::TextDelta { index: 0, text: "par".into() }).unwrap_or_default().to_vec();
        let throttled = HttpError::new(429, "rate_limit_error", "ThrottlingException: slow down").with_code("rate_limit_exceeded");
        bytes.extend(failing.error(&throttled));
        let (types, response) = frames(&bytes);
        assert_eq!(types.last().map(String::as_str), Some("response.failed"));
        assert_eq!(response["error"]["code"], "rate_limit_exceeded");
        assert!(response["error"]["message"].as_str().is_some_and(|m| m.ends_with("Please try again in 1s.")));
        let mut cut = encoder("amazon.nova-pro-v1:0").await;
        let mut bytes = cut.event(StreamEvent::TextDelta { index: 0, text: "hi".into() }).unwrap_or_default().to_vec();
        bytes.extend(cut.done());
        let (types, response) = frames(&bytes);
        assert_eq!(types.last().map(String::as_str), Some("response.completed"));
        assert_eq!(response["output"][0]["content"][0]["text"], "hi");
        // Unsigned reasoning (another family) is shown, never sealed.
        let mut unsigned = encoder("openai.gpt-oss-120b-1:0").await;
        let mut bytes = unsigned.event(StreamEvent::ReasoningDelta { index: 0, text: "hm".into() }).unwrap_or_default().to_vec();
        bytes.extend(unsigned.done());
        let (_, response) = frames(&bytes);
        assert_eq!(response["output"][0]["summary"][0]["text"], "hm");
        assert!(response["output"][0].get("encrypted_content").is_none(), "{response}");
    }
}
