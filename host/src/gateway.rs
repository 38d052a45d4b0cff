//! The OpenAI-compatible HTTP gateway: any OpenAI client talks to Bedrock through the policy.
//!
//! - Requests are served from the policy's routing plan ([`crate::plan`]): computed when the
//!   policy, the config file or the catalog changes, looked up per request with no guest call.
//!   A reference the plan does not cover, and every request of a 0.1.0 policy, gets a fresh
//!   instance (pooling allocator, deadline, memory cap); a trap fails that request only (500)
//!   and the gateway serves on.
//! - The policy is swapped live ([`watch`]: the `--policy` file, SIGHUP, `POST /admin/policy`);
//!   requests and streams in flight finish on the instance they started with.
//! - The config file is read at start and re-read when it changes (polled with the policy
//!   file), not per request; each change, and each policy swap, makes a new plan.
//! - Shutdown ([`Gateway::serve`]'s future) stops accepting, lets responses and streams finish
//!   within the grace period, then returns. [`GatewayHandle::start_draining`] (SIGTERM, before
//!   the drain period) turns `/readyz` to 503 while the gateway goes on serving.
//! - Every response carries an `x-request-id` (the client's when sane, else a new one); the
//!   access log and traces ([`crate::telemetry`]) record each request when its response ends.
//!
//! Routes: one line per client API in [`routes`] (Chat Completions, embeddings, the model list,
//! Anthropic's Messages API, the operator's endpoints), each API in its own folder over the
//! call layer ([`call`]).

pub mod anthropic;
mod api;
mod auth;
mod bedrock;
mod body;
mod call;
mod embeddings;
pub mod errors;
mod half_close;
mod handle;
mod keys;
mod limits;
pub use crate::telemetry::metrics;
mod models;
pub mod openai;
mod ops;
mod options;
mod request_bounds;
pub mod response_body;
mod routes;
mod unique_names;

pub use crate::control::ReloadError;
pub use auth::ClientKey;
pub use errors::HttpError;
pub use handle::GatewayHandle;
pub use options::{DEFAULT_LISTEN, GatewayOptions};

use crate::capability::Capabilities;
use crate::control::{ControlPlane, Sources};
use crate::heap::HeapTrim;
use crate::sandbox::PolicyHost;
use crate::telemetry::otlp::{Exporter, OtlpError};
use crate::telemetry::request::Telemetry;
use crate::telemetry::request_id;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use metrics::Metrics;
use response_body::Body;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The OTLP endpoint is not usable.
    #[error(transparent)]
    Otlp(#[from] OtlpError),
    /// The state directory cannot be used.
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// The keys' journal cannot be used.
    #[error(transparent)]
    Keys(#[from] crate::keys::KeysError),
}

/// What every request handler shares.
pub struct Shared {
    /// What is served (the policy, its config and plan) and what changes it.
    control: Arc<ControlPlane>,
    client_key: Option<ClientKey>,
    metrics: Metrics,
    permits: Arc<Semaphore>,
    /// How many `permits` there are: all of them available means nothing is in flight.
    permits_total: usize,
    request_timeout: Duration,
    max_body_bytes: usize,
    readiness: ops::Readiness,
    /// Freed heap given back once the gateway goes quiet.
    heap: Arc<HeapTrim>,
    telemetry: Telemetry,
    /// The access log's name for the client key ([`ClientKey::id`]), computed once.
    client_key_id: Option<String>,
    /// Cache points the gateway adds ([`GatewayOptions::prompt_cache`]).
    prompt_cache: openai::PromptCache,
    /// The Responses API's stored responses and reasoning key.
    responses: Arc<openai::responses::ResponsesState>,
    /// The operator's guardrail on every call ([`GatewayOptions::guardrail`]).
    guardrail: Option<crate::aws::model::Guardrail>,
    /// Virtual keys' admission and settlement ([`crate::keys`]), when the gateway keeps keys.
    keys: Option<Arc<dyn crate::keys::limiter::Limiter>>,
    /// The keys' journal directory, for the admin API.
    keys_dir: Option<std::path::PathBuf>,
    /// Whether the admin endpoints are served on their own listener (and not on the main one).
    admin_apart: bool,
}

impl Shared {
    /// Whether nothing is in flight (every request slot free).
    fn idle(&self) -> bool {
        self.permits.available_permits() == self.permits_total
    }
}

/// A bound gateway, ready to serve.
pub struct Gateway {
    listener: TcpListener,
    /// The admin endpoints' own listener ([`GatewayOptions::admin_listen`]), when asked for.
    admin_listener: Option<TcpListener>,
    shared: Arc<Shared>,
    grace_period: Duration,
    bounds: limits::ClientBounds,
}

impl Gateway {
    /// Binds the listen address and reads the config file. `capabilities` (the region
    /// environment and Bedrock access) are handed to every request's instance.
    pub async fn bind(options: GatewayOptions, host: Arc<PolicyHost>, capabilities: Capabilities) -> Result<Self, GatewayError> {
        let bounds = limits::ClientBounds::of(&options);
        let listener = TcpListener::bind(options.listen).await.map_err(|source| GatewayError::Bind { addr: options.listen, source })?;
        let admin_listener = match options.admin_listen {
            Some(addr) => Some(TcpListener::bind(addr).await.map_err(|source| GatewayError::Bind { addr, source })?),
            None => None,
        };
        let permits_total = in_flight_limit(options.max_in_flight, host.limits().max_instances);
        // The export task runs until the last `Exporter` clone (the one in `Shared`) is gone.
        let exporter = options.otlp.map(|config| Exporter::start(config).map(|(exporter, _task)| exporter)).transpose()?;
        let client_key_id = options.client_key.as_ref().map(ClientKey::id);
        let responses = Arc::new(openai::responses::ResponsesState::open(&options.state).await?);
        let keys_dir = options.keys.as_ref().map(|keys| keys.dir.clone());
        let keys = match options.keys {
            None => None,
            Some(keys) => {
                // A lease outlives its request only if the request's end was never seen.
                let lease_timeout = options.request_timeout + Duration::from_secs(60);
                let limiter = crate::keys::limiter::Embedded::open(&keys.dir, keys.prices, lease_timeout)?;
                Some(Arc::new(limiter) as Arc<dyn crate::keys::limiter::Limiter>)
            }
        };
        let metrics = Metrics::new(routes::labels(), &crate::telemetry::metrics::SinkCounts::of(&options.access_log, exporter.as_ref()));
        let heap = Arc::new(HeapTrim::default());
        let sources = Sources {
            policy_file: options.policy_file,
            config_path: options.config_path,
            aws_profile_files: options.aws_profile_files,
            interval: options.watch_interval,
        };
        let control = Arc::new(ControlPlane::start(host, capabilities, sources, metrics.clone(), Arc::clone(&heap)).await);
        let shared = Arc::new(Shared {
            permits: Arc::new(Semaphore::new(permits_total)),
            permits_total,
            control,
            client_key: options.client_key,
            metrics,
            request_timeout: options.request_timeout,
            max_body_bytes: options.max_body_bytes,
            readiness: ops::Readiness::default(),
            heap,
            telemetry: Telemetry { access_log: options.access_log, exporter },
            client_key_id,
            prompt_cache: options.prompt_cache,
            responses,
            guardrail: options.guardrail,
            keys,
            keys_dir,
            admin_apart: admin_listener.is_some(),
        });
        Ok(Self { listener, admin_listener, shared, grace_period: options.grace_period, bounds })
    }

    /// The address actually bound (port 0 resolved).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The admin listener's address, when the admin endpoints have their own.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin_listener.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// The controls of this gateway.
    pub fn handle(&self) -> GatewayHandle {
        GatewayHandle { shared: Arc::clone(&self.shared) }
    }

    /// Serves until `shutdown` completes, then stops accepting and lets responses in flight
    /// (streams included) finish within the grace period. Watches the policy and config files
    /// meanwhile. Raises the soft file-descriptor limit to the hard one and keeps the open
    /// connections below it (see [`GatewayOptions::max_connections`]).
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        let idle = {
            let shared = Arc::clone(&self.shared);
            move || shared.idle()
        };
        let watcher = tokio::spawn(crate::control::watch::watch_files(Arc::clone(&self.shared.control), idle));
        let admin = self.admin_listener.map(|listener| tokio::spawn(ops::serve_admin(listener, Arc::clone(&self.shared))));
        let bounds = self.bounds;
        let fd_limit = limits::raise_fd_limit();
        let cap = limits::connection_cap(bounds.max_connections, fd_limit);
        tracing::debug!(cap, fd_limit, "connection cap");
        let body_limits = body::BodyLimits::new(bounds.body_read_timeout, bounds.max_body_memory, bounds.max_body_bytes);
        let connections = Arc::new(limits::Connections::default());
        // Flips to true when shutdown begins: every connection finishes its response and closes.
        let (closing, closing_seen) = tokio::sync::watch::channel(false);
        let mut http = hyper::server::conn::http1::Builder::new();
        http.keep_alive(true).timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(bounds.header_read_timeout);
        let mut backoff = limits::AcceptBackoff::default();
        tokio::pin!(shutdown);
        loop {
            let accepted = async {
                connections.make_room(cap).await;
                self.listener.accept().await
            };
            let (stream, _) = tokio::select! {
                () = &mut shutdown => break,
                accepted = accepted => match accepted {
                    Ok(accepted) => {
                        backoff.succeeded();
                        accepted
                    }
                    Err(error) => {
                        // Out of file descriptors and the like: pause (longer each time) and go on.
                        let pause = backoff.failed(&error);
                        tokio::select! {
                            () = &mut shutdown => break,
                            () = tokio::time::sleep(pause) => continue,
                        }
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let registered = connections.open();
            let id = registered.id();
            let shared = Arc::clone(&self.shared);
            let tracked = Arc::clone(&connections);
            let body_limits = body_limits.clone();
            let peer = Arc::new(half_close::Peer::default());
            let requests_peer = Arc::clone(&peer);
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                let in_flight = requests_peer.begin();
                let busy = limits::ConnectionGuard::busy(&tracked, id);
                request.extensions_mut().insert(body_limits.on_connection(&requests_peer));
                let shared = Arc::clone(&shared);
                async move {
                    let Ok(response) = handle(shared, request).await;
                    let streams = matches!(response.body(), Body::Events(_));
                    Ok::<_, Infallible>(response.map(|body| half_close::Probed::new(limits::Tracked { body, _busy: busy }, streams, in_flight)))
                }
            });
            let connection = http.serve_connection(TokioIo::new(half_close::PeerIo::new(stream, peer)), service);
            let mut closing = closing_seen.clone();
            let task = tokio::spawn(async move {
                let _registered = registered;
                tokio::pin!(connection);
                let closed = async move {
                    // Shutdown began, or the gateway is gone: either way, finish and close.
                    let _ = closing.wait_for(|closing| *closing).await;
                };
                let result = tokio::select! {
                    result = connection.as_mut() => result,
                    () = closed => {
                        connection.as_mut().graceful_shutdown();
                        connection.await
                    }
                };
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
            });
            connections.set_task(id, task.abort_handle());
        }
        drop(self.listener);
        self.shared.readiness.start_draining();
        watcher.abort();
        if let Some(admin) = admin {
            admin.abort();
        }
        tracing::info!(connections = connections.count(), grace = ?self.grace_period, "shutting down: no new connections; letting responses finish");
        let _ = closing.send(true);
        tokio::select! {
            () = connections.all_closed() => tracing::info!("every connection finished"),
            () = tokio::time::sleep(self.grace_period) => {
                tracing::warn!("grace period over; cutting the remaining connections");
                connections.abort_all();
            }
        }
        // The last requests' access-log lines and spans, before the process may exit.
        self.shared.telemetry.flush(TELEMETRY_FLUSH).await;
    }
}

/// Longest the gateway waits at shutdown for the access log and the span exporter.
const TELEMETRY_FLUSH: Duration = Duration::from_secs(2);

/// Instance slots kept free for what is not a chat request (`/v1/models`, swaps' self-checks).
const RESERVED_INSTANCES: usize = 8;

/// Requests in flight, at most what the pooling allocator can hold beside the reserved slots.
fn in_flight_limit(wanted: usize, max_instances: u32) -> usize {
    wanted.min((max_instances as usize).saturating_sub(RESERVED_INSTANCES)).max(1)
}

/// The response header naming the policy that answered (`name version (contract ...)`).
pub const POLICY_HEADER: &str = "openclaw-policy";

/// A response and the model label it is counted under.
type Reply = (Response<Body>, String);

/// Serves one request: finds its endpoint in the route table ([`routes`]), checks the client
/// key, serves it, echoes its request id, counts it, and finishes its telemetry (a streamed
/// response's is finished by the task that streams it, when the stream ends).
async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    handle_on(shared, request, false).await
}

/// [`handle`] on the main listener (`admin_listener` false) or the admin one: with an admin
/// listener, the admin endpoints exist there only.
async fn handle_on(shared: Arc<Shared>, request: Request<Incoming>, admin_listener: bool) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let admin = shared.client_key.is_some() && (admin_listener || !shared.admin_apart);
    let mut dispatch = routes::dispatch(request.uri().path(), request.method(), admin);
    if admin_listener && matches!(&dispatch, routes::Dispatch::Serve { endpoint, .. } if endpoint.access != api::Access::AdminOnly) {
        dispatch =
            routes::Dispatch::Refuse { shape: call::ErrorShape::OpenAi, error: HttpError::not_found(request.uri().path()), access: api::Access::AdminOnly };
    }
    let route = match &dispatch {
        routes::Dispatch::Serve { index, .. } => *index,
        routes::Dispatch::Refuse { .. } => routes::other_index(),
    };
    let headers = request.headers();
    let request_id = request_id::for_request(headers.get(request_id::HEADER).map(|v| v.as_bytes()));
    let traceparent = headers.get("traceparent").and_then(|v| v.to_str().ok());
    let mut observation = shared.telemetry.observe(started, &request_id, request.method().as_str(), request.uri().path(), routes::labels()[route], traceparent);
    shared.heap.active();
    let (mut response, model) = match dispatch {
        routes::Dispatch::Serve { endpoint, shape, .. } => match keys::admitted(&shared, endpoint.access, shape, &request, &mut observation) {
            Ok(keys::Caller::Key(entry)) => {
                let keyed = keys::keyed(entry, shape);
                let reply = keys::scope(Arc::clone(&keyed), (endpoint.serve)(&shared, request, started, &mut observation)).await;
                let mut reply = reply;
                keyed.headers(&mut reply.0);
                reply
            }
            Ok(_) => (endpoint.serve)(&shared, request, started, &mut observation).await,
            Err(error) => shape.reject(&mut observation, error),
        },
        routes::Dispatch::Refuse { shape, error, access } => {
            // An unknown path or method asks for the key too: without it, nothing is told.
            let error = keys::admitted(&shared, access, shape, &request, &mut observation).err().unwrap_or(error);
            shape.reject(&mut observation, error)
        }
    };
    // Always a valid header value: `for_request` keeps only visible ASCII.
    if let Ok(value) = hyper::header::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(request_id::HEADER, value);
    }
    // Which policy answered, on every route: a chat response already names the one that served
    // it (a swap may have happened since); any other is the policy in service now.
    if !response.headers().contains_key(POLICY_HEADER)
        && let Ok(value) = hyper::header::HeaderValue::from_str(shared.control.policy().info_line())
    {
        response.headers_mut().insert(POLICY_HEADER, value);
    }
    let status = response.status().as_u16();
    shared.metrics.request(route, status, &model, started.elapsed());
    observation.finish(status);
    Ok(response)
}

/// The error class the access log and traces record for a failed request: the OpenAI error
/// `code` the client received (`rate_limit_exceeded`, `model_not_found`, `invalid_json`,
/// `policy_trap`, ...), else its `type`. Low-cardinality by construction.
fn error_class(error: &HttpError) -> &str {
    error.code.as_deref().unwrap_or(error.kind)
}

/// A JSON response.
fn json_response(status: u16, value: &serde_json::Value) -> Response<Body> {
    json_bytes_response(status, value.to_string())
}

/// A JSON response whose body is already encoded.
fn json_bytes_response(status: u16, body: impl Into<bytes::Bytes>) -> Response<Body> {
    let mut response = Response::new(Body::full(body));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

impl From<HttpError> for Response<Body> {
    fn from(error: HttpError) -> Self {
        json_response(error.status, &error.body())
    }
}
