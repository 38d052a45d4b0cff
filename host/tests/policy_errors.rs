//! A failing policy explains itself in its own words (issue 13, "errors in words"): what it
//! wrote to stderr and its panic message reach the error the user reads and the host's log
//! (target `policy`, naming the policy), one line, bounded, control characters removed, and
//! without wasmtime's backtrace of the guest's functions.

mod gateway_common;

use gateway_common::{Setup, TestGateway};
use openclaw_host::sandbox::Limits;
use openclaw_test_support::{TestGuest, TestHome, run_in_home};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Most bytes of a failure's message that can come from the guest (the host keeps the last
/// 4 KiB of its stderr) plus the host's own words around them.
const MESSAGE_BOUND: usize = 4096 + 512;

/// Runs the binary with warnings logged, uncoloured (the log's own colours are escapes too).
fn openclaw(home: &TestHome, args: &[&str]) -> openclaw_test_support::Run {
    run_in_home(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, &[("RUST_LOG", "warn"), ("NO_COLOR", "1")], args)
}

/// Whether a text a user or a log reader sees is clean: no control character but the line
/// ends, no ANSI escape, no backtrace of the guest's functions.
fn assert_clean(what: &str, text: &str) {
    for line in text.lines() {
        assert!(!line.chars().any(char::is_control), "{what}: a control character in {line:?}");
    }
    assert!(!text.contains("backtrace"), "{what}: wasmtime's backtrace is not for the user: {text}");
}

#[test]
fn policy_check_shows_the_panic_and_what_the_policy_wrote() {
    let home = TestHome::new().expect("home");
    let panics = TestGuest::Panics.path().display().to_string();
    // (output format, where the error is)
    for json in [false, true] {
        let mut args = vec!["policy", "check", &panics];
        if json {
            args.push("--json");
        }
        let run = openclaw(&home, &args);
        assert_eq!(run.code, Some(1), "{}", run.all_output());
        let error = if json {
            run.json()["error"].as_str().unwrap_or_default().to_string()
        } else {
            run.stderr.lines().find(|l| l.starts_with("refused:")).unwrap_or_default().to_string()
        };
        for words in ["failed its self-check", "panics: checking the known-models table", "known-models table is empty (test panic)", "unreachable"] {
            assert!(error.contains(words), "json={json}: {words:?} in {error}");
        }
        assert!(!error.contains("RUST_BACKTRACE"), "Rust's note about a variable the guest never sees is dropped: {error}");
        assert!(error.len() < MESSAGE_BOUND, "json={json}: {} bytes", error.len());
        assert_clean("check", &run.all_output());
        // The log line: target `policy`, the component named, its words.
        let logged =
            run.stderr.lines().find(|line| line.contains("WARN") && line.contains(" policy:")).unwrap_or_else(|| panic!("a policy log line: {}", run.stderr));
        assert!(logged.contains("known-models table is empty (test panic)") && logged.contains("panics.wasm"), "{logged}");
    }
}

#[test]
fn a_failing_call_shows_its_words_bounded_and_clean() {
    let home = TestHome::new().expect("home");
    let hostile = TestGuest::Hostile.path().display().to_string();
    // (config text, words the error must hold)
    let cases = [
        ("panic", &["hostile: about to fail [31mred on purpose", "hostile panicked on purpose", "load-config", "trapped"][..]),
        ("flood", &["...flood flood", "hostile panicked after a flood"][..]),
        // No stderr: the trap alone, still without the backtrace.
        ("trap", &["trapped: wasm trap"][..]),
    ];
    for (mode, words) in cases {
        let config = home.write_config(mode).expect("config");
        let config = config.display().to_string();
        let run = openclaw(&home, &["--policy", &hostile, "--config", &config, "config", "show"]);
        assert_eq!(run.code, Some(1), "{mode}: {}", run.all_output());
        let error = run.stderr.lines().find(|line| line.starts_with("error:")).unwrap_or_else(|| panic!("{mode}: an error line in {}", run.stderr));
        for words in words {
            assert!(error.contains(words), "{mode}: {words:?} in {error}");
        }
        assert!(error.len() < MESSAGE_BOUND, "{mode}: the error is bounded, {} bytes", error.len());
        assert!(run.stderr.len() < 4 * MESSAGE_BOUND, "{mode}: the whole output is bounded, {} bytes", run.stderr.len());
        assert_clean(mode, &run.stderr);
    }
}

/// Everything the in-process gateway logs, at every level.
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&log);
        tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_ansi(false).with_writer(move || LogWriter(Arc::clone(&writer))).init();
        log
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_answers_and_logs_a_trapping_policy_in_its_own_words() {
    let log = captured_log();
    let limits = Limits { call_deadline: Duration::from_secs(5), ..Limits::default() };
    let gateway = TestGateway::start_with(Setup { policy: TestGuest::Hostile.path(), limits, ..Setup::default() }).await;
    for stream in [false, true] {
        let response = gateway.chat("panic", stream).await;
        assert_eq!(response.status, 500, "{}", response.body);
        let error = &response.json()["error"];
        assert_eq!(error["code"], "policy_trap", "{error}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains("hostile panicked on purpose"), "the client reads the policy's own words: {message}");
        assert_clean("body", &response.body);
    }
    let log = String::from_utf8_lossy(&log.lock().expect("log")).into_owned();
    let lines: Vec<&str> = log.lines().filter(|line| line.contains(" policy:") && line.contains("hostile panicked on purpose")).collect();
    assert_eq!(lines.len(), 2, "one policy line per failed request: {log}");
    for line in lines {
        assert!(line.contains("WARN") && line.contains("policy=\"hostile 0.1.0") && line.contains("call=\"chat-stream.next\""), "{line}");
        assert!(line.contains("hostile: about to fail [31mred on purpose"), "{line}");
    }
    assert_clean("log", &log);
}

/// A Python policy's uncaught exception (componentize-py prints the traceback to stderr and
/// traps): its own message reaches the CLI's error and the log, as `openclaw-bedrock policy check` and
/// `openclaw-bedrock gateway` show them.
#[test]
fn a_python_exception_shows_its_own_message_in_the_cli_error_and_the_gateway_log() {
    let test = "a_python_exception_shows_its_own_message_in_the_cli_error_and_the_gateway_log";
    let Some(component) = openclaw_test_support::examples::python_test_guest("python-raises", test) else { return };
    let component = component.display().to_string();
    let home = TestHome::new().expect("home");
    let words = ["python-raises: checking the family table", "RuntimeError: the family table is empty (test exception)"];
    // (command, where its error is)
    let check = openclaw(&home, &["policy", "check", &component]);
    let gateway = openclaw(&home, &["gateway", "--listen", "127.0.0.1:0", "--policy", &component]);
    for (what, run) in [("policy check", &check), ("gateway", &gateway)] {
        assert_eq!(run.code, Some(1), "{what}: {}", run.all_output());
        for words in words {
            assert!(run.stderr.contains(words), "{what}: {words:?} in {}", run.stderr);
        }
        let logged = run
            .stderr
            .lines()
            .find(|line| line.contains("WARN") && line.contains(" policy:"))
            .unwrap_or_else(|| panic!("{what}: a policy log line: {}", run.stderr));
        assert!(logged.contains(words[1]) && logged.contains("python_raises.wasm"), "{what}: {logged}");
        assert!(run.stderr.lines().all(|line| line.len() < MESSAGE_BOUND * 2), "{what}: bounded lines");
        assert_clean(what, &run.all_output());
    }
}
