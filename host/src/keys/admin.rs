//! The operator's key operations, once for both fronts: the CLI (`openclaw-bedrock keys ...`)
//! and the admin HTTP API behind the master key (`/admin/keys...`). Each change is one journal
//! line holding the key's whole record, appended durably; the gateway sees it at its next
//! request.

use super::journal::{Journal, Line, Totals, day_of};
use super::prices::{parse_usd, usd};
use super::time::{self, Period, parse_duration, parse_when, rfc3339};
use super::{Budget, KeyRecord, KeysError, Limits, new_id, new_secret};
use serde::{Deserialize, Deserializer, Serialize};

/// Longest key name.
const MAX_NAME: usize = 64;
/// Most models in a key's list, and the longest model name.
const MAX_MODELS: usize = 100;
const MAX_MODEL: usize = 256;

/// A change to a key's settings: absent fields stay as they are; `null` (the CLI's `none`)
/// removes a limit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// The operator's name for it.
    pub name: Option<String>,
    /// The models it may call.
    #[serde(default, deserialize_with = "present")]
    pub models: Option<Option<Vec<String>>>,
    /// Requests per minute.
    #[serde(default, deserialize_with = "present")]
    pub rpm: Option<Option<u32>>,
    /// Tokens per minute.
    #[serde(default, deserialize_with = "present")]
    pub tpm: Option<Option<u64>>,
    /// Requests in flight.
    #[serde(default, deserialize_with = "present")]
    pub concurrency: Option<Option<u32>>,
    /// The budget in USD (`12.50`).
    #[serde(default, deserialize_with = "present")]
    pub budget_usd: Option<Option<String>>,
    /// The budget's period (default month).
    pub budget_period: Option<Period>,
    /// When it expires: `30d`, `2027-01-31`, `2027-01-31T12:00:00Z`.
    #[serde(default, deserialize_with = "present")]
    pub expires: Option<Option<String>>,
}

/// A field that is present: `Some(value)`, where value may be `None` (JSON null).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

fn check_name(name: &str) -> Result<String, KeysError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(KeysError::Invalid(format!("name: 1 to {MAX_NAME} printable characters")));
    }
    Ok(name.to_string())
}

fn check_models(models: Vec<String>) -> Result<Vec<String>, KeysError> {
    let models: Vec<String> = models.into_iter().map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect();
    if models.is_empty() || models.len() > MAX_MODELS || models.iter().any(|m| m.len() > MAX_MODEL || m.chars().any(char::is_control)) {
        return Err(KeysError::Invalid(format!("models: 1 to {MAX_MODELS} model names of at most {MAX_MODEL} bytes")));
    }
    Ok(models)
}

fn positive<T: PartialOrd + Default + std::fmt::Display>(field: &str, value: T) -> Result<T, KeysError> {
    if value <= T::default() {
        return Err(KeysError::Invalid(format!("{field}: {value} is not a limit (use a positive number, or none for no limit)")));
    }
    Ok(value)
}

impl KeySpec {
    /// Applies the changes to `record`.
    fn apply(self, record: &mut KeyRecord, now: u64) -> Result<(), KeysError> {
        if let Some(name) = self.name {
            record.name = check_name(&name)?;
        }
        let limits = &mut record.limits;
        if let Some(models) = self.models {
            limits.models = models.map(check_models).transpose()?;
        }
        if let Some(rpm) = self.rpm {
            limits.rpm = rpm.map(|v| positive("rpm", v)).transpose()?;
        }
        if let Some(tpm) = self.tpm {
            limits.tpm = tpm.map(|v| positive("tpm", v)).transpose()?;
        }
        if let Some(concurrency) = self.concurrency {
            limits.concurrency = concurrency.map(|v| positive("concurrency", v)).transpose()?;
        }
        match (self.budget_usd, self.budget_period) {
            (Some(None), _) => limits.budget = None,
            (Some(Some(amount)), period) => {
                let pico_usd = positive("budget-usd", parse_usd(&amount).map_err(|e| KeysError::Invalid(format!("budget-usd: {e}")))?)?;
                let period = period.or(limits.budget.map(|b| b.period)).unwrap_or(Period::Month);
                limits.budget = Some(Budget { pico_usd, period });
            }
            (None, Some(period)) => match &mut limits.budget {
                Some(budget) => budget.period = period,
                None => return Err(KeysError::Invalid("budget-period: the key has no budget; give --budget-usd too".into())),
            },
            (None, None) => {}
        }
        if let Some(expires) = self.expires {
            record.expires_at = expires.map(|when| parse_when(&when, now).map_err(|e| KeysError::Invalid(format!("expires: {e}")))).transpose()?;
        }
        Ok(())
    }
}

/// A key as reports show it (never a secret or a digest).
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    /// Its id (in its token, the access log and metrics).
    pub id: String,
    /// Its name.
    pub name: String,
    /// `active`, `revoked` or `expired`.
    pub state: &'static str,
    /// The models it may call (`null`: any).
    pub models: Option<Vec<String>>,
    /// Requests per minute.
    pub rpm: Option<u32>,
    /// Tokens per minute.
    pub tpm: Option<u64>,
    /// Requests in flight.
    pub concurrency: Option<u32>,
    /// The budget, USD.
    pub budget_usd: Option<String>,
    /// The budget's period.
    pub budget_period: Option<Period>,
    /// Spent in the current budget period (calendar month without a budget), USD.
    pub spent_usd: String,
    /// When it was created.
    pub created: String,
    /// When it expires.
    pub expires: Option<String>,
    /// When it was revoked.
    pub revoked: Option<String>,
    /// Until when the secret before the last rotation still works.
    pub previous_secret_until: Option<String>,
}

/// What `create` and `rotate` answer: the key, and its token, shown this once.
#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    /// The key.
    pub key: KeyView,
    /// The whole token clients send (`Authorization: Bearer` or `x-api-key`).
    pub token: String,
}

/// A key's usage for `keys usage`.
#[derive(Debug, Clone, Serialize)]
pub struct UsageRow {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Settled requests, tokens and spend since the report's start.
    #[serde(flatten)]
    pub totals: Totals,
    /// The spend in USD.
    pub spent_usd: String,
}

/// The view of a record.
pub fn view(journal: &Journal, record: &KeyRecord, now: u64) -> KeyView {
    let period = record.limits.budget.map_or(Period::Month, |b| b.period);
    KeyView {
        id: record.id.clone(),
        name: record.name.clone(),
        state: record.state(now),
        models: record.limits.models.clone(),
        rpm: record.limits.rpm,
        tpm: record.limits.tpm,
        concurrency: record.limits.concurrency,
        budget_usd: record.limits.budget.map(|b| usd(b.pico_usd)),
        budget_period: record.limits.budget.map(|b| b.period),
        spent_usd: usd(journal.ledger.period_spend(&record.id, period, now)),
        created: rfc3339(record.created_at),
        expires: record.expires_at.map(rfc3339),
        revoked: record.revoked_at.map(rfc3339),
        previous_secret_until: record.previous_until.filter(|until| *until > now).map(rfc3339),
    }
}

/// Creates a key; its token is in the answer, and nowhere else.
pub fn create(journal: &mut Journal, spec: KeySpec) -> Result<Issued, KeysError> {
    let now = time::now();
    let name = spec.name.clone().ok_or_else(|| KeysError::Invalid("name: a key needs a name (--name)".into()))?;
    check_name(&name)?;
    let id = new_id()?;
    let secret = new_secret(&id)?;
    let mut record = KeyRecord {
        id,
        name,
        limits: Limits::default(),
        created_at: now,
        expires_at: None,
        revoked_at: None,
        digest: secret.digest,
        previous_digest: None,
        previous_until: None,
    };
    spec.apply(&mut record, now)?;
    journal.append(&[Line::Put { key: record.clone() }])?;
    Ok(Issued { key: view(journal, &record, now), token: secret.token })
}

/// The record of key `id`, changes read first.
fn record(journal: &mut Journal, id: &str) -> Result<KeyRecord, KeysError> {
    journal.refresh()?;
    journal.ledger.table.get(id).map(|entry| entry.record.clone()).ok_or_else(|| KeysError::NoSuchKey(id.chars().take(64).collect()))
}

/// Changes a key's settings.
pub fn set(journal: &mut Journal, id: &str, spec: KeySpec) -> Result<KeyView, KeysError> {
    let now = time::now();
    let mut record = record(journal, id)?;
    spec.apply(&mut record, now)?;
    journal.append(&[Line::Put { key: record.clone() }])?;
    Ok(view(journal, &record, now))
}

/// Revokes a key (from the gateway's next request on). Revoking a revoked key changes nothing.
pub fn revoke(journal: &mut Journal, id: &str) -> Result<KeyView, KeysError> {
    let now = time::now();
    let mut record = record(journal, id)?;
    if record.revoked_at.is_none() {
        record.revoked_at = Some(now);
        journal.append(&[Line::Put { key: record.clone() }])?;
    }
    Ok(view(journal, &record, now))
}

/// Gives a key a new secret; the old one keeps working for `grace` (`None`: stops now).
pub fn rotate(journal: &mut Journal, id: &str, grace: Option<&str>) -> Result<Issued, KeysError> {
    let now = time::now();
    let mut record = record(journal, id)?;
    if record.revoked_at.is_some() {
        return Err(KeysError::Invalid(format!("key {id} is revoked: create a new one")));
    }
    let grace = grace.map(parse_duration).transpose().map_err(|e| KeysError::Invalid(format!("grace: {e}")))?.unwrap_or(0);
    let secret = new_secret(&record.id)?;
    let old = std::mem::replace(&mut record.digest, secret.digest);
    (record.previous_digest, record.previous_until) = if grace > 0 { (Some(old), Some(now + grace)) } else { (None, None) };
    journal.append(&[Line::Put { key: record.clone() }])?;
    Ok(Issued { key: view(journal, &record, now), token: secret.token })
}

/// Starts a key's spend this period from zero.
pub fn reset_spend(journal: &mut Journal, id: &str) -> Result<KeyView, KeysError> {
    let now = time::now();
    let record = record(journal, id)?;
    journal.append(&[Line::ResetSpend { id: record.id.clone(), at: now }])?;
    Ok(view(journal, &record, now))
}

/// Every key.
pub fn list(journal: &mut Journal) -> Result<Vec<KeyView>, KeysError> {
    journal.refresh()?;
    let now = time::now();
    Ok(journal.ledger.table.all().into_iter().map(|record| view(journal, record, now)).collect())
}

/// One key.
pub fn show(journal: &mut Journal, id: &str) -> Result<KeyView, KeysError> {
    let record = record(journal, id)?;
    Ok(view(journal, &record, time::now()))
}

/// Every key's usage from `since` (a date, a time or a duration back from now; default: the
/// start of the current month), by whole UTC days.
pub fn usage(journal: &mut Journal, since: Option<&str>) -> Result<Vec<UsageRow>, KeysError> {
    journal.refresh()?;
    let now = time::now();
    let start = match since {
        None => Period::Month.start(now),
        Some(text) => match parse_duration(text) {
            Ok(back) => now.saturating_sub(back),
            Err(_) => parse_when(text, now).map_err(|e| KeysError::Invalid(format!("since: {e}")))?,
        },
    };
    Ok(journal
        .ledger
        .table
        .all()
        .into_iter()
        .map(|record| {
            let totals = journal.ledger.usage_since(&record.id, day_of(start));
            UsageRow { id: record.id.clone(), name: record.name.clone(), totals, spent_usd: usd(totals.pico_usd) }
        })
        .collect())
}
