//! The `amazon-bedrock` plugin (packages/amazon-bedrock, issue 23) in the real OpenClaw
//! 2026.9.6 on Node 24 (both from npm, installed by `.ci/run`), in an isolated home, with the
//! bundled emulator as Bedrock and this build's binary as the plugin's gateway: models with
//! their context windows, turns on Claude and on other models with no key pasted, the probe,
//! the per-launch key in place of every AWS secret, and no gateway left behind.

use bedrock_emulator::{AuthScheme, DEFAULT_ACCESS_KEY_ID, DEFAULT_BEARER_TOKEN, DEFAULT_SECRET_ACCESS_KEY, Emulator, RunningEmulator};
use openclaw_test_support::openclaw_client::{OpenClawClient, OpenClawHome};
use openclaw_test_support::{Run, emulator_aws_vars, free_port};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// This build's binary, which the plugin starts as its gateway.
const BINARY: &str = env!("CARGO_BIN_EXE_openclaw-bedrock");
const CLAUDE: &str = "global.anthropic.claude-haiku-4-5-20251001-v1:0";
const NOVA: &str = "us.amazon.nova-pro-v1:0";
const DEEPSEEK: &str = "us.deepseek.r1-v1:0";

/// Where the AWS credential comes from, as OpenClaw sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    EnvironmentKeys,
    /// `AWS_BEARER_TOKEN_BEDROCK` (a Bedrock API key).
    BearerToken,
    /// `~/.aws/credentials` only.
    ProfileFile,
}

impl Credential {
    fn apply(self, home: &mut OpenClawHome) {
        let keys = self == Self::EnvironmentKeys;
        home.set_var("AWS_ACCESS_KEY_ID", keys.then_some(DEFAULT_ACCESS_KEY_ID));
        home.set_var("AWS_SECRET_ACCESS_KEY", keys.then_some(DEFAULT_SECRET_ACCESS_KEY));
        home.set_var("AWS_BEARER_TOKEN_BEDROCK", (self == Self::BearerToken).then_some(DEFAULT_BEARER_TOKEN));
        let aws = home.path().join(".aws");
        if self == Self::ProfileFile {
            std::fs::create_dir_all(&aws).expect(".aws");
            let file = format!("[default]\naws_access_key_id = {DEFAULT_ACCESS_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET_ACCESS_KEY}\n");
            std::fs::write(aws.join("credentials"), file).expect("credentials");
        } else {
            let _ = std::fs::remove_dir_all(&aws);
        }
    }
}

/// An emulator and an OpenClaw home with the plugin installed, pointed at the emulator with
/// its key pair in the environment (as a user's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`).
struct Setup {
    emulator: RunningEmulator,
    home: OpenClawHome,
}

async fn setup(test: &str, plugin_config: Value) -> Option<Setup> {
    let client = OpenClawClient::find(test)?;
    let emulator = Emulator::builder().start().await.expect("emulator");
    let probe_home = tempfile::tempdir().expect("temp");
    let mut vars: Vec<(&str, String)> = emulator_aws_vars(&emulator.endpoint(), (DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY), probe_home.path())
        .into_iter()
        .filter(|(key, _)| *key != "HOME")
        .collect();
    vars.push(("OPENCLAW_BEDROCK_BIN", BINARY.to_string()));
    let home = OpenClawHome::new(&client, &vars).expect("home");
    home.install_plugin().await;
    let mut config = home.config();
    config["plugins"]["entries"]["amazon-bedrock"]["config"] = plugin_config;
    home.write_config(&config).expect("config");
    Some(Setup { emulator, home })
}

fn ok(run: &Run, what: &str) {
    assert_eq!(run.code, Some(0), "{what}: {}", run.all_output());
}

/// The gateway recorded in the state directory, if any: (pid, key).
fn recorded_gateway(state: &Path) -> Option<(i32, String)> {
    let text = std::fs::read_to_string(state.join("amazon-bedrock/gateway.json")).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    Some((i32::try_from(value["pid"].as_i64()?).ok()?, value["key"].as_str()?.to_string()))
}

fn is_alive(pid: i32) -> bool {
    std::process::Command::new("kill").args(["-0", &pid.to_string()]).stderr(std::process::Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Waits (at most `patience`) for a process to be gone.
async fn gone_within(pid: i32, patience: Duration) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < patience {
        if !is_alive(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    !is_alive(pid)
}

/// Waits (at most 10 s) for a process to be gone.
async fn gone(pid: i32) -> bool {
    gone_within(pid, Duration::from_secs(10)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn models_list_shows_the_discovered_models_with_their_context_windows() {
    let Some(Setup { emulator: _emulator, home }) = setup("models_list_shows_the_discovered_models_with_their_context_windows", json!({})).await else {
        return;
    };
    let run = home.run(&["models", "list", "--refresh", "--provider", "amazon-bedrock", "--json"]).await;
    ok(&run, "models list");
    let listed = run.json();
    let rows = listed["models"].as_array().unwrap_or_else(|| panic!("rows: {listed}"));
    let row = |id: &str| rows.iter().find(|row| row["key"] == format!("amazon-bedrock/{id}")).unwrap_or_else(|| panic!("{id} in {listed}")).clone();
    let cases = [(CLAUDE, 200_000), (NOVA, 300_000)];
    for (id, context_window) in cases {
        assert_eq!(row(id)["contextWindow"], context_window, "{id}: {}", row(id));
    }
    let (pid, _) = recorded_gateway(&home.state_dir()).expect("the gateway was recorded");
    assert!(gone(pid).await, "the gateway {pid} outlived the OpenClaw process that started it");
}

/// The reply text of `openclaw agent --json`.
fn reply(run: &Run) -> String {
    let answer = run.json();
    answer["payloads"].as_array().into_iter().flatten().filter_map(|p| p["text"].as_str()).collect::<Vec<_>>().join("\n")
}

/// The access log's lines (the plugin passes `--access-log` on through `gatewayArgs`).
fn access_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(|line| serde_json::from_str(line).expect("an access log line")).collect()
}

/// Every file under `dir`, as text (lossy), with its path.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_turns_on_claude_nova_and_deepseek_carry_only_the_launch_key() {
    let scratch = tempfile::tempdir().expect("temp");
    let access_log = scratch.path().join("access.log");
    let plugin_config = json!({ "gatewayArgs": ["--access-log", access_log.display().to_string()] });
    let Some(Setup { emulator, mut home }) = setup("agent_turns_on_claude_nova_and_deepseek_carry_only_the_launch_key", plugin_config).await else { return };
    // (model, thinking level, message, credential, the gateway route its transport takes, the
    // Bedrock operation, what reached Bedrock): Claude with thinking through the Messages API,
    // its body passed natively through InvokeModel (issue 24), with environment keys; Nova through Chat Completions with a tool call (the emulator calls the tool a
    // message names) and its result sent back, with a Bedrock API key (bearer token);
    // DeepSeek-R1 (which always reasons: its one level) with the keys in ~/.aws/credentials
    // only (OpenClaw sends its aws-sdk placeholder, which the plugin replaces).
    let cases = [
        (CLAUDE, "low", "hello claude", Credential::EnvironmentKeys, "/v1/messages", "InvokeModelWithResponseStream", "\"budget_tokens\""),
        (NOVA, "off", "call tool_search weather", Credential::BearerToken, "/v1/chat/completions", "ConverseStream", "\"toolResult\""),
        (DEEPSEEK, "medium", "hello deepseek", Credential::ProfileFile, "/v1/chat/completions", "ConverseStream", "hello deepseek"),
    ];
    for (model, thinking, message, credential, route, operation, sent) in cases {
        credential.apply(&mut home);
        let scheme = if credential == Credential::BearerToken { AuthScheme::Bearer } else { AuthScheme::Sigv4 };
        // One session per case: a model without tool use (DeepSeek-R1) cannot take a history
        // with another model's tool calls (Bedrock refuses toolUse blocks without a toolConfig).
        let session = format!("case-{}", model.replace([':', '.'], "-"));
        let run = home
            .run(&[
                "agent",
                "--local",
                "--session-id",
                &session,
                "--model",
                &format!("amazon-bedrock/{model}"),
                "--thinking",
                thinking,
                "-m",
                message,
                "--json",
            ])
            .await;
        ok(&run, model);
        let text = reply(&run);
        assert!(text.starts_with("Echo:"), "{model}: the emulator's echo: {text}");
        let lines = access_lines(&access_log);
        assert!(lines.iter().any(|line| line["route"] == route && line["target"] == model && line["status"] == 200), "{model} through {route}: {lines:?}");
        let calls: Vec<_> =
            emulator.request_log().into_iter().filter(|entry| entry.operation == operation && entry.model_id.as_deref() == Some(model)).collect();
        assert!(calls.iter().all(|call| call.auth_scheme == scheme), "{model}: {scheme:?}: {calls:?}");
        assert!(calls.iter().filter_map(|call| call.body.as_deref()).any(|body| body.contains(sent)), "{model}: {sent} reached Bedrock: {calls:?}");
    }
    // The gateway accepts only its per-launch key: a request that carried anything else (an
    // AWS variable's value, OpenClaw's aws-sdk placeholder) would be a 401 without a key id.
    let lines = access_lines(&access_log);
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(line["client_key_id"].as_str().is_some_and(|id| id.starts_with("key-")) && line["status"] != 401, "{line}");
    }
    // No AWS secret in anything OpenClaw or the plugin kept.
    for (path, text) in files_under(&home.state_dir()).into_iter().chain(files_under(scratch.path())) {
        for secret in [DEFAULT_SECRET_ACCESS_KEY, DEFAULT_ACCESS_KEY_ID, DEFAULT_BEARER_TOKEN] {
            assert!(!text.contains(secret), "{} holds an AWS credential", path.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_probe_says_ok_and_auth_for_a_wrong_secret() {
    let Some(Setup { emulator: _emulator, mut home }) = setup("the_probe_says_ok_and_auth_for_a_wrong_secret", json!({})).await else { return };
    let mut config = home.config();
    config["agents"]["defaults"]["model"]["primary"] = json!(format!("amazon-bedrock/{CLAUDE}"));
    home.write_config(&config).expect("config");
    // (secret access key, probe status)
    let cases = [(DEFAULT_SECRET_ACCESS_KEY, "ok"), ("wJalrXUtnFEMI/K7MDENG+bPxRfiCYWRONGKEY00", "auth")];
    for (secret, status) in cases {
        home.set_var("AWS_SECRET_ACCESS_KEY", Some(secret));
        let run = home.run(&["models", "status", "--probe", "--probe-provider", "amazon-bedrock", "--json"]).await;
        ok(&run, "models status --probe");
        let answer = run.json();
        let results = answer["auth"]["probes"]["results"].as_array().unwrap_or_else(|| panic!("probe results: {answer}"));
        assert_eq!(results.len(), 1, "{results:?}");
        assert_eq!(results[0]["status"], status, "{:?}", results[0]);
        assert_eq!(results[0]["model"], format!("amazon-bedrock/{CLAUDE}"));
        assert!(!run.all_output().contains(secret), "the secret was printed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pages_bedrock_discovery_and_model_are_migrated_by_doctor_and_used() {
    let Some(Setup { emulator: _emulator, home }) = setup("the_pages_bedrock_discovery_and_model_are_migrated_by_doctor_and_used", json!({})).await else {
        return;
    };
    let page = json!({ "enabled": true, "region": "us-east-1", "providerFilter": ["amazon"], "refreshInterval": 0, "defaultContextWindow": 50000, "defaultMaxTokens": 2048 });
    let mut config = home.config();
    config["models"] = json!({ "bedrockDiscovery": page });
    config["model"] = json!(format!("bedrock/{NOVA}"));
    home.write_config(&config).expect("config");
    let refused = home.run(&["models", "list", "--provider", "amazon-bedrock", "--json"]).await;
    assert!(refused.code != Some(0) && refused.all_output().contains("bedrockDiscovery"), "OpenClaw 9.6 refuses the page's key: {}", refused.all_output());
    ok(&home.run(&["doctor", "--fix", "--non-interactive"]).await, "doctor --fix");
    let migrated = home.config();
    assert_eq!(migrated["plugins"]["entries"]["amazon-bedrock"]["config"]["discovery"], page, "{migrated}");
    assert!(migrated["models"].get("bedrockDiscovery").is_none(), "{migrated}");
    assert_eq!((migrated.get("model"), &migrated["agents"]["defaults"]["model"]["primary"]), (None, &json!(format!("amazon-bedrock/{NOVA}"))), "{migrated}");
    let run = home.run(&["models", "list", "--refresh", "--provider", "amazon-bedrock", "--json"]).await;
    ok(&run, "models list");
    let listed = run.json();
    let keys: Vec<&str> = listed["models"].as_array().expect("rows").iter().filter_map(|row| row["key"].as_str()).collect();
    assert!(keys.contains(&"amazon-bedrock/us.amazon.nova-pro-v1:0"), "{keys:?}");
    assert!(keys.iter().all(|key| key.contains("amazon.")), "providerFilter [amazon] applies: {keys:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gives_one_clear_error_and_no_hang() {
    let Some(Setup { emulator: _emulator, mut home }) = setup("bad_input_gives_one_clear_error_and_no_hang", json!({})).await else { return };
    let turn = ["agent", "--local", "--model", "amazon-bedrock/us.amazon.nova-pro-v1:0", "-m", "hello", "--json"];
    // (what is wrong, the binary, the plugin config, what the error says)
    let cases = [
        ("a missing binary", "/nonexistent/openclaw-bedrock", json!({}), "the openclaw-bedrock binary was not found"),
        ("a binary that exits at once", "/bin/false", json!({}), "exited before it was ready (exit code 1)"),
        ("a corrupt plugin config", BINARY, json!({ "discovery": { "region": 42 } }), "plugins.entries.amazon-bedrock.config.discovery.region"),
    ];
    for (what, binary, plugin_config, says) in cases {
        home.set_var("OPENCLAW_BEDROCK_BIN", Some(binary));
        let mut config = home.config();
        config["plugins"]["entries"]["amazon-bedrock"]["config"] = plugin_config;
        home.write_config(&config).expect("config");
        let run = home.run(&turn).await;
        assert_eq!(run.code, Some(1), "{what}: {}", run.all_output());
        assert!(run.stdout.contains(says), "{what}: {}", run.stdout);
    }
}

/// OpenClaw's own gateway, killed when dropped (a failed test leaves nothing running; the
/// Bedrock gateway it started follows it when its stdin closes).
struct OpenClawGateway(std::process::Child);

impl Drop for OpenClawGateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn turns_through_a_running_openclaw_gateway_survive_the_loss_of_the_bedrock_gateway() {
    let test = "turns_through_a_running_openclaw_gateway_survive_the_loss_of_the_bedrock_gateway";
    let Some(Setup { emulator: _emulator, mut home }) = setup(test, json!({})).await else { return };
    let mut gateway = start_openclaw_gateway(&mut home).await;

    let model = format!("amazon-bedrock/{NOVA}");
    let first = home.run(&["agent", "--model", &model, "-m", "first turn", "--json"]).await;
    ok(&first, "first turn");
    assert!(first.stdout.contains("Echo:") && first.stdout.contains("first turn"), "{}", first.stdout);
    let (killed, _) = recorded_gateway(&home.state_dir()).expect("the Bedrock gateway was recorded");
    assert!(is_alive(killed), "the OpenClaw gateway keeps its Bedrock gateway between turns");
    // Another OpenClaw process of the same state directory reuses it (and leaves it running).
    let listed = home.run(&["models", "list", "--refresh", "--provider", "amazon-bedrock", "--json"]).await;
    ok(&listed, "models list beside the running gateway");
    assert_eq!(recorded_gateway(&home.state_dir()).map(|(pid, _)| pid), Some(killed), "reused, not replaced");
    assert!(is_alive(killed), "the reusing process did not stop it");
    assert!(std::process::Command::new("kill").args(["-KILL", &killed.to_string()]).status().expect("kill").success());
    assert!(gone(killed).await);

    let second = home.run(&["agent", "--model", &model, "-m", "second turn", "--json"]).await;
    ok(&second, "second turn, after the Bedrock gateway was killed");
    assert!(second.stdout.contains("second turn"), "{}", second.stdout);
    let (restarted, _) = recorded_gateway(&home.state_dir()).expect("the new Bedrock gateway was recorded");
    assert_ne!(restarted, killed);

    // OpenClaw's gateway stops; the Bedrock gateway it started goes with it.
    assert!(std::process::Command::new("kill").args(["-TERM", &gateway.0.id().to_string()]).status().expect("kill").success());
    let exited = tokio::time::timeout(Duration::from_secs(60), async {
        while gateway.0.try_wait().expect("wait").is_none() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    exited.await.expect("openclaw gateway exits on SIGTERM");
    assert!(gone(restarted).await, "the Bedrock gateway {restarted} outlived the OpenClaw gateway");
}

/// Starts `openclaw gateway run` in `home` (loopback, a free port, token auth) and waits
/// (bounded) until it says it is ready; `openclaw agent` then runs its turns there.
async fn start_openclaw_gateway(home: &mut OpenClawHome) -> OpenClawGateway {
    let token = "test-gateway-token-0123456789";
    let mut config = home.config();
    config["gateway"] = json!({ "mode": "local", "port": free_port(), "auth": { "mode": "token", "token": token } });
    home.write_config(&config).expect("config");
    home.set_var("OPENCLAW_GATEWAY_TOKEN", Some(token));
    let log = home.path().join("openclaw-gateway.log");
    let log_file = std::fs::File::create(&log).expect("log");
    let mut command = home.command(&["gateway", "run"]);
    command.stdin(Stdio::null()).stdout(log_file.try_clone().expect("log")).stderr(log_file);
    let mut gateway = OpenClawGateway(command.spawn().expect("openclaw gateway starts"));
    let ready = async {
        while !std::fs::read_to_string(&log).unwrap_or_default().contains("[gateway] ready") {
            assert!(gateway.0.try_wait().expect("wait").is_none(), "openclaw gateway exited: {}", std::fs::read_to_string(&log).unwrap_or_default());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), ready).await.expect("openclaw gateway ready in time");
    gateway
}

/// Long enough for OpenClaw's work between preparing a turn's auth and sending it.
const IDLE_STOP_SECONDS: u64 = 10;

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_bedrock_gateway_stops_and_the_next_turn_starts_another() {
    let test = "an_idle_bedrock_gateway_stops_and_the_next_turn_starts_another";
    let Some(Setup { emulator: _emulator, mut home }) = setup(test, json!({ "idleStopSeconds": IDLE_STOP_SECONDS })).await else { return };
    let mut gateway = start_openclaw_gateway(&mut home).await;
    let model = format!("amazon-bedrock/{NOVA}");
    ok(&home.run(&["agent", "--model", &model, "-m", "before the pause", "--json"]).await, "first turn");
    let (idle, _) = recorded_gateway(&home.state_dir()).expect("the Bedrock gateway was recorded");
    // Idle: no request for IDLE_STOP_SECONDS, noticed at the next check (as often again).
    assert!(gone_within(idle, Duration::from_secs(3 * IDLE_STOP_SECONDS + 10)).await, "the idle Bedrock gateway {idle} stopped");
    assert!(gateway.0.try_wait().expect("wait").is_none(), "OpenClaw's gateway keeps running");
    let after = home.run(&["agent", "--model", &model, "-m", "after the pause", "--json"]).await;
    ok(&after, "the turn after the idle stop");
    assert!(after.stdout.contains("after the pause"), "{}", after.stdout);
}
