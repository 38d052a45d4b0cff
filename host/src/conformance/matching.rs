//! How an answer is compared with an expectation: subset matching of JSON documents, and
//! diagnostics by position and message.

use crate::types::Diagnostic;
use serde::Deserialize;
use serde_json::Value;

/// A diagnostic as a case expects it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedDiagnostic {
    /// JSON path.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// A substring of the message (case-insensitive), when checked.
    #[serde(default)]
    pub contains: Option<String>,
}

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
            failures.push(format!("{what}[{index}]: expected {}:{}:{} containing {needle:?}, got {}", want.path, want.line, want.column, show(got)));
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
        (Value::Number(want), Value::Number(got)) if numbers_equal(want, got) => {}
        (Value::Number(_), Value::Number(_)) => failures.push(format!("{path}: expected {expected}, got {actual}")),
        _ if expected == actual => {}
        _ => failures.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// Exact numeric equality: integers as integers (all 64 bits count), fractions as the same
/// `f64`, and an integer equal to a fraction only when the fraction is that integer exactly
/// (0 and 0.0 are the same number to a reader of the case; `u64::MAX` and 1.8446744073709552e19
/// are not, since the float cannot tell `u64::MAX` from its neighbours).
pub(crate) fn numbers_equal(want: &serde_json::Number, got: &serde_json::Number) -> bool {
    fn integer(n: &serde_json::Number) -> Option<i128> {
        n.as_u64().map(i128::from).or_else(|| n.as_i64().map(i128::from))
    }
    /// Below 2^53 every integer is an exact f64.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match (integer(want), integer(got)) {
        (Some(a), Some(b)) => a == b,
        (Some(int), None) | (None, Some(int)) => {
            let float = if integer(want).is_some() { got.as_f64() } else { want.as_f64() };
            float.is_some_and(|f| f.fract() == 0.0 && f.abs() < EXACT && f as i128 == int)
        }
        (None, None) => want.as_f64() == got.as_f64(),
    }
}

/// Whether two model ids are the same id (Bedrock ids are case-insensitive, and discovery
/// deduplicates them so).
pub(super) fn same_id(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::{numbers_equal, subset_mismatches};
    use serde_json::json;

    #[test]
    fn numbers_compare_exactly() {
        let number = |text: &str| serde_json::from_str::<serde_json::Number>(text).expect(text);
        let cases = [
            ("18446744073709551615", "18446744073709551615", true),
            ("18446744073709551615", "18446744073709551614", false),
            ("18446744073709551615", "18446744073709551615.0", false),
            ("9223372036854775807", "9223372036854775806", false),
            ("-1", "-1", true),
            ("-1", "18446744073709551615", false),
            ("0", "0.0", true),
            ("1", "1.0", true),
            ("1", "1.5", false),
            ("0.5", "0.5", true),
            ("0.1", "0.10000000000000002", false),
            ("9007199254740993", "9007199254740992.0", false),
        ];
        for (want, got, equal) in cases {
            assert_eq!(numbers_equal(&number(want), &number(got)), equal, "{want} vs {got}");
            assert_eq!(numbers_equal(&number(got), &number(want)), equal, "{got} vs {want}");
        }
    }

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
