//! Virtual keys at the gateway ([`crate::keys`]): who is calling (the master key, a virtual
//! key, or anyone when neither exists), the key's limits checked when the request's model is
//! known, its lease held until the answer (or the stream) ends, and the API's own rate-limit
//! headers and error shapes on the way out.
//!
//! The request's key rides in a task-local ([`REQUEST`]) set by the server front around the
//! endpoint's handler: the APIs' folders only pass the request through, and the call layer
//! reads the key where the model and `max_tokens` are known ([`admit`]).

use super::auth::{API_KEY_HEADER, strip_bearer};
use super::call::ErrorShape;
use super::errors::HttpError;
use super::response_body::Body;
use super::{Shared, api};
use crate::aws::model::Usage;
use crate::keys::limiter::{Ask, Grant, Limiter, Rates, Refusal};
use crate::keys::prices::usd;
use crate::keys::{Entry, TOKEN_PREFIX};
use crate::plan::FallbackStep;
use crate::telemetry::request::Observation;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response};
use std::sync::{Arc, Mutex};

pub(super) mod admin;

tokio::task_local! {
    /// The virtual key of the request being served, if it came with one.
    static REQUEST: Arc<Keyed>;
}

/// Who a request comes from.
pub(super) enum Caller {
    /// No key is asked for (an open endpoint, or no key configured at all).
    Anyone,
    /// The operator's master key (`--api-key-env`).
    Master,
    /// A virtual key.
    Key(Arc<Entry>),
}

/// A request made with a virtual key: the key, the API's error shape, and what its response
/// tells the client about the key's windows.
pub(super) struct Keyed {
    entry: Arc<Entry>,
    shape: ErrorShape,
    rates: Mutex<Option<(Rates, Option<u64>)>>,
    /// An upper bound of the prompt's tokens: the body's decoded length (no tokenizer makes
    /// more than one token of a byte of text), set when the body is read.
    body_bytes: std::sync::atomic::AtomicU64,
}

impl Keyed {
    /// The key's id.
    pub(super) fn id(&self) -> &str {
        &self.entry.record.id
    }
}

/// The token a request presents, if it looks like a virtual key's.
fn presented_token(headers: &http::HeaderMap) -> Option<&[u8]> {
    let bearer = headers.get(http::header::AUTHORIZATION).and_then(|value| strip_bearer(value.as_bytes()));
    let api_key = headers.get(API_KEY_HEADER).map(|value| value.as_bytes().trim_ascii());
    [api_key, bearer].into_iter().flatten().find(|token| token.starts_with(TOKEN_PREFIX.as_bytes()))
}

/// Who is calling an endpoint of this access, or the API's 401. A virtual key's token costs one
/// digest (and no store write) whether it is right, wrong, revoked or unknown; any other token
/// is compared with the master key. Admin endpoints take the master key only.
pub(super) fn authenticate(shared: &Shared, access: api::Access, shape: ErrorShape, headers: &http::HeaderMap) -> Result<Caller, HttpError> {
    if access == api::Access::Open {
        return Ok(Caller::Anyone);
    }
    let limiter = shared.keys.as_ref();
    if let (Some(token), Some(limiter), false) = (presented_token(headers), limiter, access == api::Access::AdminOnly) {
        return match limiter.authenticate(token) {
            Ok(entry) => Ok(Caller::Key(entry)),
            Err(rejected) => {
                tracing::debug!(?rejected, "a virtual key was refused");
                Err(shape.unauthorized())
            }
        };
    }
    match &shared.client_key {
        Some(master) if master.accepts_headers(headers) => Ok(Caller::Master),
        Some(_) => Err(shape.unauthorized()),
        // Without a master key, client routes are open until the first virtual key exists.
        None if access == api::Access::AdminOnly || limiter.is_some_and(|l| l.has_keys()) => Err(shape.unauthorized()),
        None => Ok(Caller::Anyone),
    }
}

/// The client-key check of an endpoint's access ([`authenticate`]): the key's name
/// recorded when one is accepted, 401 in the API's words when one is asked for and missing or
/// wrong.
pub(super) fn admitted(
    shared: &Shared,
    access: api::Access,
    shape: ErrorShape,
    request: &Request<Incoming>,
    observation: &mut Observation,
) -> Result<Caller, HttpError> {
    let caller = authenticate(shared, access, shape, request.headers())?;
    match &caller {
        Caller::Anyone => {}
        Caller::Master => observation.client(shared.client_key_id.as_deref()),
        Caller::Key(entry) => observation.client(Some(&entry.record.id)),
    }
    Ok(caller)
}

/// The state a keyed request's handler runs with.
pub(super) fn keyed(entry: Arc<Entry>, shape: ErrorShape) -> Arc<Keyed> {
    Arc::new(Keyed { entry, shape, rates: Mutex::new(None), body_bytes: std::sync::atomic::AtomicU64::new(u64::MAX) })
}

/// Runs `serve` as a request of `keyed`.
pub(super) async fn scope<T>(keyed: Arc<Keyed>, serve: impl Future<Output = T>) -> T {
    REQUEST.scope(keyed, serve).await
}

/// The virtual key of the request being served, if it has one.
pub(super) fn current() -> Option<Arc<Keyed>> {
    REQUEST.try_with(Arc::clone).ok()
}

/// Notes the length of a keyed request's body as read (decoded, when it came compressed): the
/// bound of its prompt's tokens.
pub(super) fn note_body(keyed: Option<&Keyed>, bytes: usize) {
    if let Some(keyed) = keyed {
        keyed.body_bytes.store(u64::try_from(bytes).unwrap_or(u64::MAX), std::sync::atomic::Ordering::Relaxed);
    }
}

/// A keyed request's hold on its key: released (or settled) when dropped.
pub(in crate::gateway) struct Lease {
    limiter: Arc<dyn Limiter>,
    metrics: crate::telemetry::metrics::keys::KeyMetrics,
    /// The key's name, for the metrics.
    name: String,
    grant: Option<Grant>,
    usage: Option<Usage>,
    /// Once the answer started streaming, an end without usage is charged at the worst case.
    streaming: bool,
}

impl Lease {
    /// Records the usage an answer reported (a stream may report it in parts: the last wins).
    pub(in crate::gateway) fn observe(&mut self, usage: &Usage) {
        self.usage = Some(*usage);
    }

    /// The answer is streaming: from now on Bedrock's work is charged even if the client leaves.
    pub(in crate::gateway) fn streaming(&mut self) {
        self.streaming = true;
    }

    /// Settles the request durably (its spend on disk before this returns).
    pub(in crate::gateway) async fn settle(mut self) {
        if let Some(settling) = self.finish()
            && let Err(error) = settling.await
        {
            tracing::error!(%error, "a keyed request's spend could not be recorded");
        }
    }

    fn finish(&mut self) -> Option<crate::keys::limiter::LimitFuture<Result<(), crate::keys::KeysError>>> {
        let grant = self.grant.take()?;
        let (input, output, cost) = match (self.usage, self.streaming) {
            (Some(usage), _) => {
                let input = [usage.input_tokens, usage.cache_read_input_tokens, usage.cache_write_input_tokens].iter().map(|t| u64::from(*t)).sum();
                (input, u64::from(usage.output_tokens), grant.price.map_or(0, |price| price.cost(&usage)))
            }
            (None, true) => (0, 0, grant.held_pico_usd),
            (None, false) => (0, 0, 0),
        };
        self.metrics.settled(&grant.key_id, &self.name, input, output, cost);
        Some(match (self.usage, self.streaming) {
            (Some(usage), _) => self.limiter.settle(grant, Some(usage)),
            (None, true) => self.limiter.settle(grant, None),
            (None, false) => self.limiter.release(grant),
        })
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Dropped unsettled: a failed call (released) or a client that left mid-stream
        // (charged); the in-memory part is done now, the journal line by a task.
        if let Some(settling) = self.finish()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                if let Err(error) = settling.await {
                    tracing::error!(%error, "a keyed request's spend could not be recorded");
                }
            });
        }
    }
}

/// Admits a keyed request for `target` (the route's model; `fallbacks` its fallback chain)
/// asking at most `max_output` tokens: `None` when the request has no virtual key, else its
/// lease or the API's refusal. Nothing is copied for a request without a key.
pub(super) async fn admit(shared: &Shared, asked_model: &str, target: &str, fallbacks: &[FallbackStep], max_output: u64) -> Result<Option<Lease>, HttpError> {
    let Ok(keyed) = REQUEST.try_with(Arc::clone) else { return Ok(None) };
    let Some(limiter) = shared.keys.clone() else { return Ok(None) };
    let fallbacks = fallbacks.iter().map(|step| step.target.clone()).collect();
    let body_bytes = keyed.body_bytes.load(std::sync::atomic::Ordering::Relaxed);
    let input_tokens = if body_bytes == u64::MAX { shared.max_body_bytes as u64 } else { body_bytes };
    let ask = Ask {
        key: Arc::clone(&keyed.entry),
        asked_model: asked_model.to_string(),
        target: target.to_string(),
        fallbacks,
        input_tokens,
        output_tokens: max_output,
    };
    match limiter.admit(ask).await {
        Ok(grant) => {
            keyed.set_rates(grant.rates, None);
            let (metrics, name) = (shared.metrics.keys().clone(), keyed.entry.record.name.clone());
            metrics.admitted(keyed.id(), &name);
            Ok(Some(Lease { limiter, metrics, name, grant: Some(grant), usage: None, streaming: false }))
        }
        Err(refusal) => {
            shared.metrics.keys().limited(keyed.id(), &keyed.entry.record.name, refusal.kind());
            if let Refusal::Requests(rates) | Refusal::Tokens(rates) = &refusal {
                keyed.set_rates(*rates, refusal.retry_after_ms());
            } else if let Some(retry) = refusal.retry_after_ms() {
                keyed.set_rates(Rates::default(), Some(retry));
            }
            Err(refused(&keyed, &refusal))
        }
    }
}

impl Keyed {
    fn set_rates(&self, rates: Rates, retry_after_ms: Option<u64>) {
        if let Ok(mut slot) = self.rates.lock() {
            *slot = Some((rates, retry_after_ms));
        }
    }

    /// The API's rate-limit headers (and `retry-after` on a refusal), on the response.
    pub(super) fn headers(&self, response: &mut Response<Body>) {
        let Some((rates, retry_after_ms)) = self.rates.lock().ok().and_then(|slot| *slot) else { return };
        let headers = response.headers_mut();
        let mut set = |name: String, value: String| {
            if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
                headers.insert(name, value);
            }
        };
        for (kind, rate) in [("requests", rates.requests), ("tokens", rates.tokens)] {
            let Some(rate) = rate else { continue };
            match self.shape {
                ErrorShape::OpenAi => {
                    set(format!("x-ratelimit-limit-{kind}"), rate.limit.to_string());
                    set(format!("x-ratelimit-remaining-{kind}"), rate.remaining.to_string());
                    set(format!("x-ratelimit-reset-{kind}"), duration_text(rate.reset_ms));
                }
                ErrorShape::Anthropic => {
                    set(format!("anthropic-ratelimit-{kind}-limit"), rate.limit.to_string());
                    set(format!("anthropic-ratelimit-{kind}-remaining"), rate.remaining.to_string());
                    set(format!("anthropic-ratelimit-{kind}-reset"), crate::keys::time::rfc3339((crate::keys::time::now_ms() + rate.reset_ms).div_ceil(1000)));
                }
                // Bedrock's API has no rate-limit headers (`retry-after` below only).
                ErrorShape::Bedrock => {}
            }
        }
        if let Some(ms) = retry_after_ms {
            set("retry-after".into(), ms.div_ceil(1000).max(1).to_string());
            if self.shape == ErrorShape::OpenAi {
                set("retry-after-ms".into(), ms.to_string());
            }
        }
    }
}

/// A wait as OpenAI's reset headers write it: `250ms`, `1.5s`, `6m0s`.
fn duration_text(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms}ms"),
        1000..60_000 => format!("{}s", trim_seconds(ms)),
        _ => format!("{}m{}s", ms / 60_000, trim_seconds(ms % 60_000)),
    }
}

fn trim_seconds(ms: u64) -> String {
    let text = format!("{}.{:03}", ms / 1000, ms % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A refusal in the API's words: 403 for a model the key may not use, 429 for a limit, and for
/// a budget OpenAI's `insufficient_quota` (429) or Anthropic's `billing_error` (402).
fn refused(keyed: &Keyed, refusal: &Refusal) -> HttpError {
    let key = format!("key {} ({})", keyed.id(), keyed.entry.record.name);
    match refusal {
        Refusal::Model(model) => HttpError::new(403, "permission_error", format!("{key} may not use model `{model}`")).with_code("model_not_allowed"),
        Refusal::NoPrice(model) => {
            HttpError::new(403, "permission_error", format!("{key} has a budget and model `{model}` has no price in the price table, so it cannot be budgeted"))
                .with_code("model_not_priced")
        }
        Refusal::Requests(rates) => {
            let limit = rates.requests.map_or(0, |r| r.limit);
            HttpError::new(429, "requests", format!("rate limit reached for {key} on requests per minute: limit {limit}")).with_code("rate_limit_exceeded")
        }
        Refusal::Tokens(rates) => {
            let limit = rates.tokens.map_or(0, |r| r.limit);
            HttpError::new(429, "tokens", format!("rate limit reached for {key} on tokens per minute: limit {limit}")).with_code("rate_limit_exceeded")
        }
        Refusal::TooLarge { tokens, limit } => HttpError::new(
            429,
            "tokens",
            format!("request too large for {key}: it may use {tokens} tokens (prompt bound and max_tokens), past its limit of {limit} tokens per minute; lower max_tokens"),
        )
        .with_code("rate_limit_exceeded"),
        Refusal::Concurrency(limit) => {
            HttpError::new(429, "requests", format!("{key} has {limit} requests in flight, its limit; retry when one ends")).with_code("concurrency_limit_exceeded")
        }
        Refusal::Budget { budget, committed, worst } => {
            let message = format!(
                "{key} is out of budget: {} USD of {} USD spent or held this period, and this request may cost up to {} USD",
                usd(*committed),
                usd(*budget),
                usd(*worst)
            );
            match keyed.shape {
                ErrorShape::OpenAi | ErrorShape::Bedrock => HttpError::new(429, "insufficient_quota", message).with_code("insufficient_quota"),
                ErrorShape::Anthropic => HttpError::new(402, "billing_error", message).with_code("billing_error"),
            }
        }
        Refusal::Unavailable(reason) => HttpError::new(503, "api_error", format!("the limits store is unavailable: {reason}")).with_code("limits_unavailable"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_durations_read_as_openai_writes_them() {
        for (ms, text) in [(0, "0ms"), (250, "250ms"), (1000, "1s"), (1500, "1.5s"), (59_999, "59.999s"), (60_000, "1m0s"), (361_000, "6m1s")] {
            assert_eq!(duration_text(ms), text);
        }
    }
}
