//! The behaviour corpora (`tests/config-cases/`, `tests/discovery-cases/`) through the real
//! sandbox: the embedded default policy, loaded by the host, answers every case.

use openclaw_host::conformance::{self, CaseResult, Corpus};
use openclaw_host::sandbox::{PolicyHost, PolicySource};
use openclaw_test_support::{TestGuest, config_cases_dir, discovery_cases_dir};
use std::path::Path;

/// Runs a corpus against a policy and returns every result.
async fn run(dir: &Path, policy: PolicySource) -> (Corpus, Vec<CaseResult>) {
    let corpus = Corpus::load(dir).expect("the corpus loads");
    let host = PolicyHost::builder().build(policy).await.expect("the policy loads");
    let results = conformance::run(&host, None, &corpus).await;
    (corpus, results)
}

fn assert_all_pass(results: &[CaseResult]) {
    let failures: Vec<String> =
        results.iter().filter(|result| !result.passed()).map(|result| format!("{}:\n    {}", result.name, result.failures.join("\n    "))).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), results.len(), failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_policy_passes_the_config_corpus() {
    let (corpus, results) = run(&config_cases_dir(), PolicySource::Embedded).await;
    // Today's counts: a case or reference row that disappears fails this.
    assert!(corpus.cases.len() >= 81, "the corpus has {} config cases; it had 81", corpus.cases.len());
    assert!(corpus.references.len() >= 43, "the corpus has {} model-reference rows; it had 43", corpus.references.len());
    assert_all_pass(&results);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_policy_passes_the_discovery_corpus() {
    let (corpus, results) = run(&discovery_cases_dir(), PolicySource::Embedded).await;
    assert!(corpus.discovery.len() >= 47, "the corpus has {} discovery cases; it had 47", corpus.discovery.len());
    assert_all_pass(&results);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_that_answers_differently_fails_the_corpora() {
    // The harness must be able to fail: the alternative test policy ignores the config and
    // lists every foundation model.
    for dir in [config_cases_dir(), discovery_cases_dir()] {
        let (_, results) = run(&dir, PolicySource::File(TestGuest::AltPolicy.path())).await;
        let failed = results.iter().filter(|result| !result.passed()).count();
        assert!(failed * 2 > results.len(), "{}: only {failed} of {} cases failed for a policy that ignores its input", dir.display(), results.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_policy_built_for_contract_0_1_passes_both_corpora() {
    // The host's 0.1.0 path (host/src/bindings/since_v0_1) with the real policy: the same corpora pass.
    for dir in [config_cases_dir(), discovery_cases_dir()] {
        let (_, results) = run(&dir, PolicySource::File(TestGuest::DefaultV0_1.path())).await;
        assert_all_pass(&results);
    }
    let host = PolicyHost::builder().build(PolicySource::File(TestGuest::DefaultV0_1.path())).await.expect("the 0.1.0 build loads");
    assert_eq!((host.current().contract().as_str(), host.current().info().contract.as_str()), ("0.1.0", "0.1.0"));
}
