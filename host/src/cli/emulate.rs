//! `--emulate`: the bundled Bedrock emulator stands in for Amazon Bedrock, started in this
//! process on `127.0.0.1:0` with a key pair of its own made for this run.
//!
//! Only the flag turns it on, never a failure to reach AWS: a silent fallback would let a
//! misconfigured deployment answer from a fake. The capability built here sees none of the
//! process's AWS variables or files, so nothing of a real account is read, sent or cached.

use anyhow::Context as _;
use bedrock_emulator::{Emulator, RunningEmulator, StaticCredentials};
use openclaw_host::aws::credentials::{self, mask_access_key_id};
use openclaw_host::aws::{AwsEnvironment, Bedrock};
use std::hash::{BuildHasher as _, RandomState};

/// The tag on every output line the emulator answered.
pub(super) const TAG: &str = " [emulator]";

/// A running emulator and the Bedrock capability pointed at it.
pub(super) struct Emulation {
    emulator: RunningEmulator,
    bedrock: Bedrock,
    access_key_id: String,
}

impl Emulation {
    /// Starts the emulator for `region` (requests must be signed for it, as Bedrock's are) and
    /// builds the capability over an environment holding only the emulator's endpoint and keys.
    pub(super) async fn start(region: &str) -> anyhow::Result<Self> {
        // A fresh pair per run: the emulator then accepts only it (its documented default pair
        // and token are off once any pair is configured).
        let access_key_id = format!("AKIDEMULATOR{}", random_text(8, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
        let secret = random_text(40, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
        let emulator = Emulator::builder()
            .listen("127.0.0.1:0")
            .region(region)
            .credentials(StaticCredentials::new(&access_key_id, &secret))
            .start()
            .await
            .context("cannot start the bundled Bedrock emulator")?;
        let endpoint = emulator.endpoint();
        let env = AwsEnvironment::from_vars([
            ("AWS_ACCESS_KEY_ID", access_key_id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_REGION", region),
            (credentials::EMULATOR_VARIABLE, endpoint.as_str()),
            // No shared files, no instance metadata, no state directory: nothing of the user's
            // AWS set-up is read, and no emulated catalog is written next to real ones.
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]);
        let bedrock = Bedrock::builder(env).default_region(region).build().await;
        tracing::info!(%endpoint, region, "--emulate: the bundled Bedrock emulator answers every Bedrock call");
        Ok(Self { emulator, bedrock, access_key_id })
    }

    /// The capability (clones share clients and credentials).
    pub(super) fn bedrock(&self) -> Bedrock {
        self.bedrock.clone()
    }

    /// The emulator's base URL.
    pub(super) fn endpoint(&self) -> String {
        self.emulator.endpoint()
    }

    /// The region the emulator answers for.
    pub(super) fn region(&self) -> &str {
        self.emulator.region()
    }

    /// One line saying what answers, for the top of a report.
    pub(super) fn describe(&self) -> String {
        format!(
            "bundled Bedrock emulator on {} (in this process, region {}, its own key {}): no AWS account is used",
            self.endpoint(),
            self.region(),
            mask_access_key_id(&self.access_key_id)
        )
    }
}

/// `len` characters of `alphabet`, from the standard library's per-process random hash keys
/// (seeded by the OS): unguessable enough for a key pair that only ever guards a loopback
/// emulator for one run, without a dependency for it.
fn random_text(len: usize, alphabet: &[u8]) -> String {
    let state = RandomState::new();
    (0..len)
        .map(|i| {
            let value = state.hash_one(i);
            alphabet[(value % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_text_has_the_length_and_alphabet_and_differs_per_call() {
        let a = random_text(40, b"AB");
        let b = random_text(40, b"AB");
        assert_eq!(a.len(), 40);
        assert!(a.chars().all(|c| c == 'A' || c == 'B'));
        assert_ne!(a, b, "two draws of 40 binary characters matched");
    }
}
