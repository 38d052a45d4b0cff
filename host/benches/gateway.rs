//! The gateway's cost, side by side in one interleaved run on loopback: the same chat requests
//! sent directly to the Bedrock emulator (Converse / ConverseStream with a bearer token) and
//! through two `openclaw-bedrock gateway` processes (the release binary) in front of the same emulator,
//! one with the default config (a `model`, discovery on: the credentials are visible) and one
//! with discovery off; sequential and at 64 and 256 concurrent, whole and streamed, each through
//! Chat Completions and through the Responses API (`store: false`, issue 25). Reports
//! latency p50/p99, time to first token, throughput, the gateway process's CPU time per request
//! (every thread, from `/proc/<pid>/task/*/schedstat` before and after each scenario), and its
//! RSS idle and with 1,000 open streams.
//!
//! `cargo bench -p openclaw-host --bench gateway`; `OPENCLAW_BENCH_SCALE=0.2` runs fewer
//! requests; `OPENCLAW_BENCH_BASELINE=/path/to/an/older/openclaw` adds a third gateway, that
//! binary with the default config, interleaved with the others (a before/after in one run). The load generator (hyper, one keep-alive connection per concurrent client) and
//! the emulator share this process; each gateway runs in its own.
//! `OPENCLAW_BENCH_POLICIES=name=path.wasm,...` adds one gateway per policy component (this
//! binary, the default config, `--policy path.wasm`) to the same interleaved run, so the CPU per
//! request of a policy (e.g. the examples of `examples/policies/`) sits beside the default's.
//! One more gateway, "default, telemetry on", exports traces and metrics over OTLP/HTTP to a
//! collector in this process (tests/support's, on the official OTLP types): its CPU per
//! request beside "default" is what telemetry costs (issue 31).

use bedrock_emulator::{DEFAULT_BEARER_TOKEN, Emulator, Fault, FaultRule, RunningEmulator};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MODEL: &str = "amazon.nova-pro-v1:0";
const PROMPT: &str = "benchmark prompt of eight words in total";
const OPEN_STREAMS: usize = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Direct,
    /// The gateway's Chat Completions.
    Gateway,
    /// The gateway's Responses API (`store: false`, as Codex sends it).
    Responses,
    /// The gateway's Messages API on Claude: the client's body through InvokeModel (issue 24);
    /// an older binary translates it to Converse, which this row then compares.
    ClaudeMessages,
}

/// The gateway APIs every gateway is measured on (each a row), when it serves them.
const APIS: [Path; 3] = [Path::Gateway, Path::Responses, Path::ClaudeMessages];

impl Path {
    fn label(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Gateway => "chat",
            Self::Responses => "responses",
            Self::ClaudeMessages => "messages (Claude)",
        }
    }
}

/// One request of a scenario, and the bytes that mark its first generated text.
fn request(path: Path, addr: SocketAddr, stream: bool) -> (hyper::Request<Full<Bytes>>, &'static [u8]) {
    let builder = hyper::Request::builder().method("POST").header("host", addr.to_string()).header("content-type", "application/json");
    match path {
        Path::Direct => {
            let operation = if stream { "converse-stream" } else { "converse" };
            let body = serde_json::json!({ "messages": [{ "role": "user", "content": [{ "text": PROMPT }] }], "inferenceConfig": { "maxTokens": 100 } });
            let request = builder
                .uri(format!("/model/{MODEL}/{operation}"))
                .header("authorization", format!("Bearer {DEFAULT_BEARER_TOKEN}"))
                .body(Full::new(Bytes::from(body.to_string())))
                .expect("request");
            (request, if stream { b"contentBlockDelta" } else { b"Echo:" })
        }
        Path::Gateway => {
            let body = serde_json::json!({ "model": MODEL, "stream": stream, "max_tokens": 100, "messages": [{ "role": "user", "content": PROMPT }] });
            let request = builder.uri("/v1/chat/completions").body(Full::new(Bytes::from(body.to_string()))).expect("request");
            (request, if stream { b"\"content\":\"Echo" } else { b"Echo:" })
        }
        Path::Responses => {
            let body = serde_json::json!({ "model": MODEL, "stream": stream, "store": false, "max_output_tokens": 100, "input": PROMPT });
            let request = builder.uri("/v1/responses").body(Full::new(Bytes::from(body.to_string()))).expect("request");
            (request, if stream { b"\"delta\":\"Echo" } else { b"Echo:" })
        }
        Path::ClaudeMessages => {
            let body = serde_json::json!({ "model": CLAUDE, "stream": stream, "max_tokens": 100, "messages": [{ "role": "user", "content": PROMPT }] });
            let request =
                builder.uri("/v1/messages").header("anthropic-version", "2023-06-01").body(Full::new(Bytes::from(body.to_string()))).expect("request");
            (request, b"Echo")
        }
    }
}

/// The Claude model of the Messages rows.
const CLAUDE: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// Whether the gateway at `addr` serves `path` (an older binary may not: `/v1/responses`).
async fn serves(path: Path, addr: SocketAddr) -> bool {
    let (request, _) = request(path, addr, false);
    let mut sender = connect(addr).await;
    sender.ready().await.is_ok() && sender.send_request(request).await.is_ok_and(|response| response.status() == 200)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Latency to the whole response and to the first text, per request.
struct Sample {
    total: Duration,
    first_text: Duration,
}

async fn connect(addr: SocketAddr) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(connection);
    sender
}

async fn one(sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>, path: Path, addr: SocketAddr, stream: bool) -> Sample {
    let (request, marker) = request(path, addr, stream);
    let started = Instant::now();
    sender.ready().await.expect("connection ready");
    let response = sender.send_request(request).await.expect("response");
    assert_eq!(response.status(), 200, "{:?}", path as u8);
    let mut body = response.into_body();
    let mut seen = Vec::new();
    let mut first_text = None;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("body").into_data() {
            seen.extend_from_slice(&data);
            if first_text.is_none() && contains(&seen, marker) {
                first_text = Some(started.elapsed());
            }
        }
    }
    let total = started.elapsed();
    Sample { total, first_text: first_text.unwrap_or(total) }
}

/// `concurrency` clients, each on its own connection (opened before the clock starts, so that
/// connection set-up and listen backlogs are not measured), `per_client` requests each.
async fn scenario(path: Path, addr: SocketAddr, stream: bool, concurrency: usize, per_client: usize) -> (Vec<Sample>, Duration) {
    let mut senders = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        senders.push(connect(addr).await);
    }
    let started = Instant::now();
    let mut clients = Vec::new();
    for mut sender in senders {
        clients.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                samples.push(one(&mut sender, path, addr, stream).await);
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for client in clients {
        samples.extend(client.await.expect("client"));
    }
    (samples, started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Summary {
    p50: Duration,
    p99: Duration,
    ttft50: Duration,
    rps: f64,
}

fn summarize(samples: &[Sample], elapsed: Duration) -> Summary {
    let mut totals: Vec<Duration> = samples.iter().map(|s| s.total).collect();
    let mut firsts: Vec<Duration> = samples.iter().map(|s| s.first_text).collect();
    totals.sort();
    firsts.sort();
    Summary {
        p50: percentile(&totals, 0.5),
        p99: percentile(&totals, 0.99),
        ttft50: percentile(&firsts, 0.5),
        rps: samples.len() as f64 / elapsed.as_secs_f64(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn added(gateway: Duration, direct: Duration) -> String {
    format!("{:+.3}", (gateway.as_secs_f64() - direct.as_secs_f64()) * 1e3)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

/// CPU time the process has run so far, every thread included, from the scheduler's own
/// accounting (`/proc/<pid>/task/<tid>/schedstat`, first field, nanoseconds). Threads that
/// ended in between are not counted: the gateway's worker and blocking threads stay alive
/// under load.
fn cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()))
        .sum()
}

/// The configs the gateways run with: (label, config file text).
const CONFIGS: [(&str, &str); 2] = [
    ("default", "{ model: 'amazon.nova-pro-v1:0' }"),
    ("discovery off", "{ model: 'amazon.nova-pro-v1:0', models: { bedrockDiscovery: { enabled: false } } }"),
];

/// One gateway compared: its label, binary, config file text, policy component (none: the
/// embedded default) and whether it exports telemetry over OTLP.
type GatewaySpec = (String, std::path::PathBuf, &'static str, Option<std::path::PathBuf>, bool);

/// The gateways compared: this build with each of [`CONFIGS`], the baseline binary with the
/// default config when one is given, and this build with the default config and each policy
/// of `OPENCLAW_BENCH_POLICIES`.
fn gateway_specs() -> Result<Vec<GatewaySpec>, String> {
    let this = std::path::PathBuf::from(env!("CARGO_BIN_EXE_openclaw-bedrock"));
    let mut specs: Vec<_> = CONFIGS.iter().map(|(label, config)| (label.to_string(), this.clone(), *config, None, false)).collect();
    specs.push(("default, telemetry on".to_string(), this.clone(), CONFIGS[0].1, None, true));
    if let Some(baseline) = std::env::var_os("OPENCLAW_BENCH_BASELINE") {
        specs.push(("default, baseline binary".to_string(), baseline.into(), CONFIGS[0].1, None, false));
    }
    for (name, component) in bench_policies()? {
        specs.push((format!("default, policy {name}"), this.clone(), CONFIGS[0].1, Some(component), false));
    }
    Ok(specs)
}

/// `OPENCLAW_BENCH_POLICIES=name=path.wasm,...`: each policy's label and component file.
fn bench_policies() -> Result<Vec<(String, std::path::PathBuf)>, String> {
    const VAR: &str = "OPENCLAW_BENCH_POLICIES";
    let Some(list) = std::env::var_os(VAR) else { return Ok(Vec::new()) };
    let list = list.into_string().map_err(|_| format!("{VAR} is not UTF-8"))?;
    let mut policies = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
        let (name, path) = entry
            .split_once('=')
            .map(|(name, path)| (name.trim(), path.trim()))
            .filter(|(name, path)| !name.is_empty() && !path.is_empty())
            .ok_or_else(|| format!("{VAR}: `{entry}` is not name=path.wasm"))?;
        let path = std::path::PathBuf::from(path);
        if !path.is_file() {
            return Err(format!("{VAR}: {name}: {} is not a file", path.display()));
        }
        policies.push((name.to_string(), path));
    }
    Ok(policies)
}

/// Starts `binary gateway` on 127.0.0.1:0 in front of the emulator, with `config` and `policy`,
/// exporting telemetry to `otlp` when given.
fn start_gateway(
    emulator: &RunningEmulator,
    (binary, config, policy, otlp): (&std::path::Path, &str, Option<&std::path::Path>, Option<&str>),
    home: &std::path::Path,
) -> (Child, SocketAddr) {
    std::fs::create_dir_all(home.join(".openclaw")).expect("state dir");
    std::fs::write(home.join(".openclaw").join("openclaw.json"), config).expect("config file");
    let mut command = Command::new(binary);
    if let Some(policy) = policy {
        command.arg("--policy").arg(policy);
    }
    command.args(["gateway", "--listen", "127.0.0.1:0", "--grace-period", "1", "--max-in-flight", "1200"]);
    if let Some(endpoint) = otlp {
        command.args(["--otlp-endpoint", endpoint]);
    }
    let mut child = command
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", emulator.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_BEARER_TOKEN_BEDROCK", DEFAULT_BEARER_TOKEN)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("openclaw-bedrock gateway starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("address line");
    let addr = line.trim().strip_prefix("listening on http://").and_then(|a| a.parse().ok()).unwrap_or_else(|| panic!("{line:?}"));
    (child, addr)
}

/// Opens `count` streams through the gateway, each held open by slow events, and returns the
/// gateway's RSS once every stream has its response headers.
async fn rss_with_open_streams(emulator: &RunningEmulator, gateway: SocketAddr, pid: u32, count: usize) -> u64 {
    emulator.faults().push(FaultRule::new(Fault::DelayEvents { ms: 5_000 }).operation("ConverseStream").times(count as u32));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(count);
    let mut holders = Vec::new();
    for _ in 0..count {
        let ready = ready_tx.clone();
        holders.push(tokio::spawn(async move {
            let mut sender = connect(gateway).await;
            let (request, _) = request(Path::Gateway, gateway, true);
            let response = sender.send_request(request).await.expect("response");
            let _ = ready.send(()).await;
            let mut body = response.into_body();
            while let Some(Ok(_)) = body.frame().await {}
        }));
    }
    for _ in 0..count {
        tokio::time::timeout(Duration::from_secs(60), ready_rx.recv()).await.expect("streams open in time");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss = rss_kib(pid);
    for holder in holders {
        holder.abort();
    }
    emulator.faults().clear();
    rss
}

/// The request shapes that once cost superlinear CPU (issue 30), and a plain one beside them.
#[derive(Clone, Copy)]
enum WorstShape {
    /// `/v1/messages` with text documents all titled alike.
    SameTitledDocuments,
    /// `/v1/messages/count_tokens` with the same documents.
    CountTokensDocuments,
    /// `/v1/chat/completions` with `file` parts all named alike.
    SameNamedFiles,
    /// `/v1/messages` with text blocks.
    TextBlocks,
}

impl WorstShape {
    const ALL: [Self; 4] = [Self::SameTitledDocuments, Self::CountTokensDocuments, Self::SameNamedFiles, Self::TextBlocks];

    fn label(self) -> &'static str {
        match self {
            Self::SameTitledDocuments => "messages: same-titled documents",
            Self::CountTokensDocuments => "count_tokens: same-titled documents",
            Self::SameNamedFiles => "chat: same-named files",
            Self::TextBlocks => "messages: text blocks",
        }
    }

    /// The path and body of a request with `blocks` blocks of this shape.
    fn request(self, blocks: usize) -> (&'static str, String) {
        let document = serde_json::json!({ "type": "document", "title": "same", "source": { "type": "text", "media_type": "text/plain", "data": "x" } });
        let claude = |content: serde_json::Value| serde_json::json!({ "model": "anthropic.claude-3-haiku-20240307-v1:0", "max_tokens": 10, "messages": [{ "role": "user", "content": content }] });
        match self {
            Self::SameTitledDocuments => ("/v1/messages", claude(serde_json::Value::Array(vec![document; blocks])).to_string()),
            Self::CountTokensDocuments => {
                // count_tokens takes no `max_tokens` (Anthropic refuses it as an extra input).
                let mut body = claude(serde_json::Value::Array(vec![document; blocks]));
                body.as_object_mut().map(|fields| fields.remove("max_tokens"));
                ("/v1/messages/count_tokens", body.to_string())
            }
            Self::SameNamedFiles => {
                let file = serde_json::json!({ "type": "file", "file": { "filename": "same.txt", "file_data": "data:text/plain;base64,eA==" } });
                ("/v1/chat/completions", serde_json::json!({ "model": MODEL, "messages": [{ "role": "user", "content": vec![file; blocks] }] }).to_string())
            }
            Self::TextBlocks => {
                ("/v1/messages", claude(serde_json::Value::Array(vec![serde_json::json!({ "type": "text", "text": "x" }); blocks])).to_string())
            }
        }
    }
}

/// The gateway's CPU per request, in ms, over `count` sequential requests of `shape`.
async fn shape_cpu_ms(addr: SocketAddr, pid: u32, shape: WorstShape, blocks: usize, count: usize) -> f64 {
    let (path, body) = shape.request(blocks);
    let body = Bytes::from(body);
    let mut sender = connect(addr).await;
    let before = cpu_ns(pid);
    for _ in 0..count {
        let request = hyper::Request::builder()
            .method("POST")
            .uri(path)
            .header("host", addr.to_string())
            .header("content-type", "application/json")
            .body(Full::new(body.clone()))
            .expect("request");
        sender.ready().await.expect("connection ready");
        let response = sender.send_request(request).await.expect("response");
        let status = response.status();
        let answer = response.into_body().collect().await.expect("body").to_bytes();
        assert!(status.is_success(), "{}: {status} {}", shape.label(), String::from_utf8_lossy(&answer));
    }
    (cpu_ns(pid) - before) as f64 / 1e6 / count as f64
}

fn main() {
    let scale: f64 = std::env::var("OPENCLAW_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let emulator = Emulator::builder().region("us-east-1").start().await.expect("emulator");
        let specs = gateway_specs().unwrap_or_else(|error| {
            eprintln!("error: {error}");
            std::process::exit(2)
        });
        let homes: Vec<tempfile::TempDir> = specs.iter().map(|_| tempfile::tempdir().expect("home")).collect();
        let collector = openclaw_test_support::otlp_collector::OtlpCollector::start(openclaw_test_support::otlp_collector::Transport::Http, false).await;
        let mut gateways: Vec<(String, Child, SocketAddr, u32)> = Vec::new();
        for ((label, binary, config, policy, telemetry), home) in specs.into_iter().zip(&homes) {
            let otlp = telemetry.then_some(collector.endpoint.as_str());
            let (child, addr) = start_gateway(&emulator, (&binary, config, policy.as_deref(), otlp), home.path());
            let pid = child.id();
            gateways.push((label, child, addr, pid));
        }
        let rss_start: Vec<u64> = gateways.iter().map(|(_, _, _, pid)| rss_kib(*pid)).collect();
        let emulator_addr = emulator.local_addr();
        // Warm up every path (connections, compile cache, allocator slots, plans).
        for stream in [false, true] {
            scenario(Path::Direct, emulator_addr, stream, 8, 25).await;
            for (_, _, addr, _) in &gateways {
                for api in APIS {
                    if serves(api, *addr).await {
                        scenario(api, *addr, stream, 8, 25).await;
                    }
                }
            }
        }
        // The rows each gateway is measured on: the APIs it serves.
        let mut measured = Vec::new();
        for (label, _, addr, pid) in &gateways {
            for api in APIS {
                if serves(api, *addr).await {
                    measured.push((label, *addr, *pid, api));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_idle: Vec<u64> = gateways.iter().map(|(_, _, _, pid)| rss_kib(*pid)).collect();
        let n = |base: f64| ((base * scale).round() as usize).max(1);
        let levels = [(1usize, n(2000.0)), (64, n(30.0)), (256, n(10.0))];
        println!("| mode | concurrency | requests | config | direct p50 ms | gateway p50 ms | added p50 ms | direct p99 ms | gateway p99 ms | added p99 ms | direct TTFT p50 ms | gateway TTFT p50 ms | added TTFT ms | direct req/s | gateway req/s | throughput ratio | gateway CPU µs/request |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for stream in [false, true] {
            for (concurrency, per_client) in levels {
                // Interleaved: the direct run, then each gateway, one after the other.
                let (direct, direct_time) = scenario(Path::Direct, emulator_addr, stream, concurrency, per_client).await;
                let d = summarize(&direct, direct_time);
                for &(label, addr, pid, api) in &measured {
                    let cpu_before = cpu_ns(pid);
                    let (through, through_time) = scenario(api, addr, stream, concurrency, per_client).await;
                    let cpu_per_request = (cpu_ns(pid) - cpu_before) as f64 / 1e3 / through.len() as f64;
                    let g = summarize(&through, through_time);
                    let ttft = if stream { (ms(d.ttft50), ms(g.ttft50), added(g.ttft50, d.ttft50)) } else { ("-".into(), "-".into(), "-".into()) };
                    println!(
                        "| {} {} | {concurrency} | {} | {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} | {:.2} | {:.0} |",
                        if stream { "stream" } else { "whole" },
                        api.label(),
                        direct.len(),
                        ms(d.p50), ms(g.p50), added(g.p50, d.p50),
                        ms(d.p99), ms(g.p99), added(g.p99, d.p99),
                        ttft.0, ttft.1, ttft.2,
                        d.rps, g.rps, g.rps / d.rps,
                        cpu_per_request,
                    );
                }
            }
        }
        println!();
        // The worst request shapes (issue 30), on the first gateway only (an older binary may take
        // minutes over them): linear work shows as ~10x the CPU for 10x the blocks.
        if let Some((label, _, addr, pid)) = gateways.first() {
            println!("| worst shape ({label}) | CPU ms/request, 1,000 blocks | CPU ms/request, 10,000 blocks | ratio |");
            println!("|---|---|---|---|");
            for shape in WorstShape::ALL {
                let small = shape_cpu_ms(*addr, *pid, shape, 1_000, n(20.0)).await;
                let large = shape_cpu_ms(*addr, *pid, shape, 10_000, n(4.0)).await;
                println!("| {} | {small:.2} | {large:.2} | {:.1} |", shape.label(), large / small);
            }
            println!();
        }
        for (index, (label, _, addr, pid)) in gateways.iter().enumerate() {
            let rss_streams = rss_with_open_streams(&emulator, *addr, *pid, OPEN_STREAMS).await;
            println!(
                "gateway RSS ({label}): {:.1} MiB at start, {:.1} MiB idle after load, {:.1} MiB with {OPEN_STREAMS} open streams",
                rss_start[index] as f64 / 1024.0,
                rss_idle[index] as f64 / 1024.0,
                rss_streams as f64 / 1024.0
            );
        }
        for (_, mut child, _, pid) in gateways {
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
            let _ = child.wait();
        }
        println!("OTLP collector: {} spans received", collector.spans().len());
    });
}
