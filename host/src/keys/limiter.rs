//! Admission against a key's limits and budget, and settlement of what the request used: one
//! trait ([`Limiter`]) with the embedded store's implementation ([`Embedded`]); a shared store
//! (Redis) is a second implementation of the same trait.
//!
//! The check and the charge are one step: [`Limiter::admit`] decides and records the request
//! (its slot in the request window, its tokens reserved in the token window, its concurrency
//! lease, its worst-case cost held against the budget) atomically, so concurrent requests
//! cannot slip past a limit between a check and a charge. [`Limiter::settle`] replaces the
//! reservation with the real usage once it is known, idempotently by the request id the
//! gateway made.
//!
//! Windows are sliding logs over the last 60 s: a key limited to N requests per minute never
//! has more than N admitted in any 60-second window (a fixed window would allow 2N at its edge).

pub mod embedded;

pub use embedded::Embedded;

use super::prices::Price;
use super::{Entry, KeysError, Rejected};
use crate::aws::model::Usage;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A pending limiter operation.
pub type LimitFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The sliding windows' length.
pub const WINDOW_MS: u64 = 60_000;

/// What a request asks of its key.
#[derive(Debug, Clone)]
pub struct Ask {
    /// The authenticated key.
    pub key: Arc<Entry>,
    /// The model as the client named it.
    pub asked_model: String,
    /// The Bedrock model or profile it is routed to.
    pub target: String,
    /// The models its fallback chain may call instead: its worst case and its settlement are
    /// priced at the dearest of all (the answering model is not known before the answer).
    pub fallbacks: Vec<String>,
    /// An upper bound of its prompt tokens.
    pub input_tokens: u64,
    /// Most tokens it may generate (`max_tokens`, else the model's maximum output).
    pub output_tokens: u64,
}

/// One limit's state, for the API's rate-limit headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// The limit.
    pub limit: u64,
    /// What is left in the window now.
    pub remaining: u64,
    /// Milliseconds until the window has room again (0: it has now).
    pub reset_ms: u64,
}

/// The request and token windows' state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rates {
    /// Requests per minute, if limited.
    pub requests: Option<Rate>,
    /// Tokens per minute, if limited.
    pub tokens: Option<Rate>,
}

/// An admitted request: what it holds until settled.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The key's id.
    pub key_id: String,
    /// The request id the gateway made (settlement is idempotent by it).
    pub request: String,
    /// Tokens reserved in the token window.
    pub tokens: u64,
    /// Pico-USD held against the budget (the worst case).
    pub held_pico_usd: u64,
    /// The model's price, when it has one.
    pub price: Option<Price>,
    /// The windows after admission.
    pub rates: Rates,
}

/// Why a request was not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The key may not use this model.
    Model(String),
    /// The key has a budget and the model has no price.
    NoPrice(String),
    /// The request window is full.
    Requests(Rates),
    /// The token window has no room for the reservation.
    Tokens(Rates),
    /// The reservation alone is past the key's tokens per minute.
    TooLarge {
        /// Tokens it would reserve.
        tokens: u64,
        /// The key's limit.
        limit: u64,
    },
    /// As many requests as the key may have are in flight.
    Concurrency(u32),
    /// Spent and held plus this request's worst case is past the budget.
    Budget {
        /// The budget, pico-USD.
        budget: u64,
        /// Spent this period and held by requests in flight, pico-USD.
        committed: u64,
        /// This request's worst case, pico-USD.
        worst: u64,
    },
    /// The limits store cannot be reached.
    Unavailable(String),
}

impl Refusal {
    /// Milliseconds after which a retry may succeed, for `retry-after`.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            Refusal::Requests(rates) => rates.requests.map(|r| r.reset_ms),
            Refusal::Tokens(rates) => rates.tokens.map(|r| r.reset_ms),
            Refusal::Concurrency(_) | Refusal::Unavailable(_) => Some(1000),
            _ => None,
        }
    }

    /// The metrics' and access log's name of the limit.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Model(_) => "model",
            Refusal::NoPrice(_) => "no_price",
            Refusal::Requests(_) => "requests",
            Refusal::Tokens(_) | Refusal::TooLarge { .. } => "tokens",
            Refusal::Concurrency(_) => "concurrency",
            Refusal::Budget { .. } => "budget",
            Refusal::Unavailable(_) => "unavailable",
        }
    }
}

/// A key's standing for reports: spend this period and what is held now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// Spent this budget period, pico-USD.
    pub spent_pico_usd: u64,
    /// Held by requests in flight, pico-USD.
    pub held_pico_usd: u64,
    /// Requests in flight.
    pub in_flight: u32,
}

/// Admission and settlement against keys' limits and budgets.
pub trait Limiter: Send + Sync + 'static {
    /// The key a presented token belongs to, with the keys as they are now (changes made since
    /// the last request are read first). One digest and no write, whatever the token.
    fn authenticate(&self, token: &[u8]) -> Result<Arc<Entry>, Rejected>;
    /// Whether any key exists (then every client route asks for one).
    fn has_keys(&self) -> bool;
    /// Admits a request or says why not; admitted, its reservation is recorded.
    fn admit(&self, ask: Ask) -> LimitFuture<Result<Grant, Refusal>>;
    /// Replaces a grant's reservation with the real usage (`None`: unknown, charged at the
    /// worst case); a request id settled before changes nothing. Resolves once durable.
    fn settle(&self, grant: Grant, usage: Option<Usage>) -> LimitFuture<Result<(), KeysError>>;
    /// A grant given back with nothing used (the call failed before Bedrock answered).
    fn release(&self, grant: Grant) -> LimitFuture<Result<(), KeysError>>;
    /// A key's spend and holds now.
    fn standing(&self, key_id: &str) -> Standing;
}

/// Tokens a usage counts against a token window: everything read and written.
pub fn tokens_of(usage: &Usage) -> u64 {
    [usage.input_tokens, usage.output_tokens, usage.cache_read_input_tokens, usage.cache_write_input_tokens].iter().map(|t| u64::from(*t)).sum()
}
