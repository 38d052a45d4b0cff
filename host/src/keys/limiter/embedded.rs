//! The embedded limiter: one process, exact. Keys and settled spend come from the journal
//! ([`super::super::journal`]); windows, leases and budget holds live in memory under one lock,
//! so a decision and its charge are one critical section. A process's holds and leases die with
//! it (nothing is in flight after a restart); what was settled is on disk.

use super::{Ask, Grant, LimitFuture, Limiter, Rate, Rates, Refusal, Standing, WINDOW_MS, tokens_of};
use crate::aws::model::Usage;
use crate::keys::journal::{Journal, Line, Spend, Writer};
use crate::keys::prices::Prices;
use crate::keys::time::{now, now_ms};
use crate::keys::{Entry, KeysError, Rejected};
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A key's windows, leases and holds.
#[derive(Debug, Default)]
struct KeyState {
    /// Admission times (ms) in the last window.
    requests: VecDeque<u64>,
    /// (admitted at ms, request, tokens) in the last window.
    tokens: VecDeque<(u64, String, u64)>,
    token_total: u64,
    /// Requests in flight: request id to (lease deadline ms, pico-USD held).
    leases: HashMap<String, (u64, u64)>,
    held: u64,
}

impl KeyState {
    /// Forgets what left the window before `now`, and leases past their deadline.
    fn expire(&mut self, now: u64) {
        // The window is the last 60 s: (now - 60 s, now].
        while self.requests.front().is_some_and(|at| at + WINDOW_MS <= now) {
            self.requests.pop_front();
        }
        while let Some((at, _, tokens)) = self.tokens.front() {
            if at + WINDOW_MS > now {
                break;
            }
            self.token_total -= tokens;
            self.tokens.pop_front();
        }
        let expired: Vec<String> = self.leases.iter().filter(|(_, (deadline, _))| *deadline <= now).map(|(id, _)| id.clone()).collect();
        for request in expired {
            tracing::warn!(%request, "a key's lease expired before its request settled");
            self.drop_lease(&request);
        }
    }

    fn drop_lease(&mut self, request: &str) {
        if let Some((_, held)) = self.leases.remove(request) {
            self.held -= held;
        }
    }

    /// The windows' state at `now` for a key with these limits.
    fn rates(&self, rpm: Option<u32>, tpm: Option<u64>, now: u64, extra_tokens: u64) -> Rates {
        let requests = rpm.map(|limit| {
            let used = self.requests.len() as u64;
            let reset_ms = if used >= u64::from(limit) { self.requests.front().map_or(0, |at| at + WINDOW_MS - now) } else { 0 };
            Rate { limit: u64::from(limit), remaining: u64::from(limit).saturating_sub(used), reset_ms }
        });
        let tokens = tpm.map(|limit| {
            // The time until enough of the window's reservations leave it for `extra_tokens`.
            let mut reset_ms = 0;
            let mut total = self.token_total;
            for (at, _, tokens) in &self.tokens {
                if total + extra_tokens <= limit {
                    break;
                }
                total -= tokens;
                reset_ms = at + WINDOW_MS - now;
            }
            Rate { limit, remaining: limit.saturating_sub(self.token_total), reset_ms }
        });
        Rates { requests, tokens }
    }
}

struct Inner {
    journal: Journal,
    keys: HashMap<String, KeyState>,
}

/// The embedded limiter.
pub struct Embedded {
    inner: Mutex<Inner>,
    writer: Writer,
    prices: Arc<Prices>,
    lease_timeout: Duration,
    /// Request ids: this process's random prefix and a counter.
    process: String,
    next_request: AtomicU64,
}

fn poisoned() -> KeysError {
    KeysError::Io("keys lock poisoned".into())
}

impl Embedded {
    /// Opens the journal in `dir`; leases not settled within `lease_timeout` are given back.
    pub fn open(dir: &Path, prices: Arc<Prices>, lease_timeout: Duration) -> Result<Self, KeysError> {
        let journal = Journal::open(dir)?;
        let writer = Writer::start(journal.path().to_path_buf())?;
        let process = super::super::new_id()?;
        Ok(Self { inner: Mutex::new(Inner { journal, keys: HashMap::new() }), writer, prices, lease_timeout, process, next_request: AtomicU64::new(0) })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, KeysError> {
        self.inner.lock().map_err(|_| poisoned())
    }

    /// Decides and records one request, under the lock.
    fn decide(&self, ask: &Ask) -> Result<Grant, Refusal> {
        let record = &ask.key.record;
        let limits = &record.limits;
        if !record.allows_model(&ask.asked_model, &ask.target) {
            return Err(Refusal::Model(ask.asked_model.clone()));
        }
        let price = match self.prices.dearest(std::iter::once(&ask.target).chain(&ask.fallbacks)) {
            Ok(price) => Some(price),
            Err(unpriced) if limits.budget.is_some() => return Err(Refusal::NoPrice(unpriced.to_string())),
            Err(_) => None,
        };
        let tokens = ask.input_tokens.saturating_add(ask.output_tokens);
        if let Some(limit) = limits.tpm
            && tokens > limit
        {
            return Err(Refusal::TooLarge { tokens, limit });
        }
        let worst = price.map_or(0, |price| price.worst_case(ask.input_tokens, ask.output_tokens));
        let now_ms = now_ms();
        let mut inner = self.lock().map_err(|e| Refusal::Unavailable(e.to_string()))?;
        let spent = limits.budget.map_or(0, |budget| inner.journal.ledger.period_spend(&record.id, budget.period, now()));
        let state = inner.keys.entry(record.id.clone()).or_default();
        state.expire(now_ms);
        let before = state.rates(limits.rpm, limits.tpm, now_ms, tokens);
        if before.requests.is_some_and(|rate| rate.remaining == 0) {
            return Err(Refusal::Requests(before));
        }
        if before.tokens.is_some_and(|rate| state.token_total + tokens > rate.limit) {
            return Err(Refusal::Tokens(before));
        }
        if let Some(limit) = limits.concurrency
            && state.leases.len() >= limit as usize
        {
            return Err(Refusal::Concurrency(limit));
        }
        if let Some(budget) = limits.budget {
            let committed = spent.saturating_add(state.held);
            if committed.saturating_add(worst) > budget.pico_usd {
                return Err(Refusal::Budget { budget: budget.pico_usd, committed, worst });
            }
        }
        let request = format!("{}-{}", self.process, self.next_request.fetch_add(1, Ordering::Relaxed));
        let deadline = now_ms + u64::try_from(self.lease_timeout.as_millis()).unwrap_or(u64::MAX / 2);
        state.requests.push_back(now_ms);
        state.tokens.push_back((now_ms, request.clone(), tokens));
        state.token_total += tokens;
        state.leases.insert(request.clone(), (deadline, worst));
        state.held += worst;
        let rates = state.rates(limits.rpm, limits.tpm, now_ms, 0);
        Ok(Grant { key_id: record.id.clone(), request, tokens, held_pico_usd: worst, price, rates })
    }

    /// Settles under the lock: the line to write, or `None` when the request was settled before.
    fn settle_now(&self, grant: &Grant, usage: Option<&Usage>, charge: bool) -> Result<Option<Line>, KeysError> {
        let mut inner = self.lock()?;
        if inner.journal.ledger.settled(&grant.request) {
            return Ok(None);
        }
        let (pico_usd, used_tokens, input_tokens, output_tokens) = match usage {
            Some(usage) => {
                let input = [usage.input_tokens, usage.cache_read_input_tokens, usage.cache_write_input_tokens].iter().map(|t| u64::from(*t)).sum();
                (grant.price.map_or(0, |price| price.cost(usage)), tokens_of(usage), input, u64::from(usage.output_tokens))
            }
            // Unknown usage (the client left mid-stream): the worst case, never less.
            None if charge => (grant.held_pico_usd, grant.tokens, 0, 0),
            None => (0, 0, 0, 0),
        };
        if let Some(state) = inner.keys.get_mut(&grant.key_id) {
            state.drop_lease(&grant.request);
            if let Some(entry) = state.tokens.iter_mut().find(|(_, request, _)| *request == grant.request) {
                state.token_total = state.token_total - entry.2 + used_tokens;
                entry.2 = used_tokens;
            }
        }
        if !charge {
            return Ok(None);
        }
        let line = Line::Spend(Spend { id: grant.key_id.clone(), request: grant.request.clone(), at: now(), pico_usd, input_tokens, output_tokens });
        inner.journal.ledger.apply(line.clone());
        Ok(Some(line))
    }

    /// Settles in memory now and queues the journal line now: the future only waits for the
    /// sync, so dropping it loses nothing.
    fn settle_with(&self, grant: Grant, usage: Option<Usage>, charge: bool) -> LimitFuture<Result<(), KeysError>> {
        match self.settle_now(&grant, usage.as_ref(), charge) {
            Ok(Some(line)) => Box::pin(self.writer.write(line)),
            Ok(None) => Box::pin(std::future::ready(Ok(()))),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}

impl Limiter for Embedded {
    fn authenticate(&self, token: &[u8]) -> Result<Arc<Entry>, Rejected> {
        let Ok(mut inner) = self.lock() else { return Err(Rejected::Unknown) };
        // The journal's length is the generation: one stat per request, lines read only when
        // it grew (a key created, changed or revoked from the CLI counts from the next request).
        if let Err(error) = inner.journal.refresh() {
            tracing::error!(%error, "keys journal: cannot read changes; using the keys as last read");
        }
        inner.journal.ledger.table.authenticate(token, now())
    }

    fn has_keys(&self) -> bool {
        self.lock().is_ok_and(|inner| !inner.journal.ledger.table.is_empty())
    }

    fn admit(&self, ask: Ask) -> LimitFuture<Result<Grant, Refusal>> {
        let decided = self.decide(&ask);
        Box::pin(std::future::ready(decided))
    }

    fn settle(&self, grant: Grant, usage: Option<Usage>) -> LimitFuture<Result<(), KeysError>> {
        self.settle_with(grant, usage, true)
    }

    fn release(&self, grant: Grant) -> LimitFuture<Result<(), KeysError>> {
        self.settle_with(grant, None, false)
    }

    fn standing(&self, key_id: &str) -> Standing {
        let Ok(inner) = self.lock() else { return Standing::default() };
        let Some(entry) = inner.journal.ledger.table.get(key_id) else { return Standing::default() };
        let spent = entry.record.limits.budget.map_or(0, |budget| inner.journal.ledger.period_spend(key_id, budget.period, now()));
        let (held, in_flight) = inner.keys.get(key_id).map_or((0, 0), |state| (state.held, u32::try_from(state.leases.len()).unwrap_or(u32::MAX)));
        Standing { spent_pico_usd: spent, held_pico_usd: held, in_flight }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::admin::{self, KeySpec};

    fn limiter(dir: &Path, lease_timeout: Duration) -> Embedded {
        Embedded::open(dir, Arc::new(Prices::bundled()), lease_timeout).expect("open")
    }

    fn ask(limiter: &Embedded, token: &str, output_tokens: u64) -> Ask {
        let key = limiter.authenticate(token.as_bytes()).expect("a live key");
        let target = "amazon.nova-pro-v1:0".to_string();
        Ask { key, asked_model: target.clone(), target, fallbacks: Vec::new(), input_tokens: 100, output_tokens }
    }

    fn issue(dir: &Path, spec: KeySpec) -> String {
        admin::create(&mut Journal::open(dir).expect("journal"), KeySpec { name: Some("unit".into()), ..spec }).expect("create").token
    }

    #[tokio::test]
    async fn settlement_is_idempotent_by_the_gateways_request_id() {
        let dir = tempfile::tempdir().expect("dir");
        let token = issue(dir.path(), KeySpec { budget_usd: Some(Some("1".into())), ..KeySpec::default() });
        let limiter = limiter(dir.path(), Duration::from_secs(60));
        let grant = limiter.admit(ask(&limiter, &token, 50)).await.expect("admitted");
        let usage = Usage { input_tokens: 10, output_tokens: 20, ..Usage::default() };
        let cost = grant.price.expect("priced").cost(&usage);
        for _ in 0..3 {
            limiter.settle(grant.clone(), Some(usage)).await.expect("settle");
        }
        let id = grant.key_id.clone();
        assert_eq!(limiter.standing(&id), Standing { spent_pico_usd: cost, held_pico_usd: 0, in_flight: 0 });
        let reopened = Journal::open(dir.path()).expect("journal");
        assert_eq!(reopened.ledger.usage_since(&id, 0).requests, 1, "one line on disk");
    }

    #[tokio::test]
    async fn each_limit_refuses_what_does_not_fit_and_gives_back_what_ends() {
        let dir = tempfile::tempdir().expect("dir");
        let concurrency = issue(dir.path(), KeySpec { concurrency: Some(Some(2)), ..KeySpec::default() });
        let tokens = issue(dir.path(), KeySpec { tpm: Some(Some(1200)), ..KeySpec::default() });
        let limiter = limiter(dir.path(), Duration::from_secs(60));
        // Concurrency: two leases, the third refused, one released, the third admitted.
        let first = limiter.admit(ask(&limiter, &concurrency, 10)).await.expect("first");
        let _second = limiter.admit(ask(&limiter, &concurrency, 10)).await.expect("second");
        assert_eq!(limiter.admit(ask(&limiter, &concurrency, 10)).await.err(), Some(Refusal::Concurrency(2)));
        limiter.release(first).await.expect("release");
        assert!(limiter.admit(ask(&limiter, &concurrency, 10)).await.is_ok());
        // Tokens: 100 in + 400 out reserved twice leaves no room for a third in 1200; settling
        // one to its real use (50) makes room.
        let reserved = limiter.admit(ask(&limiter, &tokens, 400)).await.expect("reserved");
        let _other = limiter.admit(ask(&limiter, &tokens, 400)).await.expect("reserved");
        assert!(matches!(limiter.admit(ask(&limiter, &tokens, 400)).await, Err(Refusal::Tokens(_))));
        limiter.settle(reserved, Some(Usage { input_tokens: 30, output_tokens: 20, ..Usage::default() })).await.expect("settle");
        assert!(limiter.admit(ask(&limiter, &tokens, 400)).await.is_ok());
        assert_eq!(limiter.admit(ask(&limiter, &tokens, 5000)).await.err(), Some(Refusal::TooLarge { tokens: 5100, limit: 1200 }));
    }

    #[tokio::test]
    async fn a_lease_whose_end_was_never_seen_comes_back_after_its_timeout() {
        let dir = tempfile::tempdir().expect("dir");
        let token = issue(dir.path(), KeySpec { concurrency: Some(Some(1)), ..KeySpec::default() });
        let limiter = limiter(dir.path(), Duration::from_millis(50));
        let leaked = limiter.admit(ask(&limiter, &token, 10)).await.expect("admitted");
        assert_eq!(limiter.admit(ask(&limiter, &token, 10)).await.err(), Some(Refusal::Concurrency(1)));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(limiter.admit(ask(&limiter, &token, 10)).await.is_ok(), "the leaked lease expired");
        drop(leaked);
    }

    #[test]
    fn the_request_window_slides() {
        let mut state = KeyState::default();
        for at in 0..3 {
            state.requests.push_back(at * 1000);
        }
        // (now, admitted in the window, ms until room) for a limit of 3.
        let cases = [(59_999, 3, 1), (60_000, 2, 0), (61_500, 1, 0), (62_000, 0, 0)];
        for (now, used, reset) in cases {
            state.expire(now);
            let rate = state.rates(Some(3), None, now, 0).requests.expect("limited");
            assert_eq!((3 - rate.remaining, if used == 3 { rate.reset_ms } else { 0 }), (used, reset), "at {now}");
        }
    }
}
