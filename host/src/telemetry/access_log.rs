//! The access log: one JSON line per request, opt-in, to a file or stderr.
//!
//! A handler fills an [`AccessRecord`] as the request goes (for a stream, when it ends) and
//! hands it to [`AccessLog::record`], which only queues the line: a writer thread does the
//! I/O, so a slow disk never slows a request. A full queue drops the line and counts it
//! ([`AccessLog::dropped`]). A record holds no prompt or reply text and no secret: only ids,
//! names, numbers and error classes; client-controlled fields are cut to a bound.

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::{Duration, SystemTime};

/// Lines waiting for the writer at most; more are dropped and counted.
pub const DEFAULT_QUEUE: usize = 8192;
/// Longest model reference kept (client-controlled).
const MAX_MODEL: usize = 256;
/// Longest route kept (client-controlled).
const MAX_ROUTE: usize = 128;

/// What is known of one request when it ends. Serialized as one JSON object per line.
#[derive(Debug, Clone, Serialize)]
pub struct AccessRecord {
    /// When the request arrived, RFC 3339 UTC (`2026-11-30T05:59:08.123Z`).
    #[serde(serialize_with = "as_rfc3339")]
    pub time: SystemTime,
    /// The request id ([`super::request_id::for_request`]), echoed as `x-request-id`.
    pub request_id: String,
    /// Which client key authenticated ([`client_key_id`]), never the key; null without
    /// client authentication.
    pub client_key_id: Option<String>,
    /// `POST`, `GET`, ...
    pub method: String,
    /// The path (`/v1/chat/completions`).
    pub route: String,
    /// The model reference the client asked for, as sent; null when it named none.
    pub model_requested: Option<String>,
    /// The model id the policy called (after resolution and any fallback).
    pub target: Option<String>,
    /// The region called.
    pub region: Option<String>,
    /// The policy that decided (`name version`).
    pub policy: Option<String>,
    /// The SHA-256 of the policy component, hex.
    pub policy_digest: Option<String>,
    /// The number of the routing plan the request was served from (each new plan gets the
    /// next one); null for a 0.1.0 policy, which has no plan.
    pub plan_version: Option<u64>,
    /// The trace id (32 hex digits) when traces are exported, to find the request's spans.
    pub trace_id: Option<String>,
    /// Whether the client asked for a stream.
    pub stream: bool,
    /// The HTTP status sent.
    pub status: u16,
    /// The error class (`rate_limit`, `timeout`, ...) of a failed request, or of a stream that
    /// failed after its 200.
    pub error_class: Option<String>,
    /// From arrival to the last byte, in ms.
    pub latency_ms: u64,
    /// From arrival to the first token, in ms (streams and whole replies alike).
    pub ttft_ms: Option<u64>,
    /// Input tokens Bedrock counted.
    pub tokens_in: Option<u64>,
    /// Output tokens Bedrock counted.
    pub tokens_out: Option<u64>,
    /// Input tokens read from the prompt cache.
    pub tokens_cached: Option<u64>,
    /// Hosted tools (web search, ...) a Responses API request offered that were left out of
    /// the model's tools (they cannot run behind Bedrock); null for other requests.
    pub hosted_tools_omitted: Option<u32>,
}

impl AccessRecord {
    /// A record for a request that arrived now; the handler fills in the rest.
    pub fn new(request_id: impl Into<String>, method: &str, route: &str) -> Self {
        Self {
            time: SystemTime::now(),
            request_id: request_id.into(),
            client_key_id: None,
            method: super::bounded(method, 16),
            route: super::bounded(route, MAX_ROUTE),
            model_requested: None,
            target: None,
            region: None,
            policy: None,
            policy_digest: None,
            plan_version: None,
            trace_id: None,
            stream: false,
            status: 0,
            error_class: None,
            latency_ms: 0,
            ttft_ms: None,
            tokens_in: None,
            tokens_out: None,
            tokens_cached: None,
            hosted_tools_omitted: None,
        }
    }

    /// Sets the model the client asked for, cut to a bound.
    pub fn model_requested(mut self, model: Option<&str>) -> Self {
        self.model_requested = model.map(|m| super::bounded(m, MAX_MODEL));
        self
    }

    /// Sets the latency (and the time to first token) from the request's start.
    pub fn timing(mut self, latency: Duration, ttft: Option<Duration>) -> Self {
        self.latency_ms = latency.as_millis() as u64;
        self.ttft_ms = ttft.map(|t| t.as_millis() as u64);
        self
    }

    /// The record as one JSON line (with its newline).
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"));
        line.push('\n');
        line
    }
}

fn as_rfc3339<S: serde::Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&super::time::rfc3339(*time))
}

/// A stable, non-reversible name for a client key: `key-` and the first 12 hex digits of its
/// SHA-256. Lets the log tell keys apart without holding one.
pub fn client_key_id(key: &str) -> String {
    client_key_id_of_digest(&Sha256::digest(key.as_bytes()).into())
}

/// [`client_key_id`] from the key's SHA-256 (what a gateway keeps instead of the key).
pub fn client_key_id_of_digest(digest: &[u8; 32]) -> String {
    format!("key-{}", hex::encode(&digest[..6]))
}

/// Where the lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// Standard error, beside the logs.
    Stderr,
    /// A file, appended to (created `0600`: it names clients and models).
    File(PathBuf),
}

impl Sink {
    /// `-` or `stderr` is standard error; anything else a file path.
    pub fn parse(value: &str) -> Self {
        match value {
            "-" | "stderr" => Self::Stderr,
            path => Self::File(PathBuf::from(path)),
        }
    }
}

/// The access log handle, cheap to clone; [`AccessLog::off`] makes every call a no-op.
#[derive(Debug, Clone, Default)]
pub struct AccessLog {
    sender: Option<SyncSender<String>>,
    dropped: Arc<AtomicU64>,
    /// Lines queued and not yet written.
    pending: Arc<AtomicU64>,
    writer: Option<Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>>,
}

impl AccessLog {
    /// No access log.
    pub fn off() -> Self {
        Self::default()
    }

    /// Opens the sink (a file is created or appended to now, so a bad path fails at start)
    /// and starts the writer thread.
    pub fn open(sink: Sink) -> std::io::Result<Self> {
        Self::open_with_queue(sink, DEFAULT_QUEUE)
    }

    /// [`AccessLog::open`] with a queue of `capacity` lines.
    pub fn open_with_queue(sink: Sink, capacity: usize) -> std::io::Result<Self> {
        let out: Box<dyn std::io::Write + Send> = match &sink {
            Sink::Stderr => Box::new(std::io::stderr()),
            Sink::File(path) => {
                let mut options = std::fs::OpenOptions::new();
                options.create(true).append(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                Box::new(options.open(path)?)
            }
        };
        let (sender, receiver) = std::sync::mpsc::sync_channel(capacity.max(1));
        let counters = Counters { pending: Arc::default(), dropped: Arc::default() };
        let (pending, dropped) = (Arc::clone(&counters.pending), Arc::clone(&counters.dropped));
        let writer = std::thread::Builder::new().name("openclaw-access-log".into()).spawn(move || write_lines(receiver, out, &counters))?;
        Ok(Self { sender: Some(sender), dropped, pending, writer: Some(Arc::new(std::sync::Mutex::new(Some(writer)))) })
    }

    /// Whether records are written at all.
    pub fn is_on(&self) -> bool {
        self.sender.is_some()
    }

    /// Queues one line; never blocks. A full queue drops it (counted).
    pub fn record(&self, record: &AccessRecord) {
        let Some(sender) = &self.sender else { return };
        self.pending.fetch_add(1, Ordering::Relaxed);
        match sender.try_send(record.to_line()) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.pending.fetch_sub(1, Ordering::Relaxed);
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits (at most `limit`) until every line queued so far is written: at shutdown, so
    /// that the last requests' lines are not lost with the process.
    pub async fn flush(&self, limit: Duration) {
        let started = std::time::Instant::now();
        while self.pending.load(Ordering::Relaxed) > 0 && started.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Lines dropped because the writer fell behind (or failed).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The counter behind [`AccessLog::dropped`], for the metrics.
    pub(crate) fn dropped_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.dropped)
    }

    /// Stops taking lines and waits until every queued one is written (at shutdown). Clones
    /// made before keep queuing until they are dropped; the writer ends when all are gone.
    pub fn close(mut self) {
        self.sender = None;
        if let Some(writer) = self.writer.take()
            && let Ok(mut slot) = writer.lock()
            && Arc::strong_count(&writer) == 1
            && let Some(handle) = slot.take()
        {
            let _ = handle.join();
        }
    }
}

/// What the writer thread counts: lines waiting, lines lost.
struct Counters {
    pending: Arc<AtomicU64>,
    dropped: Arc<AtomicU64>,
}

/// The writer thread: writes lines as they come, flushing whenever the queue is empty; counts
/// each line off `pending` once it is flushed, or as dropped when the sink failed.
fn write_lines(receiver: Receiver<String>, mut out: Box<dyn std::io::Write + Send>, counters: &Counters) {
    let mut failed = false;
    while let Ok(line) = receiver.recv() {
        let mut lines = 1;
        failed = failed || out.write_all(line.as_bytes()).is_err();
        while let Ok(more) = receiver.try_recv() {
            lines += 1;
            failed = failed || out.write_all(more.as_bytes()).is_err();
        }
        // A sink that failed (a full disk, a closed stderr) stays failed: its lines are
        // counted as dropped rather than piling up.
        failed = failed || out.flush().is_err();
        if failed {
            counters.dropped.fetch_add(lines, Ordering::Relaxed);
        }
        counters.pending.fetch_sub(lines, Ordering::Relaxed);
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(id: &str) -> AccessRecord {
        let mut record = AccessRecord::new(id, "POST", "/v1/chat/completions").model_requested(Some("bedrock/amazon.nova-pro-v1:0"));
        record.client_key_id = Some(client_key_id("the-client-key"));
        record.target = Some("amazon.nova-pro-v1:0".into());
        record.region = Some("us-east-1".into());
        record.policy = Some("openclaw-default 0.1.0".into());
        record.stream = true;
        record.status = 200;
        record.tokens_in = Some(12);
        record.tokens_out = Some(34);
        record.tokens_cached = Some(0);
        record.timing(Duration::from_millis(250), Some(Duration::from_millis(40)))
    }

    #[test]
    fn one_json_line_per_request_with_every_field_and_no_secret() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("access.jsonl");
        let log = AccessLog::open(Sink::File(path.clone())).expect("open");
        log.record(&sample("req-1"));
        let mut failed = sample("req-2");
        (failed.status, failed.error_class, failed.stream) = (429, Some("rate_limit".into()), false);
        log.record(&failed);
        log.close();
        let text = std::fs::read_to_string(&path).expect("log");
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
        assert_eq!(lines.len(), 2, "{text}");
        let first = &lines[0];
        for field in [
            "time",
            "request_id",
            "client_key_id",
            "method",
            "route",
            "model_requested",
            "target",
            "region",
            "policy",
            "policy_digest",
            "plan_version",
            "trace_id",
            "stream",
            "status",
            "error_class",
            "latency_ms",
            "ttft_ms",
            "tokens_in",
            "tokens_out",
            "tokens_cached",
            "hosted_tools_omitted",
        ] {
            assert!(first.get(field).is_some(), "{field} missing: {first}");
        }
        assert_eq!(first["request_id"], "req-1");
        assert_eq!((first["latency_ms"].as_u64(), first["ttft_ms"].as_u64()), (Some(250), Some(40)));
        assert!(first["time"].as_str().is_some_and(|t| t.ends_with('Z') && t.len() == 24), "{first}");
        assert_eq!((lines[1]["status"].as_u64(), lines[1]["error_class"].as_str()), (Some(429), Some("rate_limit")));
        assert!(!text.contains("the-client-key"), "the client key itself was logged");
        assert_eq!(first["client_key_id"], client_key_id("the-client-key"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn client_controlled_fields_are_bounded() {
        let record = AccessRecord::new("id", "POST", &"/x".repeat(1000)).model_requested(Some(&"m".repeat(10_000)));
        assert_eq!(record.model_requested.as_deref().map(str::len), Some(MAX_MODEL));
        assert_eq!(record.route.len(), MAX_ROUTE);
        assert!(record.to_line().len() < 1024);
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_blocking() {
        // A sink that never returns: the writer holds one line, the queue one more.
        struct Stuck;
        impl std::io::Write for Stuck {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                std::thread::park();
                Ok(0)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        let _writer = std::thread::spawn(move || write_lines(receiver, Box::new(Stuck), &Counters { pending: Arc::default(), dropped: Arc::default() }));
        let log = AccessLog { sender: Some(sender), dropped: Arc::default(), pending: Arc::default(), writer: None };
        for i in 0..100 {
            log.record(&sample(&format!("req-{i}")));
        }
        assert!(log.dropped() >= 98, "dropped {}", log.dropped());
    }

    #[test]
    fn off_does_nothing() {
        let log = AccessLog::off();
        assert!(!log.is_on());
        log.record(&sample("x"));
        assert_eq!(log.dropped(), 0);
        log.close();
    }
}
