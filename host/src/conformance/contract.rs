//! What every policy must satisfy, whatever it decides: the contract tier of the corpora
//! (`policy test --tags contract`). A case's input is handed to the policy as usual, and its
//! answer is judged only on what the WIT requires of any policy: it does not trap, run past its
//! deadline or exhaust its memory (the runner reports those for every tier); an invalid config
//! comes with an error diagnostic; diagnostics are one line with a well-formed path and a
//! position that is either absent or whole; no credential value is echoed; a discovery names
//! its region and distinct, non-empty model ids; an error says something. The exact answers
//! (which model, which wording) are the default policy's own behaviour: the other tier.

use super::config_cases::{ConfigCase, echoed_secrets};
use crate::aws::model::ApiError;
use crate::types::{ConfigOutcome, Diagnostic, Discovery, Severity};
use serde_json::Value;
use std::collections::BTreeSet;

/// The contract's checks of a `load-config` answer.
pub(super) fn config(case: &ConfigCase, outcome: &ConfigOutcome) -> Vec<String> {
    let mut failures = echoed_secrets(case, outcome);
    let diagnostics = match outcome {
        Ok(settings) => {
            if settings.region.name.trim().is_empty() {
                failures.push("valid settings name no region".into());
            }
            if settings.warnings.iter().any(|warning| warning.severity == Severity::Error) {
                failures.push("valid settings carry an error among their warnings".into());
            }
            &settings.warnings
        }
        Err(diagnostics) => {
            if !diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error) {
                failures.push("the config was refused without an error diagnostic".into());
            }
            diagnostics
        }
    };
    for diagnostic in diagnostics {
        check_diagnostic(diagnostic, &mut failures);
    }
    failures
}

fn check_diagnostic(diagnostic: &Diagnostic, failures: &mut Vec<String>) {
    let at = format!("diagnostic at {:?}", diagnostic.path);
    if diagnostic.message.trim().is_empty() {
        failures.push(format!("{at}: empty message"));
    }
    if diagnostic.message.chars().any(char::is_control) {
        failures.push(format!("{at}: the message is not one line: {:?}", diagnostic.message));
    }
    if !well_formed_path(&diagnostic.path) {
        failures.push(format!("{at}: not a JSON path (segments joined by dots, none empty)"));
    }
    if (diagnostic.line == 0) != (diagnostic.column == 0) {
        failures.push(format!("{at}: line {} column {}: a position has both or neither", diagnostic.line, diagnostic.column));
    }
}

/// Empty (the whole document), or dot-separated segments, none empty, no control characters.
fn well_formed_path(path: &str) -> bool {
    path.is_empty() || (path.split('.').all(|segment| !segment.is_empty()) && !path.chars().any(char::is_control))
}

/// The contract's checks of a `discover` answer.
pub(super) fn discovery(outcome: &Result<Discovery, ApiError>) -> Vec<String> {
    let mut failures = Vec::new();
    match outcome {
        Ok(discovery) => {
            if discovery.reason.trim().is_empty() {
                failures.push("the discovery gives no reason".into());
            }
            if discovery.runs && discovery.region.trim().is_empty() {
                failures.push("a discovery that runs names no region".into());
            }
            let mut seen = BTreeSet::new();
            for model in &discovery.models {
                if model.id.trim().is_empty() {
                    failures.push("a model has an empty id".into());
                } else if !seen.insert(model.id.as_str()) {
                    failures.push(format!("model {:?} is listed twice", model.id));
                }
            }
        }
        Err(error) if error.message.trim().is_empty() => failures.push(format!("a {:?} error with no message", error.class)),
        Err(_) => {}
    }
    failures
}

/// The contract's checks of a `parse-model-reference` answer.
pub(super) fn reference(parsed: &Result<Value, String>) -> Vec<String> {
    match parsed {
        Err(message) if message.trim().is_empty() => vec!["a reference refused with an empty message".into()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_dot_separated_segments() {
        let cases =
            [("", true), ("models", true), ("models.bedrockDiscovery.region", true), (".models", false), ("a..b", false), ("a.", false), ("a\nb", false)];
        for (path, expected) in cases {
            assert_eq!(well_formed_path(path), expected, "{path:?}");
        }
    }

    #[test]
    fn a_diagnostic_is_one_line_with_a_whole_position() {
        let diagnostic =
            |path: &str, line, column, message: &str| Diagnostic { severity: Severity::Error, path: path.into(), line, column, message: message.into() };
        // (diagnostic, failures expected)
        let cases = [
            (diagnostic("models", 3, 5, "bad"), 0),
            (diagnostic("", 0, 0, "bad document"), 0),
            (diagnostic("models", 3, 0, "bad"), 1),
            (diagnostic("models", 0, 0, " "), 1),
            (diagnostic("a..b", 1, 1, "two\nlines"), 2),
        ];
        for (diagnostic, expected) in cases {
            let mut failures = Vec::new();
            check_diagnostic(&diagnostic, &mut failures);
            assert_eq!(failures.len(), expected, "{diagnostic:?}: {failures:?}");
        }
    }
}
