//! The Messages API's options: extended thinking with signed blocks carried back over a
//! streamed three-turn tool conversation with Claude (natively: the body as sent; a tampered
//! signature refused), and through Converse for the other models: tool choice, cache points on
//! system prompts and tools, request metadata and structured output, each checked in what
//! Bedrock (the emulator) received and what the client got.

mod gateway_common;

use gateway_common::{Response, TestGateway, runtime_calls};
use serde_json::{Value, json};

/// Claude, which takes the client's body natively.
const CLAUDE: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
/// A model that is not Claude: the request is translated to Converse.
const MODEL: &str = "us.amazon.nova-pro-v1:0";

fn tools() -> Value {
    json!([{ "name": "get_weather", "description": "Weather.", "input_schema": { "type": "object", "properties": { "query": { "type": "string" } }, "required": ["query"] } }])
}

/// The Converse body of the last runtime call.
fn last_call(gateway: &TestGateway) -> Value {
    runtime_calls(&gateway.emulator).pop().expect("a runtime call").1
}

/// The assistant content and stop reason a streamed answer adds up to, as an SDK assembles it.
fn assemble(response: &Response) -> (Vec<Value>, String) {
    assert_eq!(response.status, 200, "{}", response.body);
    let mut content: Vec<Value> = Vec::new();
    let mut partial_json = String::new();
    let mut stop_reason = String::new();
    for frame in response.body.split("\n\n").filter(|f| !f.trim().is_empty()) {
        let (_, data) = frame.split_once("\ndata: ").unwrap_or_else(|| panic!("{frame}"));
        let event: Value = serde_json::from_str(data).expect("JSON data");
        match event["type"].as_str().unwrap_or("") {
            "content_block_start" => {
                assert_eq!(event["index"].as_u64(), Some(content.len() as u64), "blocks are numbered in order");
                content.push(event["content_block"].clone());
                partial_json.clear();
            }
            "content_block_delta" => {
                let block = content.last_mut().expect("an open block");
                let delta = &event["delta"];
                match delta["type"].as_str().unwrap_or("") {
                    "text_delta" => block["text"] = json!(format!("{}{}", block["text"].as_str().unwrap_or(""), delta["text"].as_str().unwrap_or(""))),
                    "thinking_delta" => {
                        block["thinking"] = json!(format!("{}{}", block["thinking"].as_str().unwrap_or(""), delta["thinking"].as_str().unwrap_or("")))
                    }
                    "signature_delta" => block["signature"] = delta["signature"].clone(),
                    "input_json_delta" => {
                        partial_json.push_str(delta["partial_json"].as_str().unwrap_or(""));
                        block["input"] = serde_json::from_str(&partial_json).unwrap_or(json!({}));
                    }
                    other => panic!("unexpected delta {other}"),
                }
            }
            "message_delta" => stop_reason = event["delta"]["stop_reason"].as_str().unwrap_or("").to_string(),
            "error" => panic!("an error event: {event}"),
            _ => {}
        }
    }
    (content, stop_reason)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thinking_tool_conversation_of_three_turns_streams_with_signatures_carried_back() {
    let gateway = TestGateway::start().await;
    let request = |messages: &Value| json!({ "model": CLAUDE, "max_tokens": 2048, "stream": true, "thinking": { "type": "enabled", "budget_tokens": 1024 }, "tools": tools(), "messages": messages });
    let mut conversation = vec![json!({ "role": "user", "content": "call get_weather in Paris" })];

    // Turn 1: thinking, then a tool call.
    let (content, stop) = assemble(&gateway.post("/v1/messages", &request(&json!(conversation))).await);
    assert_eq!(stop, "tool_use");
    assert_eq!(
        (content[0]["type"].as_str(), content[0]["thinking"].as_str()),
        (Some("thinking"), Some("Thinking about: call get_weather in Paris")),
        "{content:?}"
    );
    assert!(content[0]["signature"].as_str().is_some_and(|s| !s.is_empty()), "{content:?}");
    assert_eq!((content[1]["type"].as_str(), &content[1]["input"]), (Some("tool_use"), &json!({ "query": "in Paris" })), "{content:?}");
    assert_eq!(last_call(&gateway)["thinking"], json!({ "type": "enabled", "budget_tokens": 1024 }), "sent as the client sent it");
    let tool_id = content[1]["id"].clone();
    conversation.push(json!({ "role": "assistant", "content": content }));
    conversation.push(json!({ "role": "user", "content": [{ "type": "tool_result", "tool_use_id": tool_id, "content": "sunny" }] }));

    // A tampered signature is refused by Bedrock: Anthropic's 400.
    let mut tampered = conversation.clone();
    tampered[1]["content"][0]["signature"] = json!("forged");
    let refused = gateway.post("/v1/messages", &request(&json!(tampered))).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.json()["error"]["type"], "invalid_request_error");

    // Turn 2: the signed thinking block went back unchanged; the result is answered.
    let (content, stop) = assemble(&gateway.post("/v1/messages", &request(&json!(conversation))).await);
    let sent = last_call(&gateway);
    assert_eq!(sent["messages"][1]["content"][0]["signature"], conversation[1]["content"][0]["signature"]);
    assert_eq!(stop, "end_turn");
    assert_eq!(content[0]["thinking"], "Thinking about: sunny", "{content:?}");
    assert_eq!(content[1], json!({ "type": "text", "text": "Echo: sunny" }));
    conversation.push(json!({ "role": "assistant", "content": content }));
    conversation.push(json!({ "role": "user", "content": "call get_weather in Rome" }));

    // Turn 3: both earlier assistant turns go back with their signatures; another call.
    let (content, stop) = assemble(&gateway.post("/v1/messages", &request(&json!(conversation))).await);
    assert_eq!(stop, "tool_use");
    assert_eq!(content[1]["input"], json!({ "query": "in Rome" }), "{content:?}");
    assert_eq!(last_call(&gateway)["messages"].as_array().map(Vec::len), Some(5));

    // A model without reasoning control is the client's 400 naming `thinking`, before any call.
    let calls = runtime_calls(&gateway.emulator).len();
    let nova = json!({ "model": "amazon.nova-pro-v1:0", "max_tokens": 2048, "thinking": { "type": "enabled", "budget_tokens": 1024 }, "messages": [{ "role": "user", "content": "hi" }] });
    let refused = gateway.post("/v1/messages", &nova).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.json()["error"]["message"].as_str().is_some_and(|m| m.starts_with("thinking: ")), "{}", refused.body);
    assert_eq!(runtime_calls(&gateway.emulator).len(), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_choice_reaches_converse() {
    let gateway = TestGateway::start().await;
    // (tool_choice, Converse toolChoice, the answer's first block type)
    let cases = [
        (json!({ "type": "auto" }), json!({ "auto": {} }), "text"),
        (json!({ "type": "any" }), json!({ "any": {} }), "tool_use"),
        (json!({ "type": "tool", "name": "get_weather" }), json!({ "tool": { "name": "get_weather" } }), "tool_use"),
    ];
    for (choice, converse, kind) in cases {
        let body = json!({ "model": MODEL, "max_tokens": 100, "tools": tools(), "tool_choice": choice, "messages": [{ "role": "user", "content": "what is the weather" }] });
        let response = gateway.post("/v1/messages", &body).await;
        assert_eq!(response.status, 200, "{choice}: {}", response.body);
        assert_eq!(last_call(&gateway)["toolConfig"]["toolChoice"], converse, "{choice}");
        assert_eq!(response.json()["content"][0]["type"], kind, "{choice}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_tool_and_metadata_options_reach_converse() {
    let gateway = TestGateway::start().await;
    let ephemeral = json!({ "type": "ephemeral" });
    let mut tools = tools();
    tools[0]["cache_control"] = ephemeral.clone();
    let body = json!({
        "model": MODEL, "max_tokens": 100, "tools": tools, "metadata": { "user_id": "user-42" },
        "system": [{ "type": "text", "text": "you are terse", "cache_control": ephemeral }, { "type": "text", "text": "answer in English" }],
        "messages": [{ "role": "user", "content": "hello" }],
    });
    let response = gateway.post("/v1/messages", &body).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let sent = last_call(&gateway);
    let point = json!({ "cachePoint": { "type": "default" } });
    assert_eq!(sent["system"], json!([{ "text": "you are terse" }, point, { "text": "answer in English" }]));
    assert_eq!(sent["toolConfig"]["tools"][1], point);
    assert_eq!(sent["requestMetadata"], json!({ "user_id": "user-42" }));
    assert!(response.json()["usage"]["cache_creation_input_tokens"].as_u64().is_some_and(|n| n > 0), "{}", response.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structured_output_follows_the_schema() {
    let gateway = TestGateway::start().await;
    let schema = json!({ "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] });
    let body = json!({
        "model": "openai.gpt-oss-120b-1:0", "max_tokens": 100, "output_config": { "format": { "type": "json_schema", "schema": schema } },
        "messages": [{ "role": "user", "content": "which city" }],
    });
    let response = gateway.post("/v1/messages", &body).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let format = &last_call(&gateway)["outputConfig"]["textFormat"];
    assert_eq!(format["type"], "json_schema");
    let sent_schema: Value = serde_json::from_str(format["structure"]["jsonSchema"]["schema"].as_str().expect("the schema as a string")).expect("JSON");
    assert_eq!(sent_schema, schema);
    let text = response.json()["content"][0]["text"].as_str().expect("text").to_string();
    let answer: Value = serde_json::from_str(&text).expect("the answer is JSON");
    assert!(answer["city"].is_string(), "{answer}");
}
