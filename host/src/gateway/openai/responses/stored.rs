//! Stored responses over the state layer ([`crate::state`]): `store` (default true) keeps a
//! response as one record, `responses/<id>`, holding only what that turn added (its new input
//! items and its output) and its parent's id, so a chain of N turns costs N records, not N².
//! A record is bound to the client key that made it: another key gets 404.
//!
//! Records are written behind the response (the client need not wait for the disk); until a
//! write is done the record is served from memory, so a client that reads its response back at
//! once finds it.

use super::seal::Sealer;
use crate::gateway::errors::HttpError;
use crate::state::{StateError, StateOptions, StateStore};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most turns a `previous_response_id` chain may go back.
const MAX_CHAIN: usize = 1_000;

/// The Responses API's state: its records and the key that seals reasoning.
pub(in crate::gateway) struct ResponsesState {
    store: Arc<dyn StateStore>,
    /// Seals reasoning carried between turns.
    pub sealer: Sealer,
    /// Records not yet written, by id.
    pending: Mutex<HashMap<String, Arc<Value>>>,
}

impl std::fmt::Debug for ResponsesState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponsesState(..)")
    }
}

fn record_key(id: &str) -> String {
    format!("responses/{id}")
}

fn not_found(id: &str) -> HttpError {
    let shown: String = id.chars().take(80).collect();
    HttpError::new(404, "invalid_request_error", format!("no response with id `{shown}`")).with_code("not_found")
}

fn failed(error: &StateError) -> HttpError {
    HttpError::new(500, "server_error", error.to_string()).with_code("server_error")
}

/// Whether `id` looks like a response id (anything else is not looked up).
fn plausible(id: &str) -> bool {
    id.starts_with("resp_") && id.len() <= 80 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl ResponsesState {
    /// The state `options` describe, sealing with the state's key. A state directory that
    /// cannot be used (read-only, not this user's) costs only persistence: the state is kept
    /// in memory, with a warning, and the gateway serves on.
    pub async fn open(options: &StateOptions) -> Result<Self, StateError> {
        let opened = async { Ok::<_, StateError>((crate::state::open(options).await?, crate::state::key(options).await?)) }.await;
        let (store, key) = match opened {
            Ok(opened) => opened,
            Err(error) if options.dir.is_some() => {
                tracing::warn!(%error, "the state directory cannot be used: stored responses are kept in memory only");
                let memory = StateOptions { dir: None, ..options.clone() };
                (crate::state::open(&memory).await?, crate::state::key(&memory).await?)
            }
            Err(error) => return Err(error),
        };
        Ok(Self { store, sealer: Sealer::new(&key), pending: Mutex::new(HashMap::new()) })
    }

    /// Keeps a response's record (written behind; served from memory until then).
    pub fn keep(self: &Arc<Self>, id: String, record: Value) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        let record = Arc::new(record);
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(id.clone(), Arc::clone(&record));
        }
        let state = Arc::clone(self);
        handle.spawn(async move {
            if let Err(error) = state.store.put(&record_key(&id), record.to_string().into_bytes(), None).await {
                tracing::warn!(%error, "a response could not be stored");
            }
            if let Ok(mut pending) = state.pending.lock() {
                pending.remove(&id);
            }
        });
    }

    /// The record of `id` if `owner` (a client key's id) made it.
    pub async fn load(&self, id: &str, owner: Option<&str>) -> Result<Option<Arc<Value>>, HttpError> {
        if !plausible(id) {
            return Ok(None);
        }
        let pending = self.pending.lock().ok().and_then(|pending| pending.get(id).cloned());
        let record = match pending {
            Some(record) => record,
            None => match self.store.get(&record_key(id)).await.map_err(|e| failed(&e))? {
                Some(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                    Ok(record) => Arc::new(record),
                    Err(_) => return Ok(None),
                },
                None => return Ok(None),
            },
        };
        Ok((record["owner"].as_str() == owner).then_some(record))
    }

    /// The record of `id`, or 404.
    pub async fn find(&self, id: &str, owner: Option<&str>) -> Result<Arc<Value>, HttpError> {
        self.load(id, owner).await?.ok_or_else(|| not_found(id))
    }

    /// Deletes `id`'s record, or 404.
    pub async fn delete(&self, id: &str, owner: Option<&str>) -> Result<(), HttpError> {
        self.find(id, owner).await?;
        if let Ok(mut pending) = self.pending.lock() {
            pending.remove(id);
        }
        self.store.delete(&record_key(id)).await.map_err(|e| failed(&e))?;
        Ok(())
    }

    /// The items of the chain ending at `previous` (its inputs and outputs, oldest first);
    /// an unknown id is 400 `previous_response_not_found`.
    pub async fn history(&self, previous: &str, owner: Option<&str>) -> Result<Vec<Value>, HttpError> {
        let mut turns = Vec::new();
        let mut items = 0usize;
        let mut next = Some(previous.to_string());
        while let Some(id) = next.take() {
            let Some(record) = self.load(&id, owner).await? else {
                let shown: String = id.chars().take(80).collect();
                return Err(
                    HttpError::invalid("previous_response_id", format!("previous response `{shown}` not found")).with_code("previous_response_not_found")
                );
            };
            items += record["input"].as_array().map_or(0, Vec::len) + record["response"]["output"].as_array().map_or(0, Vec::len);
            if turns.len() >= MAX_CHAIN || items > super::items::MAX_ITEMS {
                return Err(HttpError::invalid(
                    "previous_response_id",
                    format!("the conversation is past the gateway's bounds ({MAX_CHAIN} turns, {} items)", super::items::MAX_ITEMS),
                ));
            }
            next = record["previous"].as_str().map(str::to_string);
            turns.push(record);
        }
        let mut history = Vec::with_capacity(items);
        for record in turns.iter().rev() {
            history.extend(record["input"].as_array().into_iter().flatten().cloned());
            history.extend(record["response"]["output"].as_array().into_iter().flatten().cloned());
        }
        Ok(history)
    }
}

/// A record: who made it, its parent, its new input items, and the response.
pub(super) fn record(owner: Option<&str>, previous: Option<&str>, input: &[Value], response: &Value) -> Value {
    json!({ "owner": owner, "previous": previous, "input": input, "response": response })
}

/// `GET /v1/responses/{id}/input_items`: the record's input items, paged as the API pages
/// (`after`, `limit` 1 to 100, default 20, `order` `desc` by default).
pub(super) fn input_items_page(record: &Value, query: Option<&str>) -> Result<Value, HttpError> {
    let (mut after, mut limit, mut ascending) = (None, 20usize, false);
    for (key, value) in query.unwrap_or("").split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))) {
        match key {
            "after" => after = Some(value.to_string()),
            "limit" => match value.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => limit = n,
                _ => return Err(HttpError::invalid("limit", "`limit` must be an integer from 1 to 100")),
            },
            "order" => match value {
                "asc" => ascending = true,
                "desc" => ascending = false,
                _ => return Err(HttpError::invalid("order", "`order` must be `asc` or `desc`")),
            },
            _ => {}
        }
    }
    let mut items: Vec<&Value> = record["input"].as_array().map(|items| items.iter().collect()).unwrap_or_default();
    if !ascending {
        items.reverse();
    }
    if let Some(after) = after {
        let Some(at) = items.iter().position(|item| item["id"].as_str() == Some(after.as_str())) else {
            return Err(HttpError::invalid("after", "`after` is not an item of this response"));
        };
        items.drain(..=at);
    }
    let has_more = items.len() > limit;
    items.truncate(limit);
    let first = items.first().map_or(Value::Null, |item| item["id"].clone());
    let last = items.last().map_or(Value::Null, |item| item["id"].clone());
    Ok(json!({ "object": "list", "data": items, "first_id": first, "last_id": last, "has_more": has_more }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unusable_state_directory_keeps_state_in_memory() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"not a directory").expect("write");
        let options = StateOptions { dir: Some(file.join("state")), ..StateOptions::default() };
        let state = Arc::new(ResponsesState::open(&options).await.expect("opens in memory"));
        state.store.put("responses/resp_1", b"{}".to_vec(), None).await.expect("put");
        assert_eq!(state.store.get("responses/resp_1").await.expect("get"), Some(b"{}".to_vec()));
    }

    #[test]
    fn input_items_are_paged_as_the_api_pages() {
        let record = record(None, None, &[json!({ "id": "a" }), json!({ "id": "b" }), json!({ "id": "c" })], &json!({}));
        let ids = |page: &Value| page["data"].as_array().map(|items| items.iter().map(|i| i["id"].clone()).collect::<Vec<_>>()).unwrap_or_default();
        let cases = [
            (None, Ok((vec![json!("c"), json!("b"), json!("a")], false))),
            (Some("order=asc&limit=2"), Ok((vec![json!("a"), json!("b")], true))),
            (Some("order=asc&after=a"), Ok((vec![json!("b"), json!("c")], false))),
            (Some("limit=0"), Err("limit")),
            (Some("order=sideways"), Err("order")),
            (Some("after=zzz"), Err("after")),
        ];
        for (query, expected) in cases {
            let got = input_items_page(&record, query).map(|page| (ids(&page), page["has_more"] == true)).map_err(|e| e.param.unwrap_or_default());
            assert_eq!(got, expected.map_err(str::to_string), "{query:?}");
        }
    }
}
