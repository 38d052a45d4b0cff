//! Files the host is pointed at are read as bounded regular files, off the gateway's workers
//! (issue 12, finding 5), and the smaller items of finding 6 seen from the command line:
//! `config validate --json` always prints its document, a huge config gets a clear diagnostic,
//! AWS credential names are refused anywhere, and catalog text reaches no terminal raw.

mod gateway_common;

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, RunningEmulator};
use gateway_common::send;
use openclaw_test_support::{Run, TestHome, emulator_aws_vars, run_in_home, run_in_home_async};
use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Turns a hang into a failure; never a performance bound.
const HANG: Duration = Duration::from_secs(120);

fn openclaw(home: &TestHome, args: &[&str]) -> Run {
    run_in_home(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, &[], args)
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().expect("mkfifo runs").success());
}

#[test]
fn validate_json_prints_a_document_for_files_it_cannot_judge() {
    let home = TestHome::empty().expect("home");
    let dir = tempfile::tempdir().expect("dir");
    let not_utf8 = dir.path().join("latin1.json");
    std::fs::write(&not_utf8, b"{ model: 'caf\xe9' }").expect("write");
    // 2 MB of 200k unknown keys: refused before the policy sees it.
    let huge = dir.path().join("huge.json");
    let keys: String = (0..200_000).map(|i| format!("k{i}:0,")).collect();
    std::fs::write(&huge, format!("{{{keys}}}")).expect("write");
    let fifo = dir.path().join("fifo.json");
    mkfifo(&fifo);
    // Under the size limit, yet more than the policy's 64 MiB of memory can hold: 262,000
    // unknown keys in a section the provider owns, each a parsed member (with its position and
    // literal) and an error diagnostic; about twice what fits.
    let exhausting = dir.path().join("exhausting.json");
    std::fs::write(&exhausting, format!("{{ models: {{ bedrockDiscovery: {{ {} }} }} }}", "a:0,".repeat(262_000))).expect("write");
    assert!(std::fs::metadata(&exhausting).expect("size").len() <= 1 << 20, "within the size limit");
    // (file, what the one diagnostic says)
    let cases = [
        (&not_utf8, "is not UTF-8 text (invalid byte at offset 13)"),
        (&huge, "is larger than 1048576 bytes, the limit for a config file"),
        (&fifo, "is a FIFO, not a regular file"),
        (&exhausting, "is too large or too complex for the policy to read"),
    ];
    for (file, says) in cases {
        let path = file.display().to_string();
        let run = openclaw(&home, &["--config", &path, "config", "validate", "--json"]);
        assert_eq!(run.code, Some(1), "{path}: {}", run.all_output());
        let report = run.json();
        assert_eq!((report["valid"].as_bool(), report["config_found"].as_bool()), (Some(false), Some(true)), "{path}");
        assert_eq!(report["config_path"]["path"].as_str(), Some(path.as_str()), "{path}: {report}");
        let diagnostics = report["diagnostics"].as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!((diagnostics.len(), diagnostics[0]["severity"].as_str()), (1, Some("error")), "{path}: {report}");
        let message = diagnostics[0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says) && !message.contains('\n'), "{path}: {message}");
        // Without --json: the same, as one line on stderr.
        let plain = openclaw(&home, &["--config", &path, "config", "validate"]);
        assert_eq!((plain.code, plain.stderr.lines().count()), (Some(1), 1), "{path}: {}", plain.stderr);
        assert!(plain.stderr.contains(says), "{path}: {}", plain.stderr);
    }
}

#[test]
fn aws_credential_names_are_refused_anywhere_in_the_file() {
    let home = TestHome::empty().expect("home");
    home.write_config("{ AWS_SECRET_ACCESS_KEY: 'FAKE/ROOT/SECRET', gateway: { \"secretAccessKey\u{200B}\": 'FAKE/NESTED' }, models: { providers: { openai: { apiKey: 'sk-theirs' } } } }")
        .expect("config");
    let run = openclaw(&home, &["config", "validate"]);
    assert_eq!(run.code, Some(1), "{}", run.all_output());
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "two errors and the summary: {lines:?}");
    assert!(lines[0].contains(": AWS_SECRET_ACCESS_KEY: `AWS_SECRET_ACCESS_KEY` looks like a credential"), "{}", lines[0]);
    assert!(lines[1].contains("gateway[") && lines[1].contains("looks like a credential"), "{}", lines[1]);
    assert!(!run.all_output().contains("FAKE/") && !run.all_output().contains("sk-theirs"), "{}", run.all_output());
}

/// The environment that points a child in `home` at the emulator with its keys.
fn emulator_env(home: &TestHome, emulator: &RunningEmulator) -> Vec<(&'static str, String)> {
    emulator_aws_vars(&emulator.endpoint(), (DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY), home.path())
}

async fn models_list(home: &TestHome, emulator: &RunningEmulator, args: &[&str]) -> Run {
    let env = emulator_env(home, emulator);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut all = vec!["models", "list"];
    all.extend_from_slice(args);
    tokio::time::timeout(HANG, run_in_home_async(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, &env, &all)).await.expect("models list finishes")
}

/// The catalog cache file a first `models list` wrote.
fn catalog_file(home: &TestHome) -> PathBuf {
    let dir = home.state_dir().join("openclaw-bedrock").join("cache").join("catalog");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir).expect("catalog dir").filter_map(Result::ok).map(|e| e.path()).collect();
    let [file] = files.try_into().unwrap_or_else(|files: Vec<PathBuf>| panic!("one catalog file: {files:?}"));
    file
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalog_cache_file_pointing_at_dev_zero_is_refused() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    home.write_config("{ models: { bedrockDiscovery: { enabled: true } } }").expect("config");
    let first = models_list(&home, &emulator, &["--json"]).await;
    assert_eq!(first.code, Some(0), "{}", first.all_output());
    let file = catalog_file(&home);
    std::fs::remove_file(&file).expect("remove");
    std::os::unix::fs::symlink("/dev/zero", &file).expect("symlink");
    let run = models_list(&home, &emulator, &["--json"]).await;
    assert_eq!(run.code, Some(0), "{}", run.all_output());
    assert!(run.stderr.contains("ignoring the catalog cache file") && run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(run.json()["models"], first.json()["models"], "listed from Bedrock instead");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_text_reaches_the_terminal_without_escape_sequences() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    home.write_config("{ models: { bedrockDiscovery: { enabled: true } } }").expect("config");
    assert_eq!(models_list(&home, &emulator, &["--json"]).await.code, Some(0));
    // A cache file (or a catalog) naming a model with terminal control sequences.
    let file = catalog_file(&home);
    let mut envelope: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    for model in envelope["catalog"]["models"].as_array_mut().expect("models") {
        model["model_name"] = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mEvil\u{1b}[0m Model\u{9b}1m".into();
    }
    std::fs::write(&file, serde_json::to_vec(&envelope).expect("json")).expect("write");
    let run = models_list(&home, &emulator, &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.all_output());
    assert!(run.stdout.contains("Evil Model"), "the name is still shown: {}", run.stdout);
    assert!(!run.stdout.chars().any(|ch| ch.is_control() && ch != '\n'), "{:?}", run.stdout);
}

/// A gateway process with `config` as its config file.
struct Gateway {
    child: std::process::Child,
    addr: SocketAddr,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn gateway(home: &TestHome, emulator: &RunningEmulator, config: &Path) -> Gateway {
    let mut command = Command::new(env!("CARGO_BIN_EXE_openclaw-bedrock"));
    home.apply(&mut command);
    command.envs(emulator_env(home, emulator)).args(["--config", &config.display().to_string(), "gateway", "--listen", "127.0.0.1:0"]);
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("openclaw starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::time::timeout(
        HANG,
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .expect("the address line")
    .expect("reader")
    .expect("read");
    let addr = line.trim().strip_prefix("listening on http://").and_then(|a| a.parse().ok()).unwrap_or_else(|| panic!("first line: {line:?}"));
    Gateway { child, addr }
}

fn signal(child: &std::process::Child, name: &str) {
    assert!(Command::new("kill").args([format!("-{name}"), child.id().to_string()]).status().expect("kill runs").success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_in_the_configs_place_and_sighup_do_not_hang_the_gateway() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("openclaw.json");
    std::fs::write(&config, "{}").expect("config");
    let mut process = gateway(&home, &emulator, &config).await;
    std::fs::remove_file(&config).expect("remove");
    mkfifo(&config);
    signal(&process.child, "HUP");
    // Still serving after the reload (and after the watcher's polls of the FIFO) ...
    for _ in 0..3 {
        let health = tokio::time::timeout(HANG, send(process.addr, "GET", "/healthz", &[], Vec::new())).await.expect("/healthz is served");
        assert_eq!(health.status, 200);
    }
    // ... and SIGTERM still ends it (polled, so that a gateway that ignores it is killed by
    // `Drop` when the wait gives up, instead of blocking the test).
    signal(&process.child, "TERM");
    let status = tokio::time::timeout(HANG, async {
        loop {
            if let Some(status) = process.child.try_wait().expect("try_wait") {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the gateway exits after SIGTERM");
    let mut stderr = String::new();
    let _ = process.child.stderr.take().expect("stderr").read_to_string(&mut stderr);
    let code = status.code();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("is a FIFO, not a regular file"), "the refusal is logged: {stderr}");
}
