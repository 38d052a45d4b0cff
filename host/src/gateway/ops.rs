//! The routes besides chat: the model list, readiness, metrics, and the admin reload.

use super::errors::{HttpError, guest_failure_kind};
use super::openai::model_list;
use super::sse::Body;
use super::watch::{self, ReloadError};
use super::{Shared, json_response};
use crate::plan::PlanError;
use hyper::Response;
use serde_json::json;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How long a readiness answer is reused (credential resolution may use the network).
const READY_TTL: Duration = Duration::from_secs(5);
/// Longest a readiness check waits for credentials.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// The readiness reason while draining.
const DRAINING: &str = "draining: shutting down, finishing the requests in flight";

/// The last readiness answer: credentials' source, or why they did not resolve.
#[derive(Debug, Default)]
pub struct ReadyCache {
    last: Mutex<Option<(Instant, Result<String, String>)>>,
}

/// `GET /v1/models[?refresh=true]`: the discovered models in the OpenAI list shape, from the
/// routing plan (a refresh plans again, coalesced with any refresh in progress). A policy
/// without a plan in service (0.1.0, a failed plan, the catalog cache off) runs its
/// `discover` in a fresh instance.
pub async fn models(shared: &Shared, query: Option<&str>) -> Result<Response<Body>, HttpError> {
    let refresh = query.is_some_and(|q| q.split('&').any(|pair| pair == "refresh=true" || pair == "refresh=1"));
    let failed = |error: crate::sandbox::PolicyError| {
        if let Some(kind) = guest_failure_kind(&error) {
            shared.metrics.guest_failure(kind);
        }
        HttpError::from_policy(&error)
    };
    let Ok(_permit) = shared.permits.try_acquire() else {
        return Err(HttpError::busy());
    };
    let mut serving = shared.planner.current();
    if refresh && serving.plan().is_some_and(|plan| plan.serves_requests()) {
        match shared.planner.refresh().await {
            Ok(refreshed) => serving = refreshed,
            Err(PlanError::Policy(error)) => return Err(failed(error)),
            Err(PlanError::Refused(error)) => return Err(HttpError::from_api(&error)),
        }
    }
    if let Some(plan) = serving.plan().filter(|plan| plan.serves_requests()) {
        let list = super::embeddings::with_embedding_models(shared, &plan.discovery, model_list(&plan.discovery)).await;
        return Ok(json_response(200, &list));
    }
    let mut instance = shared.host.instance_of(Arc::clone(serving.policy()), shared.planner.capabilities()).await.map_err(failed)?;
    match instance.discover(serving.config(), refresh).await {
        Ok(Ok(discovery)) => Ok(json_response(200, &super::embeddings::with_embedding_models(shared, &discovery, model_list(&discovery)).await)),
        Ok(Err(error)) => Err(HttpError::from_api(&error)),
        Err(error) => Err(failed(error)),
    }
}

/// `GET /readyz`: 200 when a policy is loaded and credentials resolve, else 503. Cached for
/// a few seconds so that probes do not hammer the credential chain. Draining (shutdown is
/// coming) answers 503 at once, whatever is cached.
pub async fn ready(shared: &Shared) -> Response<Body> {
    if shared.draining.load(Ordering::SeqCst) {
        let policy = shared.host.current().info().to_string();
        return json_response(503, &json!({ "status": "draining", "policy": policy, "reason": DRAINING }));
    }
    let cached = shared.ready.last.lock().ok().and_then(|last| last.as_ref().filter(|(at, _)| at.elapsed() < READY_TTL).map(|(_, r)| r.clone()));
    let credentials = match cached {
        Some(answer) => answer,
        None => {
            let answer = match &shared.bedrock {
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

/// `GET /metrics`, with what the access log and the span exporter dropped.
pub fn metrics(shared: &Shared) -> Response<Body> {
    let text = shared.metrics.render(&shared.host.current().info().to_string());
    let mut response = Response::new(Body::full(text));
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static(super::metrics::CONTENT_TYPE));
    response
}

/// `POST /admin/policy`: reloads the policy file (and the config) now.
pub async fn admin_reload(shared: &Shared) -> Result<Response<Body>, HttpError> {
    watch::reload_config(shared).await;
    match watch::reload_policy(shared, true).await {
        Ok(loaded) => Ok(json_response(200, &json!({ "policy": loaded.info().to_string(), "sha256": loaded.digest() }))),
        Err(error @ ReloadError::NoPolicyFile) => Err(HttpError::new(409, "invalid_request_error", error.to_string()).with_code("no_policy_file")),
        Err(error @ ReloadError::Refused(_)) => Err(HttpError::new(422, "invalid_request_error", error.to_string()).with_code("policy_refused")),
    }
}
