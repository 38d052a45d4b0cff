//! A first run on a fresh machine: no AWS account, no `~/.aws`, no config file, no AWS
//! variable. `--emulate` runs the whole path against the bundled emulator, started in-process,
//! and says so on every line it affects; without the flag nothing falls back to it.

use openclaw_test_support::Run;
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_openclaw-bedrock");

/// Runs `openclaw ARGS` with an empty home and nothing else in its environment but `PATH`
/// (and `extra`), as on a machine that has never seen AWS.
fn fresh_with(extra: &[(&str, &str)], args: &[&str]) -> (Run, tempfile::TempDir) {
    let home = tempfile::tempdir().expect("temporary home");
    let output = Command::new(BINARY)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .envs(extra.iter().copied())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("openclaw runs");
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    (run, home)
}

fn fresh(args: &[&str]) -> (Run, tempfile::TempDir) {
    fresh_with(&[], args)
}

/// The row with this label (rows are `LABEL  VALUE`, labels padded to one width).
fn row<'a>(run: &'a Run, label: &str) -> &'a str {
    run.stdout.lines().find(|line| line.split("  ").next() == Some(label)).unwrap_or_else(|| panic!("no `{label}` row in:\n{}", run.all_output()))
}

#[test]
fn the_demo_runs_the_whole_path_against_the_emulator_and_exits_0() {
    let (run, home) = fresh(&["--emulate", "demo"]);
    assert_eq!(run.code, Some(0), "{}", run.all_output());
    assert_eq!(run.stderr, "", "a healthy first run logs nothing");
    let emulator = row(&run, "emulator");
    assert!(emulator.contains("bundled Bedrock emulator on http://127.0.0.1:") && emulator.contains("no AWS account is used"), "{emulator}");
    // Every row the emulator answered says so; the rows about the user's own files do not.
    for (label, wanted) in [
        ("credentials", "the bundled emulator's own key pair (--emulate, http://127.0.0.1:"),
        ("discovery", "on (auto: a credential source is visible (the bundled emulator's own key pair"),
        ("models", " discovered in us-east-1"),
        ("using", "the first Anthropic model discovered"),
        ("probe", "ok in "),
    ] {
        let line = row(&run, label);
        assert!(line.contains(wanted), "{label}: {line}");
        assert!(line.ends_with(" [emulator]"), "{label} is not tagged: {line}");
    }
    for label in ["config", "default model", "region"] {
        assert!(!row(&run, label).contains("[emulator]"), "{label} is the user's own setting");
    }
    assert!(row(&run, "region").contains("us-east-1 (default)"));
    // The streamed answer: the emulator echoes the prompt.
    assert!(row(&run, "chat").ends_with("> Hello from openclaw, is Bedrock answering?"), "{}", run.stdout);
    assert!(run.stdout.contains("< Echo: Hello from openclaw, is Bedrock answering?\n"), "{}", run.stdout);
    assert!(run.stdout.lines().any(|l| l.contains("streamed from ") && l.ends_with("[emulator]")), "{}", run.stdout);
    assert!(row(&run, "gateway").contains("`openclaw-bedrock --emulate gateway`"), "{}", run.stdout);
    assert!(run.stdout.contains("curl -s localhost:18789/v1/chat/completions"), "{}", run.stdout);
    // Nothing of the emulated run is written next to real catalogs.
    assert!(!home.path().join(".openclaw").join("openclaw-bedrock").join("cache").join("catalog").exists(), "an emulated catalog was cached on disk");
}

#[test]
fn status_and_chat_with_the_flag_answer_from_the_emulator() {
    let (status, _home) = fresh(&["--emulate", "models", "status", "--probe-provider", "bedrock", "--json"]);
    // No config: no default model, so the probe says `no_model`; the rest works.
    let report = status.json();
    assert_eq!(report["credentials"]["ok"], true, "{}", status.all_output());
    assert!(report["emulator"]["endpoint"].as_str().is_some_and(|e| e.starts_with("http://127.0.0.1:")), "{report}");
    assert_eq!(report["probe"]["status"], "no_model");

    let (chat, _home) = fresh(&["--emulate", "chat", "--model", "us.anthropic.claude-sonnet-4-6-20251001-v1:0", "one", "two", "three"]);
    assert_eq!(chat.code, Some(0), "{}", chat.all_output());
    assert_eq!(chat.stdout, "Echo: one two three\n");
    assert!(chat.stderr.starts_with("emulator: the reply comes from the bundled Bedrock emulator on http://127.0.0.1:"), "{}", chat.stderr);
    assert_eq!(chat.stderr.lines().count(), 1, "{}", chat.stderr);
}

#[test]
fn without_the_flag_nothing_falls_back_to_the_emulator() {
    // Tests never reach for the network: the instance profile (tried last) is turned off.
    let (run, _home) = fresh_with(&[("AWS_EC2_METADATA_DISABLED", "true")], &["models", "status", "--probe-provider", "bedrock"]);
    assert_eq!(run.code, Some(1), "{}", run.all_output());
    assert!(!run.all_output().contains("emulator]") && !run.stdout.contains("127.0.0.1"), "{}", run.all_output());
    assert!(row(&run, "credentials").contains("none resolved: no AWS credentials found"), "{}", run.stdout);
}
