//! Where and how telemetry is exported: our flags first, then the standard `OTEL_*`
//! variables (the OpenTelemetry specification's "OTLP Exporter Configuration").
//!
//! Read here: the endpoint, the protocol, the CA certificate, `OTEL_SERVICE_NAME`. Read by
//! the SDK itself when the exporter is built: `OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]HEADERS`,
//! `..._TIMEOUT`, `..._COMPRESSION` (none built in), and `OTEL_RESOURCE_ATTRIBUTES`.

use std::path::PathBuf;
use std::time::Duration;

/// The OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Protobuf over HTTP (`POST <endpoint>/v1/traces`), the default (port 4318 by convention).
    #[default]
    HttpProtobuf,
    /// gRPC over HTTP/2 (port 4317 by convention).
    Grpc,
}

impl Protocol {
    /// The protocol named as `OTEL_EXPORTER_OTLP_PROTOCOL` names it: `http/protobuf` or `grpc`.
    pub fn parse(name: &str) -> Result<Self, OtlpError> {
        match name.trim() {
            "http/protobuf" => Ok(Self::HttpProtobuf),
            "grpc" => Ok(Self::Grpc),
            other => Err(OtlpError::Protocol(other.to_string())),
        }
    }

    /// The name `OTEL_EXPORTER_OTLP_PROTOCOL` would give.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HttpProtobuf => "http/protobuf",
            Self::Grpc => "grpc",
        }
    }
}

/// Where and how spans (and metrics) are exported. Its `Debug` shows header names only.
#[derive(Clone, PartialEq, Eq)]
pub struct OtlpConfig {
    /// The collector: `http[s]://HOST:PORT[/BASE]`. Over HTTP, spans go to
    /// `<endpoint>/v1/traces` (an endpoint already ending in `/v1/traces` is used as given) and
    /// metrics to `<base>/v1/metrics`; over gRPC the path is the service's.
    pub endpoint: String,
    /// HTTP/protobuf or gRPC.
    pub protocol: Protocol,
    /// `service.name` of the resource.
    pub service_name: String,
    /// Headers sent with every export (a vendor intake's key, say), beside those of
    /// `OTEL_EXPORTER_OTLP_HEADERS`. Never logged.
    pub headers: Vec<(String, String)>,
    /// A PEM file of the CA certificates to trust for an `https://` endpoint, instead of the
    /// system's roots.
    pub ca_file: Option<PathBuf>,
    /// How long spans may wait to be batched.
    pub interval: Duration,
    /// Spans waiting at most.
    pub queue: usize,
    /// How often the metrics are exported.
    pub metrics_interval: Duration,
}

impl OtlpConfig {
    /// An HTTP/protobuf exporter to this base URL, service `openclaw-gateway`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            protocol: Protocol::default(),
            service_name: "openclaw-gateway".into(),
            headers: Vec::new(),
            ca_file: None,
            interval: Duration::from_secs(2),
            queue: super::DEFAULT_QUEUE,
            metrics_interval: Duration::from_secs(30),
        }
    }

    /// From the standard variables; `Ok(None)` when no endpoint is set (telemetry export stays
    /// off). See [`OtlpConfig::from_vars`].
    pub fn from_env() -> Result<Option<Self>, OtlpError> {
        Self::from_vars(&env_var)
    }

    /// From the variables `var` reads: the endpoint from `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
    /// (used as given) or `OTEL_EXPORTER_OTLP_ENDPOINT` (the base), the protocol from
    /// `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL`, the CA from
    /// `OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE` or `OTEL_EXPORTER_OTLP_CERTIFICATE`, and
    /// `OTEL_SERVICE_NAME`. Blank variables count as unset.
    pub fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Result<Option<Self>, OtlpError> {
        let var = |name: &str| var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let Some(endpoint) = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| var("OTEL_EXPORTER_OTLP_ENDPOINT")) else { return Ok(None) };
        let mut config = Self::new(endpoint);
        config.apply_vars(&var)?;
        Ok(Some(config))
    }

    /// This endpoint (a flag's), with the protocol, CA and service name the variables give.
    pub fn with_vars(endpoint: impl Into<String>) -> Result<Self, OtlpError> {
        let mut config = Self::new(endpoint);
        config.apply_vars(&env_var)?;
        Ok(config)
    }

    fn apply_vars(&mut self, var: &dyn Fn(&str) -> Option<String>) -> Result<(), OtlpError> {
        let either = |signal: &str, general: &str| var(signal).or_else(|| var(general));
        if let Some(protocol) = either("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL") {
            self.protocol = Protocol::parse(&protocol)?;
        }
        if let Some(path) = either("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE") {
            self.ca_file = Some(PathBuf::from(path));
        }
        if let Some(name) = var("OTEL_SERVICE_NAME") {
            self.service_name = super::super::bounded(&name, 256);
        }
        Ok(())
    }

    /// The endpoint checked: `http://` or `https://`, a host, no user info.
    pub(super) fn checked_endpoint(&self) -> Result<http::Uri, OtlpError> {
        let bad = || OtlpError::Endpoint(self.endpoint.clone());
        let uri: http::Uri = self.endpoint.trim().parse().map_err(|_| bad())?;
        let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
        let authority = uri.authority().ok_or_else(bad)?;
        if !scheme_ok || authority.host().is_empty() || authority.as_str().contains('@') {
            return Err(bad());
        }
        Ok(uri)
    }

    /// The URL HTTP exports of `signal` (`traces`, `metrics`) go to.
    pub(super) fn signal_url(&self, signal: &str) -> String {
        let base = self.endpoint.trim().trim_end_matches('/');
        let base = base.strip_suffix("/v1/traces").or_else(|| base.strip_suffix("/v1/metrics")).unwrap_or(base);
        format!("{base}/v1/{signal}")
    }
}

impl std::fmt::Debug for OtlpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values are a vendor's keys: never in a log.
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("OtlpConfig")
            .field("endpoint", &self.endpoint)
            .field("protocol", &self.protocol)
            .field("service_name", &self.service_name)
            .field("headers", &headers)
            .field("ca_file", &self.ca_file)
            .field("interval", &self.interval)
            .field("queue", &self.queue)
            .field("metrics_interval", &self.metrics_interval)
            .finish()
    }
}

/// A variable of the process's environment, trimmed; blank counts as unset.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Why the exporter could not start.
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    /// Not an `http[s]://HOST[:PORT][/PATH]` URL.
    #[error("OTLP endpoint {0:?}: expected http://HOST:PORT or https://HOST:PORT")]
    Endpoint(String),
    /// A protocol other than `http/protobuf` and `grpc`.
    #[error("OTLP protocol {0:?}: expected http/protobuf or grpc")]
    Protocol(String),
    /// The CA file cannot be read or holds no certificate.
    #[error("OTLP CA certificate file {path}: {reason}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The SDK refused the configuration (a bad header variable, say).
    #[error("OTLP exporter: {0}")]
    Exporter(String),
}
