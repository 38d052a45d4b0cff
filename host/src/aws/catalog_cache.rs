//! The catalog cache (BEHAVIOUR.md 5.6), in memory and on disk (see [`super::catalog_disk`]).
//!
//! What is cached is the raw catalog of a region, keyed by region, endpoint in use and identity
//! ([`CacheKey`]). The provider filter and the two defaults of the spec's key are applied by the
//! policy *after* the cache, over the raw records: changing them never costs a network call, and
//! one cached catalog serves every filter.
//!
//! - `max_age == 0`: the cache is off: always fetch, never read or write it.
//! - A fresh entry (younger than `max_age`) is served unless the request asks for a refresh:
//!   from memory, else from disk (so a CLI run answers without a network call).
//! - Otherwise the catalog is fetched. A success is stored (memory, then disk atomically).
//! - A failed fetch serves the last good entry (memory or disk, of any age) marked stale, with
//!   the error's one-line message as the reason; the real error is logged once per failure
//!   streak of a key. With no last good entry the error is returned. A failure (or a partial
//!   listing, which the fetch reports as a failure) is never stored.
//! - Concurrent requests for one key share one fetch: the first holds the key's flight lock;
//!   those that waited on it take its outcome instead of fetching again.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use super::catalog_disk::{CacheKey, DiskStore, Entry};
use super::model::{ApiError, Catalog, CatalogRequest};

/// One key's state.
#[derive(Default)]
struct Slot {
    /// Held across a fetch: concurrent requests wait here for the one fetch in flight.
    flight: tokio::sync::Mutex<()>,
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    /// The last good catalog known in memory.
    good: Option<Entry>,
    /// Fetches finished so far; a waiter that sees it change takes `last_outcome`.
    generation: u64,
    /// What the last fetch produced (a stale catalog after a failure with a last good one).
    last_outcome: Option<Result<Catalog, ApiError>>,
    /// Whether the current failure streak was logged.
    failing: bool,
}

impl Slot {
    fn state(&self) -> MutexGuard<'_, SlotState> {
        // A poisoned lock only means a thread panicked holding it; the data stays consistent.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The catalog cache of one capability (shared by its clones).
pub(crate) struct CatalogCache {
    disk: Option<DiskStore>,
    slots: Mutex<HashMap<CacheKey, Arc<Slot>>>,
}

impl std::fmt::Debug for CatalogCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogCache").field("disk", &self.disk).finish_non_exhaustive()
    }
}

impl CatalogCache {
    /// A cache with its files in `dir` (`<state>/openclaw-bedrock/cache/catalog`); memory only when `None`.
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        CatalogCache { disk: dir.map(DiskStore::new), slots: Mutex::default() }
    }

    fn slot(&self, key: &CacheKey) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        slots.entry(key.clone()).or_default().clone()
    }

    /// The catalog for `request`, through the cache; `fetch` is called at most once, and only
    /// when the cache cannot answer.
    pub(crate) async fn get<F, Fut>(&self, key: &CacheKey, request: &CatalogRequest, fetch: F) -> Result<Catalog, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Catalog, ApiError>>,
    {
        if request.max_age.is_zero() {
            return fetch().await;
        }
        let slot = self.slot(key);
        let seen = slot.state().generation;
        if !request.refresh
            && let Some(entry) = self.fresh_entry(&slot, key, request)
        {
            return Ok(entry.catalog);
        }
        let _flight = slot.flight.lock().await;
        {
            let state = slot.state();
            if state.generation != seen
                && let Some(outcome) = &state.last_outcome
            {
                // A fetch finished while this request waited: its outcome is this one's too.
                return outcome.clone();
            }
        }
        let outcome = match fetch().await {
            Ok(catalog) => Ok(self.store(&slot, key, catalog)),
            Err(error) => self.after_failure(&slot, key, request, error),
        };
        let mut state = slot.state();
        state.generation += 1;
        state.last_outcome = Some(outcome.clone());
        outcome
    }

    /// A fresh entry from memory, else from disk (remembered in memory).
    fn fresh_entry(&self, slot: &Slot, key: &CacheKey, request: &CatalogRequest) -> Option<Entry> {
        if let Some(entry) = slot.state().good.as_ref().filter(|e| e.is_fresh(request.max_age)) {
            return Some(entry.clone());
        }
        // Memory has nothing fresh; another process may have refreshed the file since.
        let entry = self.load(slot, key, &request.region)?;
        entry.is_fresh(request.max_age).then_some(entry)
    }

    /// The disk entry of a key, kept in memory when newer than what memory holds.
    fn load(&self, slot: &Slot, key: &CacheKey, region: &str) -> Option<Entry> {
        let entry = self.disk.as_ref()?.read(key, region)?;
        let mut state = slot.state();
        if state.good.as_ref().is_none_or(|known| known.fetched < entry.fetched) {
            state.good = Some(entry.clone());
        }
        Some(entry)
    }

    /// Stores a good catalog (memory, then disk) and ends any failure streak.
    fn store(&self, slot: &Slot, key: &CacheKey, catalog: Catalog) -> Catalog {
        let entry = Entry { catalog: catalog.clone(), fetched: SystemTime::now() };
        if let Some(disk) = &self.disk {
            disk.write(key, &entry);
        }
        let mut state = slot.state();
        if state.failing {
            tracing::info!(region = %catalog.region, key = key.digest(), "catalog refresh works again");
        }
        state.failing = false;
        state.good = Some(entry);
        catalog
    }

    /// The last good catalog marked stale, or the error when there is none.
    fn after_failure(&self, slot: &Slot, key: &CacheKey, request: &CatalogRequest, error: ApiError) -> Result<Catalog, ApiError> {
        let known = slot.state().good.clone();
        let last_good = known.or_else(|| self.load(slot, key, &request.region));
        let Some(entry) = last_good else {
            // The caller gets this error itself; nothing is hidden, so nothing to warn about.
            tracing::debug!(region = %request.region, %error, "catalog fetch failed and nothing is cached");
            return Err(error);
        };
        let first_failure = !std::mem::replace(&mut slot.state().failing, true);
        if first_failure {
            tracing::warn!(
                region = %request.region,
                key = key.digest(),
                class = error.class.as_str(),
                %error,
                fetched_at = entry.catalog.fetched_at,
                "catalog refresh failed; serving the last good catalog as stale until a refresh succeeds"
            );
        }
        let mut catalog = entry.catalog;
        catalog.stale = true;
        catalog.stale_reason = Some(error.to_string());
        Ok(catalog)
    }
}
