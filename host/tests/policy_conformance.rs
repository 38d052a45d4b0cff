//! The corpora in two tiers (issue 13): what every policy must satisfy (`--tags contract`: no
//! trap on any case input, diagnostics one line with well-formed paths and positions, no echoed
//! credential, distinct model ids, errors in words) and the default policy's own answers (the
//! default); other tags pick the cases to run.

use openclaw_host::conformance::{self, CaseResult, Corpus, Selection};
use openclaw_host::sandbox::{PolicyHost, PolicySource};
use openclaw_test_support::{TestGuest, TestHome, config_cases_dir, discovery_cases_dir, run_in_home};
use std::path::Path;

async fn run(dir: &Path, policy: PolicySource, tags: &str) -> Vec<CaseResult> {
    let corpus = Corpus::load(dir).expect("the corpus loads");
    let host = PolicyHost::builder().build(policy).await.expect("the policy loads");
    conformance::run_selected(&host, None, &corpus, &Selection::parse(tags).expect("tags")).await
}

/// The names of the failed cases, with their first failure.
fn failed(results: &[CaseResult]) -> Vec<(String, String)> {
    results.iter().filter(|result| !result.passed()).map(|result| (result.name.clone(), result.failures[0].clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_tier_holds_every_policy_to_the_contract_only() {
    // (policy, corpus, failures in the contract tier, whether it fails the default tier too)
    let cases = [
        ("default policy", PolicySource::Embedded, config_cases_dir(), &[][..], false),
        ("default policy", PolicySource::Embedded, discovery_cases_dir(), &[][..], false),
        // A policy that decides differently: it answers every config case within the contract.
        ("alt-policy", PolicySource::File(TestGuest::AltPolicy.path()), config_cases_dir(), &[][..], true),
        // It relays the catalog as it is, duplicates included: the WIT promises distinct ids.
        ("alt-policy", PolicySource::File(TestGuest::AltPolicy.path()), discovery_cases_dir(), &[("deduplication", "listed twice")][..], true),
    ];
    for (name, policy, dir, expected, fails_default) in cases {
        let contract = run(&dir, policy.clone(), "contract").await;
        let failures = failed(&contract);
        assert_eq!(failures.len(), expected.len(), "{name} on {}: {failures:?}", dir.display());
        for ((case, failure), (expected_case, words)) in failures.iter().zip(expected) {
            assert!(case == expected_case && failure.contains(words), "{name}: {case}: {failure}");
        }
        let default = run(&dir, policy, "").await;
        assert_eq!(default.len(), contract.len(), "{name}: both tiers judge the same cases");
        assert_eq!(!failed(&default).is_empty(), fails_default, "{name} on {}: {:?}", dir.display(), failed(&default));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_that_traps_fails_the_contract_in_its_own_words() {
    let dir = tempfile::tempdir().expect("dir");
    let case = r#"{"about": "a config the hostile policy panics on", "basis": "BEHAVIOUR.md §2", "expect": {"settings": {}}}"#;
    for (name, text) in [("panics", "panic"), ("answers", "{}")] {
        std::fs::write(dir.path().join(format!("{name}.case.json")), case).expect("case");
        std::fs::write(dir.path().join(format!("{name}.json5")), text).expect("config");
    }
    let results = run(dir.path(), PolicySource::File(TestGuest::Hostile.path()), "contract").await;
    let failures = failed(&results);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].0, "panics");
    assert!(failures[0].1.contains("the policy failed") && failures[0].1.contains("hostile panicked on purpose"), "{}", failures[0].1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_select_the_cases_they_name() {
    let corpus = Corpus::load(&config_cases_dir()).expect("corpus");
    let everything = run(&config_cases_dir(), PolicySource::Embedded, "contract").await;
    let count = |tag: &str| everything.iter().filter(|result| result.tags.contains(&tag)).count();
    // (tags, cases run)
    let cases = [
        ("contract", everything.len()),
        ("config", corpus.cases.len()),
        ("references", corpus.references.len()),
        ("behaviour", count("behaviour")),
        ("default-policy", count("default-policy")),
        ("config,behaviour", count("behaviour")),
        ("discovery", 0),
        ("references,behaviour", 0),
        ("§2", count("§2")),
        ("config,§3", count("§3")),
        ("§5", count("§5")),
        ("§8", 0),
    ];
    assert_eq!(count("behaviour") + count("default-policy"), corpus.cases.len(), "each config case has one basis");
    let sections = ["§1", "§2", "§3", "§4", "§5", "§6", "§7", "§8"];
    let cited = |result: &CaseResult| sections.iter().filter(|section| result.tags.contains(section)).count();
    assert!(everything.iter().filter(|result| result.tags.contains(&"config")).all(|result| cited(result) == 1), "each config case cites one section");
    assert!(count("§2") > 0 && count("§3") > 0);
    assert!(count("behaviour") > 0 && count("default-policy") > 0);
    for (tags, expected) in cases {
        let results = run(&config_cases_dir(), PolicySource::Embedded, tags).await;
        assert_eq!(results.len(), expected, "--tags {tags}");
        let wanted: Vec<&str> = tags.split(',').filter(|tag| *tag != "contract").collect();
        assert!(results.iter().all(|result| wanted.iter().all(|tag| result.tags.contains(tag))), "--tags {tags}");
    }
}

#[test]
fn policy_test_takes_tags_and_refuses_unknown_or_empty_selections() {
    let home = TestHome::new().expect("home");
    let cases = config_cases_dir().display().to_string();
    let openclaw =
        |tags: &str| run_in_home(env!("CARGO_BIN_EXE_openclaw-bedrock"), &home, &[], &["policy", "test", "--cases", &cases, "--json", "--tags", tags]);
    let contract = openclaw("contract,config");
    assert_eq!(contract.code, Some(0), "{}", contract.all_output());
    let report = contract.json();
    assert_eq!(report["tier"], "contract");
    assert_eq!(report["failed"], 0);
    assert!(report["results"].as_array().is_some_and(|results| !results.is_empty() && results.iter().all(|r| r["tags"][0] == "config")), "{report}");
    // (tags, words of the one-line error)
    for (tags, words) in [("nope", "unknown tag \"nope\"; the tags are contract, config"), ("discovery", "no case in")] {
        let run = openclaw(tags);
        assert_eq!(run.code, Some(1), "{tags}: {}", run.all_output());
        assert!(run.stderr.lines().any(|line| line.starts_with("error:") && line.contains(words)), "{tags}: {}", run.stderr);
    }
}
