//! `POST /v1/embeddings` against the emulator: each bad field its own 400 naming it, Titan lists
//! as one call per text, Cohere batches of at most 96, `dimensions` per model, base64 equal to
//! the float answer, usage, Bedrock's errors as chat maps them, `/v1/models` marking what
//! embeds, and the official `openai` Python client (skipped with a note where it is missing; a
//! failure under `OPENCLAW_REQUIRE_CLIENTS=1`).

mod gateway_common;

use base64::Engine as _;
use bedrock_emulator::embeddings::vector;
use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{Setup, TestGateway, runtime_calls, send};
use openclaw_test_support::TestGuest;
use serde_json::{Value, json};

const TITAN: &str = "amazon.titan-embed-text-v2:0";
const COHERE_V3: &str = "cohere.embed-english-v3";
const COHERE_V4: &str = "cohere.embed-v4:0";

/// The vectors of a float answer, as `f32`.
fn float_vectors(answer: &Value) -> Vec<Vec<f32>> {
    let list = answer["data"].as_array().cloned().unwrap_or_default();
    list.iter().map(|item| item["embedding"].as_array().map(|v| v.iter().filter_map(Value::as_f64).map(|n| n as f32).collect()).unwrap_or_default()).collect()
}

/// The vectors of a base64 answer: little-endian `f32`s.
fn base64_vectors(answer: &Value) -> Vec<Vec<f32>> {
    let list = answer["data"].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|item| {
            let bytes = base64::engine::general_purpose::STANDARD.decode(item["embedding"].as_str().expect("a base64 string")).expect("valid base64");
            bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
        })
        .collect()
}

/// The InvokeModel bodies the emulator received, oldest first.
fn invoke_bodies(gateway: &TestGateway) -> Vec<Value> {
    runtime_calls(&gateway.emulator).into_iter().filter(|(operation, _)| operation == "InvokeModel").map(|(_, body)| body).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_field_gets_its_own_400_naming_it() {
    let gateway = TestGateway::start().await;
    let long_for_cohere = "y".repeat(2049);
    let cases = [
        (json!({"input": "x"}), "model"),
        (json!({"model": 3, "input": "x"}), "model"),
        (json!({"model": TITAN}), "input"),
        (json!({"model": TITAN, "input": ""}), "input"),
        (json!({"model": TITAN, "input": []}), "input"),
        (json!({"model": TITAN, "input": {"text": "x"}}), "input"),
        (json!({"model": TITAN, "input": [101, 102]}), "input"),
        (json!({"model": TITAN, "input": [[101], [102]]}), "input"),
        (json!({"model": TITAN, "input": ["ok", 7]}), "input[1]"),
        (json!({"model": TITAN, "input": ["ok", ""]}), "input[1]"),
        (json!({"model": TITAN, "input": "x", "dimensions": "256"}), "dimensions"),
        (json!({"model": TITAN, "input": "x", "dimensions": -1}), "dimensions"),
        (json!({"model": TITAN, "input": "x", "dimensions": 1536}), "dimensions"),
        (json!({"model": COHERE_V3, "input": "x", "dimensions": 512}), "dimensions"),
        (json!({"model": COHERE_V4, "input": "x", "dimensions": 100}), "dimensions"),
        (json!({"model": TITAN, "input": "x", "encoding_format": "int8"}), "encoding_format"),
        (json!({"model": TITAN, "input": "x", "encoding_format": false}), "encoding_format"),
        (json!({"model": TITAN, "input": "x", "user": ["me"]}), "user"),
        (json!({"model": COHERE_V3, "input": "x", "input_type": "query"}), "input_type"),
        (json!({"model": COHERE_V3, "input": ["ok", long_for_cohere]}), "input[1]"),
        (json!({"model": TITAN, "input": "z".repeat(50_001)}), "input"),
        // A chat model: the gateway has no embedding body for it.
        (json!({"model": "amazon.nova-pro-v1:0", "input": "x"}), "model"),
    ];
    for (body, param) in cases {
        let response = gateway.post("/v1/embeddings", &body).await;
        let error = response.json();
        let shown: String = body.to_string().chars().take(120).collect();
        assert_eq!((response.status, error["error"]["param"].as_str()), (400, Some(param)), "{shown}: {}", response.body);
        assert_eq!(error["error"]["type"], "invalid_request_error", "{shown}");
        assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty() && !m.contains('\n')), "{shown}");
    }
    let model_error = gateway.post("/v1/embeddings", &json!({"model": "amazon.nova-pro-v1:0", "input": "x"})).await.json();
    assert!(model_error["error"]["message"].as_str().is_some_and(|m| m.contains(TITAN) && m.contains(COHERE_V4)), "names the families: {model_error}");
    assert!(invoke_bodies(&gateway).is_empty(), "no refused request reached Bedrock");

    let others = [
        (send(gateway.addr, "POST", "/v1/embeddings", &[("content-type", "application/json")], b"{nope".to_vec()).await, 400, "invalid_json"),
        (send(gateway.addr, "POST", "/v1/embeddings", &[("content-type", "text/plain")], b"{}".to_vec()).await, 415, "unsupported_media_type"),
        (gateway.get("/v1/embeddings").await, 405, "method_not_allowed"),
        (gateway.post("/v1/embeddings", &json!({"model": "vendor.no-such-embedder-v1:0", "input": "x"})).await, 404, "model_not_found"),
    ];
    for (response, status, code) in others {
        assert_eq!((response.status, response.json()["error"]["code"].as_str()), (status, Some(code)), "{}", response.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn titan_takes_a_list_as_one_call_per_text_in_order() {
    let gateway = TestGateway::start().await;
    let texts = ["the first text", "second", "a third one here", "four", "and the fifth"];
    let response = gateway.post("/v1/embeddings", &json!({"model": TITAN, "input": texts, "dimensions": 512, "user": "ignored", "unknown_field": 1})).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let answer = response.json();
    assert_eq!((answer["object"].as_str(), answer["model"].as_str()), (Some("list"), Some(TITAN)));
    let expected: Vec<Vec<f32>> = texts.iter().map(|text| vector("", text, 512, true)).collect();
    assert_eq!(float_vectors(&answer), expected, "each text's vector, in input order");
    for (i, item) in answer["data"].as_array().expect("data").iter().enumerate() {
        assert_eq!((item["object"].as_str(), item["index"].as_u64()), (Some("embedding"), Some(i as u64)));
    }
    let words: u64 = texts.iter().map(|text| text.split_whitespace().count() as u64).sum();
    assert_eq!(answer["usage"], json!({"prompt_tokens": words, "total_tokens": words}), "Titan's inputTextTokenCount, summed");
    let mut sent: Vec<Value> = invoke_bodies(&gateway);
    sent.sort_by_key(|body| body["inputText"].as_str().map(str::to_string));
    let mut wanted: Vec<Value> = texts.iter().map(|text| json!({"inputText": text, "dimensions": 512, "normalize": true})).collect();
    wanted.sort_by_key(|body| body["inputText"].as_str().map(str::to_string));
    assert_eq!(sent, wanted, "one InvokeModel call per text");
    assert!(gateway.handle.metrics().contains("route=\"/v1/embeddings\",status=\"200\""), "counted under its own route");

    let single = gateway.post("/v1/embeddings", &json!({"model": TITAN, "input": "just one"})).await.json();
    assert_eq!(float_vectors(&single), vec![vector("", "just one", 1024, true)], "1024 dimensions by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cohere_batches_at_most_96_texts_per_call() {
    let gateway = TestGateway::start().await;
    let texts: Vec<String> = (0..200).map(|i| format!("text number {i}")).collect();
    let response = gateway.post("/v1/embeddings", &json!({"model": COHERE_V3, "input": texts})).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let answer = response.json();
    let expected: Vec<Vec<f32>> = texts.iter().map(|text| vector("search_document", text, 1024, true)).collect();
    assert_eq!(float_vectors(&answer), expected, "search_document by default, in input order");
    assert_eq!(answer["usage"]["prompt_tokens"], 600, "from Bedrock's input-token header, summed over the calls");
    let mut batches: Vec<usize> = invoke_bodies(&gateway).iter().map(|body| body["texts"].as_array().map_or(0, Vec::len)).collect();
    batches.sort_unstable();
    assert_eq!(batches, [8, 96, 96]);
    assert!(invoke_bodies(&gateway).iter().all(|body| body["input_type"] == "search_document" && body["embedding_types"] == json!(["float"])));

    let v4 = gateway.post("/v1/embeddings", &json!({"model": COHERE_V4, "input": ["q"], "dimensions": 256, "input_type": "search_query"})).await.json();
    assert_eq!(float_vectors(&v4), vec![vector("search_query", "q", 256, true)], "{v4}");
    let sent = invoke_bodies(&gateway).pop().expect("a call");
    assert_eq!((sent["output_dimension"].as_u64(), sent["input_type"].as_str()), (Some(256), Some("search_query")));
    let v4_default = gateway.post("/v1/embeddings", &json!({"model": COHERE_V4, "input": "q"})).await.json();
    assert_eq!(float_vectors(&v4_default)[0].len(), 1536);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base64_carries_the_same_floats_as_float() {
    let gateway = TestGateway::start().await;
    for (model, dimensions) in [(TITAN, 256), (COHERE_V3, 1024), (COHERE_V4, 512)] {
        let body = |format: &str| json!({"model": model, "input": ["alpha beta", "gamma"], "dimensions": dimensions, "encoding_format": format});
        let floats = gateway.post("/v1/embeddings", &body("float")).await.json();
        let encoded = gateway.post("/v1/embeddings", &body("base64")).await.json();
        assert_eq!(base64_vectors(&encoded), float_vectors(&floats), "{model}");
        assert_eq!(float_vectors(&floats)[0].len(), dimensions, "{model}");
        assert_eq!(encoded["usage"], floats["usage"], "{model}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bedrock_errors_are_mapped_as_chat_maps_them() {
    let gateway = TestGateway::start().await;
    let cases = [
        ("ThrottlingException", 429, "rate_limit_exceeded"),
        ("AccessDeniedException", 403, "permission_denied"),
        ("ServiceUnavailableException", 503, "overloaded"),
    ];
    for (error_type, status, code) in cases {
        gateway
            .emulator
            .faults()
            .push(FaultRule::new(Fault::HttpError { error_type: error_type.into(), status: None, message: None }).operation("InvokeModel"));
        let response = gateway.post("/v1/embeddings", &json!({"model": TITAN, "input": "x"})).await;
        assert_eq!((response.status, response.json()["error"]["code"].as_str()), (status, Some(code)), "{error_type}: {}", response.body);
    }
    // One failed call of a Titan list fails the whole request: no partial list.
    gateway
        .emulator
        .faults()
        .push(FaultRule::new(Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None }).operation("InvokeModel"));
    let response = gateway.post("/v1/embeddings", &json!({"model": TITAN, "input": ["a", "b", "c"]})).await;
    assert_eq!(response.status, 429, "{}", response.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_list_marks_what_embeds() {
    let gateway = TestGateway::start().await;
    let response = gateway.get("/v1/models").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let list = response.json();
    let data = list["data"].as_array().cloned().unwrap_or_default();
    let capabilities = |id: &str| data.iter().find(|m| m["id"] == id).map(|m| m["capabilities"].clone());
    assert_eq!(capabilities("amazon.nova-pro-v1:0"), Some(json!(["chat"])));
    for (id, dimensions) in [
        (TITAN, json!([256, 512, 1024])),
        (COHERE_V3, json!([1024])),
        ("cohere.embed-multilingual-v3", json!([1024])),
        (COHERE_V4, json!([256, 512, 1024, 1536])),
    ] {
        let entry = data.iter().find(|m| m["id"] == id).unwrap_or_else(|| panic!("{id} listed: {list}"));
        assert_eq!((&entry["capabilities"], &entry["dimensions"], &entry["object"]), (&json!(["embeddings"]), &dimensions, &json!("model")), "{entry}");
    }
    assert_eq!(capabilities("amazon.titan-embed-image-v1"), None, "no body for the image embedder: not listed");
    assert!(data.iter().all(|m| m["capabilities"] == json!(["chat"]) || m["capabilities"] == json!(["embeddings"])), "every entry marked");
    let listings = || gateway.emulator.request_log().iter().filter(|entry| entry.operation == "ListFoundationModels").count();
    let before = listings();
    assert_eq!(gateway.get("/v1/models").await.json(), list, "the same list again");
    assert_eq!(listings(), before, "the embedding models come from the catalog cache, not another listing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_policy_cannot_route_embeddings() {
    let gateway = TestGateway::start_with(Setup { policy: TestGuest::AltPolicy.path(), ..Setup::default() }).await;
    assert_eq!(gateway.handle.serving().policy().contract().as_str(), "0.1.0");
    let response = gateway.post("/v1/embeddings", &json!({"model": TITAN, "input": "x"})).await;
    assert_eq!((response.status, response.json()["error"]["code"].as_str()), (501, Some("unsupported_by_policy")), "{}", response.body);
    assert!(invoke_bodies(&gateway).is_empty());
}

const CLIENT: &str = r#"
import base64, json, struct, sys
from openai import OpenAI
client = OpenAI(base_url=sys.argv[1], api_key="unused-by-the-gateway", max_retries=0, timeout=30)
texts = ["hello from python", "a second text"]
out = {}
for model, dims in [("amazon.titan-embed-text-v2:0", 256), ("cohere.embed-english-v3", None)]:
    extra = {} if dims is None else {"dimensions": dims}
    floats = client.embeddings.create(model=model, input=texts, encoding_format="float", **extra)
    encoded = client.embeddings.create(model=model, input=texts, encoding_format="base64", **extra)
    # Unasked, the client requests base64 and decodes it itself.
    default = client.embeddings.create(model=model, input=texts[0], **extra)
    out[model] = {
        "float": [d.embedding for d in floats.data],
        # Asked for explicitly, base64 comes back as sent: little-endian f32s.
        "base64": [list(struct.unpack("<%df" % (len(base64.b64decode(d.embedding)) // 4), base64.b64decode(d.embedding))) for d in encoded.data],
        "default": [list(d.embedding) for d in default.data],
        "usage": [floats.usage.prompt_tokens, floats.usage.total_tokens],
        "object": [floats.object, floats.data[0].object, floats.data[1].index, floats.model],
    }
try:
    client.embeddings.create(model="amazon.titan-embed-text-v2:0", input="x", dimensions=100)
except Exception as error:
    out["bad_dimensions"] = [type(error).__name__, error.status_code, getattr(error, "param", None)]
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_openai_python_client_gets_the_emulators_vectors() {
    let Some(python) = openclaw_test_support::python_with("the_official_openai_python_client_gets_the_emulators_vectors", &["openai"]) else { return };
    let gateway = TestGateway::start().await;
    let base_url = format!("http://{}/v1", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", CLIENT, &base_url]).await;
    let as_f32 = |value: &Value| -> Vec<Vec<f32>> {
        value
            .as_array()
            .map(|list| list.iter().map(|v| v.as_array().map(|v| v.iter().filter_map(Value::as_f64).map(|n| n as f32).collect()).unwrap_or_default()).collect())
            .unwrap_or_default()
    };
    let texts = ["hello from python", "a second text"];
    for (model, seed, dimensions) in [(TITAN, "", 256), (COHERE_V3, "search_document", 1024)] {
        let expected: Vec<Vec<f32>> = texts.iter().map(|text| vector(seed, text, dimensions, true)).collect();
        let answers = &out[model];
        assert_eq!(as_f32(&answers["float"]), expected, "{model} float");
        assert_eq!(as_f32(&answers["base64"]), expected, "{model} base64, decoded by the client");
        assert_eq!(as_f32(&answers["default"]), expected[..1].to_vec(), "{model} default encoding");
        assert_eq!(answers["usage"], json!([6, 6]), "{model}: three words in each text");
        assert_eq!(answers["object"], json!(["list", "embedding", 1, model]), "{model}");
    }
    assert_eq!(out["bad_dimensions"], json!(["BadRequestError", 400, "dimensions"]), "{out}");
}
