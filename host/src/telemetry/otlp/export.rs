//! The export pipeline: a bounded queue the request path hands ended spans to, a task on the
//! gateway's runtime that batches them into `opentelemetry-otlp`'s `SpanExporter`, and (once
//! [`Exporter::export_metrics`] is called) the SDK's meter provider reading the gateway's
//! metrics into `opentelemetry-otlp`'s `MetricExporter` on an interval.
//!
//! One HTTP/TLS stack (README, "Dependencies"): HTTP exports go through hyper 1 and
//! hyper-rustls with aws-lc (the SDK's `HyperClient` with our connector), gRPC through tonic
//! with its aws-lc TLS; both trust the system's roots or the configured CA.

use super::config::{OtlpConfig, OtlpError, Protocol};
use super::{MAX_BATCH, Span};
use opentelemetry::InstrumentationScope;
use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanExporter as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// Longest wait for one export (the SDK's own timeout, `OTEL_EXPORTER_OTLP_TIMEOUT`, also holds).
const EXPORT_LIMIT: Duration = Duration::from_secs(10);

/// The exporter handle, cheap to clone. The export task ends (after a last export) when
/// every clone is dropped.
#[derive(Debug, Clone)]
pub struct Exporter {
    sender: mpsc::Sender<Message>,
    counts: Counts,
    config: Arc<OtlpConfig>,
    resource: Resource,
    /// The metrics export, once started; ends when the last clone is dropped.
    meters: Arc<Meters>,
}

/// The SDK's meter provider of the metrics export, once started.
#[derive(Debug, Default)]
struct Meters(std::sync::OnceLock<opentelemetry_sdk::metrics::SdkMeterProvider>);

impl Drop for Meters {
    fn drop(&mut self) {
        // Dropping the last provider shuts it down, which blocks until the reader's task on the
        // runtime answers: never on a runtime thread (a current-thread runtime would hang).
        if let Some(provider) = self.0.take() {
            let _ = std::thread::Builder::new().name("otlp-metrics-end".into()).spawn(move || drop(provider));
        }
    }
}

/// What the export task receives.
#[derive(Debug)]
enum Message {
    /// An ended span.
    Span(Span),
    /// Send what is batched now, then answer.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// What became of the exported spans; holding it does not keep the export task alive.
#[derive(Debug, Clone)]
pub struct ExportStats {
    counts: Counts,
}

impl ExportStats {
    /// Spans the collector accepted.
    pub fn exported(&self) -> u64 {
        self.counts.exported.load(Ordering::Relaxed)
    }

    /// Spans dropped: queue full, or the collector refused or could not be reached.
    pub fn dropped(&self) -> u64 {
        self.counts.dropped.load(Ordering::Relaxed)
    }
}

/// What became of the spans.
#[derive(Debug, Clone, Default)]
struct Counts {
    dropped: Arc<AtomicU64>,
    exported: Arc<AtomicU64>,
}

impl Exporter {
    /// Starts the export task on the current tokio runtime. Nothing is sent yet: a collector
    /// that is down costs the gateway nothing until there are spans, and then only drops.
    pub fn start(config: OtlpConfig) -> Result<(Self, tokio::task::JoinHandle<()>), OtlpError> {
        config.checked_endpoint()?;
        let resource = Resource::builder().with_service_name(config.service_name.clone()).build();
        let mut span_exporter = span_exporter(&config)?;
        span_exporter.set_resource(&resource);
        let (sender, receiver) = mpsc::channel(config.queue.max(1));
        let counts = Counts::default();
        let scope = InstrumentationScope::builder("openclaw-host").with_version(env!("CARGO_PKG_VERSION")).build();
        let task = tokio::spawn(run(receiver, span_exporter, scope, config.interval, counts.clone()));
        Ok((Self { sender, counts, config: Arc::new(config), resource, meters: Arc::default() }, task))
    }

    /// Queues an ended span; never waits. A full queue drops it (counted).
    pub fn export(&self, span: Span) {
        if self.sender.try_send(Message::Span(span)).is_err() {
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sends the spans exported so far now instead of at the end of the batching interval,
    /// waiting at most `limit` (at shutdown, so that the last requests' spans are not lost).
    pub async fn flush(&self, limit: Duration) {
        let (done, answered) = tokio::sync::oneshot::channel();
        let _ = tokio::time::timeout(limit, async {
            if self.sender.send(Message::Flush(done)).await.is_ok() {
                let _ = answered.await;
            }
        })
        .await;
        self.flush_metrics(limit).await;
    }

    /// The counts, for metrics.
    pub fn stats(&self) -> ExportStats {
        ExportStats { counts: self.counts.clone() }
    }

    /// Exports `metrics` over OTLP every [`OtlpConfig::metrics_interval`] from now on, to the
    /// same collector, while any clone of this exporter lives (once: later calls do nothing).
    pub fn export_metrics(&self, metrics: &crate::telemetry::metrics::Metrics) -> Result<(), OtlpError> {
        if self.meters.0.get().is_some() {
            return Ok(());
        }
        let exporter = metric_exporter(&self.config)?;
        let provider = crate::telemetry::metrics::otel::provider(metrics.clone(), exporter, self.resource.clone(), self.config.metrics_interval);
        let _ = self.meters.0.set(provider);
        Ok(())
    }

    /// Sends the metrics now (at shutdown), waiting at most `limit`.
    async fn flush_metrics(&self, limit: Duration) {
        let Some(provider) = self.meters.0.get().cloned() else { return };
        // The SDK's flush blocks its caller until the reader has exported.
        let _ = tokio::time::timeout(limit, tokio::task::spawn_blocking(move || provider.force_flush())).await;
    }
}

/// Collects spans into batches and exports each; ends (after a last export) when every
/// [`Exporter`] clone is gone.
async fn run(
    mut receiver: mpsc::Receiver<Message>,
    exporter: opentelemetry_otlp::SpanExporter,
    scope: InstrumentationScope,
    interval: Duration,
    counts: Counts,
) {
    let mut batch: Vec<Span> = Vec::new();
    let send = async |batch: &mut Vec<Span>| {
        if !batch.is_empty() {
            send(&exporter, &scope, std::mem::take(batch), &counts).await;
        }
    };
    loop {
        let next = if batch.is_empty() {
            receiver.recv().await
        } else {
            match tokio::time::timeout(interval, receiver.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    send(&mut batch).await;
                    continue;
                }
            }
        };
        match next {
            Some(Message::Span(span)) => {
                batch.push(span);
                if batch.len() >= MAX_BATCH {
                    send(&mut batch).await;
                }
            }
            Some(Message::Flush(done)) => {
                send(&mut batch).await;
                let _ = done.send(());
            }
            None => {
                send(&mut batch).await;
                return;
            }
        }
    }
}

async fn send(exporter: &opentelemetry_otlp::SpanExporter, scope: &InstrumentationScope, spans: Vec<Span>, counts: &Counts) {
    let count = spans.len() as u64;
    let batch = spans.into_iter().map(|span| span.into_span_data(scope)).collect();
    match tokio::time::timeout(EXPORT_LIMIT, exporter.export(batch)).await {
        Ok(Ok(())) => {
            counts.exported.fetch_add(count, Ordering::Relaxed);
            return;
        }
        Ok(Err(error)) => tracing::warn!(%error, spans = count, "cannot send spans to the OTLP collector"),
        Err(_) => tracing::warn!(spans = count, "the OTLP collector did not answer within 10 s"),
    }
    // Not retried here: traces are best effort, and a retry queue would grow while a collector
    // is down.
    counts.dropped.fetch_add(count, Ordering::Relaxed);
}

fn span_exporter(config: &OtlpConfig) -> Result<opentelemetry_otlp::SpanExporter, OtlpError> {
    let built = match config.protocol {
        Protocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(config.signal_url("traces"))
            .with_http_client(http_client(config)?)
            .with_headers(config.headers.iter().cloned().collect())
            .build(),
        Protocol::Grpc => grpc(opentelemetry_otlp::SpanExporter::builder().with_tonic(), config)?.build(),
    };
    built.map_err(|error| OtlpError::Exporter(error.to_string()))
}

fn metric_exporter(config: &OtlpConfig) -> Result<opentelemetry_otlp::MetricExporter, OtlpError> {
    let built = match config.protocol {
        Protocol::HttpProtobuf => opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(config.signal_url("metrics"))
            .with_http_client(http_client(config)?)
            .with_headers(config.headers.iter().cloned().collect())
            .build(),
        Protocol::Grpc => grpc(opentelemetry_otlp::MetricExporter::builder().with_tonic(), config)?.build(),
    };
    built.map_err(|error| OtlpError::Exporter(error.to_string()))
}

/// A tonic exporter builder set to the endpoint, the headers (as gRPC metadata) and, for
/// `https://`, TLS with the configured CA or the system's roots.
fn grpc<B: opentelemetry_otlp::WithExportConfig + opentelemetry_otlp::WithTonicConfig>(builder: B, config: &OtlpConfig) -> Result<B, OtlpError> {
    let mut metadata = tonic::metadata::MetadataMap::new();
    for (name, value) in &config.headers {
        let bad = || OtlpError::Exporter(format!("header {name:?}: not a valid gRPC metadata name or value"));
        let name = tonic::metadata::MetadataKey::from_bytes(name.to_ascii_lowercase().as_bytes()).map_err(|_| bad())?;
        metadata.insert(name, value.parse().map_err(|_| bad())?);
    }
    let builder = builder.with_endpoint(config.endpoint.trim()).with_metadata(metadata);
    if config.checked_endpoint()?.scheme_str() != Some("https") {
        return Ok(builder);
    }
    let tls = tonic::transport::ClientTlsConfig::new();
    let tls = match &config.ca_file {
        Some(path) => tls.ca_certificate(tonic::transport::Certificate::from_pem(read_ca(path)?)),
        None => tls.with_native_roots(),
    };
    Ok(builder.with_tls_config(tls))
}

/// The HTTP client of the HTTP exporters: hyper 1 with rustls (aws-lc), trusting the
/// configured CA or the system's roots.
fn http_client(
    config: &OtlpConfig,
) -> Result<opentelemetry_http::hyper::HyperClient<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>>, OtlpError> {
    let mut roots = rustls::RootCertStore::empty();
    match &config.ca_file {
        Some(path) => {
            use rustls::pki_types::pem::PemObject as _;
            let pem = read_ca(path)?;
            for certificate in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
                let bad = |reason: String| OtlpError::CaFile { path: path.clone(), reason };
                roots.add(certificate.map_err(|e| bad(e.to_string()))?).map_err(|e| bad(e.to_string()))?;
            }
        }
        None => {
            // Unreadable system certificates are skipped, as every rustls client does; an
            // https:// export then fails (and is counted) instead of the gateway.
            for certificate in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(certificate);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| OtlpError::Exporter(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http().enable_http1().build();
    Ok(opentelemetry_http::hyper::HyperClient::new(connector, EXPORT_LIMIT, None))
}

/// The PEM text of a CA file, with at least one certificate in it.
fn read_ca(path: &std::path::Path) -> Result<Vec<u8>, OtlpError> {
    let bad = |reason: String| OtlpError::CaFile { path: path.to_path_buf(), reason };
    let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    // A CA bundle is kilobytes; the system's whole bundle is under 1 MiB.
    if meta.len() > 4 << 20 {
        return Err(bad("larger than 4 MiB".into()));
    }
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(pem)
}
