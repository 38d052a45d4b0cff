//! The config behaviour corpus (`tests/config-cases/`) through the real sandbox: the embedded
//! default policy, loaded by the host, answers every case.

use openclaw_host::conformance::{self, Corpus};
use openclaw_host::runtime::{PolicyHost, PolicySource};
use openclaw_test_support::config_cases_dir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_policy_passes_the_config_corpus() {
    let corpus = Corpus::load(&config_cases_dir()).expect("the corpus loads");
    assert!(corpus.cases.len() >= 40, "the corpus has {} config cases; it needs at least 40", corpus.cases.len());
    let host = PolicyHost::builder().build(PolicySource::Embedded).await.expect("the default policy loads");
    let results = conformance::run(&host, None, &corpus).await;
    let failures: Vec<String> = results
        .iter()
        .filter(|result| !result.passed())
        .map(|result| format!("{}:\n    {}", result.name, result.failures.join("\n    ")))
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), results.len(), failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_that_answers_differently_fails_the_corpus() {
    // The harness must be able to fail: the alternative test policy ignores the config.
    let corpus = Corpus::load(&config_cases_dir()).expect("the corpus loads");
    let alternative = PolicySource::File(openclaw_test_support::TestGuest::AltPolicy.path());
    let host = PolicyHost::builder().build(alternative).await.expect("the alternative policy loads");
    let results = conformance::run(&host, None, &corpus).await;
    let failed = results.iter().filter(|result| !result.passed()).count();
    assert!(failed * 2 > results.len(), "only {failed} of {} cases failed for a policy that ignores its input", results.len());
}
