//! The agent frameworks of the client matrix (host/tests/clients_*.rs), as `.ci/run` installs
//! them, pinned: the Python ones in the virtual environment of the other Python clients
//! ([`crate::PYTHON_VAR`]), LlamaIndex in one of its own ([`LLAMAINDEX_PYTHON_VAR`]: its OpenAI
//! integration requires `openai<3`, the other clients the `openai` 3 the suite pins), and the
//! Vercel AI SDK under the client dir (`ai-sdk/node_modules`) run by the client dir's Node 24.
//! Each framework runs its whole table of cases in one process that prints one JSON line.

use crate::openclaw_client::client_dir;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The variable `.ci/run` sets to the interpreter of LlamaIndex's virtual environment.
pub const LLAMAINDEX_PYTHON_VAR: &str = "OPENCLAW_LLAMAINDEX_PYTHON";
/// Longest a framework's table may run (each case is one or two gateway calls).
const TABLE_LIMIT: Duration = Duration::from_secs(300);

/// The client-matrix scripts (tests/clients).
pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("clients")
}

/// The interpreter [`LLAMAINDEX_PYTHON_VAR`] names when it imports `modules`; otherwise `None`
/// after a note (a failure under `OPENCLAW_REQUIRE_CLIENTS=1`).
pub fn llamaindex_python(test: &str, modules: &[&str]) -> Option<String> {
    let Some(python) = std::env::var(LLAMAINDEX_PYTHON_VAR).ok().filter(|p| !p.trim().is_empty()) else {
        crate::unavailable(test, &format!("{LLAMAINDEX_PYTHON_VAR} is not set"), "`.ci/run` makes LlamaIndex's virtual environment and sets it");
        return None;
    };
    crate::python_in(&python, test, modules)
}

/// Node 24 and the directory holding the AI SDK's `node_modules`.
#[derive(Debug, Clone)]
pub struct AiSdk {
    node: PathBuf,
    dir: PathBuf,
}

/// The AI SDK packages the matrix needs.
const AI_SDK_PACKAGES: &[&str] = &["ai", "@ai-sdk/openai", "@ai-sdk/anthropic", "zod"];

impl AiSdk {
    /// The installed SDK, or `None` after a note (a failure under `OPENCLAW_REQUIRE_CLIENTS=1`).
    pub fn find(test: &str) -> Option<Self> {
        let root = client_dir();
        let sdk = Self { node: root.join("node/node_modules/node/bin/node"), dir: root.join("ai-sdk") };
        let mut needed = vec![sdk.node.clone()];
        needed.extend(AI_SDK_PACKAGES.iter().map(|package| sdk.dir.join("node_modules").join(package).join("package.json")));
        let missing: Vec<String> = needed.iter().filter(|path| !path.is_file()).map(|path| path.display().to_string()).collect();
        if missing.is_empty() {
            return Some(sdk);
        }
        crate::unavailable(test, &format!("missing {}", missing.join(", ")), "run the AI SDK block of .ci/run, or set OPENCLAW_CLIENT_DIR");
        None
    }

    /// Runs the script `name` of [`scripts_dir`] with `args` (copied beside the packages, where
    /// Node resolves its imports) and returns the JSON line it printed.
    pub async fn table(&self, name: &str, args: &[&str]) -> serde_json::Value {
        let script = self.dir.join(format!("{}-{name}", std::process::id()));
        std::fs::copy(scripts_dir().join(name), &script).expect("copy the script beside the AI SDK");
        let mut command = Command::new(&self.node);
        command.arg(&script).args(args).current_dir(&self.dir);
        let out = json_line(command).await;
        let _ = std::fs::remove_file(&script);
        out
    }
}

/// Runs the Python script `name` of [`scripts_dir`] with `args` and returns its JSON line.
pub async fn python_table(python: &str, name: &str, args: &[&str]) -> serde_json::Value {
    let mut command = Command::new(python);
    command.arg(scripts_dir().join(name)).args(args);
    json_line(command).await
}

/// Runs a prepared command off the async runtime (at most [`TABLE_LIMIT`]) and returns the one
/// JSON line it printed last; a failed run fails the test with its output.
pub async fn json_line(mut command: Command) -> serde_json::Value {
    let stdout = tokio::time::timeout(TABLE_LIMIT, tokio::task::spawn_blocking(move || crate::python_stdout(&mut command)))
        .await
        .expect("the table finishes in time")
        .expect("the table's thread");
    let last = stdout.lines().rev().find(|line| line.starts_with('{')).unwrap_or("");
    serde_json::from_str(last).unwrap_or_else(|error| panic!("one JSON line ({error}): {stdout}"))
}
