//! Helpers shared by the corpus runners.

use openclaw_policy::RegionEnvironment;
use serde_json::Value as Json;

/// Subset matching: every key of an expected object must match; arrays element-wise with the
/// same length; scalars equal (numbers exactly, see [`numbers_equal`]).
pub fn check_subset(expected: &Json, actual: &Json, at: &str, problems: &mut Vec<String>) {
    match (expected, actual) {
        (Json::Object(expected), Json::Object(actual)) => {
            for (key, expected_value) in expected {
                match actual.get(key) {
                    Some(actual_value) => check_subset(expected_value, actual_value, &format!("{at}.{key}"), problems),
                    None => problems.push(format!("{at}.{key}: missing, expected {expected_value}")),
                }
            }
        }
        (Json::Array(expected), Json::Array(actual)) if expected.len() == actual.len() => {
            for (index, (expected, actual)) in expected.iter().zip(actual).enumerate() {
                check_subset(expected, actual, &format!("{at}[{index}]"), problems);
            }
        }
        (Json::Number(want), Json::Number(got)) if numbers_equal(want, got) => {}
        (Json::Number(_), Json::Number(_)) => problems.push(format!("{at}: expected {expected}, found {actual}")),
        _ if expected == actual => {}
        _ => problems.push(format!("{at}: expected {expected}, found {actual}")),
    }
}

/// The region environment a case's `env` hands to the policy (`AWS_REGION`, `AWS_DEFAULT_REGION`,
/// `AWS_PROFILE`, `profile_region`); absent variables are unset.
pub fn environment_of(case: &Json) -> RegionEnvironment {
    let variable = |name: &str| case["env"][name].as_str().map(str::to_string);
    RegionEnvironment {
        aws_region: variable("AWS_REGION"),
        aws_default_region: variable("AWS_DEFAULT_REGION"),
        profile: variable("AWS_PROFILE"),
        profile_region: variable("profile_region"),
    }
}

/// Runs every `*.case.json` in `dir` through `run_case` (which returns the problems it found)
/// and fails with all of them at once; the corpus must hold at least `min_cases` cases.
pub fn assert_corpus_holds(dir: &std::path::Path, min_cases: usize, run_case: impl Fn(&std::path::Path) -> Vec<String>) {
    let mut case_files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.to_string_lossy().ends_with(".case.json"))
        .collect();
    case_files.sort();
    assert!(case_files.len() >= min_cases, "only {} cases in {}", case_files.len(), dir.display());
    let failures: Vec<String> = case_files
        .iter()
        .filter_map(|file| {
            let problems = run_case(file);
            (!problems.is_empty()).then(|| format!("{}:\n  {}", file.display(), problems.join("\n  ")))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), case_files.len(), failures.join("\n"));
}

/// Exact numeric equality, as the host's harness compares: integers as integers (all 64 bits),
/// fractions as the same `f64`, an integer equal to a fraction only when the fraction is that
/// integer exactly and below 2^53 (so 0 is 0.0, but `u64::MAX` is not 1.8446744073709552e19).
pub fn numbers_equal(want: &serde_json::Number, got: &serde_json::Number) -> bool {
    fn integer(n: &serde_json::Number) -> Option<i128> {
        n.as_u64().map(i128::from).or_else(|| n.as_i64().map(i128::from))
    }
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match (integer(want), integer(got)) {
        (Some(a), Some(b)) => a == b,
        (Some(int), None) => got.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < EXACT && f as i128 == int),
        (None, Some(int)) => want.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < EXACT && f as i128 == int),
        (None, None) => want.as_f64() == got.as_f64(),
    }
}

/// The sections of BEHAVIOUR.md a case's `basis` may cite.
const BEHAVIOUR_SECTIONS: [&str; 14] = ["1", "2", "3", "4", "5", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "6", "7", "8"];

/// Checks a case's `basis`: `"BEHAVIOUR.md §N"` (a section that exists) or
/// `"default policy: <decision>"`.
pub fn check_basis(case: &Json, problems: &mut Vec<String>) {
    let basis = case["basis"].as_str().unwrap_or_default();
    let section = match basis.strip_prefix("BEHAVIOUR.md §") {
        Some(section) => Some(section),
        None => basis
            .strip_prefix("default policy, BEHAVIOUR.md §")
            .and_then(|rest| rest.split_once(':'))
            .filter(|(_, decision)| !decision.trim().is_empty())
            .map(|(section, _)| section),
    };
    if !section.is_some_and(|section| BEHAVIOUR_SECTIONS.contains(&section)) {
        problems.push(format!(
            "`basis` must be \"BEHAVIOUR.md §N\" or \"default policy, BEHAVIOUR.md §N: <decision>\" (N one of {}), found {basis:?}",
            BEHAVIOUR_SECTIONS.join(", ")
        ));
    }
}

#[test]
fn numbers_compare_exactly() {
    let number = |text: &str| serde_json::from_str::<serde_json::Number>(text).expect(text);
    let cases = [
        ("18446744073709551615", "18446744073709551614", false),
        ("18446744073709551615", "18446744073709551615.0", false),
        ("18446744073709551615", "18446744073709551615", true),
        ("0", "0.0", true),
        ("1", "1.5", false),
        ("0.5", "0.5", true),
    ];
    for (want, got, equal) in cases {
        assert_eq!(numbers_equal(&number(want), &number(got)), equal, "{want} vs {got}");
        assert_eq!(numbers_equal(&number(got), &number(want)), equal, "{got} vs {want}");
    }
}
