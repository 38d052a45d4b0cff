//! `openclaw chat`: the reply streams to stdout as it arrives, and a failure mid-stream is
//! reported with what was already printed kept.

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, Fault, FaultRule};
use openclaw_test_support::{TestHome, run_in_home_async};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MODEL: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

fn chat_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID.into()),
        ("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY.into()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reply_reaches_stdout_before_the_stream_ends() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    emulator.faults().push(FaultRule::new(Fault::DelayEvents { ms: 250 }).operation("ConverseStream"));
    let home = TestHome::empty().expect("home");
    home.write_config(&format!("{{ model: {MODEL:?} }}")).expect("config");
    let env = chat_env(&emulator.endpoint());
    let mut command = Command::new(env!("CARGO_BIN_EXE_openclaw"));
    home.apply(&mut command);
    command.envs(env).args(["chat", "one two three four five six"]).stdout(Stdio::piped()).stderr(Stdio::null());
    // Read the child's stdout on a blocking thread, noting when the first bytes arrive.
    let (first_output, exited, text, code) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut child = command.spawn().expect("openclaw starts");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut first = None;
        let mut text = Vec::new();
        let mut buffer = [0u8; 256];
        loop {
            match stdout.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    first.get_or_insert_with(|| started.elapsed());
                    text.extend_from_slice(&buffer[..n]);
                }
            }
        }
        let status = child.wait().expect("openclaw exits");
        (first, started.elapsed(), String::from_utf8_lossy(&text).into_owned(), status.code())
    })
    .await
    .expect("reader thread");
    assert_eq!(code, Some(0));
    assert_eq!(text, "Echo: one two three four five six\n");
    let first_output = first_output.expect("some output");
    // Seven text deltas and the closing events are 250 ms apart: streamed output arrives
    // more than a second before the process ends; buffered output would arrive with it.
    assert!(exited - first_output > Duration::from_millis(1000), "first output at {first_output:?}, exit at {exited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mid_stream_exception_keeps_what_was_printed_and_exits_1() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let home = TestHome::empty().expect("home");
    home.write_config(&format!("{{ model: {MODEL:?} }}")).expect("config");
    let env = chat_env(&emulator.endpoint());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let exception = Fault::ExceptionAfter { events: 3, exception_type: "modelStreamErrorException".into(), message: Some("the model fell over".into()) };
    emulator.faults().push(FaultRule::new(exception).operation("ConverseStream"));
    let run = run_in_home_async(env!("CARGO_BIN_EXE_openclaw"), &home, &env, &["chat", "alpha beta gamma delta"]).await;
    assert_eq!(run.code, Some(1), "{}", run.all_output());
    assert!(run.stdout.starts_with("Echo:") && !run.stdout.contains("delta"), "partial reply kept: {:?}", run.stdout);
    assert!(run.stderr.contains("model_error") && run.stderr.contains("the model fell over"), "{}", run.stderr);

    let cases: [(&[&str], &str); 3] = [
        (&["chat", "--model", "vendor.no-such-model-v1:0", "hi"], "not_found"),
        (&["chat", "--model", "openai/gpt-5", "hi"], "format"),
        (&["chat", "--verbose", "hi there"], "usage:"),
    ];
    for (args, needle) in cases {
        let run = run_in_home_async(env!("CARGO_BIN_EXE_openclaw"), &home, &env, args).await;
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.all_output());
        assert!(!run.all_output().contains(DEFAULT_SECRET_ACCESS_KEY));
    }
}
