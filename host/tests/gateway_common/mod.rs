//! Helpers of the gateway tests: an in-process gateway on 127.0.0.1:0 in front of an
//! in-process emulator, and a small HTTP/1.1 client (hyper) that also reads SSE.

#![allow(dead_code)]

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, RunningEmulator};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use openclaw_host::aws::Bedrock;
use openclaw_host::aws::environment::AwsEnvironment;
use openclaw_host::capability::{BedrockAccess, Capabilities};
use openclaw_host::gateway::{Gateway, GatewayHandle, GatewayOptions};
use openclaw_host::sandbox::{Limits, PolicyHost, PolicySource};
use openclaw_host::types::RegionEnvironment;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An on-demand model of the emulator's catalog.
pub const MODEL: &str = "amazon.nova-pro-v1:0";
/// Longest any single test request may take.
pub const REQUEST_LIMIT: Duration = Duration::from_secs(30);

/// A gateway serving in this process, its emulator, and a directory for its files.
pub struct TestGateway {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its controls.
    pub handle: GatewayHandle,
    /// The emulator behind it.
    pub emulator: RunningEmulator,
    /// The policy file it watches (`policy.wasm` in `dir`).
    pub policy_file: PathBuf,
    /// The config file it watches (`openclaw.json` in `dir`).
    pub config_file: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

/// How to start a [`TestGateway`].
pub struct Setup {
    /// The component copied to the watched policy file first.
    pub policy: PathBuf,
    /// Sandbox limits.
    pub limits: Limits,
    /// Adjusts the options (listen and files are set already).
    pub options: Box<dyn FnOnce(&mut GatewayOptions) + Send>,
    /// The config file's first text, if any.
    pub config: Option<String>,
    /// Whether the gateway's AWS environment holds the emulator's keys (without them no
    /// credentials resolve: no file, no IMDS).
    pub keys: bool,
    /// A compile cache directory shared across gateways (none: every load compiles).
    pub compile_cache: Option<PathBuf>,
}

impl Default for Setup {
    fn default() -> Self {
        Self { policy: embedded_policy_file(), limits: Limits::default(), options: Box::new(|_| {}), config: None, keys: true, compile_cache: None }
    }
}

/// The embedded default policy written to a file once (so it can be watched and swapped back).
pub fn embedded_policy_file() -> PathBuf {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("openclaw-gateway-tests-{}-default.wasm", std::process::id()));
        std::fs::write(&path, PolicySource::embedded_bytes()).expect("write the embedded policy");
        path
    })
    .clone()
}

/// Bedrock access to `emulator` with its default keys, one attempt per call (faults show as is).
pub async fn bedrock_for(emulator: &RunningEmulator) -> Arc<dyn BedrockAccess> {
    bedrock_with(emulator, true).await
}

/// Bedrock access to `emulator`, with its default keys or with no credentials at all.
pub async fn bedrock_with(emulator: &RunningEmulator, keys: bool) -> Arc<dyn BedrockAccess> {
    let mut vars = vec![("AWS_ENDPOINT_URL", emulator.endpoint()), ("AWS_REGION", "us-east-1".to_string()), ("AWS_EC2_METADATA_DISABLED", "true".to_string())];
    if keys {
        vars.extend([("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID.to_string()), ("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY.to_string())]);
    }
    Arc::new(Bedrock::builder(AwsEnvironment::from_vars(vars)).max_attempts(1).build().await)
}

/// The emulator's runtime calls so far: operation and JSON body, oldest first.
pub fn runtime_calls(emulator: &RunningEmulator) -> Vec<(String, Value)> {
    emulator.request_log().into_iter().filter(|entry| entry.path.starts_with("/model/")).map(|entry| (entry.operation.clone(), entry.body_json())).collect()
}

impl TestGateway {
    /// The default policy, default options.
    pub async fn start() -> Self {
        Self::start_with(Setup::default()).await
    }

    /// Starts an emulator and a gateway in front of it.
    pub async fn start_with(setup: Setup) -> Self {
        let emulator = Emulator::builder().region("us-east-1").start().await.expect("emulator");
        let dir = tempfile::tempdir().expect("temp dir");
        let policy_file = dir.path().join("policy.wasm");
        std::fs::copy(&setup.policy, &policy_file).expect("copy the policy");
        let config_file = dir.path().join("openclaw.json");
        if let Some(text) = &setup.config {
            std::fs::write(&config_file, text).expect("config");
        }
        let mut builder = PolicyHost::builder().limits(setup.limits);
        if let Some(dir) = &setup.compile_cache {
            builder = builder.compile_cache(dir);
        }
        let host = builder.build(PolicySource::File(policy_file.clone())).await.expect("policy loads");
        let environment = Arc::new(RegionEnvironment { aws_region: Some("us-east-1".into()), ..RegionEnvironment::default() });
        let capabilities = Capabilities { environment, bedrock: Some(bedrock_with(&emulator, setup.keys).await) };
        let mut options = GatewayOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            policy_file: Some(policy_file.clone()),
            config_path: Some(config_file.clone()),
            watch_interval: Duration::from_millis(50),
            request_timeout: Duration::from_secs(20),
            grace_period: Duration::from_secs(5),
            ..GatewayOptions::default()
        };
        (setup.options)(&mut options);
        let gateway = Gateway::bind(options, Arc::new(host), capabilities).await.expect("gateway binds");
        let (addr, handle) = (gateway.local_addr(), gateway.handle());
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(gateway.serve(async move {
            let _ = stop.await;
        }));
        Self { addr, handle, emulator, policy_file, config_file, shutdown: Some(shutdown), task: Some(task), _dir: dir }
    }

    /// Begins shutdown and returns the task that ends when the gateway has stopped.
    pub fn begin_shutdown(&mut self) -> tokio::task::JoinHandle<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.take().expect("still running")
    }

    /// A POST of a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        send(self.addr, "POST", path, &[("content-type", "application/json")], body.to_string().into_bytes()).await
    }

    /// A GET.
    pub async fn get(&self, path: &str) -> Response {
        send(self.addr, "GET", path, &[], Vec::new()).await
    }

    /// A chat completion request for `prompt`.
    pub async fn chat(&self, prompt: &str, stream: bool) -> Response {
        self.post("/v1/chat/completions", &chat_body(prompt, stream)).await
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// A chat body for the emulator's model.
pub fn chat_body(prompt: &str, stream: bool) -> Value {
    json!({ "model": MODEL, "stream": stream, "messages": [{ "role": "user", "content": prompt }] })
}

/// A response read to the end.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body (as far as it came).
    pub body: String,
    /// Whether the body ended normally (false: the connection broke mid-body).
    pub complete: bool,
}

impl Response {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The SSE `data:` payloads, in order.
    pub fn events(&self) -> Vec<String> {
        self.body.split("\n\n").filter_map(|event| event.strip_prefix("data: ")).map(str::to_string).collect()
    }

    /// The streamed text: every chunk's `delta.content` joined.
    pub fn streamed_text(&self) -> String {
        self.events()
            .iter()
            .filter_map(|e| serde_json::from_str::<Value>(e).ok())
            .filter_map(|chunk| chunk["choices"][0]["delta"]["content"].as_str().map(str::to_string))
            .collect()
    }

    /// The non-streamed text: `choices[0].message.content`.
    pub fn text(&self) -> String {
        self.json()["choices"][0]["message"]["content"].as_str().unwrap_or_default().to_string()
    }
}

/// Sends one request on a new connection and reads the whole response (bounded in time).
pub async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Response {
    tokio::time::timeout(REQUEST_LIMIT, send_unbounded(addr, method, path, headers, body)).await.unwrap_or_else(|_| panic!("{method} {path} took too long"))
}

async fn send_unbounded(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Response {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(connection);
    let mut request = hyper::Request::builder().method(method).uri(path).header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::from(body))).expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    let headers = response.headers().iter().map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let mut body = response.into_body();
    let (mut bytes, mut complete) = (Vec::new(), true);
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => bytes.extend_from_slice(frame.data_ref().map(|d| d.as_ref()).unwrap_or_default()),
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    Response { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), complete }
}

/// Waits until `check` holds, polling every 20 ms for at most `limit`.
pub async fn eventually(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
