//! Helpers shared by the integration tests, written once: the test components built from
//! `tests/guests/`, the corpus location, a temporary home with AWS files in it, the variables
//! that point an AWS environment at the emulator, and the module graph of a crate's sources.

#![forbid(unsafe_code)]

pub mod claude_code;
pub mod compress;
pub mod examples;
pub mod frameworks;
pub mod module_graph;
pub mod openclaw_client;
pub mod otlp_collector;

use std::path::{Path, PathBuf};

/// A test component built from `tests/guests/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestGuest {
    /// Chooses its misbehaviour from the config text: `snoop`, `spin`, `hog`, `trap` (in
    /// `load-config`, and in `probe` for the last three). Its chat chooses by the first user
    /// message: `spin`, `hog` or `trap` misbehave in the stream's first `next()`; anything
    /// else relays the host's `converse-stream` after a first text delta `[hostile] `.
    Hostile,
    /// A working alternative policy marked `alt-policy`; `sleep=MS` holds a call. Its chat
    /// calls the host's `converse-stream` with the request's model as is (else `alt-policy`)
    /// and injects a first text delta `[alt-policy] `; its probe calls the runtime too.
    AltPolicy,
    /// Fails its self-check.
    Refuses,
    /// Panics in its self-check, after writing `panics: checking the known-models table` to
    /// stderr; the panic message is `known-models table is empty (test panic)`.
    Panics,
    /// Exports the 0.1.0 interfaces but says in its self-check that it implements `9.9.9`.
    WrongContract,
    /// Imports an interface no host provides.
    Unlinkable,
    /// A valid component with a different world.
    NotAPolicy,
    /// Sends its own request through `wasi:http/outgoing-handler`: the config text
    /// `GET <url> [name=value ...]` (extra words are headers) is sent, and the response
    /// status and the first 2000 body bytes come back as warnings at paths `status` and `body`,
    /// or a failure as one warning at path `error` with the error's Debug text.
    HttpCaller,
    /// Calls every host import once from `load-config` (log, environment, credentials'
    /// visible sources and resolve, the four runtime calls with both streams read to the end,
    /// list-catalog): the config text `<converse model> <invoke model>`; each outcome comes back
    /// as a warning whose path names the import (see `tests/guests/import-caller`).
    ImportCaller,
    /// The default policy (`guest/`) built against the frozen 0.1.0 contract (its
    /// `contract-v0-1` feature): the host runs it on the 0.1.0 path, `chat` per request.
    DefaultV0_1,
    /// The default policy built against the frozen 0.2.0 contract (its `contract-v0-2`
    /// feature): one `policy` export and `routing`, reading the config text itself.
    DefaultV0_2,
    /// A 0.3.0 policy of the routing part only: `lane/fast` goes to
    /// `amazon.nova-micro-v1:0`, a request naming no model to `amazon.nova-lite-v1:0`, every
    /// discovered model to itself; anything else is `not-found`.
    PartsRouting,
    /// A 0.3.0 policy of the config part only: reads `defaultModel` from a flat JSON object
    /// (offered as the alias `configured` too); a file without it is invalid at path
    /// `defaultModel`.
    PartsConfig,
    /// A 0.3.0 policy of the discovery part only: always `amazon.nova-micro-v1:0` and
    /// `anthropic.claude-3-haiku-20240307-v1:0`, named `[parts-discovery] ...`.
    PartsDiscovery,
    /// A 0.3.0 component that exports `identity` and no part.
    PartsNone,
    /// A component that exports 0.3.0's `identity` and 0.2.0's `routing`.
    MixedVersions,
}

impl TestGuest {
    /// The component file.
    pub fn path(self) -> PathBuf {
        let file = match self {
            Self::Hostile => "hostile.wasm",
            Self::AltPolicy => "alt_policy.wasm",
            Self::Refuses => "refuses.wasm",
            Self::Panics => "panics.wasm",
            Self::WrongContract => "wrong_contract.wasm",
            Self::Unlinkable => "unlinkable.wasm",
            Self::NotAPolicy => "not_a_policy.wasm",
            Self::HttpCaller => "http_caller.wasm",
            Self::DefaultV0_1 => "default_policy_v0_1.wasm",
            Self::ImportCaller => "import_caller.wasm",
            Self::DefaultV0_2 => "default_policy_v0_2.wasm",
            Self::PartsRouting => "parts_routing.wasm",
            Self::PartsConfig => "parts_config.wasm",
            Self::PartsDiscovery => "parts_discovery.wasm",
            Self::PartsNone => "parts_none.wasm",
            Self::MixedVersions => "mixed_versions.wasm",
        };
        Path::new(env!("OUT_DIR")).join(file)
    }
}

/// The config behaviour corpus, `tests/config-cases/`.
pub fn config_cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("config-cases")
}

/// The discovery behaviour corpus, `tests/discovery-cases/`.
pub fn discovery_cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("discovery-cases")
}

/// The fake secret every [`TestHome`] plants, which no guest and no output may ever show.
pub const PLANTED_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTEDKEY";
/// The planted access key id.
pub const PLANTED_ACCESS_KEY_ID: &str = "AKIAPLANTEDTEST1234";

/// A temporary home directory with an AWS credentials and config file, and the environment
/// variables that point a child process at it.
pub struct TestHome {
    dir: tempfile::TempDir,
}

impl TestHome {
    /// A fresh home with `~/.aws/credentials` (the planted keys) and `~/.aws/config`
    /// (profile `default` in `us-west-2`, profile `dev` in `eu-central-1`).
    pub fn new() -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let aws = dir.path().join(".aws");
        std::fs::create_dir_all(&aws)?;
        std::fs::write(
            aws.join("credentials"),
            format!("[default]\naws_access_key_id = {PLANTED_ACCESS_KEY_ID}\naws_secret_access_key = {PLANTED_SECRET_ACCESS_KEY}\n"),
        )?;
        std::fs::write(aws.join("config"), "[default]\nregion = us-west-2\n\n[profile dev]\nregion = eu-central-1\n")?;
        Ok(Self { dir })
    }

    /// A fresh home with no AWS files at all.
    pub fn empty() -> std::io::Result<Self> {
        Ok(Self { dir: tempfile::tempdir()? })
    }

    /// The home directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The state directory (`~/.openclaw`).
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join(".openclaw")
    }

    /// Writes `~/.openclaw/openclaw.json` and returns its path.
    pub fn write_config(&self, text: &str) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(self.state_dir())?;
        let path = self.state_dir().join("openclaw.json");
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// The environment a child process needs to use this home and nothing of the real one:
    /// `HOME`, and every AWS and OpenClaw variable cleared or pointed here.
    pub fn env(&self) -> Vec<(String, Option<String>)> {
        let home = self.path().display().to_string();
        let mut vars: Vec<(String, Option<String>)> = vec![("HOME".into(), Some(home.clone()))];
        for cleared in [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_PROFILE",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_BEARER_TOKEN_BEDROCK",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_BEDROCK",
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
            "AWS_ENDPOINT_URL_STS",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
            "AWS_ROLE_SESSION_NAME",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "AWS_SDK_LOAD_CONFIG",
            "OPENCLAW_CONFIG_PATH",
            "OPENCLAW_STATE_DIR",
        ] {
            vars.push((cleared.into(), None));
        }
        vars.push(("AWS_EC2_METADATA_DISABLED".into(), Some("true".into())));
        vars
    }

    /// Applies [`TestHome::env`] to a command.
    pub fn apply(&self, command: &mut std::process::Command) {
        apply_env(command, self.env());
    }
}

/// The AWS variables of an environment that reaches the Bedrock emulator at `endpoint` with
/// the key pair `keys` (access key id, secret) and nothing else: the emulator as every
/// service's endpoint, its region, no instance metadata (nothing leaves loopback) and `HOME` in
/// `home` (no real profile is read). For an `AwsEnvironment::from_vars` or a child process.
pub fn emulator_aws_vars(endpoint: &str, keys: (&str, &str), home: &Path) -> Vec<(&'static str, String)> {
    let (access_key_id, secret_access_key) = keys;
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", access_key_id.into()),
        ("AWS_SECRET_ACCESS_KEY", secret_access_key.into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("HOME", home.display().to_string()),
    ]
}

/// Writes the SSO token cache file an `aws sso login` for `start_url` would leave in `home`
/// (`~/.aws/sso/cache/<sha1 of the start URL>.json`), holding `access_token` valid for a day.
pub fn write_sso_token_cache(home: &Path, start_url: &str, region: &str, access_token: &str) -> std::io::Result<PathBuf> {
    use sha1::Digest as _;
    let dir = home.join(".aws").join("sso").join("cache");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.json", hex::encode(sha1::Sha1::digest(start_url.as_bytes()))));
    let expires = std::time::SystemTime::now() + std::time::Duration::from_secs(24 * 3600);
    let token = serde_json::json!({
        "accessToken": access_token,
        "expiresAt": rfc3339(expires),
        "region": region,
        "startUrl": start_url,
    });
    std::fs::write(&path, token.to_string())?;
    Ok(path)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a time after 1970 (civil-from-days, proleptic Gregorian).
fn rfc3339(time: std::time::SystemTime) -> String {
    let secs = time.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// What a command printed and how it exited.
#[derive(Debug, Clone)]
pub struct Run {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output as one JSON document; panics with the output when it is not one.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    /// Both streams, for assertions about everything the command said.
    pub fn all_output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs a binary (e.g. `env!("CARGO_BIN_EXE_openclaw-bedrock")`) in `home`, with extra variables
/// (an empty value still sets the variable, for blank-variable cases).
pub fn run_in_home(binary: &str, home: &TestHome, env: &[(&str, &str)], args: &[&str]) -> Run {
    run_with(binary, home.env(), owned_pairs(env), args.iter().map(|a| a.to_string()).collect())
}

/// [`run_in_home`] from async tests: the child runs on a blocking thread, so an in-process
/// emulator on the test's runtime keeps serving it.
pub async fn run_in_home_async(binary: &str, home: &TestHome, env: &[(&str, &str)], args: &[&str]) -> Run {
    let (binary, home_env, env) = (binary.to_string(), home.env(), owned_pairs(env));
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || run_with(&binary, home_env, env, args)).await.expect("the child process thread")
}

/// Sets (`Some`) or removes (`None`) each variable.
fn apply_env(command: &mut std::process::Command, vars: Vec<(String, Option<String>)>) {
    for (key, value) in vars {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
}

fn owned_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn run_with(binary: &str, home_env: Vec<(String, Option<String>)>, env: Vec<(String, String)>, args: Vec<String>) -> Run {
    let mut command = std::process::Command::new(binary);
    apply_env(&mut command, home_env);
    command.envs(env).args(args);
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The variable `.ci/run` sets to the interpreter of the virtual environment it installed the
/// Python clients (boto3, openai, anthropic) into.
pub const PYTHON_VAR: &str = "OPENCLAW_PYTHON";
/// The variable `.ci/run` sets to `1`: a cross-client test that cannot find its client fails
/// instead of skipping.
pub const REQUIRE_CLIENTS_VAR: &str = "OPENCLAW_REQUIRE_CLIENTS";

/// The Python interpreter for cross-client tests: [`PYTHON_VAR`] when set, else `python3`.
pub fn python() -> String {
    std::env::var(PYTHON_VAR).ok().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| "python3".to_string())
}

/// The interpreter when it can import every one of `modules`; otherwise `None` after saying
/// why on the real stderr (libtest captures `eprintln!`, not this, so the note shows in the
/// `cargo test` output). Under [`REQUIRE_CLIENTS_VAR`]`=1` (CI) a missing client panics: a
/// skipped check must not count as a pass there.
pub fn python_with(test: &str, modules: &[&str]) -> Option<String> {
    python_in(&python(), test, modules)
}

/// `python` when it can import every one of `modules` (see [`python_with`]).
pub fn python_in(python: &str, test: &str, modules: &[&str]) -> Option<String> {
    let python = python.to_string();
    let imports = format!("import {}", modules.join(", "));
    let why = match std::process::Command::new(&python).args(["-c", &imports]).output() {
        Ok(output) if output.status.success() => return Some(python),
        Ok(output) => format!("`{python} -c \"{imports}\"` failed: {}", String::from_utf8_lossy(&output.stderr).trim()),
        Err(error) => format!("cannot run `{python}`: {error}"),
    };
    unavailable(test, &why, &format!("install with `python3 -m pip install {}` or point {PYTHON_VAR} at an interpreter that has it", modules.join(" ")));
    None
}

/// A client `test` needs is missing (`why`): a failure under [`REQUIRE_CLIENTS_VAR`]`=1`,
/// else a note on the real stderr (libtest captures `eprintln!`, not this) saying how to get
/// it (`hint`).
pub(crate) fn unavailable(test: &str, why: &str, hint: &str) {
    let required = std::env::var(REQUIRE_CLIENTS_VAR).is_ok_and(|v| v == "1");
    assert!(!required, "{test}: {REQUIRE_CLIENTS_VAR}=1 but the client is unavailable: {why}");
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why} ({hint})");
}

/// The variable `.ci/run` sets to the Codex CLI it installed (npm `@openai/codex`, pinned).
pub const CODEX_VAR: &str = "OPENCLAW_CODEX";

/// The Codex CLI for the Responses API tests: [`CODEX_VAR`], when it names a program that
/// runs; otherwise `None` after saying why (a failure under [`REQUIRE_CLIENTS_VAR`]`=1`).
pub fn codex(test: &str) -> Option<PathBuf> {
    let why = match std::env::var(CODEX_VAR).ok().filter(|p| !p.trim().is_empty()) {
        None => format!("{CODEX_VAR} is not set"),
        Some(path) => match std::process::Command::new(&path).arg("--version").output() {
            Ok(output) if output.status.success() => return Some(PathBuf::from(path)),
            Ok(output) => format!("`{path} --version` failed: {}", String::from_utf8_lossy(&output.stderr).trim()),
            Err(error) => format!("cannot run `{path}`: {error}"),
        },
    };
    unavailable(test, &why, "`.ci/run` installs it: npm @openai/codex");
    None
}

/// Runs a prepared Python command (a client script and its arguments) and returns what it
/// printed; a failed run fails the test with its stdout and stderr.
pub fn python_stdout(command: &mut std::process::Command) -> String {
    let output = command.output().expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&output.stderr));
    stdout
}

/// Runs `python` with `args` off the async runtime (at most two minutes) and returns the one
/// JSON line it printed: how the client checks report what they saw.
pub async fn python_json(python: &str, args: &[&str]) -> serde_json::Value {
    let mut command = std::process::Command::new(python);
    command.args(args);
    let stdout = tokio::time::timeout(std::time::Duration::from_secs(120), tokio::task::spawn_blocking(move || python_stdout(&mut command)))
        .await
        .expect("the client finishes in time")
        .expect("the client's thread");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|error| panic!("one JSON line ({error}): {stdout}"))
}

/// Runs a boto3 check `script` with `python` against the emulator binary `emulator` (the script
/// starts it), which accepts the key pair `keys` (access key id, secret); returns what it printed.
pub fn boto3_against_emulator(python: &str, script: &str, emulator: &str, keys: (&str, &str)) -> String {
    python_stdout(std::process::Command::new(python).arg(script).arg(emulator).env("EMULATOR_ACCESS_KEY_ID", keys.0).env("EMULATOR_SECRET_ACCESS_KEY", keys.1))
}

/// A loopback port free right now, for a program that takes no port 0 (haproxy, OpenClaw's
/// gateway): the OS picks it, and it is released for the program to bind.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}
