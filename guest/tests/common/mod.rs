//! Helpers shared by the corpus runners.

use openclaw_policy::RegionEnvironment;
use serde_json::Value as Json;

/// Subset matching: every key of an expected object must match; arrays element-wise with the
/// same length; scalars equal (numbers by value).
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
        (Json::Number(expected), Json::Number(actual)) if expected.as_f64() == actual.as_f64() => {}
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
