//! The operator's endpoints: liveness, readiness, metrics, and the admin reload.

use super::api::{Access, Api, Endpoint, Path};
use super::call::ErrorShape;
use super::errors::HttpError;
use super::response_body::Body;
use super::{Shared, json_response};
use crate::control::ReloadError;
use hyper::{Method, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// The operator's endpoints, errors in OpenAI's shape. Probes need no key; the admin reload
/// exists only when a client key is configured.
pub(super) static API: Api = Api {
    shape: ErrorShape::OpenAi,
    prefix: None,
    endpoints: &[
        Endpoint {
            path: Path::Exact("/healthz"),
            method: Method::GET,
            access: Access::Open,
            label: "/healthz",
            serve: |_, _, _, _| Box::pin(async { (json_response(200, &json!({ "status": "ok" })), String::new()) }),
        },
        Endpoint {
            path: Path::Exact("/readyz"),
            method: Method::GET,
            access: Access::Open,
            label: "/readyz",
            serve: |shared, _, _, _| Box::pin(async move { (ready(shared).await, String::new()) }),
        },
        Endpoint {
            path: Path::Exact("/metrics"),
            method: Method::GET,
            access: Access::ClientKey,
            label: "/metrics",
            serve: |shared, _, _, _| Box::pin(async move { (metrics(shared), String::new()) }),
        },
        Endpoint {
            path: Path::Exact("/admin/policy"),
            method: Method::POST,
            access: Access::AdminOnly,
            label: "/admin/policy",
            serve: |shared, _, _, observation| {
                Box::pin(async move {
                    match admin_reload(shared).await {
                        Ok(response) => (response, String::new()),
                        Err(error) => ErrorShape::OpenAi.reject(observation, error),
                    }
                })
            },
        },
    ],
};

/// How long a readiness answer is reused (credential resolution may use the network).
const READY_TTL: Duration = Duration::from_secs(5);
/// Longest a readiness check waits for credentials.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// The readiness reason while draining.
const DRAINING: &str = "draining: shutting down, finishing the requests in flight";

/// What `/readyz` answers from: whether shutdown is coming, and the last credential check
/// (the credentials' source, or why they did not resolve).
#[derive(Debug, Default)]
pub struct Readiness {
    /// Set when shutdown is coming: `/readyz` answers 503 from then on.
    draining: AtomicBool,
    last: Mutex<Option<(Instant, Result<String, String>)>>,
}

impl Readiness {
    /// Starts draining; whether this call started it (false when it already was).
    pub fn start_draining(&self) -> bool {
        !self.draining.swap(true, Ordering::SeqCst)
    }

    /// Whether shutdown is coming.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

/// `GET /readyz`: 200 when a policy is loaded and credentials resolve, else 503. Cached for
/// a few seconds so that probes do not hammer the credential chain. Draining (shutdown is
/// coming) answers 503 at once, whatever is cached.
async fn ready(shared: &Shared) -> Response<Body> {
    let policy = shared.control.policy().info().to_string();
    if shared.readiness.is_draining() {
        return json_response(503, &json!({ "status": "draining", "policy": policy, "reason": DRAINING }));
    }
    let cached = shared.readiness.last.lock().ok().and_then(|last| last.as_ref().filter(|(at, _)| at.elapsed() < READY_TTL).map(|(_, r)| r.clone()));
    let credentials = match cached {
        Some(answer) => answer,
        None => {
            let answer = match shared.control.bedrock() {
                None => Err("no Bedrock access configured".to_string()),
                Some(bedrock) => match tokio::time::timeout(READY_TIMEOUT, bedrock.resolve_credentials()).await {
                    Ok(Ok(description)) => Ok(description.source),
                    Ok(Err(error)) => Err(error.to_string().replace('\n', " ")),
                    Err(_) => Err(format!("credentials did not resolve within {} s", READY_TIMEOUT.as_secs())),
                },
            };
            if let Ok(mut last) = shared.readiness.last.lock() {
                *last = Some((Instant::now(), answer.clone()));
            }
            answer
        }
    };
    match credentials {
        Ok(source) => json_response(200, &json!({ "status": "ready", "policy": policy, "credentials": source })),
        Err(reason) => json_response(503, &json!({ "status": "not_ready", "policy": policy, "reason": reason })),
    }
}

/// `GET /metrics`, with what the access log and the span exporter dropped.
fn metrics(shared: &Shared) -> Response<Body> {
    let text = shared.metrics.render(&shared.control.policy().info().to_string());
    let mut response = Response::new(Body::full(text));
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static(super::metrics::CONTENT_TYPE));
    response
}

/// `POST /admin/policy`: reloads the policy file (and the config) now.
async fn admin_reload(shared: &Shared) -> Result<Response<Body>, HttpError> {
    match shared.control.reload(true).await {
        Ok(loaded) => Ok(json_response(200, &json!({ "policy": loaded.info().to_string(), "sha256": loaded.digest() }))),
        Err(error @ ReloadError::NoPolicyFile) => Err(HttpError::new(409, "invalid_request_error", error.to_string()).with_code("no_policy_file")),
        Err(error @ ReloadError::Refused(_)) => Err(HttpError::new(422, "invalid_request_error", error.to_string()).with_code("policy_refused")),
    }
}

/// The admin endpoints' own listener (`--admin-listen`): one connection at a time per task,
/// only the admin endpoints (anything else is 404), stopped with the gateway.
pub(super) async fn serve_admin(listener: TcpListener, shared: Arc<Shared>) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(Duration::from_secs(30));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let shared = Arc::clone(&shared);
        let service = hyper::service::service_fn(move |request| super::handle_on(Arc::clone(&shared), request, true));
        let connection = http.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "an admin connection ended with an error");
            }
        });
    }
}
