//! "Did you mean ...?" for misspelt keys.

/// A key folded for comparison: lowercase, with `_` and `-` removed, so that `Region`,
/// `refresh_interval` and `refresh-interval` all meet their camelCase spelling.
pub fn normalize_key(key: &str) -> String {
    key.chars().filter(|ch| !matches!(ch, '_' | '-')).flat_map(char::to_lowercase).collect()
}

/// The optimal-string-alignment distance between two strings, in characters: insertions,
/// deletions, substitutions and swaps of two neighbours each cost 1 (`mdoel` is 1 from `model`).
pub fn edit_distance(left: &str, right: &str) -> usize {
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    // Three rows of the dynamic-programming table: two back, one back, current.
    let mut before_previous: Vec<usize> = vec![0; right.len() + 1];
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    let mut current: Vec<usize> = vec![0; right.len() + 1];
    for i in 1..=left.len() {
        current[0] = i;
        for j in 1..=right.len() {
            let substitution = usize::from(left[i - 1] != right[j - 1]);
            let mut best = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + substitution);
            if i > 1 && j > 1 && left[i - 1] == right[j - 2] && left[i - 2] == right[j - 1] {
                best = best.min(before_previous[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[right.len()]
}

/// The candidate closest to `key` within `allowed(candidate length)` edits, ties going to the
/// earlier candidate.
fn closest<'a>(key: &str, candidates: &[&'a str], allowed: impl Fn(usize) -> usize) -> Option<&'a str> {
    let key = normalize_key(key);
    candidates
        .iter()
        .map(|candidate| {
            let folded = normalize_key(candidate);
            (edit_distance(&key, &folded), allowed(folded.chars().count()), *candidate)
        })
        .filter(|(distance, allowed, _)| distance <= allowed)
        .min_by_key(|(distance, _, _)| *distance)
        .map(|(_, _, candidate)| candidate)
}

/// The known key to suggest for an unknown key in a section we own (where every unknown key is
/// an error anyway, so the suggestion may be generous).
pub fn did_you_mean<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    closest(key, candidates, |length| match length {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    })
}

/// The key of ours that `key` almost certainly meant, in a container shared with the rest of
/// OpenClaw. Tighter than [`did_you_mean`]: a key there is only an error when it is a near miss,
/// and other plugins' keys must not be flagged.
pub fn near_miss<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    closest(key, candidates, |length| match length {
        0..=3 => 0,
        4..=9 => 1,
        _ => 2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        let cases = [
            ("", "", 0),
            ("model", "model", 0),
            ("mdoel", "model", 1),
            ("modle", "model", 1),
            ("refreshintrval", "refreshinterval", 1),
            ("kitten", "sitting", 3),
            ("", "abc", 3),
            ("région", "region", 1),
        ];
        for (left, right, expected) in cases {
            assert_eq!(edit_distance(left, right), expected, "{left} vs {right}");
            assert_eq!(edit_distance(right, left), expected, "{right} vs {left}");
        }
    }

    #[test]
    fn suggestions_in_owned_sections() {
        let fields = ["enabled", "region", "providerFilter", "refreshInterval", "defaultContextWindow", "defaultMaxTokens"];
        let cases = [
            ("refreshIntrval", Some("refreshInterval")),
            ("refresh_interval", Some("refreshInterval")),
            ("Region", Some("region")),
            ("regoin", Some("region")),
            ("enable", Some("enabled")),
            ("providers", None),
            ("providerFilters", Some("providerFilter")),
            ("defaultMaxToken", Some("defaultMaxTokens")),
            ("timeout", None),
            ("x", None),
        ];
        for (key, expected) in cases {
            assert_eq!(did_you_mean(key, &fields), expected, "{key}");
        }
    }

    #[test]
    fn near_misses_in_shared_sections() {
        let root = ["model", "models", "agents", "plugins"];
        let cases = [
            ("modle", Some("model")),
            ("Models", Some("models")),
            ("plugin", Some("plugins")),
            ("gateway", None),
            ("channels", None),
            ("tools", None),
            ("mode", Some("model")),
        ];
        for (key, expected) in cases {
            assert_eq!(near_miss(key, &root), expected, "{key}");
        }
        assert_eq!(near_miss("bedrockDiscover", &["bedrockDiscovery"]), Some("bedrockDiscovery"));
        assert_eq!(near_miss("bedrock_discovery", &["bedrockDiscovery"]), Some("bedrockDiscovery"));
        assert_eq!(near_miss("amazon-bedrok", &["amazon-bedrock"]), Some("amazon-bedrock"));
        assert_eq!(near_miss("openai", &["amazon-bedrock"]), None);
    }
}
