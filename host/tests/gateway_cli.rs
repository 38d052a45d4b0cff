//! `openclaw-bedrock gateway` as a process: the address line, serving the emulator, SIGHUP reloads,
//! SIGTERM exits 0, and the flags' refusals and warnings.

mod gateway_common;

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator};
use gateway_common::{MODEL, chat_body, embedded_policy_file, send};
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
    let mut command = Command::new(env!("CARGO_BIN_EXE_openclaw-bedrock"));
    home.apply(&mut command);
    command
        .envs([
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY),
        ])
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
    let stderr = process.child.stderr.take();
    let mut child = std::mem::replace(&mut process.child, Command::new("true").spawn().expect("placeholder"));
    tokio::time::timeout(
        Duration::from_secs(30),
        tokio::task::spawn_blocking(move || {
            let status = child.wait().expect("wait");
            let mut text = String::new();
            if let Some(mut stderr) = stderr {
                let _ = stderr.read_to_string(&mut text);
            }
            (status.code(), text)
        }),
    )
    .await
    .expect("the process exits in time")
    .expect("waiter")
}

/// Appends a custom section to a component so that it is `len` bytes long (custom sections
/// may follow any section and change nothing about the component).
fn padded_to(mut bytes: Vec<u8>, len: usize) -> Vec<u8> {
    fn leb128(mut value: usize) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }
    const NAME: &[u8] = b"openclaw-test-padding";
    let room = len.checked_sub(bytes.len()).expect("padding only grows");
    if room == 0 {
        return bytes;
    }
    let payload = (0..room).rev().find(|payload| {
        let content = leb128(NAME.len()).len() + NAME.len() + payload;
        1 + leb128(content).len() + content == room
    });
    let payload = payload.expect("a payload length that fills the room exactly");
    let content = leb128(NAME.len()).len() + NAME.len() + payload;
    bytes.push(0);
    bytes.extend(leb128(content));
    bytes.extend(leb128(NAME.len()));
    bytes.extend_from_slice(NAME);
    bytes.extend(std::iter::repeat_n(0u8, payload));
    assert_eq!(bytes.len(), len);
    bytes
}

/// Forwards the child's stderr lines to a channel (draining the pipe as it goes).
fn stderr_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let stderr = child.stderr.take().expect("stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Waits (on a blocking thread, bounded) for a stderr line containing `needle`; returns the
/// lines read meanwhile.
async fn wait_for_line(lines: std::sync::mpsc::Receiver<String>, needle: &'static str) -> (std::sync::mpsc::Receiver<String>, Vec<String>) {
    tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        loop {
            match lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    let found = line.contains(needle);
                    seen.push(line);
                    if found {
                        return (lines, seen);
                    }
                }
                Err(error) => panic!("no stderr line with {needle:?} ({error}); saw {seen:?}"),
            }
        }
    })
    .await
    .expect("reader")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_reloads_on_sighup_and_exits_0_on_sigterm() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    let dir = tempfile::tempdir().expect("dir");
    // The two policies are made the same size, and the new one gets the old one's modification
    // time: the file watcher (size and mtime) cannot see the change, only SIGHUP can load it.
    let (default, alt) = (std::fs::read(embedded_policy_file()).expect("default"), std::fs::read(TestGuest::AltPolicy.path()).expect("alt"));
    let len = default.len().max(alt.len());
    let (default, alt) = (padded_to(default, len), padded_to(alt, len));
    let policy = dir.path().join("policy.wasm");
    std::fs::write(&policy, &default).expect("policy file");
    let policy_arg = policy.display().to_string();
    let mut gateway = command(&home, &emulator.endpoint(), &["gateway", "--listen", "127.0.0.1:0", "--policy", &policy_arg]);
    gateway.env("RUST_LOG", "openclaw_host=info");
    let mut process = spawn(gateway).await;
    assert!(process.first_line.starts_with("listening on http://127.0.0.1:") && process.addr.port() != 0, "{}", process.first_line);
    let lines = stderr_lines(&mut process.child);

    assert_eq!(send(process.addr, "GET", "/healthz", &[], Vec::new()).await.status, 200);
    let json = [("content-type", "application/json")];
    let chat = send(process.addr, "POST", "/v1/chat/completions", &json, chat_body("hello process", false).to_string().into_bytes()).await;
    assert_eq!((chat.status, chat.text()), (200, "Echo: hello process".to_string()), "{}", chat.body);
    let models = send(process.addr, "GET", "/v1/models", &[], Vec::new()).await;
    assert_eq!(models.status, 200, "{}", models.body);

    // The watcher's first poll marks the policy file, its second settles it (reloading only if
    // the content changed). Each config change is logged by the poll that sees it: two changes
    // after the first read mean two more polls, so the watcher is idle from here on.
    let (mut lines, _) = wait_for_line(lines, "config file read").await;
    std::fs::create_dir_all(home.state_dir()).expect("state dir");
    for text in ["{}", "{ }"] {
        std::fs::write(home.state_dir().join("openclaw.json"), text).expect("config");
        lines = wait_for_line(lines, "config file read").await.0;
    }

    let mtime = std::fs::metadata(&policy).and_then(|m| m.modified()).expect("mtime");
    let aside = dir.path().join("policy.incoming");
    std::fs::write(&aside, &alt).expect("the new policy aside");
    std::fs::File::options().write(true).open(&aside).and_then(|f| f.set_modified(mtime)).expect("set mtime");
    std::fs::rename(&aside, &policy).expect("rename");
    signal(&process.child, "HUP");
    // The gateway's line, logged once the new policy's routing plan (or its absence, for a 0.1.0
    // policy) is in service; the runtime's own "policy swapped in" comes before that.
    let (lines, seen) = wait_for_line(lines, "new requests use it").await;
    assert!(seen.iter().any(|line| line.contains("SIGHUP")), "the swap followed the hangup: {seen:?}");
    let body = chat_body("after hangup", true).to_string().into_bytes();
    let after = send(process.addr, "POST", "/v1/chat/completions", &json, body).await;
    assert_eq!(after.streamed_text(), "[alt-policy] Echo: after hangup", "the alternative policy serves after SIGHUP: {}", after.body);

    signal(&process.child, "TERM");
    let (code, _) = wait(process).await;
    // The reader thread ends with the pipe: the rest of stderr.
    let rest: Vec<String> = tokio::task::spawn_blocking(move || lines.iter().collect()).await.expect("reader");
    assert_eq!(code, Some(0), "{rest:?}");
    assert!(!seen.iter().chain(&rest).any(|line| line.contains(DEFAULT_SECRET_ACCESS_KEY)));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_log_and_trace_flags_reach_the_gateway_and_flush_at_exit() {
    use openclaw_test_support::otlp_collector::{OtlpCollector, Transport};
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    let dir = tempfile::tempdir().expect("dir");
    let collector = OtlpCollector::start(Transport::Http, false).await;
    let file = dir.path().join("access.jsonl");
    let file_arg = file.display().to_string();
    // (the access-log flag, whether traces are asked for by flag or by the standard variable)
    let cases: [(&str, bool); 2] = [("-", true), (file_arg.as_str(), false)];
    for (index, (sink, by_flag)) in cases.into_iter().enumerate() {
        let mut args = vec!["gateway", "--listen", "127.0.0.1:0", "--access-log", sink];
        if by_flag {
            args.extend(["--otlp-endpoint", &collector.endpoint]);
        }
        let mut gateway = command(&home, &emulator.endpoint(), &args);
        if !by_flag {
            gateway
                .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.endpoint)
                .env("OTEL_SERVICE_NAME", "cli-gateway")
                .env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=ci")
                .env("OTEL_EXPORTER_OTLP_HEADERS", "x-intake-key=cli-secret");
        }
        let process = spawn(gateway).await;
        let request_id = format!("cli-{index}");
        let headers = [("content-type", "application/json"), ("x-request-id", request_id.as_str())];
        let chat = send(process.addr, "POST", "/v1/chat/completions", &headers, chat_body("logged prompt", false).to_string().into_bytes()).await;
        assert_eq!((chat.status, chat.header("x-request-id")), (200, Some(request_id.as_str())), "{}", chat.body);
        signal(&process.child, "TERM");
        let (code, stderr) = wait(process).await;
        assert_eq!(code, Some(0), "{stderr}");
        assert!(!stderr.contains("cli-secret"), "a header value in the log: {stderr}");
        // The line is written by the time the process has exited.
        let text = if sink == "-" { stderr } else { std::fs::read_to_string(&file).expect("the access-log file") };
        let line: serde_json::Value = text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .find(|line: &serde_json::Value| line["request_id"] == request_id.as_str())
            .unwrap_or_else(|| panic!("no access-log line for {request_id} in {text}"));
        assert_eq!((line["status"].as_u64(), line["target"].as_str()), (Some(200), Some(MODEL)), "{line}");
        assert!(!text.contains("logged prompt"), "{text}");
        let spans = collector.trace_of(&request_id, 3, Duration::from_secs(30)).await;
        assert_eq!(spans.len(), 3, "{spans:#?}");
        if !by_flag {
            // The standard variables: service name, resource attributes, headers.
            assert_eq!(
                (spans[0]["service"].as_str(), spans[0]["resource"]["deployment.environment"].as_str()),
                (Some("cli-gateway"), Some("ci")),
                "{spans:#?}"
            );
            let headers = collector.exports().pop().expect("an export").headers;
            assert!(headers.iter().any(|(n, v)| n == "x-intake-key" && v == "cli-secret"), "{headers:?}");
        }
    }
    let mut bad = command(&home, &emulator.endpoint(), &["gateway", "--listen", "127.0.0.1:0", "--otlp-endpoint", "collector.example:4318"]);
    let output = tokio::task::spawn_blocking(move || bad.output().expect("runs")).await.expect("thread");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("OTLP endpoint") && stderr.lines().count() == 1, "one line saying what is wrong: {stderr}");
    let mut unwritable = command(&home, &emulator.endpoint(), &["gateway", "--listen", "127.0.0.1:0", "--access-log", "/nonexistent-dir/access.jsonl"]);
    let output = tokio::task::spawn_blocking(move || unwritable.output().expect("runs")).await.expect("thread");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--access-log") && stderr.lines().count() == 1, "{stderr}");
}

/// The region each chat call was signed for, oldest first.
fn signed_regions(emulator: &bedrock_emulator::RunningEmulator) -> Vec<String> {
    emulator.request_log().into_iter().filter(|entry| entry.path.starts_with("/model/")).filter_map(|entry| entry.signed_region).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_of_the_aws_profile_region_makes_a_new_plan_without_a_restart() {
    // The emulator answers requests signed for one region: a call to another is refused.
    let emulator = Emulator::builder().region("eu-west-1").start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    home.write_config(&format!("{{ model: '{MODEL}', models: {{ bedrockDiscovery: {{ enabled: false }} }} }}")).expect("config");
    let aws_dir = home.path().join(".aws");
    std::fs::create_dir_all(&aws_dir).expect(".aws");
    std::fs::write(aws_dir.join("config"), "[default]\nregion = us-west-2\n").expect("profile");
    let mut gateway = command(&home, &emulator.endpoint(), &["gateway", "--listen", "127.0.0.1:0"]);
    // The region comes from the profile alone.
    gateway.env_remove("AWS_REGION").env("RUST_LOG", "openclaw_host=info");
    let mut process = spawn(gateway).await;
    let lines = stderr_lines(&mut process.child);
    let json = [("content-type", "application/json")];
    let chat = async |prompt: &str| send(process.addr, "POST", "/v1/chat/completions", &json, chat_body(prompt, false).to_string().into_bytes()).await;

    let before = chat("in the profile's first region").await;
    assert_eq!(before.status, 403, "the plan routes to the profile's region, which this emulator refuses: {}", before.body);
    assert_eq!(signed_regions(&emulator), ["us-west-2"]);

    // Written aside and renamed, as editors do; the watcher sees the new size and time.
    let (lines, _) = wait_for_line(lines, "config file read").await;
    std::fs::write(aws_dir.join("config.new"), "[default]\nregion = eu-west-1\n\n").expect("new profile");
    std::fs::rename(aws_dir.join("config.new"), aws_dir.join("config")).expect("rename");
    let (lines, seen) = wait_for_line(lines, "AWS profile changed").await;
    assert!(seen.iter().any(|line| line.contains("AWS profile files changed") && line.contains("eu-west-1")), "{seen:?}");
    let after = chat("in the new region").await;
    assert_eq!((after.status, after.text()), (200, "Echo: in the new region".to_string()), "{}", after.body);
    assert_eq!(signed_regions(&emulator), ["us-west-2", "eu-west-1"], "the new plan routes to the profile's new region");

    // A change that alters nothing the policy sees (a comment) makes no new plan.
    std::fs::write(aws_dir.join("config"), "# the same profile\n[default]\nregion = eu-west-1\n").expect("comment");
    let (lines, seen) = wait_for_line(lines, "the plan stays").await;
    assert!(!seen.iter().any(|line| line.contains("AWS profile changed")), "no new plan for an unchanged view: {seen:?}");
    signal(&process.child, "TERM");
    let (code, _) = wait(process).await;
    let rest: Vec<String> = tokio::task::spawn_blocking(move || lines.iter().collect()).await.expect("reader");
    assert_eq!(code, Some(0), "{rest:?}");
}
