//! Helpers of the `aws_catalog*` tests: a keyed capability with one attempt per call, requests,
//! the emulator's listing counts, the cache files, and a log capture.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use crate::aws_common::{REGION, TestEnv};
use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Fault, RunningEmulator};
use openclaw_host::aws::Bedrock;
use openclaw_host::aws::model::CatalogRequest;

/// A long interval: entries stay fresh for the whole test.
pub const MINUTE: Duration = Duration::from_secs(60);

/// A full fetch: one model listing and the four pages of the 34 built-in profiles.
pub const ONE_FETCH: (usize, usize) = (1, 4);

/// An environment with the emulator's access keys.
pub fn keyed(emulator: &RunningEmulator) -> TestEnv {
    TestEnv::for_emulator(emulator).set("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID).set("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)
}

/// One attempt per call, so that an injected fault fails the call at once.
pub async fn bedrock(env: &TestEnv) -> Bedrock {
    Bedrock::builder(env.aws_environment()).max_attempts(1).initial_backoff(Duration::from_millis(10)).build().await
}

/// A request for the test region.
pub fn request(max_age: Duration, refresh: bool) -> CatalogRequest {
    CatalogRequest { region: REGION.to_string(), max_age, refresh }
}

/// The operations the emulator saw, in the order it answered them.
pub fn operations(emulator: &RunningEmulator) -> Vec<String> {
    emulator.request_log().into_iter().map(|e| e.operation).collect()
}

/// How many calls of each listing the emulator saw: (ListFoundationModels, ListInferenceProfiles).
pub fn listing_calls(emulator: &RunningEmulator) -> (usize, usize) {
    let ops = operations(emulator);
    (ops.iter().filter(|o| *o == "ListFoundationModels").count(), ops.iter().filter(|o| *o == "ListInferenceProfiles").count())
}

/// An AWS error answer.
pub fn http_error(error_type: &str) -> Fault {
    Fault::HttpError { error_type: error_type.into(), status: None, message: None }
}

/// The catalog cache directory of an environment without `OPENCLAW_STATE_DIR`.
pub fn catalog_dir(env: &TestEnv) -> PathBuf {
    env.home().join(".openclaw").join("openclaw-bedrock").join("cache").join("catalog")
}

/// Every file in the catalog cache directory (temporary ones included), sorted.
pub fn catalog_files(env: &TestEnv) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(catalog_dir(env)).map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.sort();
    files
}

/// A `tracing` subscriber that keeps what it writes, for assertions on warnings.
#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// A subscriber writing warnings and errors here (install with `set_default`).
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let logs = self.clone();
        tracing_subscriber::fmt().with_ansi(false).with_max_level(tracing::Level::WARN).with_writer(move || logs.clone()).finish()
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log lock")).into_owned()
    }

    /// How often `needle` was written.
    pub fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }
}
