//! No request costs more than linear work, and none blocks the others (issue 30): hostile
//! request shapes per API get a bounded answer while `/healthz` stays responsive, half-closed
//! requests are answered, and compressed bodies are decoded within the body limit or refused by
//! name.
//!
//! No wall-clock bound is asserted (the CPU of these shapes is a bench row, `benches/gateway.rs`):
//! the generous timeouts only turn a hang into a failure.

mod gateway_common;

use gateway_common::{MODEL, Response, TestGateway, chat_body, send};
use openclaw_test_support::compress::compress;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Turns a hang into a failure; never a performance bound.
const HANG: Duration = Duration::from_secs(120);

const CLAUDE: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
/// A foundation model Bedrock counts tokens for in place (CountTokens takes no profile).
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

fn messages_body(content: Value) -> Value {
    json!({ "model": CLAUDE, "max_tokens": 50, "messages": [{ "role": "user", "content": content }] })
}

/// `count` Anthropic text documents, all titled alike: the shape that once cost cubic time.
fn same_titled_documents(count: usize) -> Value {
    let document = json!({ "type": "document", "title": "same", "source": { "type": "text", "media_type": "text/plain", "data": "x" } });
    Value::Array(vec![document; count])
}

/// `count` OpenAI `file` parts, all named `same.txt` (the OpenAI path's quadratic shape).
fn same_named_files(count: usize) -> Value {
    let file = json!({ "type": "file", "file": { "filename": "same.txt", "file_data": "data:text/plain;base64,eA==" } });
    json!({ "model": MODEL, "messages": [{ "role": "user", "content": vec![file; count] }] })
}

fn text_blocks(count: usize) -> Value {
    Value::Array(vec![json!({ "type": "text", "text": "x" }); count])
}

/// A JSON array nested `depth` deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

async fn post_json(gateway: &TestGateway, path: &str, body: &Value) -> Response {
    tokio::time::timeout(HANG, gateway.post(path, body)).await.unwrap_or_else(|_| panic!("POST {path} hung"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_shapes_get_bounded_answers() {
    let gateway = TestGateway::start().await;
    let tool = |i: usize| json!({ "type": "function", "function": { "name": format!("t{i}"), "parameters": { "type": "object" } } });
    let anthropic_tool = |i: usize| json!({ "name": format!("t{i}"), "input_schema": { "type": "object" } });
    // (case, path, body, the status it gets, a word its error names)
    let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
        // Same-named documents, named apart in linear time (the emulator, as Bedrock, refuses
        // two documents of one name in a request).
        ("anthropic: 10,000 same-titled documents", "/v1/messages", messages_body(same_titled_documents(10_000)), 200, "\"type\":\"message\""),
        (
            "count_tokens: 10,000 same-titled documents",
            "/v1/messages/count_tokens",
            json!({ "model": HAIKU, "messages": [{ "role": "user", "content": same_titled_documents(10_000) }] }),
            200,
            "input_tokens",
        ),
        ("openai: 10,000 files named alike", "/v1/chat/completions", same_named_files(10_000), 200, "chat.completion"),
        ("anthropic: 10,000 text blocks", "/v1/messages", messages_body(text_blocks(10_000)), 200, ""),
        (
            "openai: 10,000 text parts",
            "/v1/chat/completions",
            json!({ "model": MODEL, "messages": [{ "role": "user", "content": text_blocks(10_000) }] }),
            200,
            "",
        ),
        ("anthropic: blocks past the bound", "/v1/messages", messages_body(text_blocks(20_001)), 400, "at most 20000"),
        (
            "openai: blocks past the bound",
            "/v1/chat/completions",
            json!({ "model": MODEL, "messages": [{ "role": "user", "content": text_blocks(20_001) }] }),
            400,
            "at most 20000",
        ),
        (
            "openai: messages past the bound",
            "/v1/chat/completions",
            json!({ "model": MODEL, "messages": vec![json!({ "role": "user", "content": "x" }); 10_001] }),
            400,
            "at most 10000",
        ),
        (
            "openai: 1,001 tools",
            "/v1/chat/completions",
            json!({ "model": MODEL, "messages": [{ "role": "user", "content": "x" }], "tools": (0..1_001).map(tool).collect::<Vec<_>>() }),
            400,
            "at most 1000",
        ),
        (
            "anthropic: 1,001 tools",
            "/v1/messages",
            json!({ "model": CLAUDE, "max_tokens": 5, "messages": [{ "role": "user", "content": "x" }], "tools": (0..1_001).map(anthropic_tool).collect::<Vec<_>>() }),
            400,
            "at most 1000",
        ),
        ("embeddings: 2,049 inputs", "/v1/embeddings", json!({ "model": "amazon.titan-embed-text-v2:0", "input": vec!["x"; 2_049] }), 400, "at most 2048"),
    ];
    for (case, path, body, status, names) in cases {
        let response = post_json(&gateway, path, &body).await;
        assert_eq!(response.status, status, "{case}: {}", response.body);
        assert!(response.body.contains(names), "{case}: the answer should name `{names}`: {}", response.body);
        assert_eq!(gateway.get("/healthz").await.status, 200, "{case}: the gateway stopped answering");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nesting_past_the_parsers_limit_is_refused() {
    let gateway = TestGateway::start().await;
    // (path, body): every JSON route refuses a body nested deeper than 128 levels.
    let cases = [
        (
            "/v1/chat/completions",
            format!(
                r#"{{"model":"{MODEL}","messages":[{{"role":"user","content":"x"}}],"tools":[{{"type":"function","function":{{"name":"f","parameters":{{"type":"object","x":{}}}}}}}]}}"#,
                nested(10_000)
            ),
        ),
        ("/v1/messages", format!(r#"{{"model":"{CLAUDE}","max_tokens":5,"messages":[{{"role":"user","content":{}}}]}}"#, nested(10_000))),
        ("/v1/embeddings", format!(r#"{{"model":"amazon.titan-embed-text-v2:0","input":{}}}"#, nested(10_000))),
    ];
    for (path, body) in cases {
        let response = send(gateway.addr, "POST", path, &[("content-type", "application/json")], body.into_bytes()).await;
        assert_eq!(response.status, 400, "{path}: {}", response.body);
        assert!(response.body.contains("recursion limit"), "{path}: {}", response.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_during_three_concurrent_worst_shapes() {
    let gateway = TestGateway::start().await;
    let worst = messages_body(same_titled_documents(10_000)).to_string().into_bytes();
    let mut heavy = Vec::new();
    for _ in 0..3 {
        let (addr, body) = (gateway.addr, worst.clone());
        heavy.push(tokio::spawn(async move { send(addr, "POST", "/v1/messages", &[("content-type", "application/json")], body).await.status }));
    }
    for _ in 0..5 {
        let health = tokio::time::timeout(HANG, gateway.get("/healthz")).await.expect("/healthz hung behind the heavy requests");
        assert_eq!(health.status, 200);
    }
    for request in heavy {
        assert_eq!(request.await.expect("request task"), 200, "10,000 same-titled documents, named apart");
    }
}

/// Sends `request`, shuts the write side (as `nc -N` does) and reads until the gateway closes.
async fn half_closed(addr: std::net::SocketAddr, request: String) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    stream.shutdown().await.expect("half-close");
    let mut answer = Vec::new();
    tokio::time::timeout(HANG, stream.read_to_end(&mut answer)).await.expect("the gateway answers and closes").expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}

fn post_request(path: &str, body: &Value) -> String {
    let body = body.to_string();
    format!("POST {path} HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_closed_requests_are_answered() {
    let gateway = TestGateway::start().await;
    // (case, request, what the answer holds)
    let cases = [
        ("healthz", "GET /healthz HTTP/1.1\r\nhost: gateway\r\n\r\n".to_string(), "HTTP/1.1 200"),
        ("models", "GET /v1/models HTTP/1.1\r\nhost: gateway\r\n\r\n".to_string(), "\"object\":\"list\""),
        ("chat", post_request("/v1/chat/completions", &chat_body("half", false)), "\"chat.completion\""),
        ("chat stream", post_request("/v1/chat/completions", &chat_body("half", true)), "data: [DONE]"),
        ("messages", post_request("/v1/messages", &messages_body(json!("half"))), "\"type\":\"message\""),
        (
            "messages stream",
            post_request("/v1/messages", &json!({ "model": CLAUDE, "max_tokens": 50, "stream": true, "messages": [{ "role": "user", "content": "half" }] })),
            "event: message_stop",
        ),
        ("a bad request", post_request("/v1/chat/completions", &json!({ "model": MODEL })), "HTTP/1.1 400"),
    ];
    for (case, request, expected) in cases {
        let answer = half_closed(gateway.addr, request).await;
        assert!(answer.starts_with("HTTP/1.1 "), "{case}: no answer to a half-closed request: {answer:?}");
        assert!(answer.contains(expected), "{case}: {answer}");
    }
    // A body cut short by the FIN is not taken as whole.
    let cut = post_request("/v1/chat/completions", &chat_body("cut", false));
    let answer = half_closed(gateway.addr, cut[..cut.len() - 10].to_string()).await;
    assert!(answer.starts_with("HTTP/1.1 400") && answer.contains("before the whole body arrived"), "a truncated body was taken as whole: {answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_bodies_are_decoded_or_refused_by_name() {
    let gateway = TestGateway::start_with(gateway_common::Setup { options: Box::new(|o| o.max_body_bytes = 1 << 20), ..Default::default() }).await;
    let chat = chat_body("compressed hello", false).to_string().into_bytes();
    let gzip = |data: &[u8]| compress("gzip", data);
    let zstd = |data: &[u8]| compress("zstd", data);
    let bomb = gzip(&vec![b' '; 8 << 20]);
    // (case, Content-Encoding, body, status, a word the answer holds)
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("gzip", "gzip", gzip(&chat), 200, "chat.completion"),
        ("x-gzip", "x-gzip", gzip(&chat), 200, "chat.completion"),
        ("deflate", "deflate", compress("deflate", &chat), 200, "chat.completion"),
        ("raw deflate", "deflate", compress("raw-deflate", &chat), 200, "chat.completion"),
        ("zstd", "zstd", zstd(&chat), 200, "chat.completion"),
        ("br", "br", compress("br", &chat), 200, "chat.completion"),
        ("identity", "identity", chat.clone(), 200, "chat.completion"),
        ("two layers", "zstd, gzip", gzip(&zstd(&chat)), 200, "chat.completion"),
        ("an unknown coding", "compress", chat.clone(), 415, "`compress`"),
        ("three layers", "gzip, gzip, gzip", gzip(&gzip(&gzip(&chat))), 415, "at most 2"),
        ("a bomb past the body limit", "gzip", bomb, 413, "once decoded"),
        ("a body that lies about its coding", "gzip", chat.clone(), 400, "could not be decoded as gzip"),
    ];
    for (case, coding, body, status, names) in cases {
        let headers = [("content-type", "application/json"), ("content-encoding", coding)];
        let response = send(gateway.addr, "POST", "/v1/chat/completions", &headers, body).await;
        assert_eq!(response.status, status, "{case}: {}", response.body);
        assert!(response.body.contains(names), "{case}: {}", response.body);
    }
    let messages = messages_body(json!("compressed hello")).to_string().into_bytes();
    let headers = [("content-type", "application/json"), ("content-encoding", "gzip")];
    let response = send(gateway.addr, "POST", "/v1/messages", &headers, gzip(&messages)).await;
    assert_eq!(response.status, 200, "messages: {}", response.body);
}
