//! `document` content blocks and `requestMetadata`, checked as Bedrock checks them.
//!
//! A document (`format`, `name`, `source.bytes` (base64 in JSON) or `source.text`) must have a
//! format from Bedrock's list and a name of alphanumerics, single whitespace, hyphens,
//! parentheses and square brackets. Its tokens are the words of a text source or of a text
//! format's bytes, else a quarter of its byte size; the reply echoes `document <name>`.
//! `requestMetadata` is a map of at most 16 strings, keys 1 to 256 and values 0 to 256 characters
//! of `[a-zA-Z0-9\s:_@$#=/+,-.]`.

use base64::Engine as _;
use serde_json::Value;

use crate::errors::ApiError;
use crate::runtime::count_tokens;

/// The formats a Converse document block may have.
pub const FORMATS: [&str; 9] = ["pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"];
const TEXT_FORMATS: [&str; 4] = ["csv", "html", "txt", "md"];

/// Whether `name` follows Bedrock's document name rules.
pub fn valid_name(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c.is_whitespace() || matches!(c, '-' | '(' | ')' | '[' | ']');
    !name.is_empty()
        && name.len() <= 200
        && name.chars().all(allowed)
        && !name.chars().zip(name.chars().skip(1)).any(|(a, b)| a.is_whitespace() && b.is_whitespace())
}

/// A checked document block: its name and token count.
pub fn document(block: &Value) -> Result<(String, u64), ApiError> {
    let format = block.get("format").and_then(Value::as_str).unwrap_or("");
    if !FORMATS.contains(&format) {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{format}' at 'document.format' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            FORMATS.join(", ")
        )));
    }
    let name = block.get("name").and_then(Value::as_str).unwrap_or("");
    if !valid_name(name) {
        return Err(ApiError::validation(
            "The document file name can only contain alphanumeric characters, whitespace characters, hyphens, parentheses, and square brackets. The name can't contain more than one consecutive whitespace character.",
        ));
    }
    let source = block.get("source");
    let tokens = if let Some(text) = source.and_then(|s| s.get("text")).and_then(Value::as_str) {
        count_tokens(text)
    } else if let Some(encoded) = source.and_then(|s| s.get("bytes")).and_then(Value::as_str) {
        let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| {
            ApiError::validation("Malformed input request: document.source.bytes is not valid base64, please reformat your input and try again.")
        })?;
        if TEXT_FORMATS.contains(&format) { count_tokens(&String::from_utf8_lossy(&bytes)) } else { (bytes.len() as u64).div_ceil(4) }
    } else {
        return Err(ApiError::validation("The document source is missing. Provide the document's bytes or text and try again."));
    };
    Ok((name.to_string(), tokens.max(1)))
}

/// Checks `requestMetadata` against Bedrock's limits.
pub fn check_request_metadata(body: &Value) -> Result<(), ApiError> {
    let Some(metadata) = body.get("requestMetadata") else { return Ok(()) };
    let fail = |constraint: &str| {
        Err(ApiError::validation(format!("1 validation error detected: Value at 'requestMetadata' failed to satisfy constraint: {constraint}")))
    };
    let Some(map) = metadata.as_object() else { return fail("Member must be a map of strings") };
    if map.len() > 16 {
        return fail("Member must have length less than or equal to 16");
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || c.is_whitespace() || ":_@$#=/+,-.".contains(c);
    for (key, value) in map {
        if key.is_empty() || key.chars().count() > 256 || !key.chars().all(allowed) {
            return fail(
                "Map keys must satisfy constraint: [Member must have length between 1 and 256, Member must satisfy regular expression pattern: [a-zA-Z0-9\\s:_@$#=/+,-.]{1,256}]",
            );
        }
        let Some(value) = value.as_str() else { return fail("Map values must be strings") };
        if value.chars().count() > 256 || !value.chars().all(allowed) {
            return fail(
                "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must satisfy regular expression pattern: [a-zA-Z0-9\\s:_@$#=/+,-.]{0,256}]",
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn document_blocks() {
        let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 twelve bytes");
        let cases = [
            (json!({ "format": "txt", "name": "notes", "source": { "text": "three short words" } }), Ok(("notes".to_string(), 3))),
            (json!({ "format": "pdf", "name": "Q3 report (final) [v2]", "source": { "bytes": pdf } }), Ok(("Q3 report (final) [v2]".to_string(), 6))),
            (json!({ "format": "exe", "name": "x", "source": { "text": "a" } }), Err("enum value set")),
            (json!({ "format": "txt", "name": "report.txt", "source": { "text": "a" } }), Err("file name")),
            (json!({ "format": "txt", "name": "two  spaces", "source": { "text": "a" } }), Err("file name")),
            (json!({ "format": "pdf", "name": "x", "source": { "bytes": "%%%" } }), Err("base64")),
            (json!({ "format": "pdf", "name": "x" }), Err("source is missing")),
        ];
        for (block, expected) in cases {
            match expected {
                Ok(ok) => assert_eq!(document(&block), Ok(ok), "{block}"),
                Err(part) => assert!(document(&block).is_err_and(|e| e.message.contains(part)), "{block}"),
            }
        }
    }

    #[test]
    fn request_metadata_limits() {
        let many: serde_json::Map<String, Value> = (0..17).map(|i| (format!("k{i}"), json!("v"))).collect();
        let cases = [
            (json!({ "team": "search", "cost-center": "42/a" }), true),
            (json!({}), true),
            (Value::Object(many), false),
            (json!({ "": "v" }), false),
            (json!({ "k": "x".repeat(257) }), false),
            (json!({ "k": "semi;colon" }), false),
            (json!({ "k": 1 }), false),
            (json!(["k"]), false),
        ];
        for (metadata, ok) in cases {
            assert_eq!(check_request_metadata(&json!({ "requestMetadata": metadata })).is_ok(), ok, "{metadata}");
        }
    }
}
