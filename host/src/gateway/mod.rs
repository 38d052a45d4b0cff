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
//! Routes: `POST /v1/chat/completions`, `/v1/responses` (and its stored responses), `POST /v1/embeddings`, `GET /v1/models`, `GET /healthz`,
//! `GET /readyz`, `GET /metrics`, and `POST /admin/policy` when client authentication is on.

pub mod anthropic;
mod auth;
mod body;
mod call;
mod embeddings;
pub mod errors;
mod half_close;
mod heap;
mod limits;
pub use crate::telemetry::metrics;
pub mod openai;
mod ops;
mod request_bounds;
pub mod sse;
mod unique_names;
pub mod watch;

pub use auth::ClientKey;
pub use errors::HttpError;
pub use watch::ReloadError;

use crate::capability::{BedrockAccess, Capabilities};
use crate::plan::{Planner, Serving};
use crate::sandbox::{LoadedPolicy, PolicyHost};
use crate::telemetry::access_log::AccessLog;
use crate::telemetry::otlp::{Exporter, OtlpConfig, OtlpError};
use crate::telemetry::request::{Observation, Telemetry};
use crate::telemetry::request_id;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use metrics::Metrics;
use sse::Body;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How the gateway runs.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// Where to listen (port 0 picks a free port). Default `127.0.0.1:18789`.
    pub listen: SocketAddr,
    /// The key clients must send as `Authorization: Bearer <key>`; `None` turns client
    /// authentication (and `POST /admin/policy`) off.
    pub client_key: Option<ClientKey>,
    /// How long streams may run on after shutdown begins. Default 10 s.
    pub grace_period: Duration,
    /// The `--policy` file to watch and reload; `None` for the embedded policy.
    pub policy_file: Option<PathBuf>,
    /// The config file to read and watch; `None` runs on defaults.
    pub config_path: Option<PathBuf>,
    /// How often the files are polled. Default 500 ms.
    pub watch_interval: Duration,
    /// Time limit for one chat call. Default 300 s.
    pub request_timeout: Duration,
    /// Largest request body accepted (413 beyond). Default 16 MiB.
    pub max_body_bytes: usize,
    /// Most chat and model-list requests in flight (503 beyond); capped a few below the
    /// policy host's `Limits::max_instances`. Default 1000.
    pub max_in_flight: usize,
    /// How long a client may take to send a request's headers, and how long a kept-alive
    /// connection may sit idle before its next request. Default 30 s.
    pub header_read_timeout: Duration,
    /// How long a client may take to send a whole request body (408 beyond). Default 60 s.
    pub body_read_timeout: Duration,
    /// Most open client connections; the gateway keeps it below half of what the file
    /// descriptor limit leaves (the soft limit is raised to the hard one at start). At the cap
    /// the connection idle the longest is closed to admit a new one. Default 4096.
    pub max_connections: usize,
    /// Bytes of request bodies buffered at once across all requests (503 beyond), at least
    /// `max_body_bytes`. Default 64 MiB.
    pub max_body_memory: usize,
    /// One JSON line per request ([`crate::telemetry::access_log`]). Default off.
    pub access_log: AccessLog,
    /// Where to export traces over OTLP/HTTP; the exporter starts in [`Gateway::bind`].
    /// Default off.
    pub otlp: Option<OtlpConfig>,
    /// The AWS shared config and credentials files: when one changes, the region environment
    /// is read again from this process's environment and those files, and the plan is
    /// computed again if it (the profile's region) or the visible credential sources changed.
    /// Default none (an embedder's own environment is kept as given).
    pub aws_profile_files: Vec<PathBuf>,
    /// Cache points the gateway adds to Chat Completions requests ([`openai::PromptCache`]).
    /// Default off.
    pub prompt_cache: openai::PromptCache,
    /// Where and how much state the gateway keeps (stored Responses API responses, the key
    /// sealing reasoning). Default: in memory only.
    pub state: crate::state::StateOptions,
}

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:18789";

impl Default for GatewayOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 18789)),
            client_key: None,
            grace_period: Duration::from_secs(10),
            policy_file: None,
            config_path: None,
            watch_interval: Duration::from_millis(500),
            request_timeout: Duration::from_secs(300),
            max_body_bytes: 16 << 20,
            max_in_flight: 1000,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            max_connections: 4096,
            max_body_memory: 64 << 20,
            access_log: AccessLog::off(),
            otlp: None,
            aws_profile_files: Vec::new(),
            prompt_cache: openai::PromptCache::Off,
            state: crate::state::StateOptions::default(),
        }
    }
}

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
}

/// What every request handler shares.
pub struct Shared {
    host: Arc<PolicyHost>,
    /// Bedrock access for the host's own calls; policy instances get theirs from the planner.
    bedrock: Option<Arc<dyn BedrockAccess>>,
    planner: Planner,
    /// The AWS shared config and credentials files watched for profile changes.
    aws_profile_files: Vec<PathBuf>,
    config_path: Option<PathBuf>,
    policy_file: Option<PathBuf>,
    client_key: Option<ClientKey>,
    metrics: Metrics,
    permits: Arc<Semaphore>,
    /// How many `permits` there are: all of them available means nothing is in flight.
    permits_total: usize,
    request_timeout: Duration,
    max_body_bytes: usize,
    watch_interval: Duration,
    ready: ops::ReadyCache,
    /// Set when shutdown is coming: `/readyz` answers 503 from then on.
    draining: AtomicBool,
    /// Freed heap given back once the gateway goes quiet.
    heap: heap::HeapTrim,
    telemetry: Telemetry,
    /// The access log's name for the client key ([`ClientKey::id`]), computed once.
    client_key_id: Option<String>,
    /// Cache points the gateway adds ([`GatewayOptions::prompt_cache`]).
    prompt_cache: openai::PromptCache,
    /// The Responses API's stored responses and reasoning key.
    responses: Arc<openai::responses::ResponsesState>,
}

/// A running gateway's controls, cheap to clone: reload, current policy, metrics.
#[derive(Clone)]
pub struct GatewayHandle {
    shared: Arc<Shared>,
}

impl GatewayHandle {
    /// The policy new requests run.
    pub fn policy(&self) -> Arc<LoadedPolicy> {
        self.shared.host.current()
    }

    /// Reloads the policy file (and the config) now, as SIGHUP does.
    pub async fn reload(&self) -> Result<Arc<LoadedPolicy>, ReloadError> {
        watch::reload_config(&self.shared).await;
        watch::reload_policy(&self.shared, true).await
    }

    /// What requests are served from now: the policy, its config and its routing plan.
    pub fn serving(&self) -> Arc<Serving> {
        self.shared.planner.current()
    }

    /// Listens for SIGHUP (from now on) and reloads on each, until the returned task is aborted.
    pub fn reload_on_sighup(&self) -> tokio::task::JoinHandle<()> {
        watch::reload_on_sighup(Arc::clone(&self.shared))
    }

    /// The metrics in the Prometheus text format.
    pub fn metrics(&self) -> String {
        self.shared.metrics.render(&self.shared.host.current().info().to_string())
    }

    /// Chat requests routed so far: (from the plan with no guest call, by asking the policy).
    pub fn routing_counts(&self) -> (u64, u64) {
        self.shared.metrics.routing_counts()
    }

    /// Policy swaps so far: (loaded, refused).
    pub fn swap_counts(&self) -> (u64, u64) {
        self.shared.metrics.swap_counts()
    }

    /// Shutdown is coming: `/readyz` answers 503 (reason `draining`) from now on, so a load
    /// balancer takes this gateway out of rotation, while it goes on serving every request
    /// until [`Gateway::serve`]'s shutdown future completes.
    pub fn start_draining(&self) {
        if !self.shared.draining.swap(true, Ordering::SeqCst) {
            tracing::info!("draining: /readyz answers 503; still serving");
        }
    }

    /// Whether [`GatewayHandle::start_draining`] was called (or shutdown began).
    pub fn is_draining(&self) -> bool {
        self.shared.draining.load(Ordering::SeqCst)
    }
}

/// A bound gateway, ready to serve.
pub struct Gateway {
    listener: TcpListener,
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
        let config = watch::read_config(options.config_path.as_deref()).await;
        let bedrock = capabilities.bedrock.clone();
        let planner = Planner::start(Arc::clone(&host), capabilities, Arc::new(config)).await;
        // The export task runs until the last `Exporter` clone (the one in `Shared`) is gone.
        let exporter = options.otlp.map(|config| Exporter::start(config).map(|(exporter, _task)| exporter)).transpose()?;
        let client_key_id = options.client_key.as_ref().map(ClientKey::id);
        let responses = Arc::new(openai::responses::ResponsesState::open(&options.state).await?);
        let permits_total = in_flight_limit(options.max_in_flight, host.limits().max_instances);
        let shared = Arc::new(Shared {
            permits: Arc::new(Semaphore::new(permits_total)),
            permits_total,
            host,
            bedrock,
            planner,
            aws_profile_files: options.aws_profile_files,
            config_path: options.config_path,
            policy_file: options.policy_file,
            client_key: options.client_key,
            metrics: Metrics::new(&crate::telemetry::metrics::SinkCounts::of(&options.access_log, exporter.as_ref())),
            request_timeout: options.request_timeout,
            max_body_bytes: options.max_body_bytes,
            watch_interval: options.watch_interval.max(Duration::from_millis(10)),
            ready: ops::ReadyCache::default(),
            draining: AtomicBool::new(false),
            heap: heap::HeapTrim::default(),
            telemetry: Telemetry { access_log: options.access_log, exporter },
            client_key_id,
            prompt_cache: options.prompt_cache,
            responses,
        });
        Ok(Self { listener, shared, grace_period: options.grace_period, bounds })
    }

    /// The address actually bound (port 0 resolved).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
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
        let watcher = tokio::spawn(watch::watch_files(Arc::clone(&self.shared)));
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
        self.shared.draining.store(true, Ordering::SeqCst);
        watcher.abort();
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

/// Serves one request: routes it, echoes its request id, counts it, and finishes its telemetry
/// (a streamed response's is finished by the task that streams it, when the stream ends).
async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let headers = request.headers();
    let request_id = request_id::for_request(headers.get(request_id::HEADER).map(|v| v.as_bytes()));
    let route = metrics::route_index(request.uri().path());
    let traceparent = headers.get("traceparent").and_then(|v| v.to_str().ok());
    let mut observation = shared.telemetry.observe(started, &request_id, request.method().as_str(), request.uri().path(), metrics::ROUTES[route], traceparent);
    shared.heap.active();
    let (mut response, model) = route_request(&shared, request, started, &mut observation).await;
    // Always a valid header value: `for_request` keeps only visible ASCII.
    if let Ok(value) = hyper::header::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(request_id::HEADER, value);
    }
    // Which policy answered, on every route: a chat response already names the one that served
    // it (a swap may have happened since); any other is the policy in service now.
    if !response.headers().contains_key(POLICY_HEADER)
        && let Ok(value) = hyper::header::HeaderValue::from_str(shared.host.current().info_line())
    {
        response.headers_mut().insert(POLICY_HEADER, value);
    }
    let status = response.status().as_u16();
    shared.metrics.request(route, status, &model, started.elapsed());
    observation.finish(status);
    Ok(response)
}

async fn route_request(shared: &Arc<Shared>, request: Request<Incoming>, started: Instant, observation: &mut Observation) -> Reply {
    let path = request.uri().path();
    let method = request.method();
    let open = matches!(path, "/healthz" | "/readyz");
    if !open && let Some(key) = &shared.client_key {
        if !key.accepts_headers(request.headers()) {
            if anthropic::is_messages_path(path) {
                return anthropic::reject(observation, anthropic::unauthorized());
            }
            return reject(observation, HttpError::unauthorized());
        }
        observation.client(shared.client_key_id.as_deref());
    }
    let response = match (path, method) {
        ("/v1/chat/completions", &Method::POST) => return openai::chat::chat(shared, request, started, observation).await,
        ("/v1/embeddings", &Method::POST) => return embeddings::embeddings(shared, request, observation).await,
        _ if openai::responses::is_responses_path(path) => return openai::responses::serve(shared, request, started, observation).await,
        ("/v1/models", &Method::GET) => match ops::models(shared, request.uri().query()).await {
            Ok(response) => response,
            Err(error) => return reject(observation, error),
        },
        ("/healthz", &Method::GET) => json_response(200, &serde_json::json!({ "status": "ok" })),
        ("/readyz", &Method::GET) => ops::ready(shared).await,
        ("/metrics", &Method::GET) => ops::metrics(shared),
        ("/admin/policy", &Method::POST) if shared.client_key.is_some() => match ops::admin_reload(shared).await {
            Ok(response) => response,
            Err(error) => return reject(observation, error),
        },
        ("/v1/embeddings", _) => return reject(observation, HttpError::method_not_allowed("POST")),
        (anthropic::MESSAGES_PATH, &Method::POST) => return anthropic::messages(shared, request, started, observation).await,
        (anthropic::COUNT_TOKENS_PATH, &Method::POST) => return anthropic::count_tokens(shared, request, observation).await,
        (anthropic::MESSAGES_PATH | anthropic::COUNT_TOKENS_PATH, _) => return anthropic::reject(observation, HttpError::method_not_allowed("POST")),
        _ if anthropic::is_messages_path(path) => return anthropic::reject(observation, HttpError::not_found(path)),
        ("/v1/chat/completions" | "/admin/policy", _) if path != "/admin/policy" || shared.client_key.is_some() => {
            return reject(observation, HttpError::method_not_allowed("POST"));
        }
        ("/v1/models" | "/healthz" | "/readyz" | "/metrics", _) => return reject(observation, HttpError::method_not_allowed("GET")),
        _ => return reject(observation, HttpError::not_found(path)),
    };
    (response, String::new())
}

/// An error response in OpenAI's shape, its class recorded.
fn reject(observation: &mut Observation, error: HttpError) -> Reply {
    call::ErrorShape::OpenAi.reject(observation, error)
}

/// The error class the access log and traces record for a failed request: the OpenAI error
/// `code` the client received (`rate_limit_exceeded`, `model_not_found`, `invalid_json`,
/// `policy_trap`, ...), else its `type`. Low-cardinality by construction.
fn error_class(error: &HttpError) -> &str {
    error.code.as_deref().unwrap_or(error.kind)
}

/// A JSON response.
fn json_response(status: u16, value: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Body::full(value.to_string()));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

impl From<HttpError> for Response<Body> {
    fn from(error: HttpError) -> Self {
        json_response(error.status, &error.body())
    }
}
