//! An OTLP/HTTP collector for the tests: a real HTTP server on 127.0.0.1:0 that keeps every
//! span it is sent (OTLP's JSON encoding), and reads them back by request id.

use super::eventually;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An OTLP/HTTP collector on 127.0.0.1:0: the spans it received, and the paths posted to.
pub struct Collector {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub endpoint: String,
    /// Every span received, each with a `service` field added (its resource's service name).
    pub spans: Arc<Mutex<Vec<Value>>>,
    /// The path of every export request.
    pub paths: Arc<Mutex<Vec<String>>>,
}

impl Collector {
    /// Starts listening.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let (spans, paths) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        let (received, posted) = (Arc::clone(&spans), Arc::clone(&paths));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (received, posted) = (Arc::clone(&received), Arc::clone(&posted));
                let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let (received, posted) = (Arc::clone(&received), Arc::clone(&posted));
                    async move {
                        posted.lock().expect("paths").push(request.uri().path().to_string());
                        let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        let export: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        for resource in export["resourceSpans"].as_array().into_iter().flatten() {
                            for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
                                let mut spans = scope["spans"].as_array().cloned().unwrap_or_default();
                                for span in &mut spans {
                                    span["service"] = resource["resource"]["attributes"][0]["value"]["stringValue"].clone();
                                }
                                received.lock().expect("spans").extend(spans);
                            }
                        }
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"{}"))))
                    }
                });
                tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Self { endpoint, spans, paths }
    }

    /// The spans of the trace whose server span carries `request_id`, once `count` arrived
    /// (waiting at most `patience`).
    pub async fn trace_of(&self, request_id: &str, count: usize, patience: Duration) -> Vec<Value> {
        let trace = |spans: &[Value]| -> Vec<Value> {
            let Some(root) = spans.iter().find(|s| attributes(s).get("openclaw.request_id") == Some(&json!(request_id))) else { return Vec::new() };
            spans.iter().filter(|s| s["traceId"] == root["traceId"]).cloned().collect()
        };
        let arrived = eventually(patience, async || trace(&self.spans.lock().expect("spans")).len() >= count).await;
        let spans = trace(&self.spans.lock().expect("spans"));
        assert!(arrived, "{count} spans for {request_id}; got {spans:#?}");
        spans
    }
}

/// A span's attributes as plain JSON values (`intValue` strings as numbers).
pub fn attributes(span: &Value) -> HashMap<String, Value> {
    span["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|attribute| {
            let value = &attribute["value"];
            let plain = match (value.get("stringValue"), value.get("intValue"), value.get("boolValue")) {
                (Some(s), _, _) => s.clone(),
                (_, Some(i), _) => json!(i.as_str().and_then(|i| i.parse::<i64>().ok())),
                (_, _, Some(b)) => b.clone(),
                _ => value.clone(),
            };
            (attribute["key"].as_str().unwrap_or_default().to_string(), plain)
        })
        .collect()
}
