//! Virtual client keys (issue 26): a key per team or app, each with its own models, limits and
//! budget, handed out by the operator (`openclaw-bedrock keys ...`, or the admin API behind the
//! master key) without handing out AWS credentials.
//!
//! - **The token** is `ocb_<id>_<secret>`: the id (12 hex digits) names the key in logs, the
//!   access log and metrics; the secret (64 hex digits, 256 random bits) is shown once at
//!   creation and only its SHA-256 is stored. With 256 bits of entropy a plain digest is as
//!   strong as a slow hash: nobody guesses a preimage.
//! - **Checking a token** costs one digest and no store write, whatever is wrong with it
//!   ([`KeyTable::authenticate`]); an unknown id is compared with a dummy digest, so timing does
//!   not tell whether an id exists.
//! - **Where keys live**: [`journal`], an append-only file in the state directory that the CLI
//!   and the gateway both append to; [`limiter`] admits requests against the keys' limits and
//!   budgets and settles their spend; [`prices`] turns tokens into money.

pub mod admin;
pub mod journal;
pub mod limiter;
pub mod prices;
pub mod time;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// Why a key operation failed. One line, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysError {
    /// The journal could not be read or written.
    #[error("keys store: {0}")]
    Io(String),
    /// The operator's input is wrong (what and where).
    #[error("{0}")]
    Invalid(String),
    /// No key has this id.
    #[error("no key with id {0}")]
    NoSuchKey(String),
    /// The shared limits store does not answer.
    #[error("limits store unavailable: {0}")]
    Unavailable(String),
}

/// Where the gateway keeps keys, and the prices their budgets use.
#[derive(Debug, Clone)]
pub struct KeysOptions {
    /// The journal's directory (`<state dir>/openclaw-bedrock/keys`).
    pub dir: std::path::PathBuf,
    /// Model prices.
    pub prices: Arc<prices::Prices>,
}

/// The token's prefix.
pub const TOKEN_PREFIX: &str = "ocb_";
/// Hex digits of a key id.
const ID_HEX: usize = 12;
/// Hex digits of a secret.
const SECRET_HEX: usize = 64;

/// A budget: at most `pico_usd` spent per `period` (UTC calendar periods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// The budget in pico-USD (10^-12 USD): prices in micro-USD per million tokens times
    /// tokens are whole pico-USD, so spend adds up with no rounding at all.
    pub pico_usd: u64,
    /// When spend starts again from zero.
    pub period: time::Period,
}

/// What a key may do. `None` is no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The models it may call (as the client names them, or the Bedrock id they route to).
    pub models: Option<Vec<String>>,
    /// Requests admitted in any 60-second window.
    pub rpm: Option<u32>,
    /// Tokens (reserved, then settled to real usage) in any 60-second window.
    pub tpm: Option<u64>,
    /// Requests (streams included) in flight at once.
    pub concurrency: Option<u32>,
    /// Spend per period.
    pub budget: Option<Budget>,
}

/// A key as stored: never its secret, only digests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The id in its token (12 hex digits).
    pub id: String,
    /// The operator's name for it.
    pub name: String,
    /// What it may do.
    #[serde(default)]
    pub limits: Limits,
    /// Seconds since the Unix epoch.
    pub created_at: u64,
    /// When it stops working (seconds since the epoch).
    pub expires_at: Option<u64>,
    /// When it was revoked.
    pub revoked_at: Option<u64>,
    /// SHA-256 of the current secret, hex.
    pub digest: String,
    /// The secret before the last rotation, accepted until `previous_until`.
    pub previous_digest: Option<String>,
    /// When the previous secret stops working.
    pub previous_until: Option<u64>,
}

impl KeyRecord {
    /// Whether it takes requests at `now` (not revoked, not expired).
    pub fn active(&self, now: u64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }

    /// `active`, `revoked` or `expired`.
    pub fn state(&self, now: u64) -> &'static str {
        match (self.revoked_at, self.expires_at) {
            (Some(_), _) => "revoked",
            (None, Some(at)) if now >= at => "expired",
            _ => "active",
        }
    }

    /// Whether it may call `asked` (the client's name) routed to `target` (the Bedrock id).
    pub fn allows_model(&self, asked: &str, target: &str) -> bool {
        self.limits.models.as_ref().is_none_or(|models| models.iter().any(|m| m == asked || m == target || strip_provider(asked) == m))
    }
}

/// `bedrock/x` names model `x` (the gateway's OpenAI-style reference).
fn strip_provider(model: &str) -> &str {
    model.strip_prefix("bedrock/").unwrap_or(model)
}

/// A new key's token and the digest stored for it.
pub struct NewSecret {
    /// The whole token, shown once.
    pub token: String,
    /// SHA-256 of its secret, hex.
    pub digest: String,
}

/// A fresh random key id.
pub fn new_id() -> Result<String, KeysError> {
    Ok(hex::encode(random::<{ ID_HEX / 2 }>()?))
}

/// A fresh secret for key `id`.
pub fn new_secret(id: &str) -> Result<NewSecret, KeysError> {
    let secret = hex::encode(random::<{ SECRET_HEX / 2 }>()?);
    let digest = hex::encode(Sha256::digest(secret.as_bytes()));
    Ok(NewSecret { token: format!("{TOKEN_PREFIX}{id}_{secret}"), digest })
}

fn random<const N: usize>() -> Result<[u8; N], KeysError> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| KeysError::Io("no system randomness".into()))?;
    Ok(bytes)
}

/// The id and secret of a well-formed token.
fn parse_token(token: &[u8]) -> Option<(&str, &[u8])> {
    let rest = token.strip_prefix(TOKEN_PREFIX.as_bytes())?;
    let (id, secret) = rest.split_at_checked(ID_HEX)?;
    let secret = secret.strip_prefix(b"_")?;
    let hex = |bytes: &[u8]| bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (hex(id) && secret.len() == SECRET_HEX && hex(secret)).then(|| (std::str::from_utf8(id).unwrap_or_default(), secret))
}

/// Why a presented token was not accepted (all answered 401 alike; the kind is for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Not a key token, or no key matches it.
    Unknown,
    /// The key was revoked.
    Revoked,
    /// The key expired.
    Expired,
}

/// Every key, by id, as the journal last said (digests decoded once).
#[derive(Debug, Default, Clone)]
pub struct KeyTable {
    keys: HashMap<String, Arc<Entry>>,
}

/// A key and its decoded digests.
#[derive(Debug)]
pub struct Entry {
    /// The record.
    pub record: KeyRecord,
    digest: [u8; 32],
    previous: Option<([u8; 32], u64)>,
}

/// Compared with an unknown id's secret so that it costs what a known one does.
const DUMMY_DIGEST: [u8; 32] = [0x5a; 32];

fn decode_digest(text: &str) -> [u8; 32] {
    let mut digest = [0u8; 32];
    if hex::decode_to_slice(text, &mut digest).is_err() {
        // A damaged digest matches nothing: no secret hashes to all ones in practice.
        digest = [0xff; 32];
    }
    digest
}

fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl KeyTable {
    /// Sets (or replaces) a key.
    pub fn put(&mut self, record: KeyRecord) {
        let digest = decode_digest(&record.digest);
        let previous = record.previous_digest.as_deref().zip(record.previous_until).map(|(text, until)| (decode_digest(text), until));
        self.keys.insert(record.id.clone(), Arc::new(Entry { record, digest, previous }));
    }

    /// The key with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<Entry>> {
        self.keys.get(id)
    }

    /// Every key, sorted by name then id.
    pub fn all(&self) -> Vec<&KeyRecord> {
        let mut all: Vec<&KeyRecord> = self.keys.values().map(|entry| &entry.record).collect();
        all.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        all
    }

    /// Whether there is no key at all.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key a presented token belongs to. Costs one SHA-256 and two constant-time
    /// comparisons whatever the token is (malformed, unknown id, wrong secret, right one);
    /// writes nothing.
    pub fn authenticate(&self, token: &[u8], now: u64) -> Result<Arc<Entry>, Rejected> {
        let (id, secret) = parse_token(token).unwrap_or(("", token));
        let digest: [u8; 32] = Sha256::digest(secret).into();
        let entry = self.keys.get(id);
        let (current, previous) = match entry {
            Some(entry) => (entry.digest, entry.previous.filter(|(_, until)| now < *until).map_or(DUMMY_DIGEST, |(d, _)| d)),
            None => (DUMMY_DIGEST, DUMMY_DIGEST),
        };
        let matched = same(&digest, &current) | same(&digest, &previous);
        match entry {
            Some(entry) if matched && entry.record.revoked_at.is_some() => Err(Rejected::Revoked),
            Some(entry) if matched && !entry.record.active(now) => Err(Rejected::Expired),
            Some(entry) if matched => Ok(Arc::clone(entry)),
            _ => Err(Rejected::Unknown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, digest: &str) -> KeyRecord {
        KeyRecord {
            id: id.into(),
            name: "team".into(),
            limits: Limits::default(),
            created_at: 0,
            expires_at: None,
            revoked_at: None,
            digest: digest.into(),
            previous_digest: None,
            previous_until: None,
        }
    }

    #[test]
    fn only_the_live_secret_of_a_live_key_passes() {
        let id = new_id().expect("id");
        let secret = new_secret(&id).expect("secret");
        let rotated = new_secret(&id).expect("secret");
        let mut table = KeyTable::default();
        table.put(record(&id, &secret.digest));
        assert!(table.authenticate(secret.token.as_bytes(), 10).is_ok());
        let wrong_secret = format!("{TOKEN_PREFIX}{id}_{}", "0".repeat(SECRET_HEX));
        let unknown_id = format!("{TOKEN_PREFIX}{}_{}", "0".repeat(ID_HEX), &secret.token[TOKEN_PREFIX.len() + ID_HEX + 1..]);
        for token in [wrong_secret.as_str(), unknown_id.as_str(), "", "ocb_", "Bearer x", &secret.token[..secret.token.len() - 1]] {
            assert_eq!(table.authenticate(token.as_bytes(), 10).err(), Some(Rejected::Unknown), "{token}");
        }
        // Rotation with a grace period: both work until it ends, then only the new one.
        let mut next = record(&id, &rotated.digest);
        next.previous_digest = Some(secret.digest.clone());
        next.previous_until = Some(100);
        table.put(next.clone());
        assert!(table.authenticate(secret.token.as_bytes(), 99).is_ok());
        assert!(table.authenticate(rotated.token.as_bytes(), 99).is_ok());
        assert_eq!(table.authenticate(secret.token.as_bytes(), 100).err(), Some(Rejected::Unknown));
        next.expires_at = Some(200);
        table.put(next.clone());
        assert_eq!(table.authenticate(rotated.token.as_bytes(), 200).err(), Some(Rejected::Expired));
        next.revoked_at = Some(150);
        table.put(next);
        assert_eq!(table.authenticate(rotated.token.as_bytes(), 160).err(), Some(Rejected::Revoked));
    }

    #[test]
    fn a_model_list_names_what_the_client_asks_or_its_target() {
        let mut key = record("000000000000", "");
        assert!(key.allows_model("anything", "x"));
        key.limits.models = Some(vec!["claude-haiku-4-5".into(), "amazon.nova-lite-v1:0".into()]);
        let cases = [
            ("claude-haiku-4-5", "global.anthropic.claude-haiku-4-5-20251001-v1:0", true),
            ("bedrock/amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0", true),
            ("nova", "amazon.nova-lite-v1:0", true),
            ("claude-sonnet-4-5", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", false),
        ];
        for (asked, target, allowed) in cases {
            assert_eq!(key.allows_model(asked, target), allowed, "{asked}");
        }
    }
}
