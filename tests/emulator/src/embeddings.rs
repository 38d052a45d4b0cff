//! InvokeModel for Bedrock's text embedding bodies: Amazon Titan Text Embeddings V2
//! (`inputText`, one text per call) and Cohere Embed v3 and v4 (`texts`, up to 96 per call).
//!
//! Bodies are checked as Bedrock checks them, against the model's JSON schema, and refused with
//! its wording: `Malformed input request: #/dimensions: 100 is not a valid enum value, please
//! reformat your input and try again.` (several violations run together, as Bedrock sends them).
//! Limits are the model pages': Titan V2 `dimensions` 256, 512 or 1024, `inputText` up to 50,000
//! characters; Cohere `input_type` required, at most 96 `texts`, v3 texts up to 2,048
//! characters; v4 `output_dimension` 256, 512, 1024 or 1536.
//!
//! Vectors are deterministic ([`vector`]): derived from a hash of the text (and, for Cohere, of
//! its `input_type`, as the model's vectors depend on it), unit length when Titan's `normalize`
//! is true (its default) and always for Cohere. Input tokens are counted as the rest of the
//! emulator counts them (a token is a word): Titan's in `inputTextTokenCount`, Cohere's only in
//! the `X-Amzn-Bedrock-Input-Token-Count` header, as on Bedrock.

use serde_json::{Map, Value, json};

use crate::errors::ApiError;
use crate::runtime::count_tokens;

/// Titan V2's accepted `dimensions`.
pub const TITAN_DIMENSIONS: [u64; 3] = [256, 512, 1024];
/// Cohere v4's accepted `output_dimension`.
pub const COHERE_V4_DIMENSIONS: [u64; 4] = [256, 512, 1024, 1536];
/// Cohere v3's fixed vector size.
pub const COHERE_V3_DIMENSIONS: usize = 1024;
/// Most `texts` one Cohere call takes.
pub const COHERE_MAX_TEXTS: usize = 96;
/// Most characters of Titan V2's `inputText`.
pub const TITAN_MAX_CHARS: usize = 50_000;
/// Most characters of one Cohere v3 text.
pub const COHERE_V3_MAX_CHARS: usize = 2_048;

/// An embedding model family with a checked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedder {
    /// `amazon.titan-embed-text-v2:0`.
    TitanV2,
    /// `cohere.embed-english-v3`, `cohere.embed-multilingual-v3`.
    CohereV3,
    /// `cohere.embed-v4:0`.
    CohereV4,
}

impl Embedder {
    /// The family of a foundation model id; `None` for a model without a checked body here.
    pub fn of(model_id: &str) -> Option<Self> {
        if model_id.starts_with("amazon.titan-embed-text-v2") {
            Some(Embedder::TitanV2)
        } else if model_id.starts_with("cohere.embed-v4") {
            Some(Embedder::CohereV4)
        } else if model_id.starts_with("cohere.embed-english-v3") || model_id.starts_with("cohere.embed-multilingual-v3") {
            Some(Embedder::CohereV3)
        } else {
            None
        }
    }
}

/// An answer: the body, and the input tokens for the response header.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded {
    /// The response body.
    pub body: Value,
    /// Input tokens (`X-Amzn-Bedrock-Input-Token-Count`).
    pub input_tokens: u64,
}

/// The deterministic vector of `text`: `dimensions` numbers from a hash of `seed` and `text`,
/// unit length when `normalize`. Single precision, as Bedrock's vectors are.
pub fn vector(seed: &str, text: &str, dimensions: usize, normalize: bool) -> Vec<f32> {
    // FNV-1a over seed, a separator and text, then splitmix64 for the numbers.
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in seed.bytes().chain([0]).chain(text.bytes()) {
        state = (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut numbers: Vec<f32> = (0..dimensions)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            // 24 random bits: exactly representable, in [-1, 1).
            ((z >> 40) as f32 / (1u32 << 23) as f32) - 1.0
        })
        .collect();
    if normalize {
        let norm = numbers.iter().map(|n| f64::from(*n) * f64::from(*n)).sum::<f64>().sqrt();
        if norm > 0.0 {
            numbers.iter_mut().for_each(|n| *n = (f64::from(*n) / norm) as f32);
        }
    }
    numbers
}

/// `POST /model/{id}/invoke` for an embedding model.
pub fn invoke(embedder: Embedder, body: &Value) -> Result<Embedded, ApiError> {
    let Some(object) = body.as_object() else {
        return Err(malformed(vec![format!("#: expected type: JSONObject, found: {}", type_name(body))]));
    };
    match embedder {
        Embedder::TitanV2 => titan(object),
        Embedder::CohereV3 | Embedder::CohereV4 => cohere(embedder, object),
    }
}

fn titan(body: &Map<String, Value>) -> Result<Embedded, ApiError> {
    let mut violations = extraneous(body, &["inputText", "dimensions", "normalize", "embeddingTypes"]);
    match body.get("inputText") {
        None => violations.push("#: required key [inputText] not found".into()),
        Some(Value::String(text)) => check_length("#/inputText", text, 1, TITAN_MAX_CHARS, &mut violations),
        Some(other) => violations.push(wrong_type("#/inputText", "String", other)),
    }
    let dimensions = enum_integer(body, "dimensions", &TITAN_DIMENSIONS, &mut violations).unwrap_or(1024);
    let normalize = match body.get("normalize") {
        None => true,
        Some(Value::Bool(normalize)) => *normalize,
        Some(other) => {
            violations.push(wrong_type("#/normalize", "Boolean", other));
            true
        }
    };
    let types = enum_strings(body, "embeddingTypes", &["float", "binary"], &mut violations);
    if !violations.is_empty() {
        return Err(malformed(violations));
    }
    let text = body.get("inputText").and_then(Value::as_str).unwrap_or_default();
    let numbers = vector("", text, dimensions as usize, normalize);
    let tokens = count_tokens(text);
    let mut by_type = Map::new();
    for kind in types.unwrap_or_else(|| vec!["float".into()]) {
        let value = if kind == "binary" { json!(numbers.iter().map(|n| u8::from(*n > 0.0)).collect::<Vec<_>>()) } else { json!(numbers) };
        by_type.insert(kind, value);
    }
    Ok(Embedded { body: json!({ "embedding": numbers, "inputTextTokenCount": tokens, "embeddingsByType": by_type }), input_tokens: tokens })
}

fn cohere(embedder: Embedder, body: &Map<String, Value>) -> Result<Embedded, ApiError> {
    let v4 = embedder == Embedder::CohereV4;
    let allowed: &[&str] = if v4 {
        &["texts", "images", "inputs", "input_type", "embedding_types", "output_dimension", "max_tokens", "truncate"]
    } else {
        &["texts", "images", "input_type", "truncate", "embedding_types"]
    };
    let mut violations = extraneous(body, allowed);
    let input_types: &[&str] = if v4 {
        &["search_document", "search_query", "classification", "clustering"]
    } else {
        &["search_document", "search_query", "classification", "clustering", "image"]
    };
    let input_type = match body.get("input_type") {
        None => {
            violations.push("#: required key [input_type] not found".into());
            ""
        }
        Some(Value::String(kind)) if input_types.contains(&kind.as_str()) => kind.as_str(),
        Some(Value::String(kind)) => {
            violations.push(format!("#/input_type: {kind} is not a valid enum value"));
            ""
        }
        Some(other) => {
            violations.push(wrong_type("#/input_type", "String", other));
            ""
        }
    };
    let texts = cohere_texts(embedder, body, &mut violations);
    let truncate: &[&str] = if v4 { &["NONE", "LEFT", "RIGHT"] } else { &["NONE", "START", "END"] };
    if let Some(value) = body.get("truncate").filter(|value| !value.as_str().is_some_and(|t| truncate.contains(&t))) {
        violations.push(format!("#/truncate: {} is not a valid enum value", plain(value)));
    }
    let types = enum_strings(body, "embedding_types", &["float", "int8", "uint8", "binary", "ubinary"], &mut violations);
    let dimensions =
        if v4 { enum_integer(body, "output_dimension", &COHERE_V4_DIMENSIONS, &mut violations).unwrap_or(1536) as usize } else { COHERE_V3_DIMENSIONS };
    if !violations.is_empty() {
        return Err(malformed(violations));
    }
    let vectors: Vec<Vec<f32>> = texts.iter().map(|text| vector(input_type, text, dimensions, true)).collect();
    let tokens = texts.iter().map(|text| count_tokens(text)).sum();
    let id = crate::reply::request_id();
    let body = match types {
        // Without `embedding_types` Cohere answers the plain float list.
        None => json!({ "id": id, "embeddings": vectors, "texts": texts, "response_type": "embeddings_floats" }),
        Some(kinds) => {
            let by_type: Map<String, Value> = kinds.into_iter().map(|kind| (kind.clone(), quantized(&kind, &vectors))).collect();
            json!({ "id": id, "embeddings": by_type, "texts": texts, "response_type": "embeddings_by_type" })
        }
    };
    Ok(Embedded { body, input_tokens: tokens })
}

/// The texts to embed: `texts`, or what stands for `images` / v4's `inputs` (hashed as JSON).
fn cohere_texts(embedder: Embedder, body: &Map<String, Value>, violations: &mut Vec<String>) -> Vec<String> {
    let key = ["texts", "images", "inputs"].into_iter().find(|key| body.contains_key(*key));
    let Some(key) = key else {
        violations.push("#: required key [texts] not found".into());
        return Vec::new();
    };
    let Some(list) = body.get(key).and_then(Value::as_array) else {
        violations.push(wrong_type(&format!("#/{key}"), "JSONArray", &body[key]));
        return Vec::new();
    };
    if list.len() > COHERE_MAX_TEXTS {
        violations.push(format!("#/{key}: expected maximum item count: {COHERE_MAX_TEXTS}, found: {}", list.len()));
    }
    let mut texts = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        match item {
            Value::String(text) if key == "texts" => {
                if embedder == Embedder::CohereV3 {
                    check_length(&format!("#/texts/{i}"), text, 0, COHERE_V3_MAX_CHARS, violations);
                }
                texts.push(text.clone());
            }
            _ if key == "texts" => violations.push(wrong_type(&format!("#/texts/{i}"), "String", item)),
            other => texts.push(other.to_string()),
        }
    }
    texts
}

/// Cohere's other embedding types, from the float vectors.
fn quantized(kind: &str, vectors: &[Vec<f32>]) -> Value {
    let each = |vector: &Vec<f32>| -> Value {
        match kind {
            "int8" => json!(vector.iter().map(|n| (n * 127.0).round() as i8).collect::<Vec<_>>()),
            "uint8" => json!(vector.iter().map(|n| ((n + 1.0) * 127.5).round() as u8).collect::<Vec<_>>()),
            // One bit per number (positive: 1), eight to a byte, signed or not.
            "binary" | "ubinary" => {
                let bytes = vector.chunks(8).map(|bits| bits.iter().fold(0u8, |byte, n| (byte << 1) | u8::from(*n > 0.0)));
                if kind == "binary" { json!(bytes.map(|b| (b as i16 - 128) as i8).collect::<Vec<_>>()) } else { json!(bytes.collect::<Vec<_>>()) }
            }
            _ => json!(vector),
        }
    };
    Value::Array(vectors.iter().map(each).collect())
}

/// Bedrock's refusal of a body that breaks the model's schema.
fn malformed(violations: Vec<String>) -> ApiError {
    ApiError::validation(format!("Malformed input request: {}, please reformat your input and try again.", violations.concat()))
}

fn extraneous(body: &Map<String, Value>, allowed: &[&str]) -> Vec<String> {
    body.keys().filter(|key| !allowed.contains(&key.as_str())).map(|key| format!("#: extraneous key [{key}] is not permitted")).collect()
}

fn check_length(path: &str, text: &str, min: usize, max: usize, violations: &mut Vec<String>) {
    let length = text.chars().count();
    if length < min {
        violations.push(format!("{path}: expected minLength: {min}, actual: {length}"));
    } else if length > max {
        violations.push(format!("{path}: expected maxLength: {max}, actual: {length}"));
    }
}

/// An optional integer field limited to `allowed`.
fn enum_integer(body: &Map<String, Value>, key: &str, allowed: &[u64], violations: &mut Vec<String>) -> Option<u64> {
    match body.get(key)? {
        Value::Number(n) if n.as_u64().is_some_and(|n| allowed.contains(&n)) => n.as_u64(),
        Value::Number(n) if n.is_u64() || n.is_i64() => {
            violations.push(format!("#/{key}: {n} is not a valid enum value"));
            None
        }
        other => {
            violations.push(wrong_type(&format!("#/{key}"), "Integer", other));
            None
        }
    }
}

/// An optional list of strings, each one of `allowed`.
fn enum_strings(body: &Map<String, Value>, key: &str, allowed: &[&str], violations: &mut Vec<String>) -> Option<Vec<String>> {
    let list = match body.get(key)? {
        Value::Array(list) => list,
        other => {
            violations.push(wrong_type(&format!("#/{key}"), "JSONArray", other));
            return None;
        }
    };
    let mut kinds = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        match item.as_str() {
            Some(kind) if allowed.contains(&kind) => kinds.push(kind.to_string()),
            _ => violations.push(format!("#/{key}/{i}: {} is not a valid enum value", plain(item))),
        }
    }
    Some(kinds)
}

fn wrong_type(path: &str, expected: &str, found: &Value) -> String {
    format!("{path}: expected type: {expected}, found: {}", type_name(found))
}

/// The schema validator's name for a JSON value's type.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_f64() => "BigDecimal",
        Value::Number(_) => "Integer",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}

/// A value as the validator quotes it: strings bare, the rest as JSON.
fn plain(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(embedder: Embedder, body: Value) -> String {
        invoke(embedder, &body).map(|_| String::new()).unwrap_or_else(|error| error.message)
    }

    #[test]
    fn bodies_are_refused_as_bedrock_refuses_them() {
        let long = "x".repeat(TITAN_MAX_CHARS + 1);
        let many: Vec<String> = (0..=COHERE_MAX_TEXTS).map(|i| format!("t{i}")).collect();
        let cases = [
            (Embedder::TitanV2, json!({}), "#: required key [inputText] not found"),
            (Embedder::TitanV2, json!({"inputText": 5}), "#/inputText: expected type: String, found: Integer"),
            (Embedder::TitanV2, json!({"inputText": ""}), "#/inputText: expected minLength: 1, actual: 0"),
            (Embedder::TitanV2, json!({"inputText": long}), "#/inputText: expected maxLength: 50000, actual: 50001"),
            (Embedder::TitanV2, json!({"inputText": "a", "dimensions": 100}), "#/dimensions: 100 is not a valid enum value"),
            (Embedder::TitanV2, json!({"inputText": "a", "dimensions": "256"}), "#/dimensions: expected type: Integer, found: String"),
            (Embedder::TitanV2, json!({"inputText": "a", "normalize": "yes"}), "#/normalize: expected type: Boolean, found: String"),
            (Embedder::TitanV2, json!({"inputText": "a", "embeddingTypes": ["int8"]}), "#/embeddingTypes/0: int8 is not a valid enum value"),
            (Embedder::TitanV2, json!({"texts": ["a"]}), "#: extraneous key [texts] is not permitted#: required key [inputText] not found"),
            (Embedder::CohereV3, json!({"texts": ["a"]}), "#: required key [input_type] not found"),
            (Embedder::CohereV3, json!({"texts": ["a"], "input_type": "query"}), "#/input_type: query is not a valid enum value"),
            (Embedder::CohereV3, json!({"input_type": "search_query"}), "#: required key [texts] not found"),
            (Embedder::CohereV3, json!({"texts": many, "input_type": "search_query"}), "#/texts: expected maximum item count: 96, found: 97"),
            (Embedder::CohereV3, json!({"texts": ["y".repeat(2049)], "input_type": "search_query"}), "#/texts/0: expected maxLength: 2048, actual: 2049"),
            (
                Embedder::CohereV3,
                json!({"texts": ["a"], "input_type": "search_query", "output_dimension": 256}),
                "#: extraneous key [output_dimension] is not permitted",
            ),
            (Embedder::CohereV3, json!({"texts": ["a"], "input_type": "search_query", "truncate": "LEFT"}), "#/truncate: LEFT is not a valid enum value"),
            (
                Embedder::CohereV4,
                json!({"texts": ["a"], "input_type": "search_query", "output_dimension": 100}),
                "#/output_dimension: 100 is not a valid enum value",
            ),
            (Embedder::CohereV4, json!({"texts": ["a"], "input_type": "image"}), "#/input_type: image is not a valid enum value"),
        ];
        for (embedder, body, expected) in cases {
            let message = refusal(embedder, body.clone());
            assert_eq!(message, format!("Malformed input request: {expected}, please reformat your input and try again."), "{embedder:?} {body}");
        }
    }

    #[test]
    fn vectors_are_deterministic_and_sized() {
        let titan = invoke(Embedder::TitanV2, &json!({"inputText": "hello there world", "dimensions": 256})).expect("valid");
        let numbers: Vec<f64> = titan.body["embedding"].as_array().expect("list").iter().filter_map(Value::as_f64).collect();
        assert_eq!((numbers.len(), titan.input_tokens, titan.body["inputTextTokenCount"].as_u64()), (256, 3, Some(3)));
        assert!((numbers.iter().map(|n| n * n).sum::<f64>() - 1.0).abs() < 1e-4, "unit length");
        assert_eq!(numbers, vector("", "hello there world", 256, true).iter().map(|n| f64::from(*n)).collect::<Vec<_>>());
        assert_eq!(titan.body["embeddingsByType"]["float"], titan.body["embedding"]);
        let raw = invoke(Embedder::TitanV2, &json!({"inputText": "hello", "normalize": false})).expect("valid");
        assert_eq!(raw.body["embedding"].as_array().map(Vec::len), Some(1024));
        assert_ne!(vector("", "hello", 8, false), vector("", "hello!", 8, false));

        let cohere = invoke(Embedder::CohereV3, &json!({"texts": ["a b", "c"], "input_type": "search_query"})).expect("valid");
        assert_eq!((cohere.body["response_type"].as_str(), cohere.input_tokens), (Some("embeddings_floats"), 3));
        assert_eq!(cohere.body["embeddings"].as_array().map(|list| (list.len(), list[0].as_array().map(Vec::len))), Some((2, Some(1024))));
        assert_ne!(vector("search_query", "a", 4, true), vector("search_document", "a", 4, true), "input_type changes the vector");
        let v4 =
            invoke(Embedder::CohereV4, &json!({"texts": ["a"], "input_type": "clustering", "embedding_types": ["float", "int8"], "output_dimension": 512}))
                .expect("valid");
        assert_eq!(v4.body["response_type"], "embeddings_by_type");
        assert_eq!(
            (v4.body["embeddings"]["float"][0].as_array().map(Vec::len), v4.body["embeddings"]["int8"][0].as_array().map(Vec::len)),
            (Some(512), Some(512))
        );
        let default = invoke(Embedder::CohereV4, &json!({"texts": ["a"], "input_type": "clustering"})).expect("valid");
        assert_eq!(default.body["embeddings"][0].as_array().map(Vec::len), Some(1536));
    }

    #[test]
    fn families_are_known_by_model_id() {
        let cases = [
            ("amazon.titan-embed-text-v2:0", Some(Embedder::TitanV2)),
            ("cohere.embed-english-v3", Some(Embedder::CohereV3)),
            ("cohere.embed-multilingual-v3", Some(Embedder::CohereV3)),
            ("cohere.embed-v4:0", Some(Embedder::CohereV4)),
            ("amazon.titan-embed-image-v1", None),
        ];
        for (id, embedder) in cases {
            assert_eq!(Embedder::of(id), embedder, "{id}");
        }
    }
}
