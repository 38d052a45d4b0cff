//! The OpenAI embeddings request, read field by field from the JSON body: every wrong type or
//! value is its own 400 naming the field (`param`), as OpenAI answers. Unknown fields are
//! ignored, as OpenAI-compatible servers do (docs/api-embeddings.md, "Fields").

use super::super::errors::HttpError;
use serde_json::{Map, Value};

/// Most inputs one request may carry (OpenAI's own limit).
pub const MAX_INPUTS: usize = 2048;

/// How the vectors are sent back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A JSON list of numbers.
    Float,
    /// The little-endian `f32` bytes, base64 (standard alphabet, padded), as OpenAI sends them.
    Base64,
}

/// Cohere's `input_type`: what the vectors are for (Cohere prepends a different marker to each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// Texts stored for search (the default: what most clients of this route index).
    SearchDocument,
    /// A search query against such texts.
    SearchQuery,
    /// Input to a classifier.
    Classification,
    /// Input to clustering.
    Clustering,
}

impl InputType {
    const ALL: [(&'static str, InputType); 4] = [
        ("search_document", InputType::SearchDocument),
        ("search_query", InputType::SearchQuery),
        ("classification", InputType::Classification),
        ("clustering", InputType::Clustering),
    ];

    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(_, kind)| *kind == self).map_or("search_document", |(name, _)| name)
    }
}

/// A checked `POST /v1/embeddings` body.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingsRequest {
    /// The model as the client wrote it (trimmed), echoed in the response.
    pub model: String,
    /// The texts, in order; at least one, none empty.
    pub inputs: Vec<String>,
    /// Whether `input` was a single string (errors about it then name `input`, not `input[0]`).
    pub single: bool,
    /// `dimensions`, checked against the model later (it depends on the model's family).
    pub dimensions: Option<u32>,
    /// `encoding_format`.
    pub encoding: Encoding,
    /// `input_type` (an extension for Cohere models; Titan has no such setting).
    pub input_type: InputType,
}

impl EmbeddingsRequest {
    /// The `param` naming input `index`.
    pub fn input_param(&self, index: usize) -> String {
        if self.single { "input".to_string() } else { format!("input[{index}]") }
    }
}

/// Reads a request body (already known to be JSON).
pub fn parse(body: &Value) -> Result<EmbeddingsRequest, HttpError> {
    let Some(object) = body.as_object() else {
        return Err(HttpError::invalid("", "the request body must be a JSON object"));
    };
    let model = match object.get("model") {
        Some(Value::String(model)) if !model.trim().is_empty() => model.trim().to_string(),
        None | Some(Value::Null) | Some(Value::String(_)) => return Err(HttpError::invalid("model", "`model` is required: the embedding model to use")),
        Some(_) => return Err(HttpError::invalid("model", "`model` must be a string")),
    };
    let (inputs, single) = parse_input(object.get("input"))?;
    let dimensions = match object.get("dimensions") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64().and_then(|v| u32::try_from(v).ok()) {
            Some(n) if n >= 1 => Some(n),
            _ => return Err(HttpError::invalid("dimensions", "`dimensions` must be a positive integer")),
        },
    };
    let encoding = match object.get("encoding_format") {
        None | Some(Value::Null) => Encoding::Float,
        Some(Value::String(format)) if format == "float" => Encoding::Float,
        Some(Value::String(format)) if format == "base64" => Encoding::Base64,
        Some(_) => return Err(HttpError::invalid("encoding_format", "`encoding_format` must be \"float\" or \"base64\"")),
    };
    // Accepted so that OpenAI clients which send it are served; nothing is done with it.
    if object.get("user").is_some_and(|user| !user.is_null() && !user.is_string()) {
        return Err(HttpError::invalid("user", "`user` must be a string"));
    }
    let input_type = parse_input_type(object)?;
    Ok(EmbeddingsRequest { model, inputs, single, dimensions, encoding, input_type })
}

/// `input`: one string or a list of strings. Token arrays (lists of integers, or lists of
/// them) are OpenAI's pre-tokenized form: Bedrock's models take text only, so they are refused.
fn parse_input(input: Option<&Value>) -> Result<(Vec<String>, bool), HttpError> {
    const TOKENS: &str = "token arrays are not supported: Bedrock's embedding models take text; send strings";
    let list = match input {
        None | Some(Value::Null) => return Err(HttpError::invalid("input", "`input` is required: a string or a list of strings")),
        Some(Value::String(text)) if text.is_empty() => return Err(HttpError::invalid("input", "`input` must not be an empty string")),
        Some(Value::String(text)) => return Ok((vec![text.clone()], true)),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(HttpError::invalid("input", "`input` must be a string or a list of strings")),
    };
    if list.is_empty() {
        return Err(HttpError::invalid("input", "`input` must not be an empty list"));
    }
    if list.len() > MAX_INPUTS {
        return Err(HttpError::invalid("input", format!("`input` has {} items; at most {MAX_INPUTS} are taken per request", list.len())));
    }
    if list.iter().all(|item| item.is_u64() || item.is_i64()) || list.iter().any(Value::is_array) {
        return Err(HttpError::invalid("input", TOKENS));
    }
    let mut texts = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        match item {
            Value::String(text) if text.is_empty() => {
                return Err(HttpError::invalid(format!("input[{i}]"), format!("`input[{i}]` must not be an empty string")));
            }
            Value::String(text) => texts.push(text.clone()),
            _ => return Err(HttpError::invalid(format!("input[{i}]"), format!("`input[{i}]` must be a string"))),
        }
    }
    Ok((texts, false))
}

fn parse_input_type(object: &Map<String, Value>) -> Result<InputType, HttpError> {
    let names = || InputType::ALL.iter().map(|(name, _)| format!("\"{name}\"")).collect::<Vec<_>>().join(", ");
    match object.get("input_type") {
        None | Some(Value::Null) => Ok(InputType::SearchDocument),
        Some(Value::String(name)) => InputType::ALL
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, kind)| *kind)
            .ok_or_else(|| HttpError::invalid("input_type", format!("`input_type` must be one of {}", names()))),
        Some(_) => Err(HttpError::invalid("input_type", format!("`input_type` must be one of {}", names()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inputs_come_as_a_string_or_a_list() {
        let one = parse(&json!({"model": " m ", "input": "hello"})).expect("valid");
        assert_eq!((one.model.as_str(), one.inputs.as_slice(), one.single), ("m", &["hello".to_string()][..], true));
        assert_eq!((one.encoding, one.dimensions, one.input_type), (Encoding::Float, None, InputType::SearchDocument));
        let many = parse(
            &json!({"model": "m", "input": ["a", "b"], "dimensions": 256, "encoding_format": "base64", "user": "u", "input_type": "search_query", "extra": 1}),
        )
        .expect("valid");
        assert_eq!((many.inputs.len(), many.single, many.dimensions), (2, false, Some(256)));
        assert_eq!((many.encoding, many.input_type), (Encoding::Base64, InputType::SearchQuery));
        assert_eq!((many.input_param(1), one.input_param(0)), ("input[1]".to_string(), "input".to_string()));
    }

    #[test]
    fn each_bad_field_is_its_own_refusal() {
        let too_many: Vec<String> = (0..=MAX_INPUTS).map(|i| i.to_string()).collect();
        let cases = [
            (json!([]), ""),
            (json!({"input": "x"}), "model"),
            (json!({"model": "", "input": "x"}), "model"),
            (json!({"model": 7, "input": "x"}), "model"),
            (json!({"model": "m"}), "input"),
            (json!({"model": "m", "input": ""}), "input"),
            (json!({"model": "m", "input": []}), "input"),
            (json!({"model": "m", "input": 5}), "input"),
            (json!({"model": "m", "input": [1, 2, 3]}), "input"),
            (json!({"model": "m", "input": [[1, 2], [3]]}), "input"),
            (json!({"model": "m", "input": too_many}), "input"),
            (json!({"model": "m", "input": ["a", ""]}), "input[1]"),
            (json!({"model": "m", "input": ["a", 2]}), "input[1]"),
            (json!({"model": "m", "input": "x", "dimensions": "256"}), "dimensions"),
            (json!({"model": "m", "input": "x", "dimensions": 0}), "dimensions"),
            (json!({"model": "m", "input": "x", "dimensions": 25.5}), "dimensions"),
            (json!({"model": "m", "input": "x", "encoding_format": "int8"}), "encoding_format"),
            (json!({"model": "m", "input": "x", "encoding_format": 1}), "encoding_format"),
            (json!({"model": "m", "input": "x", "user": 1}), "user"),
            (json!({"model": "m", "input": "x", "input_type": "image"}), "input_type"),
        ];
        for (body, param) in cases {
            let error = parse(&body).expect_err(&body.to_string());
            assert_eq!((error.status, error.param.as_deref()), (400, Some(param)), "{body}: {error}");
        }
    }
}
