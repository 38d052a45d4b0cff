//! `openclaw-bedrock --emulate models list`: the bundled emulator's catalog, every row it answered
//! tagged `[emulator]`; and a listing whose reader stops early (`| head -1`) ends quietly.

use openclaw_test_support::{TestHome, run_in_home_async};
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_openclaw-bedrock");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_answers_models_list_and_every_row_says_so() {
    // No AWS account, no config file: a fresh machine.
    let home = TestHome::empty().expect("home");
    let table = run_in_home_async(BINARY, &home, &[], &["--emulate", "models", "list"]).await;
    assert_eq!(table.code, Some(0), "{}", table.all_output());
    let rows: Vec<&str> = table.stdout.lines().collect();
    assert!(rows.len() > 10, "the emulator's catalog is listed: {}", table.stdout);
    assert!(rows[0].starts_with("ID") && !rows[0].contains("[emulator]"), "the header: {}", rows[0]);
    assert!(rows[1..].iter().all(|row| row.ends_with(" [emulator]")), "every model row is tagged: {}", table.stdout);
    assert!(table.stderr.contains("emulator:") && table.stderr.contains("127.0.0.1"), "what answered: {}", table.stderr);

    let json = run_in_home_async(BINARY, &home, &[], &["--emulate", "models", "list", "--json"]).await;
    assert_eq!(json.code, Some(0), "{}", json.all_output());
    let report = json.json();
    assert!(report["emulator"]["endpoint"].as_str().is_some_and(|e| e.starts_with("http://127.0.0.1:")), "{report}");
    let models = report["models"].as_array().map(Vec::len).unwrap_or_default();
    assert_eq!(models, rows.len() - 1, "the same models as the table");

    // Without the flag nothing answers on a fresh machine: no silent fallback to the emulator.
    let real = run_in_home_async(BINARY, &home, &[], &["models", "list", "--json"]).await;
    assert!(real.stdout.is_empty() || real.json()["emulator"].is_null(), "{}", real.all_output());
    assert!(!real.all_output().contains("[emulator]"), "{}", real.all_output());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stops_early_ends_the_listing_quietly() {
    let home = TestHome::empty().expect("home");
    for args in [&["--emulate", "models", "list"][..], &["--emulate", "models", "list", "--json"], &["--emulate", "demo"]] {
        // The pipe's reading end is closed before the command writes anything, as `head -1`
        // leaves it once it has its line: every write to stdout fails.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let mut command = Command::new(BINARY);
        home.apply(&mut command);
        command.args(args).stdin(Stdio::null()).stdout(writer).stderr(Stdio::piped());
        let output = tokio::task::spawn_blocking(move || command.output()).await.expect("thread").expect("openclaw runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe") && !stderr.contains("error"), "{args:?}: {stderr}");
    }
}
