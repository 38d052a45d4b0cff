//! `openclaw-bedrock chat`: the reply streams to stdout as it arrives, and a failure mid-stream is
//! reported with what was already printed kept.

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, Fault, FaultRule};
use openclaw_test_support::{TestHome, run_in_home_async};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

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
    // Bedrock sends three events, then holds the rest until the test has seen them printed.
    emulator.faults().push(FaultRule::new(Fault::HoldAfter { events: 3 }).operation("ConverseStream"));
    let home = TestHome::empty().expect("home");
    home.write_config(&format!("{{ model: {MODEL:?} }}")).expect("config");
    let env = chat_env(&emulator.endpoint());
    let mut command = Command::new(env!("CARGO_BIN_EXE_openclaw-bedrock"));
    home.apply(&mut command);
    command.envs(env).args(["chat", "--max-tokens", "40", "one two three four five six"]).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = command.spawn().expect("openclaw starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    // Read the child's stdout on a thread, forwarding every piece as it arrives.
    let (sender, pieces) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 256];
        while let Ok(n @ 1..) = stdout.read(&mut buffer) {
            if sender.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let (pieces, early) = tokio::task::spawn_blocking(move || {
        let mut text = Vec::new();
        while !String::from_utf8_lossy(&text).contains("Echo: one") {
            let piece = pieces
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|e| panic!("no streamed output while Bedrock holds the rest ({e}): {:?}", String::from_utf8_lossy(&text)));
            text.extend(piece);
        }
        (pieces, text)
    })
    .await
    .expect("waiter");
    assert!(child.try_wait().expect("try_wait").is_none(), "printed while the stream was still open");
    emulator.faults().release_held();
    let (text, code) = tokio::task::spawn_blocking(move || {
        let mut text = early;
        text.extend(pieces.iter().flatten());
        let _ = reader.join();
        (String::from_utf8_lossy(&text).into_owned(), child.wait().expect("openclaw exits").code())
    })
    .await
    .expect("waiter");
    assert_eq!(code, Some(0));
    assert_eq!(text, "Echo: one two three four five six\n");
    let call = emulator.request_log().into_iter().find(|e| e.operation == "ConverseStream").expect("the call");
    assert_eq!(call.body_json()["inferenceConfig"]["maxTokens"], 40, "--max-tokens reaches Bedrock: {:?}", call.body);
    assert_eq!(call.body_json()["messages"][0]["content"][0]["text"], "one two three four five six", "{:?}", call.body);
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
    let run = run_in_home_async(env!("CARGO_BIN_EXE_openclaw-bedrock"), &home, &env, &["chat", "alpha beta gamma delta"]).await;
    assert_eq!(run.code, Some(1), "{}", run.all_output());
    assert!(run.stdout.starts_with("Echo:") && !run.stdout.contains("delta"), "partial reply kept: {:?}", run.stdout);
    assert!(run.stderr.contains("model_error") && run.stderr.contains("the model fell over"), "{}", run.stderr);

    let cases: [(&[&str], &str); 3] = [
        (&["chat", "--model", "vendor.no-such-model-v1:0", "hi"], "not_found"),
        (&["chat", "--model", "openai/gpt-5", "hi"], "format"),
        (&["chat", "--verbose", "hi there"], "usage:"),
    ];
    for (args, needle) in cases {
        let run = run_in_home_async(env!("CARGO_BIN_EXE_openclaw-bedrock"), &home, &env, args).await;
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.all_output());
        assert!(!run.all_output().contains(DEFAULT_SECRET_ACCESS_KEY));
    }
}
