//! The `openclaw-bedrock` binary as a user runs it: exit codes, output streams, config path
//! resolution, and the sandbox seen from the outside (planted secrets never reach a guest).

use openclaw_test_support::{PLANTED_ACCESS_KEY_ID, PLANTED_SECRET_ACCESS_KEY, Run, TestGuest, TestHome, config_cases_dir, run_in_home};
use std::path::Path;

/// Environment variables a case sets: (name, value).
type Vars<'a> = &'a [(&'a str, &'a str)];

/// Runs `openclaw-bedrock` in `home` with extra environment variables.
fn openclaw(home: &TestHome, env: &[(&str, &str)], args: &[&str]) -> Run {
    run_in_home(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, env, args)
}

#[test]
fn validate_reports_every_problem_one_per_line_and_exits_1() {
    let home = TestHome::new().unwrap();
    let path = home
        .write_config("{\n  models: {\n    bedrockDiscovery: {\n      enabled: 'yes',\n      refreshIntrval: 60,\n      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/SHOULDNOTSHOW',\n    },\n  },\n}\n")
        .unwrap();
    let output = openclaw(&home, &[], &["config", "validate"]);
    assert_eq!(output.code, Some(1), "{}", output.stderr);
    let file = path.display().to_string();
    let lines: Vec<String> = output.stderr.lines().map(str::to_string).collect();
    let expected_prefixes = [
        format!("{file}:4:16: models.bedrockDiscovery.enabled: "),
        format!("{file}:5:7: models.bedrockDiscovery.refreshIntrval: "),
        format!("{file}:6:7: models.bedrockDiscovery.secretAccessKey: "),
    ];
    for (line, prefix) in lines.iter().zip(&expected_prefixes) {
        assert!(line.starts_with(prefix), "{line:?} should start with {prefix:?}");
    }
    assert_eq!(lines.len(), expected_prefixes.len() + 1, "three diagnostics and a summary: {lines:?}");
    assert!(lines[1].contains("did you mean `refreshInterval`?"), "{}", lines[1]);
    assert!(!output.stderr.contains("SHOULDNOTSHOW") && !output.stdout.contains("SHOULDNOTSHOW"));

    let report = openclaw(&home, &[], &["config", "validate", "--json"]).json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(3));
}

#[test]
fn validate_accepts_a_valid_file_and_a_missing_one() {
    let home = TestHome::new().unwrap();
    let missing = openclaw(&home, &[], &["config", "validate"]);
    assert_eq!(missing.code, Some(0), "{}", missing.stderr);
    assert!(missing.stdout.contains("not found"), "{}", missing.stdout);
    home.write_config("{ model: 'bedrock/mistral.mistral-large-2407-v1:0', gateway: { port: 1 } }").unwrap();
    let valid = openclaw(&home, &[], &["config", "validate"]);
    assert_eq!(valid.code, Some(0), "{}", valid.stderr);
    assert!(valid.stdout.ends_with(": valid\n"), "{}", valid.stdout);
}

#[test]
fn the_config_path_follows_flag_then_variables_then_home() {
    let home = TestHome::new().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let flag_file = elsewhere.path().join("flag.json");
    let state_dir = elsewhere.path().join("state");
    let state = state_dir.display().to_string();
    let flag = flag_file.display().to_string();
    let variable = elsewhere.path().join("variable.json").display().to_string();
    let home_default = home.state_dir().join("openclaw.json").display().to_string();
    let cases: [(Vars, &[&str], &str, &str); 6] = [
        (&[], &[], &home_default, "home"),
        (&[("OPENCLAW_STATE_DIR", &state)], &[], &format!("{state}/openclaw.json"), "state_dir_variable"),
        (&[("OPENCLAW_STATE_DIR", &state), ("OPENCLAW_CONFIG_PATH", &variable)], &[], &variable, "config_path_variable"),
        (&[("OPENCLAW_CONFIG_PATH", "  "), ("OPENCLAW_STATE_DIR", "")], &[], &home_default, "home"),
        (&[("OPENCLAW_CONFIG_PATH", &variable)], &["--config", &flag], &flag, "flag"),
        (&[], &["--config", &flag], &flag, "flag"),
    ];
    for (env, flags, path, source) in cases {
        let mut args = vec!["config", "show", "--json"];
        args.extend_from_slice(flags);
        let output = openclaw(&home, env, &args);
        assert_eq!(output.code, Some(0), "{env:?}: {}", output.stderr);
        let report = output.json();
        assert_eq!(report["config_path"]["path"], *path, "{env:?} {flags:?}");
        assert_eq!(report["config_path"]["source"], source, "{env:?} {flags:?}");
    }
}

#[test]
fn show_resolves_the_region_from_the_selected_profile() {
    let home = TestHome::new().unwrap();
    home.write_config("{ models: { bedrockDiscovery: { refreshInterval: 60 } } }").unwrap();
    let cases: [(Vars, &str, &str); 5] = [
        (&[], "us-west-2", "profile"),
        (&[("AWS_PROFILE", "dev")], "eu-central-1", "profile"),
        (&[("AWS_PROFILE", " ")], "us-west-2", "profile"),
        (&[("AWS_PROFILE", "dev"), ("AWS_DEFAULT_REGION", "ap-south-1")], "ap-south-1", "aws_default_region"),
        (&[("AWS_REGION", " "), ("AWS_DEFAULT_REGION", "ca-central-1")], "ca-central-1", "aws_default_region"),
    ];
    for (env, region, source) in cases {
        let output = openclaw(&home, env, &["config", "show", "--json"]);
        assert_eq!(output.code, Some(0), "{env:?}: {}", output.stderr);
        let report = output.json();
        assert_eq!(report["settings"]["region"]["name"], region, "{env:?}");
        assert_eq!(report["settings"]["region"]["source"], source, "{env:?}");
        assert_eq!(report["settings"]["discovery"]["refresh_interval"], 60);
        assert_eq!(report["settings"]["sources"]["discovery.refreshInterval"], "models.bedrockDiscovery.refreshInterval");
    }
    let table = openclaw(&home, &[("AWS_REGION", "eu-west-3")], &["config", "show"]).stdout;
    assert!(table.contains("eu-west-3 (from AWS_REGION)"), "{table}");
}

#[test]
fn a_snooping_policy_never_sees_the_hosts_secrets() {
    let home = TestHome::new().unwrap();
    // A listener that is really open: a connection the guest cannot make is the sandbox's refusal.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let config = home.write_config(&format!("snoop {address}")).unwrap();
    let hostile = TestGuest::Hostile.path();
    let env = [("AWS_ACCESS_KEY_ID", PLANTED_ACCESS_KEY_ID), ("AWS_SECRET_ACCESS_KEY", PLANTED_SECRET_ACCESS_KEY), ("AWS_REGION", "eu-west-1")];
    assert!(home.path().join(".aws/credentials").is_file(), "the secret is really on disk for the host");
    let output = openclaw(&home, &env, &["--policy", &hostile.display().to_string(), "config", "show", "--json", "--config", &config.display().to_string()]);
    assert_eq!(output.code, Some(0), "{}", output.stderr);
    let report = output.json();
    assert_eq!(report["settings"]["default_model"], "hostile", "the hostile policy answered");
    let findings: Vec<String> = report["settings"]["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| format!("{}: {}", w["path"].as_str().unwrap_or(""), w["message"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(findings, vec![format!("snoop: ran: environment, arguments, 5 paths, {address}")], "the guest found more than nothing");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "the guest connected to the listener");
    for text in [output.stdout, output.stderr] {
        assert!(!text.contains(PLANTED_SECRET_ACCESS_KEY) && !text.contains(PLANTED_ACCESS_KEY_ID));
    }
}

#[test]
fn policy_check_accepts_policies_and_refuses_the_rest() {
    let home = TestHome::new().unwrap();
    let cases = [
        (TestGuest::AltPolicy.path(), 0, "alt-policy"),
        (TestGuest::Refuses.path(), 1, "failed its self-check"),
        (TestGuest::Unlinkable.path(), 1, "cannot be linked"),
        (TestGuest::NotAPolicy.path(), 1, "does not implement"),
        (Path::new("/nonexistent.wasm").to_path_buf(), 1, "cannot read"),
    ];
    for (file, code, needle) in cases {
        let output = openclaw(&home, &[], &["policy", "check", &file.display().to_string()]);
        assert_eq!(output.code, Some(code), "{}: {}", file.display(), output.stderr);
        let said = output.all_output();
        assert!(said.contains(needle), "{}: {said}", file.display());
        assert_eq!(said.lines().count(), 1, "one line: {said}");
    }
}

#[test]
fn policy_test_runs_the_corpus_against_any_policy() {
    let home = TestHome::new().unwrap();
    let cases = config_cases_dir().display().to_string();
    let default = openclaw(&home, &[], &["policy", "test", "--cases", &cases]);
    assert_eq!(default.code, Some(0), "{}", default.stdout);
    assert!(default.stdout.lines().last().is_some_and(|line| line.ends_with(" passed, 0 failed")), "{}", default.stdout);
    let alternative = TestGuest::AltPolicy.path().display().to_string();
    let report = openclaw(&home, &[], &["--policy", &alternative, "policy", "test", "--cases", &cases, "--json"]).json();
    assert_eq!(report["policy"]["name"], "alt-policy");
    assert!(report["failed"].as_u64().unwrap_or(0) > 0, "the alternative policy must fail cases");
}

#[test]
fn precompiled_and_cached_policies_load_without_compiling() {
    let home = TestHome::new().unwrap();
    let first = openclaw(&home, &[], &["config", "show"]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let cache = home.state_dir().join("openclaw-bedrock").join("cache").join("policies");
    let entries: Vec<std::path::PathBuf> = std::fs::read_dir(&cache).map(|dir| dir.map(|e| e.expect("entry").path()).collect()).unwrap_or_default();
    assert_eq!(entries.len(), 1, "one compiled component cached in {}", cache.display());

    // The next run reads that entry: a damaged one is reported (and compiled around), which a
    // run that never looked at the cache could not do.
    let second = openclaw(&home, &[], &["config", "show"]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(!second.stderr.contains("compile cache"), "an intact entry loads quietly: {}", second.stderr);
    std::fs::write(&entries[0], b"not a compiled component").expect("damage the entry");
    let damaged = openclaw(&home, &[], &["config", "show"]);
    assert_eq!(damaged.code, Some(0), "{}", damaged.stderr);
    assert!(damaged.stderr.contains("refusing a compile cache entry"), "the run read the cache: {}", damaged.stderr);

    let output_dir = tempfile::tempdir().unwrap();
    let cwasm = output_dir.path().join("alt.cwasm").display().to_string();
    let compiled = openclaw(&home, &[], &["policy", "compile", &TestGuest::AltPolicy.path().display().to_string(), "-o", &cwasm]);
    assert_eq!(compiled.code, Some(0), "{}", compiled.stderr);
    let report = openclaw(&home, &[], &["--policy", &cwasm, "config", "show", "--json"]).json();
    assert_eq!(report["policy"]["name"], "alt-policy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_load_maps_the_cached_compile() {
    use openclaw_host::sandbox::{CompileOutcome, PolicyHost, PolicySource};
    let cache = tempfile::tempdir().expect("cache dir");
    let load = || async { PolicyHost::builder().compile_cache(cache.path()).build(PolicySource::File(TestGuest::AltPolicy.path())).await.expect("loads") };
    assert_eq!(load().await.current().compile_outcome(), CompileOutcome::Compiled, "nothing cached yet");
    let second = load().await;
    assert_eq!(second.current().compile_outcome(), CompileOutcome::Cached, "the second load maps the first one's compile");
    let mut instance = second.instance(std::sync::Arc::default()).await.expect("instance");
    let source = openclaw_host::types::ConfigSource { origin: "test".into(), text: Some("{}".into()) };
    let settings = instance.load_config(&source).await.expect("runs").expect("valid");
    assert_eq!(settings.default_model.as_deref(), Some("alt-policy"), "the cached compile runs");
}

#[test]
fn usage_errors_exit_2() {
    let home = TestHome::new().unwrap();
    for args in [&["config"][..], &["config", "frobnicate"], &["policy", "test"], &["--no-such-flag"]] {
        assert_eq!(openclaw(&home, &[], args).code, Some(2), "{args:?}");
    }
}
