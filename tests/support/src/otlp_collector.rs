//! A small OTLP collector for the tests, on 127.0.0.1:0, built on the official protobuf types
//! (`opentelemetry-proto`, the OpenTelemetry project's Rust bindings of the OTLP `.proto`
//! files): OTLP/HTTP with protobuf bodies (`POST /v1/traces`, `/v1/metrics`) or OTLP/gRPC (the
//! generated `TraceService` and `MetricsService` servers), each plain or behind TLS with a
//! certificate made at start with `rcgen` (its PEM written to [`OtlpCollector::ca_file`]).
//! (No registry the project reaches carries `otelcol-contrib`, issue 31.)
//!
//! What it receives is kept as JSON in the shape of OTLP's JSON mapping (ids in hex, `kind`
//! and `status.code` as numbers, attribute values as `{"stringValue": ...}`), so that tests
//! read spans the way the specification prints them.

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{MetricsService, MetricsServiceServer};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
use prost::Message as _;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the collector is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// OTLP/HTTP, protobuf bodies.
    Http,
    /// OTLP/gRPC.
    Grpc,
}

/// One export request as it arrived.
#[derive(Debug, Clone)]
pub struct Export {
    /// `/v1/traces`, `/v1/metrics`, or the gRPC method's path.
    pub path: String,
    /// Its headers (gRPC: its metadata), names in lower case.
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct Store {
    spans: Mutex<Vec<Value>>,
    points: Mutex<Vec<Value>>,
    exports: Mutex<Vec<Export>>,
}

/// A running collector; stops when dropped.
pub struct OtlpCollector {
    /// Its URL (`http://127.0.0.1:PORT`, or `https://` with TLS).
    pub endpoint: String,
    /// The PEM file of its certificate (its own CA) when it serves TLS.
    pub ca_file: Option<PathBuf>,
    store: Arc<Store>,
    task: tokio::task::JoinHandle<()>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for OtlpCollector {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl OtlpCollector {
    /// Starts listening on 127.0.0.1:0.
    pub async fn start(transport: Transport, tls: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (acceptor, dir, ca_file) = if tls {
            let (acceptor, pem) = tls_acceptor(transport);
            let dir = tempfile::tempdir().expect("dir");
            let ca_file = dir.path().join("collector-ca.pem");
            std::fs::write(&ca_file, pem).expect("write the CA");
            (Some(acceptor), Some(dir), Some(ca_file))
        } else {
            (None, None, None)
        };
        let store = Arc::new(Store::default());
        let task = tokio::spawn(accept_loop(listener, transport, acceptor, Arc::clone(&store)));
        let scheme = if tls { "https" } else { "http" };
        Self { endpoint: format!("{scheme}://{addr}"), ca_file, store, task, _dir: dir }
    }

    /// Every span received, each with `service` (its resource's `service.name`) and
    /// `resource` (its resource's attributes, plain) added.
    pub fn spans(&self) -> Vec<Value> {
        self.store.spans.lock().expect("spans").clone()
    }

    /// Every metric data point received: `{"metric", "kind", "attributes" (plain), "value",
    /// "monotonic"}`.
    pub fn points(&self) -> Vec<Value> {
        self.store.points.lock().expect("points").clone()
    }

    /// Every export request, oldest first.
    pub fn exports(&self) -> Vec<Export> {
        self.store.exports.lock().expect("exports").clone()
    }

    /// The spans of the trace whose server span carries `openclaw.request_id` = `request_id`,
    /// once `count` arrived (waiting at most `patience`).
    pub async fn trace_of(&self, request_id: &str, count: usize, patience: Duration) -> Vec<Value> {
        let trace = |spans: &[Value]| -> Vec<Value> {
            let Some(root) = spans.iter().find(|s| attributes(s).get("openclaw.request_id") == Some(&json!(request_id))) else { return Vec::new() };
            spans.iter().filter(|s| s["traceId"] == root["traceId"]).cloned().collect()
        };
        let deadline = tokio::time::Instant::now() + patience;
        while trace(&self.spans()).len() < count && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let spans = trace(&self.spans());
        assert!(spans.len() >= count, "{count} spans for {request_id}; got {spans:#?}");
        spans
    }

    /// The latest value of every point of `metric` whose attributes include `labels`, once
    /// one arrived (waiting at most `patience`); `None` if none did.
    pub async fn latest(&self, metric: &str, labels: &Value, patience: Duration) -> Option<Value> {
        let matching = || {
            self.points()
                .into_iter()
                .rev()
                .find(|p| p["metric"] == metric && labels.as_object().is_some_and(|want| want.iter().all(|(k, v)| p["attributes"].get(k) == Some(v))))
        };
        let deadline = tokio::time::Instant::now() + patience;
        while matching().is_none() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        matching().map(|p| p["value"].clone())
    }
}

/// A span's attributes as plain JSON values (`intValue` strings as numbers, arrays as arrays).
pub fn attributes(span: &Value) -> std::collections::HashMap<String, Value> {
    span["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|attribute| {
            let value = &attribute["value"];
            let plain = match (value.get("stringValue"), value.get("intValue"), value.get("boolValue"), value.get("doubleValue")) {
                (Some(s), ..) => s.clone(),
                (_, Some(i), ..) => json!(i.as_str().and_then(|i| i.parse::<i64>().ok())),
                (_, _, Some(b), _) => b.clone(),
                (_, _, _, Some(d)) => d.clone(),
                _ => value.get("arrayValue").map_or_else(|| value.clone(), |array| array["values"].clone()),
            };
            (attribute["key"].as_str().unwrap_or_default().to_string(), plain)
        })
        .collect()
}

fn tls_acceptor(transport: Transport) -> (tokio_rustls::TlsAcceptor, String) {
    let names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
    let certified = rcgen::generate_simple_self_signed(names).expect("a test certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .expect("the certificate");
    config.alpn_protocols = match transport {
        Transport::Http => vec![b"http/1.1".to_vec()],
        Transport::Grpc => vec![b"h2".to_vec()],
    };
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), certified.cert.pem())
}

async fn accept_loop(listener: tokio::net::TcpListener, transport: Transport, acceptor: Option<tokio_rustls::TlsAcceptor>, store: Arc<Store>) {
    while let Ok((stream, _)) = listener.accept().await {
        let (acceptor, store) = (acceptor.clone(), Arc::clone(&store));
        tokio::spawn(async move {
            match acceptor {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        serve(TokioIo::new(stream), transport, store).await;
                    }
                }
                None => serve(TokioIo::new(stream), transport, store).await,
            }
        });
    }
}

async fn serve<S>(io: TokioIo<S>, transport: Transport, store: Arc<Store>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    match transport {
        Transport::Http => {
            let service = hyper::service::service_fn(move |request| http_export(request, Arc::clone(&store)));
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
        }
        Transport::Grpc => {
            let receiver = Receiver(Arc::clone(&store));
            let (traces, metrics) = (TraceServiceServer::new(receiver.clone()), MetricsServiceServer::new(receiver));
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                use tonic::codegen::Service as _;
                let (mut traces, mut metrics) = (traces.clone(), metrics.clone());
                async move {
                    if request.uri().path().starts_with("/opentelemetry.proto.collector.trace.") {
                        traces.call(request).await
                    } else {
                        metrics.call(request).await
                    }
                }
            });
            let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new()).serve_connection(io, service).await;
        }
    }
}

async fn http_export(request: hyper::Request<Incoming>, store: Arc<Store>) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
    let path = request.uri().path().to_string();
    let headers = request.headers().iter().map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    store.exports.lock().expect("exports").push(Export { path: path.clone(), headers });
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let answer = match path.as_str() {
        "/v1/traces" => ExportTraceServiceRequest::decode(body).map(|export| {
            keep_spans(&store, export);
            ExportTraceServiceResponse::default().encode_to_vec()
        }),
        "/v1/metrics" => ExportMetricsServiceRequest::decode(body).map(|export| {
            keep_points(&store, export);
            ExportMetricsServiceResponse::default().encode_to_vec()
        }),
        _ => return Ok(hyper::Response::builder().status(404).body(Full::default()).expect("response")),
    };
    let response = match answer {
        Ok(bytes) => hyper::Response::builder().header("content-type", "application/x-protobuf").body(Full::new(Bytes::from(bytes))),
        Err(_) => hyper::Response::builder().status(400).body(Full::default()),
    };
    Ok(response.expect("response"))
}

/// The gRPC services.
#[derive(Debug, Clone)]
struct Receiver(Arc<Store>);

impl Receiver {
    fn record<T>(&self, request: &tonic::Request<T>, path: &str) {
        let headers = request.metadata().clone().into_headers();
        let headers = headers.iter().map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        self.0.exports.lock().expect("exports").push(Export { path: path.to_string(), headers });
    }
}

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(&self, request: tonic::Request<ExportTraceServiceRequest>) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.record(&request, "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
        keep_spans(&self.0, request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Receiver {
    async fn export(&self, request: tonic::Request<ExportMetricsServiceRequest>) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.record(&request, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export");
        keep_points(&self.0, request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

fn keep_spans(store: &Store, export: ExportTraceServiceRequest) {
    let mut kept = store.spans.lock().expect("spans");
    for resource_spans in export.resource_spans {
        let resource = plain(&resource_spans.resource.map(|r| r.attributes).unwrap_or_default());
        for scope_spans in resource_spans.scope_spans {
            for span in scope_spans.spans {
                let mut json = json!({
                    "traceId": hex::encode(&span.trace_id),
                    "spanId": hex::encode(&span.span_id),
                    "name": span.name,
                    "kind": span.kind,
                    "flags": span.flags,
                    "startTimeUnixNano": span.start_time_unix_nano.to_string(),
                    "endTimeUnixNano": span.end_time_unix_nano.to_string(),
                    "attributes": span.attributes.iter().map(key_value).collect::<Vec<_>>(),
                    "status": match span.status {
                        Some(status) if status.code != 0 => json!({ "code": status.code, "message": status.message }),
                        _ => json!({}),
                    },
                    "scope": scope_spans.scope.as_ref().map(|s| s.name.clone()),
                    "service": resource.get("service.name").cloned().unwrap_or(Value::Null),
                    "resource": resource.clone(),
                });
                if !span.parent_span_id.is_empty() {
                    json["parentSpanId"] = json!(hex::encode(&span.parent_span_id));
                }
                kept.push(json);
            }
        }
    }
}

fn keep_points(store: &Store, export: ExportMetricsServiceRequest) {
    let mut kept = store.points.lock().expect("points");
    for resource_metrics in export.resource_metrics {
        for scope_metrics in resource_metrics.scope_metrics {
            for metric in scope_metrics.metrics {
                let (kind, monotonic, points) = match &metric.data {
                    Some(metric::Data::Sum(sum)) => ("sum", sum.is_monotonic, &sum.data_points),
                    Some(metric::Data::Gauge(gauge)) => ("gauge", false, &gauge.data_points),
                    _ => continue,
                };
                for point in points {
                    let value = match point.value {
                        Some(number_data_point::Value::AsInt(i)) => json!(i),
                        Some(number_data_point::Value::AsDouble(d)) => json!(d),
                        None => Value::Null,
                    };
                    kept.push(json!({ "metric": metric.name, "kind": kind, "monotonic": monotonic, "attributes": plain(&point.attributes), "value": value }));
                }
            }
        }
    }
}

/// Attributes as `{key: plain value}`.
fn plain(attributes: &[KeyValue]) -> serde_json::Map<String, Value> {
    attributes.iter().map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, plain_value))).collect()
}

fn plain_value(value: &AnyValue) -> Value {
    match &value.value {
        Some(any_value::Value::StringValue(s)) => json!(s),
        Some(any_value::Value::BoolValue(b)) => json!(b),
        Some(any_value::Value::IntValue(i)) => json!(i),
        Some(any_value::Value::DoubleValue(d)) => json!(d),
        Some(any_value::Value::ArrayValue(items)) => items.values.iter().map(plain_value).collect(),
        _ => Value::Null,
    }
}

/// An attribute in OTLP's JSON mapping.
fn key_value(kv: &KeyValue) -> Value {
    let value = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => json!({ "stringValue": s }),
        Some(any_value::Value::BoolValue(b)) => json!({ "boolValue": b }),
        Some(any_value::Value::IntValue(i)) => json!({ "intValue": i.to_string() }),
        Some(any_value::Value::DoubleValue(d)) => json!({ "doubleValue": d }),
        Some(any_value::Value::ArrayValue(items)) => json!({ "arrayValue": { "values": items.values.iter().map(plain_value).collect::<Vec<_>>() } }),
        _ => Value::Null,
    };
    json!({ "key": kv.key, "value": value })
}
