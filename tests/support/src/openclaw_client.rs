//! The real OpenClaw (npm `openclaw`, pinned by `.ci/run`) on Node 24 (npm `node@24`), in an
//! isolated home, for the tests of the `amazon-bedrock` plugin (`packages/amazon-bedrock`).
//!
//! `.ci/run` installs both under `$OPENCLAW_CLIENT_DIR` (default `target/openclaw-client`):
//! `node/node_modules/node/bin/node` and `openclaw/node_modules/openclaw/openclaw.mjs`.

use crate::{Run, TestHome};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The variable naming the directory `.ci/run` installs Node and OpenClaw into.
pub const CLIENT_DIR_VAR: &str = "OPENCLAW_CLIENT_DIR";
/// The pinned OpenClaw release the plugin is tested against.
pub const OPENCLAW_VERSION: &str = "2026.9.6";
/// The plugin's folder.
pub fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..").join("packages").join("amazon-bedrock")
}

/// Longest one OpenClaw command may run before the test fails it (OpenClaw's own start-up
/// takes a few seconds; a hang must fail, not stall the suite).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

/// Where `.ci/run` installs the JavaScript clients: `$OPENCLAW_CLIENT_DIR`, else
/// `target/openclaw-client`.
pub fn client_dir() -> PathBuf {
    std::env::var(CLIENT_DIR_VAR)
        .ok()
        .filter(|d| !d.trim().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..").join("target").join("openclaw-client"))
}

/// Node 24 and the OpenClaw package.
#[derive(Debug, Clone)]
pub struct OpenClawClient {
    node: PathBuf,
    entry: PathBuf,
}

impl OpenClawClient {
    /// The installed client, or `None` after a `SKIPPED` note; under `OPENCLAW_REQUIRE_CLIENTS=1`
    /// (CI) a missing client fails the test.
    pub fn find(test: &str) -> Option<Self> {
        let dir = client_dir();
        let client = Self { node: dir.join("node/node_modules/node/bin/node"), entry: dir.join("openclaw/node_modules/openclaw/openclaw.mjs") };
        let missing: Vec<String> = [&client.node, &client.entry].into_iter().filter(|p| !p.is_file()).map(|p| p.display().to_string()).collect();
        if missing.is_empty() {
            return Some(client);
        }
        let why = format!("OpenClaw {OPENCLAW_VERSION} is not installed: missing {}", missing.join(" and "));
        crate::unavailable(test, &why, &format!("run the OpenClaw block of .ci/run, or set {CLIENT_DIR_VAR}"));
        None
    }
}

/// An isolated OpenClaw home: its own `HOME`, state directory and config, no AWS variable of
/// the real environment, no update check.
pub struct OpenClawHome {
    client: OpenClawClient,
    home: TestHome,
    env: Vec<(String, Option<String>)>,
}

impl OpenClawHome {
    /// A fresh home (no `~/.aws`), with `vars` set for every command (the AWS variables of the
    /// emulator, `OPENCLAW_BEDROCK_BIN`, ...).
    pub fn new(client: &OpenClawClient, vars: &[(&str, String)]) -> std::io::Result<Self> {
        let home = TestHome::empty()?;
        let state = home.state_dir();
        std::fs::create_dir_all(&state)?;
        let mut env = home.env();
        let node_bin = client.node.parent().expect("node's directory").display().to_string();
        let path = format!("{node_bin}:{}", std::env::var("PATH").unwrap_or_default());
        let home_path = home.path().display().to_string();
        for (key, value) in [
            ("PATH", path),
            ("OPENCLAW_HOME", home_path),
            ("OPENCLAW_STATE_DIR", state.display().to_string()),
            ("OPENCLAW_CONFIG_PATH", state.join("openclaw.json").display().to_string()),
            ("OPENCLAW_NO_UPDATE_CHECK", "1".to_string()),
            ("NO_COLOR", "1".to_string()),
        ] {
            env.push((key.to_string(), Some(value)));
        }
        env.extend(vars.iter().map(|(k, v)| (k.to_string(), Some(v.clone()))));
        Ok(Self { client: client.clone(), home, env })
    }

    /// The state directory (`OPENCLAW_STATE_DIR`).
    pub fn state_dir(&self) -> PathBuf {
        self.home.state_dir()
    }

    /// The home directory.
    pub fn path(&self) -> &Path {
        self.home.path()
    }

    /// Sets or removes a variable for the following commands.
    pub fn set_var(&mut self, key: &str, value: Option<&str>) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.map(str::to_string)));
    }

    /// The config file as JSON (`{}` when there is none).
    pub fn config(&self) -> serde_json::Value {
        std::fs::read_to_string(self.state_dir().join("openclaw.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_else(|| serde_json::json!({}))
    }

    /// Replaces the config file.
    pub fn write_config(&self, config: &serde_json::Value) -> std::io::Result<()> {
        std::fs::write(self.state_dir().join("openclaw.json"), serde_json::to_string_pretty(config).expect("JSON"))
    }

    /// `openclaw plugins install <the plugin folder>` (non-interactive); panics when it fails.
    pub async fn install_plugin(&self) {
        let dir = plugin_dir().canonicalize().expect("packages/amazon-bedrock");
        let run = self.run(&["plugins", "install", &dir.display().to_string(), "--force", "--accept-capabilities"]).await;
        assert_eq!(run.code, Some(0), "plugins install: {}", run.all_output());
    }

    /// Runs `openclaw ARGS` to completion (on a blocking thread, so an in-process emulator
    /// keeps serving), within [`COMMAND_TIMEOUT`]: a command that hangs is killed and fails
    /// the test.
    pub async fn run(&self, args: &[&str]) -> Run {
        let mut command = self.command(args);
        let child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("node starts");
        let pid = child.id();
        let waited = tokio::time::timeout(COMMAND_TIMEOUT, tokio::task::spawn_blocking(move || child.wait_with_output())).await;
        let Ok(output) = waited else {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("openclaw {} did not finish within {COMMAND_TIMEOUT:?}", args.join(" "));
        };
        let output = output.expect("the waiting thread").expect("openclaw's output");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The command for `openclaw ARGS` in this home, for tests that manage the process.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.client.node);
        for (key, value) in &self.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        command.current_dir(self.home.path()).arg(&self.client.entry).args(args);
        command
    }
}
