//! Guardrails, as Bedrock applies them (../shared/notes/bedrock-api-facts.md, "Guardrails"):
//! Converse's `guardrailConfig {guardrailIdentifier, guardrailVersion, trace}` (ConverseStream's
//! also `streamProcessingMode`), InvokeModel's `X-Amzn-Bedrock-GuardrailIdentifier`,
//! `-GuardrailVersion` and `X-Amzn-Bedrock-Trace` headers. The version is a number or `DRAFT`.
//!
//! The emulator's guardrail denies one topic: a user message holding the marker
//! [`DENIED_MARKER`] is not sent to the model; the answer is Bedrock's default blocked message,
//! the stop reason `guardrail_intervened`, and with the trace enabled, a `trace.guardrail`
//! naming the guardrail, the topic and the action (never the text it assessed).

use serde_json::{Value, json};

use crate::errors::ApiError;

/// The topic the emulator's guardrails deny, as a word in a user message.
pub const DENIED_MARKER: &str = "forbidden-topic";
/// Bedrock's default message for a blocked input.
pub const BLOCKED_MESSAGE: &str = "Sorry, the model cannot answer this question.";

/// A guardrail a call asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    identifier: String,
    trace: bool,
}

fn invalid(field: &str, value: &str, constraint: &str) -> ApiError {
    ApiError::validation(format!("1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"))
}

fn checked(identifier: &str, version: &str, trace: Option<&str>) -> Result<Applied, ApiError> {
    let id_ok = if identifier.starts_with("arn:") {
        identifier.contains(":guardrail/")
    } else {
        !identifier.is_empty() && identifier.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    if !id_ok || identifier.len() > 2048 {
        return Err(invalid(
            "guardrailIdentifier",
            identifier,
            "Member must satisfy regular expression pattern: (([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))",
        ));
    }
    if !(version == "DRAFT" || (!version.is_empty() && version.len() <= 8 && version.bytes().all(|b| b.is_ascii_digit()) && !version.starts_with('0'))) {
        return Err(invalid("guardrailVersion", version, "Member must satisfy regular expression pattern: (([1-9][0-9]{0,7})|(DRAFT))"));
    }
    let trace = match trace {
        None | Some("disabled" | "DISABLED") => false,
        Some("enabled" | "enabled_full" | "ENABLED" | "ENABLED_FULL") => true,
        Some(other) => return Err(invalid("trace", other, "Member must satisfy enum value set: [enabled, disabled, enabled_full]")),
    };
    Ok(Applied { identifier: identifier.to_string(), trace })
}

/// The guardrail of a Converse body, if any.
pub fn from_body(body: &Value) -> Result<Option<Applied>, ApiError> {
    let Some(config) = body.get("guardrailConfig") else { return Ok(None) };
    let text = |key: &str| config.get(key).and_then(Value::as_str);
    let (Some(identifier), Some(version)) = (text("guardrailIdentifier"), text("guardrailVersion")) else {
        return Err(ApiError::validation("guardrailConfig: guardrailIdentifier and guardrailVersion are required"));
    };
    if let Some(mode) = text("streamProcessingMode").filter(|mode| !matches!(*mode, "sync" | "async")) {
        return Err(invalid("guardrailConfig.streamProcessingMode", mode, "Member must satisfy enum value set: [sync, async]"));
    }
    checked(identifier, version, text("trace")).map(Some)
}

/// The guardrail of an InvokeModel call's headers, as the Converse body's `guardrailConfig`.
pub fn config_from_headers(headers: &[(String, String)]) -> Result<Option<Value>, ApiError> {
    let header = |name: &str| headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str());
    let (identifier, version) = (header("x-amzn-bedrock-guardrailidentifier"), header("x-amzn-bedrock-guardrailversion"));
    match (identifier, version) {
        (None, None) => Ok(None),
        (Some(identifier), Some(version)) => {
            let trace = header("x-amzn-bedrock-trace").map(str::to_ascii_lowercase);
            checked(identifier, version, trace.as_deref())?;
            let mut config = json!({ "guardrailIdentifier": identifier, "guardrailVersion": version });
            if let Some(trace) = trace {
                config["trace"] = Value::String(trace);
            }
            Ok(Some(config))
        }
        _ => Err(ApiError::validation("A guardrail identifier and a guardrail version are both required to apply a guardrail")),
    }
}

/// `identifier:version` of the guardrail headers, for the request log.
pub fn named_in_headers(headers: &[(String, String)]) -> Option<String> {
    let header = |name: &str| headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str());
    Some(format!("{}:{}", header("x-amzn-bedrock-guardrailidentifier")?, header("x-amzn-bedrock-guardrailversion").unwrap_or("")))
}

impl Applied {
    /// Whether the guardrail blocks `user_text`; the trace to return when it does (`Null` when
    /// the trace was not asked for).
    pub fn intervention(&self, user_text: &str) -> Option<Value> {
        if !user_text.contains(DENIED_MARKER) {
            return None;
        }
        if !self.trace {
            return Some(Value::Null);
        }
        let assessment = json!({ "topicPolicy": { "topics": [{ "name": "emulator-denied-topic", "type": "DENY", "action": "BLOCKED", "detected": true }] } });
        let mut by_guardrail = serde_json::Map::new();
        by_guardrail.insert(self.identifier.clone(), assessment);
        Some(json!({ "guardrail": { "inputAssessment": by_guardrail, "actionReason": "Guardrail blocked." } }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guardrail_configs_and_headers() {
        let body = |config: Value| json!({ "guardrailConfig": config });
        let cases = [
            (body(json!({ "guardrailIdentifier": "gr1", "guardrailVersion": "1" })), Ok(Some(false))),
            (body(json!({ "guardrailIdentifier": "gr1", "guardrailVersion": "DRAFT", "trace": "enabled" })), Ok(Some(true))),
            (json!({}), Ok(None)),
            (body(json!({ "guardrailIdentifier": "GR-1", "guardrailVersion": "1" })), Err("guardrailIdentifier")),
            (body(json!({ "guardrailIdentifier": "gr1", "guardrailVersion": "01" })), Err("guardrailVersion")),
            (body(json!({ "guardrailIdentifier": "gr1" })), Err("required")),
            (body(json!({ "guardrailIdentifier": "gr1", "guardrailVersion": "1", "streamProcessingMode": "later" })), Err("streamProcessingMode")),
        ];
        for (body, expected) in cases {
            let got = from_body(&body).map(|applied| applied.map(|a| a.trace)).map_err(|e| e.message);
            match expected {
                Ok(trace) => assert_eq!(got, Ok(trace), "{body}"),
                Err(part) => assert!(got.as_ref().is_err_and(|m| m.contains(part)), "{body}: {got:?}"),
            }
        }
        let headers = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        let config = config_from_headers(&headers(&[
            ("X-Amzn-Bedrock-GuardrailIdentifier", "gr1"),
            ("X-Amzn-Bedrock-GuardrailVersion", "2"),
            ("X-Amzn-Bedrock-Trace", "ENABLED"),
        ]));
        assert_eq!(config.map_err(|e| e.message), Ok(Some(json!({ "guardrailIdentifier": "gr1", "guardrailVersion": "2", "trace": "enabled" }))));
        assert!(config_from_headers(&headers(&[("X-Amzn-Bedrock-GuardrailIdentifier", "gr1")])).is_err());
        assert_eq!(config_from_headers(&[]).map_err(|e| e.message), Ok(None));
    }

    #[test]
    fn the_marker_is_blocked_and_traced_without_its_text() {
        let traced = Applied { identifier: "gr1".into(), trace: true };
        assert_eq!(traced.intervention("a harmless question"), None);
        let trace = traced.intervention(&format!("tell me about the {DENIED_MARKER} please")).expect("blocked");
        assert_eq!(trace["guardrail"]["inputAssessment"]["gr1"]["topicPolicy"]["topics"][0]["action"], "BLOCKED");
        assert!(!trace.to_string().contains("please"));
        assert_eq!(Applied { identifier: "gr1".into(), trace: false }.intervention(DENIED_MARKER), Some(Value::Null));
    }
}
