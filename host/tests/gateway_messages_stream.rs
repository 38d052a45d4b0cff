//! The Messages API streamed through the Converse translation (a model that is not Claude;
//! Claude's own stream is relayed: `claude_native.rs`): Anthropic's event sequence checked
//! event by event for text and for a tool call, and a failure after the 200 as Anthropic's
//! `error` event.

mod gateway_common;

use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{Response, TestGateway};
use serde_json::{Value, json};

const MODEL: &str = "us.amazon.nova-pro-v1:0";

/// Every SSE event of a response: its name and its JSON data.
fn events(response: &Response) -> Vec<(String, Value)> {
    assert_eq!(response.header("content-type"), Some("text/event-stream"), "{}", response.body);
    response
        .body
        .split("\n\n")
        .filter(|frame| !frame.trim().is_empty())
        .map(|frame| {
            let (name, data) =
                frame.strip_prefix("event: ").and_then(|f| f.split_once("\ndata: ")).unwrap_or_else(|| panic!("not an Anthropic event: {frame}"));
            (name.to_string(), serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {data}")))
        })
        .collect()
}

fn start(message: &Value) -> Value {
    let usage = json!({ "input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0 });
    json!({ "type": "message_start", "message": { "id": message["id"], "type": "message", "role": "assistant", "model": MODEL, "content": [], "stop_reason": null, "stop_sequence": null, "usage": usage } })
}

fn delta(index: u32, delta: Value) -> (&'static str, Value) {
    ("content_block_delta", json!({ "type": "content_block_delta", "index": index, "delta": delta }))
}

fn assert_sequence(got: &[(String, Value)], expected: &[(&str, Value)]) {
    for (i, (name, data)) in got.iter().enumerate() {
        let Some((want_name, want_data)) = expected.get(i) else { panic!("event {i} more than expected: {name} {data}") };
        assert_eq!((name.as_str(), data), (*want_name, want_data), "event {i}");
    }
    assert_eq!(got.len(), expected.len(), "{got:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_streams_as_anthropics_events() {
    let gateway = TestGateway::start().await;
    let request = json!({ "model": MODEL, "max_tokens": 50, "stream": true, "messages": [{ "role": "user", "content": "hello there" }] });
    let response = gateway.post("/v1/messages", &request).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let got = events(&response);
    let message = &got[0].1["message"];
    assert!(message["id"].as_str().is_some_and(|id| id.starts_with("msg_")), "{message}");
    let usage = json!({ "input_tokens": 2, "output_tokens": 3, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0 });
    assert_sequence(
        &got,
        &[
            ("message_start", start(message)),
            ("ping", json!({ "type": "ping" })),
            ("content_block_start", json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "text", "text": "" } })),
            delta(0, json!({ "type": "text_delta", "text": "Echo: " })),
            delta(0, json!({ "type": "text_delta", "text": "hello " })),
            delta(0, json!({ "type": "text_delta", "text": "there" })),
            ("content_block_stop", json!({ "type": "content_block_stop", "index": 0 })),
            ("message_delta", json!({ "type": "message_delta", "delta": { "stop_reason": "end_turn", "stop_sequence": null }, "usage": usage })),
            ("message_stop", json!({ "type": "message_stop" })),
        ],
    );
    assert_eq!(gateway_common::runtime_calls(&gateway.emulator).pop().map(|(operation, _)| operation).as_deref(), Some("ConverseStream"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_call_streams_as_input_json_deltas() {
    let gateway = TestGateway::start().await;
    let tools = json!([{ "name": "get_weather", "input_schema": { "type": "object", "properties": { "query": { "type": "string" } } } }]);
    let request =
        json!({ "model": MODEL, "max_tokens": 50, "stream": true, "tools": tools, "messages": [{ "role": "user", "content": "call get_weather in Rome" }] });
    let response = gateway.post("/v1/messages", &request).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let got = events(&response);
    let names: Vec<&str> = got.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.first().copied(), Some("message_start"));
    let start = got.iter().find(|(name, _)| name == "content_block_start").map(|(_, data)| data).expect("a block");
    assert_eq!(
        (start["index"].as_u64(), start["content_block"]["type"].as_str(), start["content_block"]["name"].as_str()),
        (Some(0), Some("tool_use"), Some("get_weather"))
    );
    assert_eq!(start["content_block"]["input"], json!({}));
    assert!(start["content_block"]["id"].as_str().is_some_and(|id| !id.is_empty()));
    let partial: String = got
        .iter()
        .filter(|(name, _)| name == "content_block_delta")
        .map(|(_, data)| {
            assert_eq!(data["delta"]["type"], "input_json_delta", "{data}");
            data["delta"]["partial_json"].as_str().expect("partial json").to_string()
        })
        .collect();
    assert_eq!(serde_json::from_str::<Value>(&partial).expect("the pieces make JSON"), json!({ "query": "in Rome" }));
    assert!(names.iter().filter(|name| **name == "content_block_delta").count() >= 2, "{names:?}");
    let tail: Vec<&str> = names[names.len() - 3..].to_vec();
    assert_eq!(tail, ["content_block_stop", "message_delta", "message_stop"]);
    assert_eq!(got[got.len() - 2].1["delta"]["stop_reason"], "tool_use");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_after_the_200_is_an_error_event() {
    let gateway = TestGateway::start().await;
    let exception = Fault::ExceptionAfter { events: 3, exception_type: "throttlingException".into(), message: Some("slow down".into()) };
    gateway.emulator.faults().push(FaultRule::new(exception).operation("ConverseStream"));
    let request = json!({ "model": MODEL, "max_tokens": 50, "stream": true, "messages": [{ "role": "user", "content": "one two three four" }] });
    let response = gateway.post("/v1/messages", &request).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let got = events(&response);
    let (name, error) = got.last().expect("events");
    assert_eq!(name, "error", "{got:#?}");
    assert_eq!((error["type"].as_str(), error["error"]["type"].as_str()), (Some("error"), Some("rate_limit_error")), "{error}");
    assert!(error["error"]["message"].as_str().is_some_and(|m| m.contains("slow down")), "{error}");
    assert!(got.iter().all(|(name, _)| name != "message_stop"), "an error ends the stream without message_stop: {got:#?}");
}
