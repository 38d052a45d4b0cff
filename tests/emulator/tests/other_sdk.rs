//! The emulator through another language's official SDK: boto3 (Python) drives every runtime
//! and control-plane operation against the binary. Skipped, with a note in the test output, where
//! boto3 is not installed; a failure under `OPENCLAW_REQUIRE_CLIENTS=1` (`.ci/run`).

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use std::process::Command;

#[test]
fn boto3_drives_every_operation() {
    let Some(python) = openclaw_test_support::python_with("boto3_drives_every_operation", &["boto3"]) else { return };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/boto3_check.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_bedrock-emulator"))
        .env("EMULATOR_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
        .env("EMULATOR_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "boto3 checks failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
