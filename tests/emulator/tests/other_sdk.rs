//! The emulator through another language's official SDK: boto3 (Python) drives every runtime
//! and control-plane operation against the binary. Skipped, with a note in the test output, where
//! boto3 is not installed; a failure under `OPENCLAW_REQUIRE_CLIENTS=1` (`.ci/run`).

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};

#[test]
fn boto3_drives_every_operation() {
    let Some(python) = openclaw_test_support::python_with("boto3_drives_every_operation", &["boto3"]) else { return };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/boto3_check.py");
    let emulator = env!("CARGO_BIN_EXE_bedrock-emulator");
    let stdout = openclaw_test_support::boto3_against_emulator(&python, script, emulator, (DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY));
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
