//! A fast loop for policy authors (issue 13): `policy check` maps the compile cache on a
//! second run, `policy compile` compiles once, and the cache keeps under its cap by removing
//! the least recently used entries; a corrupt or foreign entry is replaced, never a failure.
//!
//! What is observed is what the commands say (`cache` in `--json`, the debug log's compile
//! lines) and the files in the cache, never a timing.

use openclaw_test_support::{Run, TestGuest, TestHome, run_in_home};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The debug line the loader writes each time it compiles a component.
const COMPILING: &str = "compiling a policy component";

fn openclaw(home: &TestHome, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut vars = vec![("NO_COLOR", "1"), ("RUST_LOG", "warn,openclaw_host::sandbox::loader=debug")];
    vars.extend_from_slice(env);
    run_in_home(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, &vars, args)
}

/// `policy check --json` of `guest` under the cap `max` (if any): the `cache` it reports.
fn check(home: &TestHome, guest: TestGuest, max: Option<&str>) -> (String, Run) {
    let env: Vec<(&str, &str)> = max.map(|max| ("OPENCLAW_POLICY_CACHE_MAX", max)).into_iter().collect();
    let run = openclaw(home, &env, &["policy", "check", "--json", &guest.path().display().to_string()]);
    assert_eq!(run.code, Some(0), "{}", run.all_output());
    (run.json()["cache"].as_str().unwrap_or_default().to_string(), run)
}

fn cache_dir(home: &TestHome) -> PathBuf {
    home.state_dir().join("openclaw-bedrock").join("cache").join("policies")
}

/// The cache's entries: file name to size.
fn entries(home: &TestHome) -> BTreeMap<String, u64> {
    let listing = std::fs::read_dir(cache_dir(home)).map(|dir| dir.filter_map(Result::ok).collect::<Vec<_>>()).unwrap_or_default();
    listing
        .into_iter()
        .filter(|entry| entry.path().extension().is_some_and(|extension| extension == "cwasm"))
        .map(|entry| (entry.file_name().to_string_lossy().into_owned(), entry.metadata().expect("stat").len()))
        .collect()
}

/// The cache entry of a component file (entries are named by the component's SHA-256).
fn entry_of(home: &TestHome, component: &Path) -> Option<(String, u64)> {
    let digest = hex::encode(Sha256::digest(std::fs::read(component).expect("component")));
    entries(home).into_iter().find(|(name, _)| name.starts_with(&digest))
}

fn compiles(run: &Run) -> usize {
    run.stderr.lines().filter(|line| line.contains(COMPILING)).count()
}

#[test]
fn a_second_check_maps_the_cached_compile() {
    let home = TestHome::new().expect("home");
    // (run, cache reported, compiles: the first run compiles the embedded policy that hosts
    // the engine too)
    for (run, expected, compiled) in [("first", "miss", 2), ("second", "hit", 0), ("third", "hit", 0)] {
        let (cache, output) = check(&home, TestGuest::AltPolicy, None);
        assert_eq!(cache, expected, "{run} check: {}", output.all_output());
        assert_eq!(compiles(&output), compiled, "{run} check: {}", output.stderr);
    }
    let text = openclaw(&home, &[], &["policy", "check", &TestGuest::AltPolicy.path().display().to_string()]);
    assert!(text.stdout.contains("(compile cache: hit)"), "{}", text.all_output());
}

#[test]
fn policy_compile_compiles_once() {
    let home = TestHome::new().expect("home");
    let out = tempfile::tempdir().expect("dir");
    let cwasm = out.path().join("alt.cwasm").display().to_string();
    let alt = TestGuest::AltPolicy.path().display().to_string();
    // (run, compiles: the embedded policy that hosts the engine and the component; then none)
    for (run, expected) in [("first", 2), ("second", 0)] {
        let compiled = openclaw(&home, &[], &["policy", "compile", &alt, "-o", &cwasm]);
        assert_eq!(compiled.code, Some(0), "{}", compiled.all_output());
        assert_eq!(compiles(&compiled), expected, "{run} compile: {}", compiled.stderr);
    }
    let (cache, run) = check(&home, TestGuest::AltPolicy, None);
    assert_eq!(cache, "hit", "the compile went through the cache: {}", run.all_output());
    let checked = openclaw(&home, &[], &["policy", "check", "--json", &cwasm]);
    assert_eq!(checked.json()["cache"], "precompiled", "the sealed output loads: {}", checked.all_output());
    assert_eq!(checked.json()["policy"]["name"], "alt-policy");
}

#[test]
fn the_least_recently_used_entries_go_first_under_the_cap() {
    let (a, b, c) = (TestGuest::AltPolicy, TestGuest::Hostile, TestGuest::HttpCaller);
    // The entries' sizes, learned in a home without a cap.
    let sizes = TestHome::new().expect("home");
    for guest in [a, b, c] {
        check(&sizes, guest, None);
    }
    let size = |guest: TestGuest| entry_of(&sizes, &guest.path()).expect("entry").1;
    let all: u64 = entries(&sizes).values().sum();
    let embedded = all - size(a) - size(b) - size(c);
    // Room for the embedded policy (loaded by every check), A, and the larger of B and C.
    let cap = embedded + size(a) + size(b).max(size(c));
    let max = cap.to_string();

    let home = TestHome::new().expect("home");
    // (step, guest checked, cache reported, guests whose entries remain after)
    let steps = [
        ("A compiled", a, "miss", &[a][..]),
        ("B compiled, all fit", b, "miss", &[a, b][..]),
        ("A used again: now more recent than B", a, "hit", &[a, b][..]),
        ("C compiled: B, least recently used, goes", c, "miss", &[a, c][..]),
        ("A still cached", a, "hit", &[a, c][..]),
        ("B compiled again: C goes", b, "miss", &[a, b][..]),
    ];
    for (step, guest, expected, remaining) in steps {
        let (cache, run) = check(&home, guest, Some(&max));
        assert_eq!(cache, expected, "{step}: {}", run.all_output());
        for kept in [a, b, c] {
            assert_eq!(entry_of(&home, &kept.path()).is_some(), remaining.contains(&kept), "{step}: {kept:?} in {:?}", entries(&home));
        }
        let total: u64 = entries(&home).values().sum();
        assert!(total <= cap, "{step}: {total} bytes cached, cap {cap}");
    }
}

#[test]
fn a_cap_smaller_than_any_entry_keeps_nothing_and_a_bad_cap_is_refused() {
    let home = TestHome::new().expect("home");
    for run in ["first", "second"] {
        let (cache, output) = check(&home, TestGuest::AltPolicy, Some("1KiB"));
        assert_eq!(cache, "miss", "{run}: {}", output.all_output());
        assert!(entries(&home).is_empty(), "{run}: {:?}", entries(&home));
    }
    // (value, words of the one-line error)
    for (value, words) in [("lots", "is not a size"), ("5TB", "unknown unit")] {
        let run = openclaw(&home, &[("OPENCLAW_POLICY_CACHE_MAX", value)], &["policy", "check", &TestGuest::AltPolicy.path().display().to_string()]);
        assert_eq!(run.code, Some(1), "{value}: {}", run.all_output());
        let error = run.stderr.lines().find(|line| line.starts_with("error:")).unwrap_or_default();
        assert!(error.contains("OPENCLAW_POLICY_CACHE_MAX") && error.contains(words), "{value}: {}", run.stderr);
    }
}

#[test]
fn a_corrupt_or_foreign_entry_is_replaced() {
    // (case, what replaces the entry of A)
    type Damage = fn(&Path, &[u8]) -> Vec<u8>;
    let cases: [(&str, Damage, &str); 4] = [
        ("garbage", |_, _| b"not a compiled component".to_vec(), "refusing a compile cache entry"),
        ("empty", |_, _| Vec::new(), "refusing a compile cache entry"),
        ("truncated", |entry, _| std::fs::read(entry).map(|bytes| bytes[..bytes.len() / 2].to_vec()).expect("read"), "refusing a compile cache entry"),
        ("foreign: another component's entry", |_, foreign| foreign.to_vec(), "compile of another component"),
    ];
    for (case, damage, warning) in cases {
        let home = TestHome::new().expect("home");
        check(&home, TestGuest::Hostile, None);
        check(&home, TestGuest::AltPolicy, None);
        let foreign = std::fs::read(cache_dir(&home).join(entry_of(&home, &TestGuest::Hostile.path()).expect("B").0)).expect("read");
        let entry = cache_dir(&home).join(entry_of(&home, &TestGuest::AltPolicy.path()).expect("A").0);
        std::fs::write(&entry, damage(&entry, &foreign)).expect("damage");
        let (cache, run) = check(&home, TestGuest::AltPolicy, None);
        assert_eq!(cache, "miss", "{case}: {}", run.all_output());
        assert!(run.stderr.contains(warning), "{case}: {}", run.stderr);
        let (cache, run) = check(&home, TestGuest::AltPolicy, None);
        assert_eq!(cache, "hit", "{case}: the entry was replaced: {}", run.all_output());
    }
}

#[test]
fn the_cache_max_flag_takes_precedence_over_the_variable() {
    let home = TestHome::new().expect("home");
    let component = TestGuest::AltPolicy.path().display().to_string();
    // (variable, flag, entry of the component kept afterwards)
    let cases = [(Some("1GiB"), Some("1KiB"), false), (Some("1KiB"), Some("1GiB"), true), (Some("1KiB"), None, false), (None, Some("0"), false)];
    for (variable, flag, kept) in cases {
        let _ = std::fs::remove_dir_all(cache_dir(&home));
        let env: Vec<(&str, &str)> = variable.map(|max| ("OPENCLAW_POLICY_CACHE_MAX", max)).into_iter().collect();
        let mut args = vec!["policy", "check", "--json", &component];
        if let Some(flag) = flag {
            args.extend(["--policy-cache-max", flag]);
        }
        let run = openclaw(&home, &env, &args);
        assert_eq!(run.code, Some(0), "{variable:?} {flag:?}: {}", run.all_output());
        assert_eq!(entry_of(&home, &TestGuest::AltPolicy.path()).is_some(), kept, "{variable:?} {flag:?}: {:?}", entries(&home));
    }
    // A value that is not a size is a usage error naming the flag (exit 2, before anything runs).
    let run = openclaw(&home, &[], &["policy", "check", &component, "--policy-cache-max", "lots"]);
    assert_eq!(run.code, Some(2), "{}", run.all_output());
    assert!(run.stderr.contains("--policy-cache-max") && run.stderr.contains("is not a size"), "{}", run.stderr);
}

#[test]
fn a_component_that_leaves_parts_to_the_default_compiles_it_once() {
    let home = TestHome::new().expect("home");
    // (run, cache reported, compiles: the first compiles the component and the embedded default,
    // which both hosts the engine and provides the parts the component leaves to it)
    for (run, expected, compiled) in [("first", "miss", 2), ("second", "hit", 0)] {
        let (cache, output) = check(&home, TestGuest::PartsRouting, None);
        assert_eq!((cache.as_str(), compiles(&output)), (expected, compiled), "{run}: {}", output.stderr);
    }
}
