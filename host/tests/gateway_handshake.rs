//! `gateway --handshake`, the machine handshake the OpenClaw plugin starts the gateway with
//! (host/src/cli/handshake.rs): one JSON ready line with the address and a per-launch key, that
//! key required on every route, `/v1/models` with the plugin's metadata, an exit when stdin
//! closes, and the flag's refusals.

mod gateway_common;

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator};
use gateway_common::send;
use openclaw_test_support::{TestHome, emulator_aws_vars};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_openclaw-bedrock");

/// The gateway process, killed if the test ends before it exits.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn command(home: &TestHome, endpoint: &str, args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    home.apply(&mut command);
    command.envs(emulator_aws_vars(endpoint, (DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY), home.path())).args(args);
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ready_line_the_launch_key_the_metadata_and_the_exit_with_stdin() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    let mut command = command(&home, &emulator.endpoint(), &["gateway", "--handshake", "--listen", "127.0.0.1:0"]);
    let mut process = Process(command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("starts"));
    let stdout = process.0.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(60), line).await.expect("the ready line in time").expect("reader").expect("read");
    let ready: Value = serde_json::from_str(line.trim_end()).unwrap_or_else(|e| panic!("one JSON line ({e}): {line:?}"));
    assert_eq!((ready["ready"].as_bool(), ready["pid"].as_u64()), (Some(true), Some(u64::from(process.0.id()))), "{ready}");
    let url = ready["url"].as_str().expect("url");
    let addr: SocketAddr = url.strip_prefix("http://").and_then(|a| a.parse().ok()).unwrap_or_else(|| panic!("url: {url}"));
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    let key = ready["key"].as_str().expect("key");
    assert_eq!(key.len(), 64, "{ready}");

    // (headers, status): the launch key is required, as a bearer token or Anthropic's x-api-key.
    let bearer = format!("Bearer {key}");
    let cases: [(&[(&str, &str)], u16); 4] =
        [(&[], 401), (&[("authorization", "Bearer not-the-key")], 401), (&[("authorization", &bearer)], 200), (&[("x-api-key", key)], 200)];
    for (headers, status) in cases {
        assert_eq!(send(addr, "GET", "/v1/models", headers, Vec::new()).await.status, status, "{headers:?}");
    }
    let list = send(addr, "GET", "/v1/models", &[("authorization", &bearer)], Vec::new()).await.json();
    let model = |id: &str| list["data"].as_array().and_then(|d| d.iter().find(|m| m["id"] == id).cloned()).unwrap_or_else(|| panic!("{id} in {list}"));
    // (model, api, reasoning kind, tools)
    let cases = [
        ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic-messages", Value::from("anthropic_thinking"), true),
        ("us.amazon.nova-pro-v1:0", "openai-completions", Value::Null, true),
        ("us.deepseek.r1-v1:0", "openai-completions", Value::from("always"), false),
    ];
    for (id, api, kind, tools) in cases {
        let entry = model(id);
        assert_eq!((&entry["api"], &entry["reasoning"]["kind"], &entry["tools"]), (&Value::from(api), &kind, &Value::from(tools)), "{entry}");
        assert!(entry["context_window"].as_u64().is_some_and(|c| c > 0) && entry["cost"]["input"].is_number(), "{entry}");
    }

    // The parent goes: stdin closes, and the gateway exits by itself.
    drop(process.0.stdin.take());
    let mut child = std::mem::replace(&mut process.0, Command::new("true").spawn().expect("placeholder"));
    let status = tokio::time::timeout(Duration::from_secs(30), tokio::task::spawn_blocking(move || child.wait())).await.expect("exits when stdin closes");
    assert!(status.expect("thread").expect("wait").success());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_handshake_is_refused_off_loopback_and_beside_an_api_key() {
    let home = TestHome::empty().expect("home");
    // (arguments, exit code, what stderr says)
    let cases: [(&[&str], i32, &str); 2] = [
        (&["gateway", "--handshake", "--listen", "0.0.0.0:0"], 1, "is not a loopback address"),
        (&["gateway", "--handshake", "--api-key-env", "KEY"], 2, "cannot be used with"),
    ];
    for (args, code, says) in cases {
        let output = command(&home, "http://127.0.0.1:9", args).stdin(Stdio::null()).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}
