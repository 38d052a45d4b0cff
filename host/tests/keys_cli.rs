//! `openclaw-bedrock keys ...` as the operator runs it (issue 26, docs/keys.md): every command
//! with `--json`, the token shown once and never again, bad input refused in one line with
//! nothing changed; and the gateway process killed with SIGKILL under load loses no settled
//! spend.

mod gateway_common;

use gateway_common::{MODEL, send};
use openclaw_host::keys::journal::Journal;
use openclaw_test_support::{Run, TestHome, run_in_home};
use serde_json::json;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_openclaw-bedrock");

fn keys(home: &TestHome, args: &[&str]) -> Run {
    let mut all = vec!["keys"];
    all.extend_from_slice(args);
    run_in_home(BINARY, home, &[], &all)
}

fn keys_dir(home: &TestHome) -> std::path::PathBuf {
    home.state_dir().join("openclaw-bedrock").join("keys")
}

#[test]
fn every_keys_command_with_json() {
    let home = TestHome::empty().expect("home");
    let created = keys(
        &home,
        &[
            "create",
            "--name",
            "team-a",
            "--models",
            "claude-haiku-4-5, amazon.nova-lite-v1:0",
            "--rpm",
            "60",
            "--budget-usd",
            "25",
            "--budget-period",
            "week",
            "--expires",
            "30d",
            "--json",
        ],
    );
    assert_eq!(created.code, Some(0), "{}", created.all_output());
    let issued = created.json();
    let (id, token) = (issued["key"]["id"].as_str().expect("id").to_string(), issued["token"].as_str().expect("token").to_string());
    assert!(token.starts_with(&format!("ocb_{id}_")), "{token}");
    assert_eq!(issued["key"]["models"], json!(["claude-haiku-4-5", "amazon.nova-lite-v1:0"]));
    assert_eq!((issued["key"]["budget_usd"].as_str(), issued["key"]["budget_period"].as_str()), (Some("25.000000"), Some("week")));
    let secret = &token[token.len() - 64..];
    // The token is never shown again, nor stored: only its digest is.
    let journal = std::fs::read_to_string(keys_dir(&home).join("journal")).expect("journal");
    assert!(!journal.contains(secret));
    // (arguments, what the JSON answer holds)
    let cases: [(Vec<&str>, &str, serde_json::Value); 6] = [
        (vec!["show", &id], "/rpm", json!(60)),
        (vec!["set", &id, "--rpm", "none", "--tpm", "1000"], "/tpm", json!(1000)),
        (vec!["show", &id], "/rpm", json!(null)),
        (vec!["reset-spend", &id], "/spent_usd", json!("0.000000")),
        (vec!["revoke", &id], "/state", json!("revoked")),
        (vec!["list"], "/keys/0/state", json!("revoked")),
    ];
    for (args, pointer, expected) in cases {
        let mut args = args.clone();
        args.push("--json");
        let run = keys(&home, &args);
        assert_eq!(run.code, Some(0), "{args:?}: {}", run.all_output());
        assert_eq!(run.json().pointer(pointer), Some(&expected), "{args:?}: {}", run.stdout);
        assert!(!run.stdout.contains(secret), "{args:?}");
    }
    let usage = keys(&home, &["usage", "--since", "7d", "--json"]);
    assert_eq!(usage.json()["usage"][0]["requests"], 0, "{}", usage.stdout);
    let rotated = keys(&home, &["rotate", &id, "--json"]);
    assert_eq!(rotated.code, Some(1), "a revoked key is not rotated: {}", rotated.all_output());
}

#[test]
fn bad_input_is_refused_in_one_line_and_changes_nothing() {
    let home = TestHome::empty().expect("home");
    let created = keys(&home, &["create", "--name", "kept", "--json"]);
    let id = created.json()["key"]["id"].as_str().expect("id").to_string();
    let before = std::fs::read(keys_dir(&home).join("journal")).expect("journal");
    let cases: [(Vec<&str>, &str); 7] = [
        (vec!["create", "--name", "x", "--expires", "tomorrow"], "expires"),
        (vec!["create", "--name", "x", "--rpm", "0"], "rpm"),
        (vec!["create", "--name", "x", "--budget-usd", "1.2345678"], "budget-usd"),
        (vec!["create", "--name", " "], "name"),
        (vec!["set", &id, "--tpm", "lots"], "--tpm"),
        (vec!["show", "000000000000"], "no key with id 000000000000"),
        (vec!["rotate", &id, "--grace", "5y"], "grace"),
    ];
    for (args, mentions) in cases {
        let run = keys(&home, &args);
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.all_output());
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(mentions), "{args:?}: {}", run.stderr);
    }
    assert_eq!(std::fs::read(keys_dir(&home).join("journal")).expect("journal"), before, "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_under_load_loses_no_settled_spend() {
    let home = TestHome::empty().expect("home");
    let created = keys(&home, &["create", "--name", "load", "--budget-usd", "1000", "--json"]);
    let (id, token) = (created.json()["key"]["id"].as_str().expect("id").to_string(), created.json()["token"].as_str().expect("token").to_string());
    let mut command = Command::new(BINARY);
    home.apply(&mut command);
    command.args(["--emulate", "gateway", "--listen", "127.0.0.1:0"]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = command.spawn().expect("gateway starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("reader")
    .expect("the address line");
    let addr: std::net::SocketAddr = line.trim().strip_prefix("listening on http://").and_then(|a| a.parse().ok()).unwrap_or_else(|| panic!("{line}"));
    let authorization = format!("Bearer {token}");
    let body = json!({ "model": MODEL, "max_tokens": 20, "messages": [{ "role": "user", "content": "hi" }] }).to_string().into_bytes();
    // Requests keep coming in parallel lanes until the process dies under them.
    let lanes: Vec<_> = (0..8)
        .map(|_| {
            let (authorization, body) = (authorization.clone(), body.clone());
            tokio::spawn(async move {
                let mut answered = 0u64;
                loop {
                    let Ok((status, complete)) = tokio::time::timeout(Duration::from_secs(10), move_send(addr, authorization.clone(), body.clone())).await
                    else {
                        break;
                    };
                    if status != 200 || !complete {
                        break;
                    }
                    answered += 1;
                }
                answered
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // SIGKILL: no handler runs, nothing is flushed.
    child.kill().expect("kill -9");
    let _ = child.wait();
    let mut answered = 0;
    for lane in lanes {
        answered += lane.await.expect("lane");
    }
    assert!(answered > 0, "some requests were answered before the kill");
    let journal = Journal::open(&keys_dir(&home)).expect("journal");
    let settled = journal.ledger.usage_since(&id, 0).requests;
    // Every whole answer a client received was settled on disk first (a request in flight at
    // the kill may be settled without its answer having arrived).
    assert!(settled >= answered, "{settled} settled, {answered} answered");
    eprintln!("SIGKILL under load: {answered} answers received, {settled} settled on disk");
}

/// One request; (status, whether the body arrived whole). A connection the kill broke is 0.
async fn move_send(addr: std::net::SocketAddr, authorization: String, body: Vec<u8>) -> (u16, bool) {
    let sent = tokio::spawn(async move {
        send(addr, "POST", "/v1/chat/completions", &[("authorization", &authorization), ("content-type", "application/json")], body).await
    });
    match sent.await {
        Ok(response) => (response.status, response.complete),
        Err(_) => (0, false),
    }
}
