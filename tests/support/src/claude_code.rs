//! Claude Code (npm `@anthropic-ai/claude-code`, pinned by `.ci/run`) run unmodified against a
//! gateway: `claude -p` through `ANTHROPIC_BASE_URL`, in a home of its own, with nothing of the
//! real environment but `PATH`, and no traffic but the gateway's (no update check, no
//! telemetry).
//!
//! `.ci/run` installs it under `$OPENCLAW_CLIENT_DIR` (default `target/openclaw-client`):
//! `claude-code/node_modules/@anthropic-ai/claude-code/bin/claude.exe`.

use crate::openclaw_client::{CLIENT_DIR_VAR, client_dir};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The pinned Claude Code release.
pub const CLAUDE_CODE_VERSION: &str = "2.1.337";
/// Longest one `claude -p` may run (a hang must fail, not stall the suite).
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// The installed `claude` binary.
#[derive(Debug, Clone)]
pub struct ClaudeCode {
    binary: PathBuf,
}

impl ClaudeCode {
    /// The installed client, or `None` after a `SKIPPED` note; under `OPENCLAW_REQUIRE_CLIENTS=1`
    /// (CI) a missing client fails the test.
    pub fn find(test: &str) -> Option<Self> {
        let binary = client_dir().join("claude-code/node_modules/@anthropic-ai/claude-code/bin/claude.exe");
        if binary.is_file() {
            return Some(Self { binary });
        }
        let why = format!("Claude Code {CLAUDE_CODE_VERSION} is not installed: missing {}", binary.display());
        crate::unavailable(test, &why, &format!("run the Claude Code block of .ci/run, or set {CLIENT_DIR_VAR}"));
        None
    }

    /// `claude -p <prompt> --output-format json` against `base_url` with `model`, plus `env`;
    /// the JSON it printed. A failed or timed-out run fails the test with what it printed.
    pub async fn print(&self, base_url: &str, model: &str, prompt: &str, env: &[(&str, &str)]) -> serde_json::Value {
        let home = tempfile::tempdir().expect("a home for Claude Code");
        let mut command = Command::new(&self.binary);
        command
            .args(["-p", prompt, "--output-format", "json"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("ANTHROPIC_BASE_URL", base_url)
            .env("ANTHROPIC_API_KEY", "claude-code-test-key")
            .env("ANTHROPIC_MODEL", model)
            .env("ANTHROPIC_DEFAULT_HAIKU_MODEL", model)
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_TELEMETRY", "1")
            .envs(env.iter().copied())
            .current_dir(home.path())
            .stdin(Stdio::null());
        let run = tokio::task::spawn_blocking(move || command.output());
        let output = tokio::time::timeout(RUN_TIMEOUT, run).await.expect("claude -p finishes in time").expect("its thread").expect("claude runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "claude -p failed: {stdout}\nstderr: {}", String::from_utf8_lossy(&output.stderr));
        drop(home);
        serde_json::from_str(stdout.trim()).unwrap_or_else(|error| panic!("claude -p printed no JSON ({error}): {stdout}"))
    }
}
