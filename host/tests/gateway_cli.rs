//! `openclaw gateway` as a process: the address line, serving the emulator, SIGHUP reloads,
//! SIGTERM exits 0, and the flags' refusals and warnings.

mod gateway_common;

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator};
use gateway_common::{MODEL, chat_body, embedded_policy_file, eventually, send};
use openclaw_test_support::{TestGuest, TestHome};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A gateway child process and the address it printed.
struct Process {
    child: Child,
    addr: SocketAddr,
    first_line: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(home: &TestHome, endpoint: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_openclaw"));
    home.apply(&mut command);
    command
        .envs([("AWS_ENDPOINT_URL", endpoint), ("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID), ("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Starts the process and reads its first stdout line (on a blocking thread, bounded).
async fn spawn(mut command: Command) -> Process {
    let mut child = command.spawn().expect("openclaw starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .expect("the address line in time")
    .expect("reader")
    .expect("read");
    let first_line = line.trim_end().to_string();
    let addr = first_line.strip_prefix("listening on http://").and_then(|a| a.parse().ok()).unwrap_or_else(|| panic!("first line: {first_line:?}"));
    Process { child, addr, first_line }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([format!("-{name}"), child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
}

/// Waits for the process to exit (bounded) and returns its code and stderr.
async fn wait(mut process: Process) -> (Option<i32>, String) {
    let mut stderr = process.child.stderr.take().expect("stderr");
    let mut child = std::mem::replace(&mut process.child, Command::new("true").spawn().expect("placeholder"));
    tokio::time::timeout(
        Duration::from_secs(30),
        tokio::task::spawn_blocking(move || {
            let status = child.wait().expect("wait");
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            (status.code(), text)
        }),
    )
    .await
    .expect("the process exits in time")
    .expect("waiter")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_reloads_on_sighup_and_exits_0_on_sigterm() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    let dir = tempfile::tempdir().expect("dir");
    let policy = dir.path().join("policy.wasm");
    std::fs::copy(embedded_policy_file(), &policy).expect("policy file");
    let policy_arg = policy.display().to_string();
    let process = spawn(command(&home, &emulator.endpoint(), &["gateway", "--listen", "127.0.0.1:0", "--policy", &policy_arg])).await;
    assert!(process.first_line.starts_with("listening on http://127.0.0.1:") && process.addr.port() != 0, "{}", process.first_line);

    assert_eq!(send(process.addr, "GET", "/healthz", &[], Vec::new()).await.status, 200);
    let json = [("content-type", "application/json")];
    let chat = send(process.addr, "POST", "/v1/chat/completions", &json, chat_body("hello process", false).to_string().into_bytes()).await;
    assert_eq!((chat.status, chat.text()), (200, "Echo: hello process".to_string()), "{}", chat.body);
    let models = send(process.addr, "GET", "/v1/models", &[], Vec::new()).await;
    assert_eq!(models.status, 200, "{}", models.body);

    // SIGHUP: the (rewritten) policy file is loaded now.
    std::fs::copy(TestGuest::AltPolicy.path(), &policy).expect("rewrite the policy");
    signal(&process.child, "HUP");
    let alt = eventually(Duration::from_secs(20), async || {
        let body = chat_body("after hangup", true).to_string().into_bytes();
        send(process.addr, "POST", "/v1/chat/completions", &json, body).await.streamed_text() == "[alt-policy] Echo: after hangup"
    })
    .await;
    assert!(alt, "the alternative policy serves after SIGHUP");

    signal(&process.child, "TERM");
    let (code, stderr) = wait(process).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains(DEFAULT_SECRET_ACCESS_KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_are_checked_and_an_open_public_listener_is_warned_about() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    let endpoint = emulator.endpoint();
    let mut unset = command(&home, &endpoint, &["gateway", "--listen", "127.0.0.1:0", "--api-key-env", "OPENCLAW_TEST_NO_SUCH_VARIABLE"]);
    let output = tokio::task::spawn_blocking(move || unset.output().expect("runs")).await.expect("thread");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("OPENCLAW_TEST_NO_SUCH_VARIABLE"));

    let mut bad = command(&home, &endpoint, &["gateway", "--listen", "not-an-address"]);
    let output = tokio::task::spawn_blocking(move || bad.output().expect("runs")).await.expect("thread");
    assert_eq!(output.status.code(), Some(2), "a usage error");

    let public = spawn(command(&home, &endpoint, &["gateway", "--listen", "0.0.0.0:0"])).await;
    signal(&public.child, "INT");
    let (code, stderr) = wait(public).await;
    assert_eq!(code, Some(0));
    assert!(stderr.contains("warning") && stderr.contains("--api-key-env"), "{stderr}");

    let mut keyed = command(&home, &endpoint, &["gateway", "--listen", "0.0.0.0:0", "--api-key-env", "OPENCLAW_TEST_GATEWAY_KEY"]);
    keyed.env("OPENCLAW_TEST_GATEWAY_KEY", "process-key");
    let keyed = spawn(keyed).await;
    let local = SocketAddr::from(([127, 0, 0, 1], keyed.addr.port()));
    let body = chat_body("hi", false).to_string().into_bytes();
    assert_eq!(send(local, "POST", "/v1/chat/completions", &[("content-type", "application/json")], body.clone()).await.status, 401);
    let authorized = send(local, "POST", "/v1/chat/completions", &[("content-type", "application/json"), ("authorization", "Bearer process-key")], body).await;
    assert_eq!((authorized.status, authorized.json()["model"].clone()), (200, serde_json::json!(MODEL)));
    signal(&keyed.child, "TERM");
    let (code, stderr) = wait(keyed).await;
    assert_eq!(code, Some(0));
    assert!(!stderr.contains("warning") && !stderr.contains("process-key"), "{stderr}");
}
