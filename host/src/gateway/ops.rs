//! The routes besides chat: the model list, readiness, metrics, and the admin reload.

use super::errors::{HttpError, guest_failure_kind};
use super::openai::model_list;
use super::sse::Body;
use super::watch::{self, ReloadError};
use super::{Shared, json_response};
use hyper::Response;
use serde_json::json;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a readiness answer is reused (credential resolution may use the network).
const READY_TTL: Duration = Duration::from_secs(5);
/// Longest a readiness check waits for credentials.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// The last readiness answer: credentials' source, or why they did not resolve.
#[derive(Debug, Default)]
pub struct ReadyCache {
    last: Mutex<Option<(Instant, Result<String, String>)>>,
}

/// `GET /v1/models[?refresh=true]`: the policy's discovery in the OpenAI list shape.
pub async fn models(shared: &Shared, query: Option<&str>) -> Response<Body> {
    let refresh = query.is_some_and(|q| q.split('&').any(|pair| pair == "refresh=true" || pair == "refresh=1"));
    let failed = |error: crate::runtime::PolicyError| {
        if let Some(kind) = guest_failure_kind(&error) {
            shared.metrics.guest_failure(kind);
        }
        HttpError::from_policy(&error).into()
    };
    let Ok(_permit) = shared.permits.try_acquire() else {
        return HttpError::busy().into();
    };
    let mut instance = match shared.host.instance_with(shared.capabilities.clone()).await {
        Ok(instance) => instance,
        Err(error) => return failed(error),
    };
    let config = shared.config.load_full();
    match instance.discover(&config, refresh).await {
        Ok(Ok(discovery)) => json_response(200, &model_list(&discovery)),
        Ok(Err(error)) => HttpError::from_api(&error).into(),
        Err(error) => failed(error),
    }
}

/// `GET /readyz`: 200 when a policy is loaded and credentials resolve, else 503. Cached for
/// a few seconds so that probes do not hammer the credential chain.
pub async fn ready(shared: &Shared) -> Response<Body> {
    let cached = shared.ready.last.lock().ok().and_then(|last| last.as_ref().filter(|(at, _)| at.elapsed() < READY_TTL).map(|(_, r)| r.clone()));
    let credentials = match cached {
        Some(answer) => answer,
        None => {
            let answer = match &shared.capabilities.bedrock {
                None => Err("no Bedrock access configured".to_string()),
                Some(bedrock) => match tokio::time::timeout(READY_TIMEOUT, bedrock.resolve_credentials()).await {
                    Ok(Ok(description)) => Ok(description.source),
                    Ok(Err(error)) => Err(error.to_string().replace('\n', " ")),
                    Err(_) => Err(format!("credentials did not resolve within {} s", READY_TIMEOUT.as_secs())),
                },
            };
            if let Ok(mut last) = shared.ready.last.lock() {
                *last = Some((Instant::now(), answer.clone()));
            }
            answer
        }
    };
    let policy = shared.host.current().info().to_string();
    match credentials {
        Ok(source) => json_response(200, &json!({ "status": "ready", "policy": policy, "credentials": source })),
        Err(reason) => json_response(503, &json!({ "status": "not_ready", "policy": policy, "reason": reason })),
    }
}

/// `GET /metrics`.
pub fn metrics(shared: &Shared) -> Response<Body> {
    let text = shared.metrics.render(&shared.host.current().info().to_string());
    let mut response = Response::new(Body::full(text));
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"));
    response
}

/// `POST /admin/policy`: reloads the policy file (and the config) now.
pub async fn admin_reload(shared: &Shared) -> Response<Body> {
    watch::reload_config(shared);
    match watch::reload_policy(shared, true).await {
        Ok(loaded) => json_response(200, &json!({ "policy": loaded.info().to_string(), "sha256": loaded.digest() })),
        Err(error @ ReloadError::NoPolicyFile) => HttpError::new(409, "invalid_request_error", error.to_string()).with_code("no_policy_file").into(),
        Err(error @ ReloadError::Refused(_)) => HttpError::new(422, "invalid_request_error", error.to_string()).with_code("policy_refused").into(),
    }
}
