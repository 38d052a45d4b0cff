//! Three gateway processes behind haproxy, in front of one emulator, under steady bounded load
//! of streamed and whole chat requests:
//!
//! - SIGTERM: the replica first fails its readiness (while still serving), haproxy takes it
//!   out, the streams it held finish, it exits 0, and no request fails;
//! - SIGKILL: only the streams the replica held are lost (counted), and haproxy's retries keep
//!   whole requests at zero failures;
//! - a policy file changed under all three is live on each, with zero failed requests.
//!
//! haproxy is Debian's package (`apt-get install haproxy`). Without it the test says so and
//! passes, unless `OPENCLAW_REQUIRE_CLIENTS=1`, where it fails. Waits are for events (a
//! server's state in haproxy, a readiness answer, an exit), never for a fixed time.

use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, Emulator, Fault, FaultRule};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use openclaw_host::sandbox::PolicySource;
use openclaw_test_support::{TestGuest, TestHome, free_port};
use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_openclaw-bedrock");
const MODEL: &str = "amazon.nova-pro-v1:0";
/// Twelve words: a stream of a dozen events, paced by the emulator, lasts about a second.
const PROMPT: &str = "one two three four five six seven eight nine ten eleven twelve";
const EVENT_PACE_MS: u64 = 80;
/// Streamed and whole clients running at once: the load's bound.
const STREAM_CLIENTS: usize = 4;
const WHOLE_CLIENTS: usize = 4;
/// How long a replica stays up but not ready after SIGTERM (its `/readyz` answers 503 from
/// the signal on): many times haproxy's check interval (200 ms, one failure marks it down).
const DRAIN_SECS: u64 = 3;
/// The outer bound on any wait for an event: only there so that a broken build fails rather
/// than hangs; nothing asserts on how long things took.
const PATIENCE: Duration = Duration::from_secs(120);

fn required() -> bool {
    std::env::var("OPENCLAW_REQUIRE_CLIENTS").is_ok_and(|v| v == "1")
}

fn haproxy_available() -> bool {
    Command::new("haproxy").arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Waits until `check` holds, polling every 50 ms; panics after [`PATIENCE`] naming `what`.
async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < PATIENCE, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One gateway process.
struct Replica {
    name: &'static str,
    port: u16,
    child: Child,
}

impl Drop for Replica {
    /// A failing test must not leave gateways running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Everything the replicas share: the home, the emulator's endpoint, the watched files.
struct Fleet {
    home: TestHome,
    endpoint: String,
    policy_file: PathBuf,
    config_file: PathBuf,
    logs: PathBuf,
}

impl Fleet {
    /// Starts `openclaw-bedrock gateway` on `port` and waits for its address line.
    fn start(&self, name: &'static str, port: u16) -> Replica {
        let mut command = Command::new(BINARY);
        self.home.apply(&mut command);
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.logs.join(format!("{name}.log"))).expect("log file");
        command
            .envs([
                ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY),
            ])
            .arg("--policy")
            .arg(&self.policy_file)
            .arg("--config")
            .arg(&self.config_file)
            .args(["gateway", "--listen", &format!("127.0.0.1:{port}"), "--drain-period", &DRAIN_SECS.to_string(), "--grace-period", "30"])
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = command.spawn().expect("the gateway starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the address line");
        assert_eq!(line.trim_end(), format!("listening on http://127.0.0.1:{port}"), "{name}");
        Replica { name, port, child }
    }
}

/// haproxy in the foreground, its stats socket, its port.
struct Haproxy {
    child: Child,
    port: u16,
    socket: PathBuf,
}

impl Haproxy {
    fn start(dir: &Path, replicas: &[&Replica]) -> Self {
        let port = free_port();
        let socket = dir.join("haproxy.sock");
        let servers: String = replicas.iter().map(|r| format!("    server {} 127.0.0.1:{} check inter 200ms fall 1 rise 2\n", r.name, r.port)).collect();
        // Retries (with redispatch to another server) cover a refused connection and a server
        // that closed without answering; health checks ask /readyz.
        let config = format!(
            "global\n    maxconn 256\n    stats socket {socket} mode 600 level admin\n\
             defaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n    timeout check 6s\n\
             \x20   retries 3\n    option redispatch 1\n    retry-on conn-failure empty-response response-timeout\n\
             frontend clients\n    bind 127.0.0.1:{port}\n    default_backend gateways\n\
             backend gateways\n    balance roundrobin\n    option httpchk GET /readyz\n    http-check expect status 200\n\
             \x20   http-response set-header x-served-by %s\n{servers}",
            socket = socket.display()
        );
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).expect("haproxy config");
        let log = std::fs::File::create(dir.join("haproxy.log")).expect("log");
        let child = Command::new("haproxy").arg("-db").arg("-f").arg(&path).stdout(Stdio::null()).stderr(log).spawn().expect("haproxy starts");
        Self { child, port, socket }
    }

    /// Each server's state as haproxy sees it (`UP`, `DOWN`, `UP 1/2`, ...).
    fn states(&self) -> HashMap<String, String> {
        let Ok(mut stream) = std::os::unix::net::UnixStream::connect(&self.socket) else { return HashMap::new() };
        let mut text = String::new();
        if stream.write_all(b"show stat\n").is_err() || stream.read_to_string(&mut text).is_err() {
            return HashMap::new();
        }
        text.lines()
            .filter_map(|line| {
                let fields: Vec<&str> = line.split(',').collect();
                (fields.first() == Some(&"gateways") && fields.len() > 17 && !matches!(fields[1], "BACKEND" | "FRONTEND"))
                    .then(|| (fields[1].to_string(), fields[17].to_string()))
            })
            .collect()
    }

    async fn until_state(&self, server: &str, state: &str) {
        until(&format!("haproxy sees {server} {state}"), async || self.states().get(server).is_some_and(|s| s == state)).await;
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Stream,
    Whole,
}

/// How one request through haproxy ended.
#[derive(Debug, Clone)]
struct Outcome {
    id: u64,
    kind: Kind,
    phase: u8,
    /// The replica that answered (haproxy's `x-served-by`), once headers arrived.
    server: Option<String>,
    /// When the response headers arrived.
    headers_at: Option<Instant>,
    ended_at: Instant,
    ok: bool,
    policy: Option<String>,
    detail: String,
}

/// The load's shared record: what is in flight where, and every outcome.
#[derive(Default)]
struct Tally {
    next: AtomicU64,
    phase: AtomicU8,
    in_flight: Mutex<HashMap<u64, (Kind, String)>>,
    outcomes: Mutex<Vec<Outcome>>,
}

impl Tally {
    fn streams_in_flight_on(&self, server: &str) -> Vec<u64> {
        self.in_flight.lock().unwrap().iter().filter(|(_, (kind, s))| *kind == Kind::Stream && s == server).map(|(id, _)| *id).collect()
    }

    fn outcomes(&self) -> Vec<Outcome> {
        self.outcomes.lock().unwrap().clone()
    }

    fn completed(&self) -> usize {
        self.outcomes.lock().unwrap().len()
    }
}

fn chat_body(stream: bool) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "model": MODEL, "stream": stream, "messages": [{ "role": "user", "content": PROMPT }] })).expect("json")
}

/// The reply text: the emulator echoes the prompt (the alternative policy prefixes it).
fn is_the_reply(text: &str) -> bool {
    text.trim_start_matches("[alt-policy] ") == format!("Echo: {PROMPT}")
}

/// A streamed body's text, when it ended with `[DONE]`.
fn streamed_text(body: &str) -> Option<String> {
    let data: Vec<&str> = body.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
    if data.last() != Some(&"[DONE]") {
        return None;
    }
    let mut text = String::new();
    for chunk in &data[..data.len() - 1] {
        let value: serde_json::Value = serde_json::from_str(chunk).ok()?;
        if let Some(piece) = value["choices"][0]["delta"]["content"].as_str() {
            text.push_str(piece);
        }
    }
    Some(text)
}

/// Sends one chat to `port` on a new connection, recording it in flight once headers arrive.
async fn one_request(port: u16, kind: Kind, tally: &Tally) -> Outcome {
    let id = tally.next.fetch_add(1, Ordering::SeqCst);
    let mut outcome = Outcome { id, kind, phase: 0, server: None, headers_at: None, ended_at: Instant::now(), ok: false, policy: None, detail: String::new() };
    let result: Result<(), String> = async {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| format!("connect: {e}"))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(connection);
        let request = hyper::Request::post("/v1/chat/completions")
            .header("host", format!("127.0.0.1:{port}"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(chat_body(kind == Kind::Stream))))
            .map_err(|e| e.to_string())?;
        let response = sender.send_request(request).await.map_err(|e| format!("no response: {e}"))?;
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        outcome.server = header("x-served-by");
        outcome.policy = header("openclaw-policy");
        outcome.headers_at = Some(Instant::now());
        let status = response.status().as_u16();
        if let Some(server) = &outcome.server {
            tally.in_flight.lock().unwrap().insert(id, (kind, server.clone()));
        }
        let body = response.into_body().collect().await.map(|b| b.to_bytes());
        tally.in_flight.lock().unwrap().remove(&id);
        let body = String::from_utf8_lossy(&body.map_err(|e| format!("body cut: {e}"))?).into_owned();
        if status != 200 {
            return Err(format!("status {status}: {body}"));
        }
        let text = match kind {
            Kind::Stream => streamed_text(&body).ok_or_else(|| format!("stream without [DONE]: {body}"))?,
            Kind::Whole => serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["choices"][0]["message"]["content"].as_str().map(str::to_string))
                .unwrap_or_default(),
        };
        if is_the_reply(&text) { Ok(()) } else { Err(format!("unexpected reply {text:?}")) }
    }
    .await;
    outcome.ended_at = Instant::now();
    // A request counts in the phase it ended in: a stream begun earlier and cut by this
    // phase's event belongs to this phase.
    outcome.phase = tally.phase.load(Ordering::SeqCst);
    match result {
        Ok(()) => outcome.ok = true,
        Err(detail) => outcome.detail = detail,
    }
    outcome
}

/// A client sending requests of one kind back to back until `stop`.
async fn client(port: u16, kind: Kind, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        let outcome = one_request(port, kind, &tally).await;
        tally.outcomes.lock().unwrap().push(outcome);
    }
}

/// A whole chat sent straight to one replica: the policy that served it.
async fn policy_of(port: u16) -> Option<String> {
    let tally = Tally::default();
    let outcome = one_request(port, Kind::Whole, &tally).await;
    outcome.ok.then_some(outcome.policy).flatten()
}

/// `GET /readyz` straight to one replica: its status code, or `None` when it does not answer.
async fn readiness(port: u16) -> Option<u16> {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.ok()?;
    tokio::spawn(connection);
    let request = hyper::Request::get("/readyz").header("host", "127.0.0.1").body(Full::new(Bytes::new())).ok()?;
    let response = sender.send_request(request).await.ok()?;
    Some(response.status().as_u16())
}

fn signal(replica: &Replica, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &replica.child.id().to_string()]).status().expect("kill runs");
    assert!(status.success(), "kill -{name} {}", replica.name);
}

/// Waits for a replica's process to end; its exit code (`None` when killed by a signal).
async fn exited(mut replica: Replica) -> Option<i32> {
    tokio::task::spawn_blocking(move || replica.child.wait().expect("wait").code()).await.expect("join")
}

/// Waits until `count` more requests have completed than `since`.
async fn more_completed(tally: &Tally, since: usize, count: usize) {
    until(&format!("{count} more requests complete"), async || tally.completed() >= since + count).await;
}

fn failures(outcomes: &[Outcome], phase: u8) -> Vec<&Outcome> {
    outcomes.iter().filter(|o| o.phase == phase && !o.ok).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_behind_haproxy_drain_die_and_swap_without_failed_requests() {
    if !haproxy_available() {
        assert!(!required(), "haproxy is required (OPENCLAW_REQUIRE_CLIENTS=1): apt-get install haproxy");
        eprintln!("SKIPPED: haproxy is not installed (apt-get install haproxy); the three-replica test did not run");
        return;
    }
    let emulator = Emulator::builder().region("us-east-1").start().await.expect("emulator");
    emulator.faults().push(FaultRule::new(Fault::DelayEvents { ms: EVENT_PACE_MS }).operation("ConverseStream").times(u32::MAX));
    let dir = tempfile::tempdir().expect("temp dir");
    let policy_file = dir.path().join("policy.wasm");
    std::fs::write(&policy_file, PolicySource::embedded_bytes()).expect("the default policy as a file");
    let config_file = dir.path().join("openclaw.json");
    std::fs::write(&config_file, "{ models: { bedrockDiscovery: { enabled: false } } }").expect("config");
    let fleet = Fleet { home: TestHome::empty().expect("home"), endpoint: emulator.endpoint(), policy_file, config_file, logs: dir.path().to_path_buf() };
    let ports = [free_port(), free_port(), free_port()];
    let mut replicas: Vec<Option<Replica>> = ["g0", "g1", "g2"].iter().zip(ports).map(|(name, port)| Some(fleet.start(name, port))).collect();
    let haproxy = Haproxy::start(dir.path(), &replicas.iter().map(|r| r.as_ref().expect("started")).collect::<Vec<_>>());
    for name in ["g0", "g1", "g2"] {
        haproxy.until_state(name, "UP").await;
    }

    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for kind in std::iter::repeat_n(Kind::Stream, STREAM_CLIENTS).chain(std::iter::repeat_n(Kind::Whole, WHOLE_CLIENTS)) {
        clients.push(tokio::spawn(client(haproxy.port, kind, Arc::clone(&tally), Arc::clone(&stop))));
    }
    more_completed(&tally, 0, 40).await;

    // 1. SIGTERM on g0 while it holds streams.
    tally.phase.store(1, Ordering::SeqCst);
    until("g0 holds two streams", async || tally.streams_in_flight_on("g0").len() >= 2).await;
    let g0 = replicas[0].take().expect("g0");
    signal(&g0, "TERM");
    let held_at_term = tally.streams_in_flight_on("g0");
    until("g0's /readyz answers 503", async || readiness(g0.port).await == Some(503)).await;
    let mut g0 = g0;
    assert!(g0.child.try_wait().expect("try_wait").is_none(), "g0 stopped before its readiness failed");
    haproxy.until_state("g0", "DOWN").await;
    let since = tally.completed();
    assert_eq!(exited(g0).await, Some(0), "g0 exits 0 after SIGTERM");
    more_completed(&tally, since, 20).await;
    let outcomes = tally.outcomes();
    for id in &held_at_term {
        let held = outcomes.iter().find(|o| o.id == *id).expect("a held stream completed");
        assert!(held.ok, "a stream g0 held at SIGTERM failed: {held:?}");
    }
    let failed = failures(&outcomes, 1);
    assert!(failed.is_empty(), "requests failed around SIGTERM: {failed:#?}");
    let phase1 = outcomes.iter().filter(|o| o.phase == 1).count();
    eprintln!("SIGTERM: g0 held {} streams, all finished; {phase1} requests, 0 failed", held_at_term.len());
    replicas[0] = Some(fleet.start("g0", ports[0]));
    haproxy.until_state("g0", "UP").await;

    // 2. SIGKILL on g1 while it holds streams.
    tally.phase.store(2, Ordering::SeqCst);
    until("g1 holds two streams", async || tally.streams_in_flight_on("g1").len() >= 2).await;
    let g1 = replicas[1].take().expect("g1");
    let kill_sent = Instant::now();
    signal(&g1, "KILL");
    let killed_at = Instant::now();
    assert_eq!(exited(g1).await, None, "g1 was killed");
    haproxy.until_state("g1", "DOWN").await;
    let since = tally.completed();
    more_completed(&tally, since, 40).await;
    let outcomes = tally.outcomes();
    let failed = failures(&outcomes, 2);
    let whole_failed: Vec<_> = failed.iter().filter(|o| o.kind == Kind::Whole).collect();
    assert!(whole_failed.is_empty(), "whole requests failed around SIGKILL: {whole_failed:#?}");
    // The streams g1 held: their headers came from it before the kill, and they ended after
    // it was sent. (Read from the outcomes, not from a snapshot of the streams in flight: a
    // snapshot taken after the kill misses a stream cut before it, one taken before it misses
    // a stream that began meanwhile.)
    let held_by_g1 =
        |o: &Outcome| o.kind == Kind::Stream && o.server.as_deref() == Some("g1") && o.headers_at.is_some_and(|at| at <= killed_at) && o.ended_at >= kill_sent;
    for lost in &failed {
        assert!(held_by_g1(lost), "a stream g1 did not hold was lost: {lost:?}");
    }
    // A held stream whose last bytes were already on their way may still complete; none
    // other than the held ones may be lost, and the kill did cut some.
    let held: Vec<_> = outcomes.iter().filter(|o| held_by_g1(o)).collect();
    assert!(!failed.is_empty() && failed.len() <= held.len(), "lost streams: {failed:#?}, held at the kill: {held:#?}");
    let phase2 = outcomes.iter().filter(|o| o.phase == 2).count();
    let whole2 = outcomes.iter().filter(|o| o.phase == 2 && o.kind == Kind::Whole).count();
    eprintln!("SIGKILL: g1 held {} streams, {} lost; {phase2} requests ({whole2} whole, 0 failed)", held.len(), failed.len());
    replicas[1] = Some(fleet.start("g1", ports[1]));
    haproxy.until_state("g1", "UP").await;

    // 3. A new policy under all three.
    tally.phase.store(3, Ordering::SeqCst);
    let staged = dir.path().join("policy.wasm.new");
    std::fs::copy(TestGuest::AltPolicy.path(), &staged).expect("stage the new policy");
    let changed_at = Instant::now();
    std::fs::rename(&staged, &fleet.policy_file).expect("swap the policy file");
    for (replica, port) in ["g0", "g1", "g2"].iter().zip(ports) {
        until(&format!("{replica} serves alt-policy"), async || policy_of(port).await.is_some_and(|p| p.starts_with("alt-policy"))).await;
        eprintln!("policy: {replica} serves alt-policy {} ms after the change", changed_at.elapsed().as_millis());
    }
    let swapped_from = tally.next.load(Ordering::SeqCst);
    let since = tally.completed();
    more_completed(&tally, since, 40).await;
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.expect("client");
    }
    let outcomes = tally.outcomes();
    let failed = failures(&outcomes, 3);
    assert!(failed.is_empty(), "requests failed around the policy change: {failed:#?}");
    let after: Vec<_> = outcomes.iter().filter(|o| o.phase == 3 && o.id >= swapped_from).collect();
    assert!(after.iter().all(|o| o.policy.as_deref().is_some_and(|p| p.starts_with("alt-policy"))), "a request after the swap ran the old policy");
    eprintln!("policy change: {} requests, 0 failed", outcomes.iter().filter(|o| o.phase == 3).count());

    for replica in replicas.into_iter().flatten() {
        signal(&replica, "TERM");
        exited(replica).await;
    }
    drop(haproxy);
}
