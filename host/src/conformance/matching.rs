//! How an answer is compared with an expectation: subset matching of JSON documents, and
//! diagnostics by position and message.

use super::config_cases::ExpectedDiagnostic;
use crate::types::Diagnostic;
use serde_json::Value;

pub(super) fn compare_diagnostics(what: &str, expected: &[ExpectedDiagnostic], actual: &[Diagnostic], failures: &mut Vec<String>) {
    let show = |d: &Diagnostic| format!("{}:{}:{} {}", d.path, d.line, d.column, d.message);
    if expected.len() != actual.len() {
        let listed: Vec<String> = actual.iter().map(show).collect();
        failures.push(format!("expected {} {what}, got {}: [{}]", expected.len(), actual.len(), listed.join(" | ")));
        return;
    }
    for (index, (want, got)) in expected.iter().zip(actual).enumerate() {
        let position_matches = want.path == got.path && want.line == got.line && want.column == got.column;
        let text_matches = want.contains.as_deref().is_none_or(|needle| contains_ignoring_case(&got.message, needle));
        if !position_matches || !text_matches {
            let needle = want.contains.as_deref().unwrap_or("");
            failures.push(format!(
                "{what}[{index}]: expected {}:{}:{} containing {needle:?}, got {}",
                want.path,
                want.line,
                want.column,
                show(got)
            ));
        }
    }
}

pub(super) fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// Objects match when every expected key matches; arrays need the same length and match
/// element-wise; anything else must be equal.
pub(super) fn subset_mismatches(expected: &Value, actual: &Value, path: &str, failures: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, want) in want {
                let here = format!("{path}.{key}");
                match got.get(key) {
                    Some(got) => subset_mismatches(want, got, &here, failures),
                    None => failures.push(format!("{here}: missing (expected {want})")),
                }
            }
        }
        (Value::Array(want), Value::Array(got)) if want.len() == got.len() => {
            for (index, (want, got)) in want.iter().zip(got).enumerate() {
                subset_mismatches(want, got, &format!("{path}[{index}]"), failures);
            }
        }
        _ if expected == actual => {}
        // 0 and 0.0 are the same number to a reader of the case.
        (Value::Number(want), Value::Number(got)) if want.as_f64() == got.as_f64() => {}
        _ => failures.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

#[cfg(test)]
mod tests {
    use super::subset_mismatches;
    use serde_json::json;

    #[test]
    fn subset_matching() {
        let actual = json!({"a": 1, "b": {"c": [1, {"d": 2, "e": 3}]}, "f": null});
        let cases = [
            (json!({}), 0),
            (json!({"a": 1}), 0),
            (json!({"b": {"c": [1, {"d": 2}]}}), 0),
            (json!({"f": null}), 0),
            (json!({"a": 2}), 1),
            (json!({"b": {"c": [1]}}), 1),
            (json!({"g": 1}), 1),
            (json!({"a": 2, "b": {"c": [2, {"d": 3}]}}), 3),
            (json!({"a": 1.0}), 0),
            (json!({"a": 1.5}), 1),
        ];
        for (expected, mismatches) in cases {
            let mut failures = Vec::new();
            subset_mismatches(&expected, &actual, "settings", &mut failures);
            assert_eq!(failures.len(), mismatches, "{expected}: {failures:?}");
        }
    }
}
