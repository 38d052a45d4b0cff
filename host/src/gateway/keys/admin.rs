//! The admin HTTP API of virtual keys, behind the master key, mirroring the CLI
//! (`openclaw-bedrock keys ...`, docs/keys.md): the same operations ([`crate::keys::admin`]) on
//! the same journal.
//!
//! - `GET /admin/keys`: every key; `POST /admin/keys` (a key spec): a new key and its token
//! - `GET /admin/keys/{id}`; `PATCH /admin/keys/{id}` (a key spec): changed settings
//! - `POST /admin/keys/{id}/revoke`, `/rotate?grace=1h`, `/reset-spend`
//! - `GET /admin/keys/usage?since=7d`: settled requests, tokens and spend per key

use super::super::api::{Access, Api, Endpoint, Handled, Path};
use super::super::call::ErrorShape;
use super::super::errors::HttpError;
use super::super::response_body::Body;
use super::super::{Shared, json_response};
use crate::keys::KeysError;
use crate::keys::admin::{self, KeySpec};
use crate::keys::journal::Journal;
use crate::telemetry::request::Observation;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use std::sync::Arc;
use std::time::Instant;

const PREFIX: &str = "/admin/keys/";

/// The keys' admin endpoints (errors in OpenAI's shape, as the other admin endpoint's).
pub(in crate::gateway) static API: Api = Api {
    shape: ErrorShape::OpenAi,
    prefix: None,
    endpoints: &[
        Endpoint { path: Path::Exact("/admin/keys"), method: Method::GET, access: Access::AdminOnly, label: "/admin/keys", serve },
        Endpoint { path: Path::Exact("/admin/keys"), method: Method::POST, access: Access::AdminOnly, label: "/admin/keys POST", serve },
        Endpoint { path: Path::Under(PREFIX), method: Method::GET, access: Access::AdminOnly, label: "/admin/keys/{id}", serve },
        Endpoint { path: Path::Under(PREFIX), method: Method::PATCH, access: Access::AdminOnly, label: "/admin/keys/{id} PATCH", serve },
        Endpoint { path: Path::Under(PREFIX), method: Method::POST, access: Access::AdminOnly, label: "/admin/keys/{id} POST", serve },
    ],
};

fn serve<'a>(shared: &'a Arc<Shared>, request: Request<Incoming>, _: Instant, observation: &'a mut Observation) -> Handled<'a> {
    Box::pin(async move {
        match answer(shared, request).await {
            Ok(response) => (response, String::new()),
            Err(error) => ErrorShape::OpenAi.reject(observation, error),
        }
    })
}

fn http_error(error: KeysError) -> HttpError {
    match error {
        KeysError::Invalid(message) => HttpError::new(400, "invalid_request_error", message).with_code("invalid_key_spec"),
        error @ KeysError::NoSuchKey(_) => HttpError::new(404, "invalid_request_error", error.to_string()).with_code("key_not_found"),
        error => HttpError::new(500, "server_error", error.to_string()).with_code("keys_store"),
    }
}

/// One query parameter's value (the admin API's values need no decoding: durations, dates).
fn query_value<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| pair.split_once('=').filter(|(key, _)| *key == name).map(|(_, value)| value))
}

async fn answer(shared: &Arc<Shared>, request: Request<Incoming>) -> Result<Response<Body>, HttpError> {
    let Some(dir) = shared.keys_dir.clone() else {
        return Err(HttpError::new(404, "invalid_request_error", "this gateway keeps no virtual keys").with_code("unknown_url"));
    };
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let method = request.method().clone();
    let rest = path.strip_prefix(PREFIX).unwrap_or("");
    let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
    let (id, action) = (id.to_string(), action.to_string());
    let spec = if method == Method::POST && action.is_empty() || method == Method::PATCH {
        Some(
            super::super::body::read_converted(request, 64 << 10, |value| {
                serde_json::from_value::<KeySpec>(value).map_err(|e| HttpError::invalid("body", format!("a key spec: {e}")))
            })
            .await?,
        )
    } else {
        None
    };
    let limiter = shared.keys.clone();
    let job = move || -> Result<(u16, serde_json::Value), KeysError> {
        let mut journal = Journal::open(&dir)?;
        Ok(match (method, path.as_str(), id.as_str(), action.as_str()) {
            (Method::GET, "/admin/keys", ..) => (200, serde_json::json!({ "keys": json(&admin::list(&mut journal)?) })),
            (Method::POST, "/admin/keys", ..) => (201, json(&admin::create(&mut journal, spec.unwrap_or_default())?)),
            (Method::GET, _, "usage", "") => (200, serde_json::json!({ "usage": json(&admin::usage(&mut journal, query_value(query.as_deref(), "since"))?) })),
            (Method::GET, _, id, "") => {
                let view = admin::show(&mut journal, id)?;
                let standing = limiter.map(|l| l.standing(id)).unwrap_or_default();
                let mut value = json(&view);
                value["held_usd"] = crate::keys::prices::usd(standing.held_pico_usd).into();
                value["in_flight"] = standing.in_flight.into();
                (200, value)
            }
            (Method::PATCH, _, id, "") => (200, json(&admin::set(&mut journal, id, spec.unwrap_or_default())?)),
            (Method::POST, _, id, "revoke") => (200, json(&admin::revoke(&mut journal, id)?)),
            (Method::POST, _, id, "rotate") => (200, json(&admin::rotate(&mut journal, id, query_value(query.as_deref(), "grace"))?)),
            (Method::POST, _, id, "reset-spend") => (200, json(&admin::reset_spend(&mut journal, id)?)),
            _ => return Err(KeysError::Invalid(format!("no such key operation: {}", path.chars().take(200).collect::<String>()))),
        })
    };
    let (status, value) = tokio::task::spawn_blocking(job).await.map_err(|e| http_error(KeysError::Io(format!("keys task: {e}"))))?.map_err(http_error)?;
    Ok(json_response(status, &value))
}

/// A report as JSON (reports always serialize).
fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}
