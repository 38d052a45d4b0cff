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

/// `GET /v1/models[?refresh=true]`: the discovered models in the OpenAI list shape, from the
/// routing plan (a refresh plans again, coalesced with any refresh in progress). A policy
/// without a plan in service (0.1.0, a failed plan, the catalog cache off) runs its
/// `discover` in a fresh instance.
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
    let mut serving = shared.planner.current();
    if refresh && serving.plan().is_some_and(|plan| plan.serves_requests()) {
        match shared.planner.refresh().await {
            Ok(refreshed) => serving = refreshed,
            Err(PlanError::Policy(error)) => return failed(error),
            Err(PlanError::Refused(error)) => return HttpError::from_api(&error).into(),
        }
    }
    if let Some(plan) = serving.plan().filter(|plan| plan.serves_requests()) {
        return json_response(200, &model_list(&plan.discovery));
    }
    let mut instance = match shared.host.instance_of(Arc::clone(serving.policy()), shared.capabilities.clone()).await {
        Ok(instance) => instance,
        Err(error) => return failed(error),
    };
    match instance.discover(serving.config(), refresh).await {
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
    watch::reload_config(shared).await;
    match watch::reload_policy(shared, true).await {
        Ok(loaded) => json_response(200, &json!({ "policy": loaded.info().to_string(), "sha256": loaded.digest() })),
        Err(error @ ReloadError::NoPolicyFile) => HttpError::new(409, "invalid_request_error", error.to_string()).with_code("no_policy_file").into(),
        Err(error @ ReloadError::Refused(_)) => HttpError::new(422, "invalid_request_error", error.to_string()).with_code("policy_refused").into(),
    }
}
