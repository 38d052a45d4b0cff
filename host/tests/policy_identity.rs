//! Which contract a component implements and which build it is (issue 13, "versions and
//! identity"): a component of another contract version is refused naming the version it was
//! built for and the ones this host implements; the contract a self-check claims must be the
//! one the component exports; and the digest that tells two builds apart is in `policy check
//! --json` and in the gateway's `openclaw-policy` header.

mod gateway_common;

use gateway_common::{Setup, TestGateway};
use openclaw_test_support::{TestGuest, TestHome, run_in_home};
use sha2::{Digest, Sha256};
use std::path::Path;

fn check(home: &TestHome, component: &Path) -> serde_json::Value {
    let run = run_in_home(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, &[], &["policy", "check", "--json", &component.display().to_string()]);
    let report = run.json();
    assert_eq!(run.code, Some(if report["ok"] == true { 0 } else { 1 }), "{}", run.all_output());
    report
}

/// `bytes` with every occurrence of `from` replaced by `to` (same length, so the component's
/// length-prefixed names stay well-formed).
fn replace_all(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let (from, to) = (from.as_bytes(), to.as_bytes());
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    let mut found = 0;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = &rest[from.len()..];
            found += 1;
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    assert!(found > 0, "{} not found", String::from_utf8_lossy(from));
    out
}

/// The alternative policy (built for 0.1.0) as a component of another package: every
/// `openclaw:bedrock` name rewritten.
fn rewritten(dir: &Path, name: &str, edits: &[(&str, &str)]) -> std::path::PathBuf {
    let mut bytes = std::fs::read(TestGuest::AltPolicy.path()).expect("alt-policy");
    for (from, to) in edits {
        bytes = replace_all(&bytes, from, to);
    }
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn a_component_of_another_contract_is_refused_naming_both_sides() {
    let home = TestHome::new().expect("home");
    let dir = tempfile::tempdir().expect("dir");
    let versions = ["openclaw:bedrock@0.1.0", "@0.2.0", "@0.3.0"];
    // (case, component, words of the refusal)
    let cases = [
        (
            "built for 0.9.0 (every interface of the package renamed)",
            rewritten(dir.path(), "v0_9.wasm", &[("@0.1.0", "@0.9.0")]),
            vec!["built for openclaw:bedrock@0.9.0", versions[0], versions[1], versions[2]],
        ),
        (
            "no policy export (renamed)",
            rewritten(dir.path(), "renamed.wasm", &[("bedrock/policy@", "bedrock/polizy@")]),
            vec!["no `openclaw:bedrock/identity@VERSION` interface", "openclaw:bedrock/polizy@0.1.0", versions[0], versions[1], versions[2]],
        ),
        ("another world", TestGuest::NotAPolicy.path(), vec!["no `openclaw:bedrock/identity@VERSION` interface", versions[0], versions[2]]),
        (
            "claims 9.9.9 in its self-check, exports 0.1.0",
            TestGuest::WrongContract.path(),
            vec!["says it implements contract \"9.9.9\"", "exports the interfaces of openclaw:bedrock@0.1.0"],
        ),
    ];
    for (case, component, words) in cases {
        let report = check(&home, &component);
        assert_eq!(report["ok"], false, "{case}: {report}");
        let error = report["error"].as_str().unwrap_or_default();
        for words in words {
            assert!(error.contains(words), "{case}: {words:?} in {error}");
        }
        assert!(!error.contains("wrong type") && !error.contains("implementation is missing"), "{case}: not the linker's words: {error}");
    }
}

/// `sha256:` and the first 12 hex digits of a file's SHA-256.
fn digest_id(path: &Path) -> String {
    format!("sha256:{}", &hex::encode(Sha256::digest(std::fs::read(path).expect("read")))[..12])
}

#[test]
fn policy_check_reports_the_digest_that_tells_builds_apart() {
    let home = TestHome::new().expect("home");
    let dir = tempfile::tempdir().expect("dir");
    // The same policy, name and version, in a second build that differs only by a custom
    // section appended (section id 0, size 7, name `build`, one byte of payload).
    let mut bytes = std::fs::read(TestGuest::AltPolicy.path()).expect("alt-policy");
    bytes.extend_from_slice(b"\x00\x07\x05build2");
    let second = dir.path().join("second.wasm");
    std::fs::write(&second, bytes).expect("write");
    let first = check(&home, &TestGuest::AltPolicy.path());
    assert_eq!(first["ok"], true, "{first}");
    assert_eq!(first["digest"], digest_id(&TestGuest::AltPolicy.path()));
    let other = check(&home, &second);
    assert_eq!(other["ok"], true, "{other}");
    assert_eq!((&other["policy"]["name"], &other["policy"]["version"]), (&first["policy"]["name"], &first["policy"]["version"]));
    assert_eq!(other["digest"], digest_id(&second));
    assert_ne!(first["digest"], other["digest"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_header_carries_the_digest() {
    let gateway = TestGateway::start_with(Setup { policy: TestGuest::AltPolicy.path(), ..Setup::default() }).await;
    for stream in [false, true] {
        let response = gateway.chat("hello", stream).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let header = response.header("openclaw-policy").expect("policy header");
        assert_eq!(header, format!("alt-policy 0.1.0 (contract openclaw:bedrock@0.1.0; {})", digest_id(&TestGuest::AltPolicy.path())));
    }
}
