//! Names made unique within one request, in one pass: Bedrock refuses two documents of one name
//! in a request, so a repeated name gets ` (2)`, ` (3)`, ... added.
//!
//! The work is linear in the names given (issue 30: a search from ` (2)` up against every name
//! so far made thousands of same-named documents cost minutes of CPU). Each base name remembers
//! the next number to try; a try fails only on a name already given that ends in exactly that
//! ` (N)`, and such a name can fail a try for one base only, so the failed tries of a request
//! add up to at most the names given.

use std::collections::{HashMap, HashSet};

/// The names given so far in one request.
#[derive(Debug, Default)]
pub(crate) struct UniqueNames {
    given: HashSet<String>,
    /// For a base name already given, the next number to try after it.
    next: HashMap<String, u64>,
}

impl UniqueNames {
    /// How many names have been given.
    pub(crate) fn len(&self) -> usize {
        self.given.len()
    }

    /// `name` itself if it is new, else `name (N)` with the lowest N from 2 that is new.
    pub(crate) fn claim(&mut self, name: String) -> String {
        if !self.given.contains(&name) {
            self.given.insert(name.clone());
            return name;
        }
        let next = self.next.entry(name.clone()).or_insert(2);
        loop {
            let candidate = format!("{name} ({next})");
            *next += 1;
            if !self.given.contains(&candidate) {
                self.given.insert(candidate.clone());
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_numbered() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["a", "b"], &["a", "b"]),
            (&["a", "a", "a"], &["a", "a (2)", "a (3)"]),
            // A name that looks numbered is a base of its own.
            (&["a", "a", "a (2)", "a"], &["a", "a (2)", "a (2) (2)", "a (3)"]),
            (&["a (2)", "a", "a"], &["a (2)", "a", "a (3)"]),
            (&["a (3)", "a", "a", "a"], &["a (3)", "a", "a (2)", "a (4)"]),
        ];
        for (given, expected) in cases {
            let mut names = UniqueNames::default();
            let got: Vec<String> = given.iter().map(|n| names.claim(n.to_string())).collect();
            assert_eq!(got, *expected, "{given:?}");
            assert_eq!(names.len(), given.len());
        }
    }

    #[test]
    fn many_same_names_stay_distinct() {
        let mut names = UniqueNames::default();
        let got: HashSet<String> = (0..20_000).map(|_| names.claim("same".into())).collect();
        assert_eq!(got.len(), 20_000);
    }
}
