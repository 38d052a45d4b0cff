//! Structured output and forced tool calls: the emulator answers with a *minimal instance* of a
//! JSON schema, the smallest document that satisfies it, so a test can predict it exactly.
//!
//! - `object`: its `required` properties, each a minimal instance (others left out).
//! - `string`: `const`, else the first `enum` value, else `minLength` times `a` (so `""`).
//! - `integer` / `number`: `minimum` (or `exclusiveMinimum` + 1), else 0.
//! - `boolean`: `false`; `null`: `null`; `array`: `minItems` minimal instances of `items`.
//! - `anyOf` / `oneOf` / a `type` list: the first alternative. No `type`: `{}` when it lists
//!   `properties`, else `null`.
//!
//! `outputConfig.textFormat` (`type: json_schema`, `structure.jsonSchema.schema` the schema as a
//! JSON string) makes the text answer that minimal instance, on the models Bedrock documents
//! structured outputs for (see [`supports_structured_output`]); others get a ValidationException.

use serde_json::{Map, Value, json};

use crate::errors::ApiError;

/// How deep a schema may nest before the emulator gives up (a client controls the schema).
const MAX_DEPTH: usize = 32;

/// The smallest document that satisfies `schema` (see the module documentation).
pub fn minimal_instance(schema: &Value) -> Value {
    instance(schema, 0)
}

fn instance(schema: &Value, depth: usize) -> Value {
    let Some(object) = schema.as_object() else { return Value::Null };
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(value) = object.get("const") {
        return value.clone();
    }
    if let Some(first) = object.get("enum").and_then(Value::as_array).and_then(|values| values.first()) {
        return first.clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(first) = object.get(key).and_then(Value::as_array).and_then(|alternatives| alternatives.first()) {
            return instance(first, depth + 1);
        }
    }
    let kind = match object.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(Value::Array(kinds)) => kinds.first().and_then(Value::as_str).unwrap_or("null"),
        _ if object.contains_key("properties") => "object",
        _ => "null",
    };
    let number = |key: &str| object.get(key).and_then(Value::as_f64);
    match kind {
        "object" => {
            let properties = object.get("properties").and_then(Value::as_object);
            let mut out = Map::new();
            for name in object.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                let property = properties.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
                out.insert(name.to_string(), instance(property, depth + 1));
            }
            Value::Object(out)
        }
        "string" => {
            let length = object.get("minLength").and_then(Value::as_u64).unwrap_or(0).min(1024) as usize;
            Value::String("a".repeat(length))
        }
        "integer" => {
            let low = number("minimum").or_else(|| number("exclusiveMinimum").map(|m| m.floor() + 1.0)).unwrap_or(0.0);
            json!(low.ceil() as i64)
        }
        "number" => {
            let low = number("minimum").or_else(|| number("exclusiveMinimum").map(|m| m + 1.0)).unwrap_or(0.0);
            json!(low)
        }
        "boolean" => Value::Bool(false),
        "array" => {
            let count = object.get("minItems").and_then(Value::as_u64).unwrap_or(0).min(64) as usize;
            let item = object.get("items").map(|items| instance(items, depth + 1)).unwrap_or(Value::Null);
            Value::Array(vec![item; count])
        }
        _ => Value::Null,
    }
}

/// Whether Bedrock documents structured outputs (`outputConfig.textFormat`) for the model:
/// Claude Haiku 4.5, Sonnet 4.5 and 4.6, Opus 4.5 and 4.6, and the open-weight families
/// (Qwen, DeepSeek, Mistral, Gemma, Nemotron, MiniMax, Kimi, gpt-oss).
pub fn supports_structured_output(model_id: &str) -> bool {
    const CLAUDE: [&str; 5] =
        ["anthropic.claude-haiku-4-5", "anthropic.claude-sonnet-4-5", "anthropic.claude-sonnet-4-6", "anthropic.claude-opus-4-5", "anthropic.claude-opus-4-6"];
    const OPEN: [&str; 8] = ["qwen.", "deepseek.", "mistral.", "google.", "nvidia.", "minimax.", "moonshot", "openai."];
    CLAUDE.iter().chain(OPEN.iter()).any(|prefix| model_id.starts_with(prefix))
}

/// The schema `outputConfig.textFormat` asks the answer to follow, if any.
pub fn requested_schema(body: &Value, model_id: &str) -> Result<Option<Value>, ApiError> {
    let Some(format) = body.get("outputConfig").and_then(|c| c.get("textFormat")) else { return Ok(None) };
    let kind = format.get("type").and_then(Value::as_str).unwrap_or("");
    if kind != "json_schema" {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{kind}' at 'outputConfig.textFormat.type' failed to satisfy constraint: Member must satisfy enum value set: [json_schema]"
        )));
    }
    if !supports_structured_output(model_id) {
        return Err(ApiError::validation("This model doesn't support structured outputs (outputConfig.textFormat). Try again with a supported model."));
    }
    let text = format.get("structure").and_then(|s| s.get("jsonSchema")).and_then(|j| j.get("schema")).and_then(Value::as_str).ok_or_else(|| {
        ApiError::validation("1 validation error detected: Value null at 'outputConfig.textFormat.structure.jsonSchema.schema' failed to satisfy constraint: Member must not be null")
    })?;
    match serde_json::from_str::<Value>(text) {
        Ok(schema @ Value::Object(_)) => Ok(Some(schema)),
        _ => Err(ApiError::validation("The provided JSON schema in outputConfig.textFormat.structure.jsonSchema.schema is not a valid JSON schema object.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_instances() {
        let cases = [
            (json!({ "type": "object", "properties": { "a": { "type": "string" }, "b": { "type": "integer" } }, "required": ["a"] }), json!({ "a": "" })),
            (
                json!({ "type": "object", "properties": { "n": { "type": "integer", "minimum": 3 }, "x": { "type": "number", "exclusiveMinimum": 1.5 } }, "required": ["n", "x"] }),
                json!({ "n": 3, "x": 2.5 }),
            ),
            (json!({ "type": "string", "enum": ["red", "blue"] }), json!("red")),
            (json!({ "type": "string", "minLength": 2 }), json!("aa")),
            (json!({ "type": "array", "items": { "type": "boolean" }, "minItems": 2 }), json!([false, false])),
            (json!({ "anyOf": [{ "type": "null" }, { "type": "string" }] }), json!(null)),
            (json!({ "type": ["integer", "null"] }), json!(0)),
            (json!({ "const": { "k": 1 } }), json!({ "k": 1 })),
            (json!({ "properties": {} }), json!({})),
            (json!(true), json!(null)),
        ];
        for (schema, expected) in cases {
            assert_eq!(minimal_instance(&schema), expected, "{schema}");
        }
    }

    #[test]
    fn structured_output_support_and_errors() {
        let body = |schema: &str| json!({ "outputConfig": { "textFormat": { "type": "json_schema", "structure": { "jsonSchema": { "schema": schema } } } } });
        let good = body(r#"{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}"#);
        assert_eq!(
            requested_schema(&good, "anthropic.claude-sonnet-4-5-20250929-v1:0").expect("supported").map(|s| minimal_instance(&s)),
            Some(json!({ "ok": false }))
        );
        assert!(requested_schema(&good, "amazon.nova-pro-v1:0").unwrap_err().message.contains("doesn't support structured outputs"));
        assert!(requested_schema(&body("not json"), "openai.gpt-oss-20b-1:0").is_err());
        assert_eq!(requested_schema(&json!({}), "amazon.nova-pro-v1:0"), Ok(None));
    }
}
