//! Findings about a config file: errors (the config is refused) and warnings.

pub use openclaw_domain::{Diagnostic, Severity};

use crate::json5::Position;

/// Collects diagnostics while a config is walked, so that every problem is reported at once.
#[derive(Debug, Default)]
pub struct Diagnostics {
    found: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records an error at `position`.
    pub fn error(&mut self, path: &str, position: Position, message: impl Into<String>) {
        self.push(Severity::Error, path, position, message.into());
    }

    /// Records a warning at `position`.
    pub fn warning(&mut self, path: &str, position: Position, message: impl Into<String>) {
        self.push(Severity::Warning, path, position, message.into());
    }

    fn push(&mut self, severity: Severity, path: &str, position: Position, message: String) {
        self.found.push(Diagnostic { severity, path: path.to_string(), line: position.line, column: position.column, message });
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.found.iter().any(|diagnostic| diagnostic.severity == Severity::Error)
    }

    /// Every diagnostic, ordered by position (the walk's order breaks ties).
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.found.sort_by_key(|diagnostic| (diagnostic.line, diagnostic.column));
        self.found
    }
}

/// The path of `key` inside the object at `parent` (`models` + `bedrockDiscovery`). Keys that are
/// not plain names are quoted (`models["odd key"]`) so that the path stays unambiguous.
pub fn child_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|ch| ch.is_alphanumeric() || matches!(ch, '_' | '$' | '-'));
    match (parent.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{parent}.{key}"),
        (_, false) => format!("{parent}[{key:?}]"),
    }
}

/// At most `max_chars` characters of `text`, with `…` when cut, for quoting in a message.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut short: String = text.chars().take(max_chars).collect();
    if text.chars().nth(max_chars).is_some() {
        short.push('…');
    }
    short
}

/// The path of element `index` of the array at `parent` (`providerFilter[2]`).
pub fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_keys_plainly_and_quote_odd_ones() {
        let cases = [
            ("", "models", "models"),
            ("models", "bedrockDiscovery", "models.bedrockDiscovery"),
            ("plugins.entries", "amazon-bedrock", "plugins.entries.amazon-bedrock"),
            ("models", "odd key", "models[\"odd key\"]"),
            ("", "a.b", "[\"a.b\"]"),
        ];
        for (parent, key, expected) in cases {
            assert_eq!(child_path(parent, key), expected);
        }
        assert_eq!(index_path("models.bedrockDiscovery.providerFilter", 2), "models.bedrockDiscovery.providerFilter[2]");
    }
}
